"""Small PyTorch modules that reproduce the router forms of the stacks moe_lens.adapters reads.

None of these stacks is installed here (no network; Debian has none of them). Each class below copies the
forward computation of the named source file at the named commit, with the distributed and fused parts
left out (tensor/expert parallelism, capacity factors, CUDA paths, jitter). Attribute and buffer names are
the originals', because the adapters find routers by them. The MoE layer around each router is a plain
dropless loop over experts.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Expert(nn.Module):
    def __init__(self, d: int, hidden: int):
        super().__init__()
        self.w1 = nn.Linear(d, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)))


def combine(experts, h, indices, gates):
    out = torch.zeros_like(h)
    for e, expert in enumerate(experts):
        token, slot = torch.where(indices == e)
        if token.numel():
            out.index_add_(0, token, expert(h[token]) * gates[token, slot, None].to(h.dtype))
    return out


class MixtralSparseMoeBlock(nn.Module):
    """huggingface/transformers src/transformers/models/mixtral/modeling_mixtral.py at
    00d4b3d2142cb4ced2f51b90614b5d26bc045015, MixtralSparseMoeBlock: gate = nn.Linear(hidden, E, bias=False);
    softmax over the router logits, top_k, renormalised; returns (hidden states, router_logits)."""

    def __init__(self, d, hidden, experts, top_k):
        super().__init__()
        self.hidden_dim, self.num_experts, self.top_k = d, experts, top_k
        self.gate = nn.Linear(d, experts, bias=False)
        self.experts = nn.ModuleList(Expert(d, hidden) for _ in range(experts))
        self.picks = []  # the block's own picks, for the tests to compare with the hooks'

    def forward(self, hidden_states):
        batch, seq, dim = hidden_states.shape
        h = hidden_states.view(-1, dim)
        router_logits = self.gate(h)
        routing_weights = F.softmax(router_logits, dim=1, dtype=torch.float)
        routing_weights, selected_experts = torch.topk(routing_weights, self.top_k, dim=-1)
        routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
        self.picks.append(selected_experts.detach())
        out = combine(self.experts, h, selected_experts, routing_weights)
        return out.reshape(batch, seq, dim), router_logits


class DeepseekV3TopkRouter(nn.Module):
    """huggingface/transformers src/transformers/models/deepseek_v3/modeling_deepseek_v3.py at
    00b676f8f0489b88652a31d70751cc540dd06305, DeepseekV3TopkRouter: sigmoid scores, e_score_correction_bias
    added for the (group-limited) choice only, gates gathered from the unbiased scores, optionally normalised,
    times routed_scaling_factor; returns (topk_indices, topk_weights)."""

    def __init__(self, d, experts, top_k, n_group=2, topk_group=2, norm_topk_prob=True, routed_scaling_factor=1.0):
        super().__init__()
        self.hidden_size = d
        self.top_k, self.n_routed_experts = top_k, experts
        self.n_group, self.topk_group = n_group, topk_group
        self.norm_topk_prob, self.routed_scaling_factor = norm_topk_prob, routed_scaling_factor
        self.weight = nn.Parameter(torch.empty((experts, d)))
        nn.init.normal_(self.weight, std=0.5)
        self.register_buffer("e_score_correction_bias", torch.zeros(experts))

    @torch.no_grad()
    def get_topk_indices(self, scores):
        scores_for_choice = scores.view(-1, self.n_routed_experts) + self.e_score_correction_bias.unsqueeze(0)
        group_scores = (scores_for_choice.view(-1, self.n_group, self.n_routed_experts // self.n_group)
                        .topk(2, dim=-1)[0].sum(dim=-1))
        group_idx = torch.topk(group_scores, k=self.topk_group, dim=-1, sorted=False)[1]
        group_mask = torch.zeros_like(group_scores)
        group_mask.scatter_(1, group_idx, 1)
        score_mask = (group_mask.unsqueeze(-1).expand(-1, self.n_group, self.n_routed_experts // self.n_group)
                      .reshape(-1, self.n_routed_experts))
        scores_for_choice = scores_for_choice.masked_fill(~score_mask.bool(), 0.0)
        return torch.topk(scores_for_choice, k=self.top_k, dim=-1, sorted=False)[1]

    def forward(self, hidden_states):
        hidden_states = hidden_states.view(-1, self.hidden_size)
        router_logits = F.linear(hidden_states.type(torch.float32), self.weight.type(torch.float32))
        scores = router_logits.sigmoid()
        topk_indices = self.get_topk_indices(scores)
        topk_weights = scores.gather(1, topk_indices)
        if self.norm_topk_prob:
            topk_weights = topk_weights / (topk_weights.sum(dim=-1, keepdim=True) + 1e-20)
        return topk_indices, topk_weights * self.routed_scaling_factor


class DeepseekV3MoE(nn.Module):
    def __init__(self, d, hidden, experts, top_k):
        super().__init__()
        self.gate = DeepseekV3TopkRouter(d, experts, top_k)
        self.experts = nn.ModuleList(Expert(d, hidden) for _ in range(experts))
        self.picks = []

    def forward(self, hidden_states):
        shape = hidden_states.shape
        indices, weights = self.gate(hidden_states)
        self.picks.append(indices.detach())
        h = hidden_states.reshape(-1, shape[-1])
        return combine(self.experts, h, indices, weights).reshape(shape)


class TopKRouter(nn.Module):
    """NVIDIA/Megatron-LM megatron/core/transformer/moe/router.py at 005742ff1f002035922b88a648fa615aec22eeff,
    TopKRouter with moe_router_load_balancing_type "none" and moe_router_enable_expert_bias: gating() =
    input @ weightᵀ; routing() -> topk_softmax_with_capacity (moe_utils.py, no capacity): sigmoid scores,
    expert_bias added for the choice, probs gathered from the scores and normalised when topk > 1, scattered
    into a dense [T, E] tensor with the bool routing_map; local_tokens_per_expert += routing_map.sum(0).
    The sigmoid branch follows moe_utils.py topk_softmax_with_capacity as the code search showed it."""

    def __init__(self, d, experts, top_k, score_function="sigmoid"):
        super().__init__()
        self.num_experts, self.topk, self.score_function = experts, top_k, score_function
        self.weight = nn.Parameter(torch.empty((experts, d)))
        nn.init.normal_(self.weight, std=0.5)
        self.enable_expert_bias = True
        self.register_buffer("local_tokens_per_expert", torch.zeros(experts), persistent=False)
        self.register_buffer("expert_bias", torch.zeros(experts))

    def gating(self, input):
        return F.linear(input, self.weight)

    def routing(self, logits):
        logits = logits.view(-1, self.num_experts)
        if self.score_function == "softmax":
            scores = torch.softmax(logits, dim=-1, dtype=torch.float32)  # the bias steers sigmoid only
            probs, top_indices = torch.topk(scores, k=self.topk, dim=1)
        else:
            scores = torch.sigmoid(logits.float())
            _, top_indices = torch.topk(scores + self.expert_bias, k=self.topk, dim=1)
            probs = scores.gather(1, top_indices)
            if self.topk > 1:
                probs = probs / (probs.sum(dim=-1, keepdim=True) + 1e-20)
        dense = torch.zeros_like(logits).scatter(1, top_indices, probs)
        routing_map = torch.zeros_like(logits).int().scatter(1, top_indices, 1).bool()
        if self.enable_expert_bias and torch.is_grad_enabled():
            with torch.no_grad():
                self.local_tokens_per_expert += routing_map.sum(dim=0)
        return dense, routing_map

    def forward(self, input):
        return self.routing(self.gating(input))


def get_updated_expert_bias(tokens_per_expert, expert_bias, expert_bias_update_rate):
    """megatron/core/transformer/moe/moe_utils.py get_updated_expert_bias (single rank: no all-reduce):
    bias + sign(mean(tpe) − tpe) · rate."""
    with torch.no_grad():
        average = tokens_per_expert.sum(dim=-1, keepdim=True) / tokens_per_expert.shape[-1]
        return expert_bias + torch.sign(average - tokens_per_expert) * expert_bias_update_rate


class MegatronMoELayer(nn.Module):
    def __init__(self, d, hidden, experts, top_k):
        super().__init__()
        self.router = TopKRouter(d, experts, top_k)
        self.experts = nn.ModuleList(Expert(d, hidden) for _ in range(experts))
        self.picks = []

    def forward(self, hidden_states):
        shape = hidden_states.shape
        probs, routing_map = self.router(hidden_states)
        tokens = routing_map.shape[0]
        indices = routing_map.nonzero(as_tuple=True)[1].view(tokens, self.router.topk)
        self.picks.append(indices.detach())
        h = hidden_states.reshape(-1, shape[-1])
        return combine(self.experts, h, indices, probs.gather(1, indices)).reshape(shape)


class TokenChoiceTopKRouter(nn.Module):
    """pytorch/torchtitan torchtitan/models/common/moe/moe.py at 0646ba46a5b9a263e50335aa9948cfcdf78db8a2,
    TokenChoiceTopKRouter.forward without node-limited routing: scores = sigmoid(gate(x)); expert_bias added
    for the choice; top_scores gathered from the unbiased scores; optional route_norm; × route_scale;
    num_tokens_per_expert = histc; tokens_per_expert buffer accumulated. Returns (top_scores,
    selected_experts_indices, num_tokens_per_expert)."""

    def __init__(self, dim, num_experts, top_k, score_func="sigmoid", route_norm=False, route_scale=1.0):
        super().__init__()
        self.gate = nn.Linear(dim, num_experts, bias=False)
        nn.init.normal_(self.gate.weight, std=0.5)
        self.num_experts, self.top_k = num_experts, top_k
        self.score_func, self.route_norm, self.route_scale = score_func, route_norm, route_scale
        self.register_buffer("expert_bias", torch.zeros(num_experts, dtype=torch.float32), persistent=True)
        self.register_buffer("tokens_per_expert", torch.zeros(num_experts, dtype=torch.float32), persistent=False)

    def forward(self, x):
        scores = self.gate(x).float()
        scores = torch.sigmoid(scores) if self.score_func == "sigmoid" else F.softmax(scores, dim=1)
        scores_for_choice = scores + self.expert_bias
        _, selected_experts_indices = torch.topk(scores_for_choice, k=self.top_k, dim=-1, sorted=False)
        top_scores = scores.gather(dim=1, index=selected_experts_indices)
        if self.route_norm:
            top_scores = top_scores / (top_scores.sum(dim=-1, keepdim=True) + 1e-20)
        top_scores = top_scores * self.route_scale
        num_tokens_per_expert = torch.histc(selected_experts_indices.view(-1).float(), bins=self.num_experts,
                                            min=0, max=self.num_experts)
        with torch.no_grad():
            self.tokens_per_expert.add_(num_tokens_per_expert)
        return top_scores, selected_experts_indices, num_tokens_per_expert


def torchtitan_update_expert_bias(router, coeff):
    """torchtitan components/optimizer hook _update_expert_bias (single rank): the loss-free update
    b += coeff · sign(mean(tpe) − tpe), then tokens_per_expert is zeroed."""
    with torch.no_grad():
        tpe = router.tokens_per_expert
        router.expert_bias.add_(coeff * torch.sign(tpe.mean() - tpe))
        tpe.zero_()


class TorchtitanMoE(nn.Module):
    def __init__(self, d, hidden, experts, top_k):
        super().__init__()
        self.router = TokenChoiceTopKRouter(d, experts, top_k)
        self.experts = nn.ModuleList(Expert(d, hidden) for _ in range(experts))
        self.picks = []

    def forward(self, x):
        shape = x.shape
        h = x.reshape(-1, shape[-1])
        top_scores, selected, _ = self.router(h)
        self.picks.append(selected.detach())
        return combine(self.experts, h, selected, top_scores).reshape(shape)


class MixtralMoE(nn.Module):
    """Drops the router logits the Mixtral block returns beside its output."""

    def __init__(self, d, hidden, experts, top_k):
        super().__init__()
        self.block_sparse_moe = MixtralSparseMoeBlock(d, hidden, experts, top_k)

    @property
    def picks(self):
        return self.block_sparse_moe.picks

    def forward(self, x):
        return self.block_sparse_moe(x)[0]


class TinyLM(nn.Module):
    """Embedding → n × (residual MoE layer of the given form) → head, named model.layers.<i>.mlp like the stacks."""

    def __init__(self, moe_class, vocab=32, d=16, hidden=32, experts=8, top_k=2, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(nn.ModuleDict({"mlp": moe_class(d, hidden, experts, top_k)}) for _ in range(layers))
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):
        x = self.embed(ids)
        for layer in self.layers:
            x = x + layer["mlp"](x)
        return self.head(x)
