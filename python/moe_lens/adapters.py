"""Adapters: what a router module's forward hook sees -> the top-K picks, their gates, the scores and the bias.

Each adapter is written from the stack's own source, read at the commit named (the stacks themselves are
not installed here: the tests train small PyTorch modules that reproduce each router's forward, see
python/tests/routers.py). An adapter never changes what the router computes; the full score matrix is
recomputed from the router's input and weight only when the recorder asks for scores (evaluation).
"""

from dataclasses import dataclass
from typing import Callable, Optional

import torch
import torch.nn.functional as F


@dataclass
class Routing:
    """One router call: indices [T, K] (descending gate), gates [T, K], scores [T, E] as a distribution
    per token (None unless asked for), bias [E] (None for routers without one)."""

    indices: torch.Tensor
    gates: torch.Tensor
    scores: Optional[torch.Tensor] = None
    bias: Optional[torch.Tensor] = None


Adapter = Callable[[torch.nn.Module, tuple, object, bool], Routing]


def _by_gate(indices: torch.Tensor, gates: torch.Tensor):
    order = gates.argsort(dim=-1, descending=True)
    return indices.gather(-1, order), gates.gather(-1, order)


def _distribution(scores: torch.Tensor) -> torch.Tensor:
    """Sigmoid scores divided by their sum per token (balancers.md); softmax rows are unchanged by it."""
    return scores / scores.sum(dim=-1, keepdim=True).clamp_min(1e-20)


def _tokens(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(-1, x.shape[-1])


def hf_logits_gate(top_k: int, norm_topk_prob: bool = True) -> Adapter:
    """Hugging Face Mixtral / Qwen-MoE / OLMoE: the block's `gate` is nn.Linear(hidden, E, bias=False) and
    returns router logits [T, E]; the block takes softmax, top-K, and (Mixtral; Qwen/OLMoE when
    config.norm_topk_prob) renormalises the K weights.
    Source: huggingface/transformers src/transformers/models/mixtral/modeling_mixtral.py at
    00d4b3d2142cb4ced2f51b90614b5d26bc045015, MixtralSparseMoeBlock.forward (router_logits = self.gate(…);
    F.softmax; torch.topk(routing_weights, self.top_k); routing_weights /= sum)."""

    def extract(_module, _inputs, logits, want_scores):
        probs = F.softmax(_tokens(logits).detach().float(), dim=-1)
        gates, indices = torch.topk(probs, top_k, dim=-1)
        if norm_topk_prob:
            gates = gates / gates.sum(dim=-1, keepdim=True)
        return Routing(indices, gates, probs if want_scores else None)

    return extract


def deepseek_v3_router(module, inputs, output, want_scores) -> Routing:
    """Hugging Face DeepSeek-V3 DeepseekV3TopkRouter: forward(hidden_states) -> (topk_indices, topk_weights);
    scores = sigmoid(F.linear(h.float(), weight.float())); the buffer `e_score_correction_bias` is added to
    the scores for the choice only. Source: huggingface/transformers
    src/transformers/models/deepseek_v3/modeling_deepseek_v3.py at 00b676f8f0489b88652a31d70751cc540dd06305."""
    indices, weights = output
    indices, gates = _by_gate(indices.detach(), weights.detach().float())
    scores = None
    if want_scores:
        with torch.no_grad():
            logits = F.linear(_tokens(inputs[0]).float(), module.weight.float())
            scores = _distribution(logits.sigmoid())
    return Routing(indices, gates, scores, module.e_score_correction_bias.detach().float())


def megatron_router(module, inputs, output, want_scores) -> Routing:
    """Megatron-LM TopKRouter: forward(input [s, b, h]) -> (probs [T, E], routing_map bool [T, E]); probs are
    zero outside the K picked experts; `expert_bias` buffer (moe_router_enable_expert_bias) steers the
    choice only; scores from router_gating_linear(input, weight) and score_function softmax/sigmoid.
    Source: NVIDIA/Megatron-LM megatron/core/transformer/moe/router.py at
    005742ff1f002035922b88a648fa615aec22eeff (TopKRouter.forward, routing, compute_routing_scores_for_aux_loss).
    The picks are read from the routing map as Megatron's own router_trace.py does (nonzero().view(T, topk))."""
    probs, routing_map = output
    tokens = routing_map.shape[0]
    _, expert_idx = routing_map.detach().nonzero(as_tuple=True)
    indices = expert_idx.view(tokens, module.topk)
    gates = probs.detach().float().gather(1, indices)
    indices, gates = _by_gate(indices, gates)
    scores = None
    if want_scores:
        with torch.no_grad():
            logits = F.linear(_tokens(inputs[0]).float(), module.weight.float())
            if module.score_function == "softmax":
                scores = F.softmax(logits, dim=-1)
            else:
                scores = _distribution(torch.sigmoid(logits))
    bias = module.expert_bias.detach().float() if getattr(module, "expert_bias", None) is not None else None
    return Routing(indices, gates, scores, bias)


def torchtitan_router(module, inputs, output, want_scores) -> Routing:
    """torchtitan TokenChoiceTopKRouter: forward(x [bs·slen, dim]) -> (top_scores [N, K],
    selected_experts_indices [N, K], num_tokens_per_expert [E]); scores = sigmoid/softmax(self.gate(x));
    `expert_bias` buffer (load_balance_coeff set) is added for the choice only.
    Source: pytorch/torchtitan torchtitan/models/common/moe/moe.py at 0646ba46a5b9a263e50335aa9948cfcdf78db8a2."""
    top_scores, selected, _tokens_per_expert = output
    indices, gates = _by_gate(selected.detach(), top_scores.detach().float())
    scores = None
    if want_scores:
        with torch.no_grad():
            logits = module.gate(_tokens(inputs[0])).float()
            scores = F.softmax(logits, dim=1) if module.score_func == "softmax" else _distribution(torch.sigmoid(logits))
    bias = module.expert_bias.detach().float() if getattr(module, "expert_bias", None) is not None else None
    return Routing(indices, gates, scores, bias)


def detect(name: str, module: torch.nn.Module, parent: Optional[torch.nn.Module]) -> Optional[Adapter]:
    """The adapter for a module that is a router of a known form, else None."""
    if hasattr(module, "e_score_correction_bias") and hasattr(module, "weight"):
        return deepseek_v3_router
    if hasattr(module, "topk") and hasattr(module, "routing") and hasattr(module, "score_function"):
        return megatron_router
    if hasattr(module, "score_func") and hasattr(module, "top_k") and isinstance(getattr(module, "gate", None),
                                                                                 torch.nn.Module):
        return torchtitan_router
    if isinstance(module, torch.nn.Linear) and name.split(".")[-1] == "gate" and parent is not None:
        top_k = getattr(parent, "top_k", None)
        if top_k is not None and module.out_features == getattr(parent, "num_experts", module.out_features):
            return hf_logits_gate(int(top_k), bool(getattr(parent, "norm_topk_prob", True)))
    return None


def expert_count(module: torch.nn.Module) -> int:
    """E of a router module of a known form."""
    for attr in ("n_routed_experts", "num_experts"):
        if isinstance(getattr(module, attr, None), int):
            return getattr(module, attr)
    if isinstance(module, torch.nn.Linear):
        return module.out_features
    weight = getattr(module, "weight", None)
    if weight is not None:
        return weight.shape[0]
    gate = getattr(module, "gate", None)
    if isinstance(gate, torch.nn.Linear):
        return gate.out_features
    raise ValueError(f"cannot tell how many experts {type(module).__name__} routes to: pass experts=")
