"""PES on a sample when a trainer can call its experts (SimBal Eqs. 5–6, docs/balancers.md)."""

from typing import Callable, Sequence

import torch
import torch.nn.functional as F


@torch.no_grad()
def pes_of_experts(experts: Sequence[Callable[[torch.Tensor], torch.Tensor]], tokens: torch.Tensor) -> float:
    """Runs every expert on every sampled token ([N, d]) and returns the mean over tokens of
    C(x) = 2/(N(N−1)) Σ_{i<j} cos(f_i(x), f_j(x)) — moe_lens.metrics.pairwise_expert_similarity, vectorised."""
    n = len(experts)
    if n < 2 or tokens.shape[0] == 0:
        return 0.0
    outputs = torch.stack([expert(tokens).float() for expert in experts])  # [N, T, d]
    unit = F.normalize(outputs, dim=-1)
    # zero vectors have cosine 0 with everything, as in the reference (normalize leaves them zero)
    cos = torch.einsum("itd,jtd->tij", unit, unit)
    pairs = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
    per_token = cos[:, pairs].sum(dim=1) * (2.0 / (n * (n - 1)))
    return float(per_token.mean())
