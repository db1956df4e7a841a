"""python3 -m moe_lens.demo --out DIR [--steps N]: trains a small MoE language model in plain PyTorch on the
CPU, with attach() hooks on its routers and the EventLogWriter, so MoE Lens shows the run live.

Put DIR in the workspace's runs directory (.moe-runs/<name>) and the run appears in the Runs view.
The model: character-level, 2 blocks of causal self-attention + a Mixtral-form MoE feed-forward (an
nn.Linear gate returning router logits, softmax, top-2 of 8 experts, renormalised), balanced by the
aux loss alpha · E · Σ f_i · P_i (balancers.md). The text: the sources of a few standard-library modules.
"""

import argparse
import math
import os
import signal
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import metrics
from .expert_similarity import pes_of_experts
from .hooks import attach
from .writer import EventLogWriter

SAMPLE_TOKENS = 48


class Expert(nn.Module):
    def __init__(self, d_model: int, hidden: int):
        super().__init__()
        self.w1 = nn.Linear(d_model, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d_model, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)))


class SparseMoeBlock(nn.Module):
    """The Mixtral block's routing (gate -> router logits -> softmax -> top-K -> renormalise), dropless."""

    def __init__(self, d_model: int, hidden: int, experts: int, top_k: int):
        super().__init__()
        self.num_experts = experts
        self.top_k = top_k
        self.gate = nn.Linear(d_model, experts, bias=False)
        self.experts = nn.ModuleList(Expert(d_model, hidden) for _ in range(experts))
        self.aux = torch.zeros(())
        self.last_input = None

    def forward(self, x):
        shape = x.shape
        h = x.reshape(-1, shape[-1])
        self.last_input = h.detach()
        logits = self.gate(h)
        probs = F.softmax(logits, dim=-1)
        gates, picks = torch.topk(probs, self.top_k, dim=-1)
        gates = gates / gates.sum(dim=-1, keepdim=True)
        out = torch.zeros_like(h)
        for e, expert in enumerate(self.experts):
            token, slot = torch.where(picks == e)
            if token.numel():
                out.index_add_(0, token, expert(h[token]) * gates[token, slot, None])
        # aux loss of this layer: E · Σ f_i · P_i, f_i = c_i / (K·T), P_i = mean_t p[t, i]
        f = torch.bincount(picks.reshape(-1), minlength=self.num_experts).float() / picks.numel()
        self.aux = self.num_experts * (f * probs.mean(dim=0)).sum()
        return out.reshape(shape)


class Block(nn.Module):
    def __init__(self, d_model, heads, hidden, experts, top_k):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d_model)
        self.moe = SparseMoeBlock(d_model, hidden, experts, top_k)

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.moe(self.ln2(x))


class TinyMoeLM(nn.Module):
    def __init__(self, vocab, d_model=32, heads=4, layers=2, seq_len=32, hidden=64, experts=8, top_k=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.position = nn.Embedding(seq_len, d_model)
        self.layers = nn.ModuleList(Block(d_model, heads, hidden, experts, top_k) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab, bias=False)
        self.register_buffer("mask", torch.triu(torch.ones(seq_len, seq_len, dtype=torch.bool), diagonal=1))

    def forward(self, ids):
        x = self.embed(ids) + self.position(torch.arange(ids.shape[1]))
        for block in self.layers:
            x = block(x, self.mask[: ids.shape[1], : ids.shape[1]])
        return self.head(self.norm(x))

    def aux_losses(self):
        return [block.moe.aux for block in self.layers]


def corpus() -> str:
    """Text every Python has: the sources of a few standard-library modules."""
    import argparse as a, json.decoder as j, textwrap as t, string as s  # noqa: E401

    return "\n".join(open(m.__file__, encoding="utf-8").read() for m in (t, a, j, s))


def lr_at(step, total, peak, warmup):
    if step <= warmup:
        return peak * step / max(1, warmup)
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(out: str, steps: int, seed: int = 42, eval_every: int = 10, batch: int = 8, seq_len: int = 32,
          aux_alpha: float = 0.01, lr: float = 3e-3) -> None:
    torch.manual_seed(seed)
    text = corpus()
    chars = sorted(set(text))
    lookup = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([lookup[c] for c in text], dtype=torch.long)
    split = int(len(data) * 0.95)
    train_data, val_data = data[:split], data[split:]
    val_sequences = min(16, (len(val_data) - 1) // seq_len)
    val_x = torch.stack([val_data[i * seq_len:(i + 1) * seq_len] for i in range(val_sequences)])
    val_y = torch.stack([val_data[i * seq_len + 1:(i + 1) * seq_len + 1] for i in range(val_sequences)])

    model = TinyMoeLM(len(chars), seq_len=seq_len)
    recorder = attach(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    experts, top_k = model.layers[0].moe.num_experts, model.layers[0].moe.top_k
    total_params = sum(p.numel() for p in model.parameters())
    expert_params = sum(p.numel() for b in model.layers for p in b.moe.experts.parameters())
    per_expert = expert_params // (len(model.layers) * experts)
    generator = torch.Generator().manual_seed(seed)

    writer = EventLogWriter(
        out, run_name=os.path.basename(os.path.abspath(out)), experts=experts, top_k=top_k,
        moe_layers=recorder.moe_layers, total_steps=steps, balancer=["aux-loss"],
        backend="pytorch-cpu", backend_reason=f"moe_lens.demo: torch {torch.__version__} on the CPU",
        config={"model": {"layers": len(model.layers), "dModel": model.embed.embedding_dim, "heads": 4,
                          "seqLen": seq_len, "experts": experts, "topK": top_k,
                          "expertHidden": model.layers[0].moe.experts[0].w1.out_features},
                "training": {"batchSize": batch, "lr": lr, "seed": seed, "evalEvery": eval_every,
                             "evalSequences": val_sequences, "checkpointEvery": 0},
                "balancer": {"auxAlpha": aux_alpha}})
    signal.signal(signal.SIGTERM, _interrupt)
    with writer:
        writer.start(
            parameters={"total": total_params, "activePerToken": total_params - expert_params
                        + len(model.layers) * top_k * per_expert, "experts": expert_params,
                        "routers": sum(b.moe.gate.weight.numel() for b in model.layers)},
            tokenizer={"kind": "char", "vocabSize": len(chars)},
            data={"sources": ["python standard library: textwrap, argparse, json.decoder, string"],
                  "trainTokens": len(train_data), "validationTokens": len(val_data)})
        for step in range(1, steps + 1):
            began = time.perf_counter()
            starts = torch.randint(0, len(train_data) - seq_len - 1, (batch,), generator=generator)
            x = torch.stack([train_data[s:s + seq_len] for s in starts])
            y = torch.stack([train_data[s + 1:s + seq_len + 1] for s in starts])
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, steps, lr, warmup=max(1, steps // 10))
            model.train()
            lm_loss = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
            aux = aux_alpha * sum(model.aux_losses())
            loss = lm_loss + aux
            optimizer.zero_grad()
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            seconds = time.perf_counter() - began
            writer.step(step, loss=loss.item(), lm_loss=lm_loss.item(), terms={"auxLoss": float(aux)},
                        lr=optimizer.param_groups[0]["lr"], grad_norm=float(grad_norm),
                        tokens_per_second=batch * seq_len / seconds, expert_counts=recorder.take_counts())
            if step % eval_every == 0 or step == steps:
                evaluate(model, recorder, writer, step, val_x, val_y, chars)
            print(f"step {step}/{steps} loss {loss.item():.4f}", file=sys.stderr, flush=True)


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt("SIGTERM")


@torch.no_grad()
def evaluate(model, recorder, writer, step, val_x, val_y, chars):
    model.eval()
    with recorder.scores():
        logits = model(val_x)
    model.train()
    val_loss = F.cross_entropy(logits.reshape(-1, len(chars)), val_y.reshape(-1)).item()
    load = recorder.take_counts()
    sequences, seq_len = val_x.shape
    layers = [block.moe for block in model.layers]
    sample = val_x[0, :SAMPLE_TOKENS].tolist()
    writer.eval(
        step, val_loss=val_loss, expert_load=load,
        pes=[pes_of_experts(list(moe.experts), moe.last_input[:32]) for moe in layers],
        gram_deviation=[metrics.gram_deviation(moe.gate.weight) for moe in layers],
        router_entropy=[metrics.router_entropy(r.scores) for r in recorder.last],
        seu=[metrics.sequence_expert_utilisation(r.indices, sequences, seq_len, recorder.experts)
             for r in recorder.last],
        routing_sample={"tokens": [chars[i] for i in sample],
                        "experts": [r.indices[:len(sample)].tolist() for r in recorder.last],
                        "gates": [[[round(g, 4) for g in row] for row in r.gates[:len(sample)].tolist()]
                                  for r in recorder.last]})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m moe_lens.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="run folder to write (events.jsonl, config.json)")
    parser.add_argument("--steps", type=int, default=200, help="training steps (default 200)")
    parser.add_argument("--eval-every", type=int, default=10, help="evaluate every n steps (default 10)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    try:
        train(args.out, args.steps, seed=args.seed, eval_every=args.eval_every)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
