"""Routing metrics of docs/balancers.md ("Metrics"), as pure functions on plain lists.

The same definitions as the TypeScript trainer's trainer/training/metrics.ts, so a log written from
Python reads the same in MoE Lens. Symbols: T tokens, E experts, K picks per token, c[i] the number of
the T·K assignments that went to expert i. Torch tensors are accepted wherever a list is (converted
with .tolist()); nothing here imports torch.
"""

import math
from typing import Dict, List, Sequence


def _plain(values):
    """A torch tensor or numpy array as nested lists; anything else as it is."""
    return values.tolist() if hasattr(values, "tolist") else values


def counts_from_topk(indices, experts: int) -> List[int]:
    """c[i]: how many of the picks in `indices` ([T, K] or flat) went to expert i."""
    counts = [0] * experts
    for row in _plain(indices):
        for expert in row if isinstance(row, (list, tuple)) else (row,):
            if not 0 <= expert < experts:
                raise ValueError(f"expert index {expert} outside 0..{experts - 1}")
            counts[int(expert)] += 1
    return counts


def max_vio(counts: Sequence[float]) -> float:
    """MaxVio = (max_i c_i − mean c) / mean c; 0 when nothing was routed."""
    counts = _plain(counts)
    if not counts:
        return 0.0
    average = sum(counts) / len(counts)
    return 0.0 if average == 0 else (max(counts) - average) / average


LOAD_STAT_DIGITS = 5
"""Significant digits of the summaries' non-integer values (protocol/loadStats.ts LOAD_STAT_DIGITS)."""


def _round(value: float) -> float:
    return value if value == 0 or not math.isfinite(value) else float(f"{value:.{LOAD_STAT_DIGITS}g}")


def load_stats(counts) -> Dict[str, List[float]]:
    """The per-layer summaries of a step's counts [layer][expert] (docs/events.md, compact form; the
    same as protocol/loadStats.ts loadStatsOf): min, max, mean of c_i; cv = population std / mean (0 when
    the mean is 0); deadFraction = share of experts with c_i = 0. mean, cv and deadFraction keep
    LOAD_STAT_DIGITS significant digits."""
    stats: Dict[str, List[float]] = {"min": [], "max": [], "mean": [], "cv": [], "deadFraction": []}
    for row in _plain(counts):
        n = max(1, len(row))
        mean = sum(row) / n
        std = math.sqrt(sum((c - mean) ** 2 for c in row) / n)
        stats["min"].append(min(row) if row else 0)
        stats["max"].append(max(row) if row else 0)
        stats["mean"].append(_round(mean))
        stats["cv"].append(_round(std / mean) if mean > 0 else 0)
        stats["deadFraction"].append(_round(row.count(0) / n))
    return stats


def experts_used(counts: Sequence[float]) -> int:
    """Experts that received at least one assignment."""
    return sum(1 for c in _plain(counts) if c > 0)


def normalise_scores(scores) -> List[List[float]]:
    """Router scores as a distribution per token ([T, E]): each row divided by its sum (softmax rows
    stay as they are; sigmoid scores become a distribution, as balancers.md says for P_i)."""
    rows = []
    for row in _plain(scores):
        total = sum(row)
        rows.append([s / total for s in row] if total > 0 else [1.0 / len(row)] * len(row))
    return rows


def router_entropy(probs) -> float:
    """Mean per-token entropy (nats) of router distributions [T, E] (normalise sigmoid scores first)."""
    rows = _plain(probs)
    if not rows:
        return 0.0
    total = 0.0
    for row in rows:
        total -= sum(p * math.log(p) for p in row if p > 0)
    return total / len(rows)


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = sum(x * x for x in a)
    nb = sum(y * y for y in b)
    return dot / math.sqrt(na * nb) if na > 0 and nb > 0 else 0.0


def pairwise_expert_similarity(outputs) -> float:
    """PES (SimBal Eqs. 5–6). outputs[i][t] is expert i's output vector for sampled token t (every expert
    run on every token). C(x) = 2/(N(N−1)) Σ_{i<j} cos(f_i(x), f_j(x)), averaged over the tokens."""
    outputs = _plain(outputs)
    n = len(outputs)
    tokens = len(outputs[0]) if n else 0
    if n < 2 or tokens == 0:
        return 0.0
    total = 0.0
    for t in range(tokens):
        pair_sum = sum(_cosine(outputs[i][t], outputs[j][t]) for i in range(n) for j in range(i + 1, n))
        total += 2.0 / (n * (n - 1)) * pair_sum
    return total / tokens


def gram_deviation(router_weight, experts_first: bool = True) -> float:
    """mean((RᵀR − I)²) for a router R of shape [d_model, E]. PyTorch routers store the transpose,
    [E, d_model] (nn.Linear(d, E).weight, Megatron's and DeepSeek-V3's `weight`): experts_first=True."""
    rows = _plain(router_weight)
    columns = rows if experts_first else [list(col) for col in zip(*rows)]
    experts = len(columns)
    total = 0.0
    for i in range(experts):
        for j in range(experts):
            dot = sum(x * y for x, y in zip(columns[i], columns[j]))
            total += (dot - (1.0 if i == j else 0.0)) ** 2
    return total / (experts * experts) if experts else 0.0


def sequence_expert_utilisation(indices, sequences: int, seq_len: int, experts: int) -> float:
    """SEU: mean over sequences of the fraction of experts picked by at least one of its tokens.
    `indices` is [T, K] with T = sequences · seq_len, each sequence's tokens contiguous."""
    rows = _plain(indices)
    if sequences == 0:
        return 0.0
    total = 0.0
    for s in range(sequences):
        used = {e for row in rows[s * seq_len:(s + 1) * seq_len] for e in row}
        total += len(used) / experts
    return total / sequences


def update_bias(bias: Sequence[float], counts: Sequence[float], rate: float) -> List[float]:
    """Loss-free update: b_i += u · sign(mean(c) − c_i)."""
    counts = _plain(counts)
    average = sum(counts) / len(counts)
    sign = lambda x: (x > 0) - (x < 0)  # noqa: E731
    return [b + rate * sign(average - c) for b, c in zip(_plain(bias), counts)]
