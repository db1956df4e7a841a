"""The routing metrics against values worked out by hand (docs/balancers.md formulas)."""

import math

import pytest
import torch

from moe_lens import metrics
from moe_lens.expert_similarity import pes_of_experts


def test_counts_from_topk_counts_every_pick():
    # tokens pick (0, 2), (2, 3), (2, 0): expert 0 twice, 2 three times, 3 once
    assert metrics.counts_from_topk([[0, 2], [2, 3], [2, 0]], 4) == [2, 0, 3, 1]
    assert metrics.counts_from_topk(torch.tensor([[1], [1]]), 2) == [0, 2]
    with pytest.raises(ValueError, match="outside 0..3"):
        metrics.counts_from_topk([[4, 0]], 4)


def test_max_vio_is_max_over_mean_minus_one():
    assert metrics.max_vio([2, 4, 6, 8]) == pytest.approx(0.6)  # mean 5, max 8: 3/5
    assert metrics.max_vio([5, 5, 5, 5]) == 0
    assert metrics.max_vio([0, 0]) == 0
    assert metrics.max_vio([0, 0, 0, 12]) == pytest.approx(3.0)  # one expert takes all: E − 1


def test_router_entropy_in_nats():
    assert metrics.router_entropy([[0.25] * 4]) == pytest.approx(math.log(4))
    assert metrics.router_entropy([[1.0, 0.0], [0.5, 0.5]]) == pytest.approx(math.log(2) / 2)
    # sigmoid scores are normalised first: [0.2, 0.2] -> [0.5, 0.5]
    assert metrics.router_entropy(metrics.normalise_scores([[0.2, 0.2]])) == pytest.approx(math.log(2))


def test_pes_of_three_experts_on_one_token():
    # cos(e1, e2) = 0, cos(e1, e3) = cos(e2, e3) = 1/√2: C = 2/(3·2) · √2 = √2/3
    outputs = [[[1.0, 0.0]], [[0.0, 1.0]], [[1.0, 1.0]]]
    assert metrics.pairwise_expert_similarity(outputs) == pytest.approx(math.sqrt(2) / 3)


def test_pes_of_callable_experts_matches_the_pure_formula():
    torch.manual_seed(0)
    experts = [torch.nn.Linear(4, 3) for _ in range(5)]
    tokens = torch.randn(7, 4)
    outputs = [expert(tokens).tolist() for expert in experts]
    assert pes_of_experts(experts, tokens) == pytest.approx(metrics.pairwise_expert_similarity(outputs), abs=1e-6)
    # identical experts: every cosine is 1
    assert pes_of_experts([experts[0]] * 3, tokens) == pytest.approx(1.0, abs=1e-6)


def test_gram_deviation_of_router_weight():
    assert metrics.gram_deviation([[1.0, 0.0], [0.0, 1.0]]) == 0  # orthonormal expert rows
    # W = [[2, 0], [0, 0]] (E × d): G = [[4, 0], [0, 0]]; (G − I)² = 9, 0, 0, 1 -> mean 2.5
    assert metrics.gram_deviation([[2.0, 0.0], [0.0, 0.0]]) == pytest.approx(2.5)
    # the same router stored d × E
    assert metrics.gram_deviation([[2.0, 0.0], [0.0, 0.0]], experts_first=False) == pytest.approx(2.5)


def test_sequence_expert_utilisation():
    # 2 sequences of 2 tokens, 4 experts: seq 1 uses {0, 1, 2}, seq 2 uses {3}: (3/4 + 1/4) / 2
    picks = [[0, 1], [1, 2], [3, 3], [3, 3]]
    assert metrics.sequence_expert_utilisation(picks, 2, 2, 4) == pytest.approx(0.5)


def test_loss_free_bias_update():
    # mean 3: under-loaded experts go up by u, over-loaded down, the one at the mean stays
    assert metrics.update_bias([0.0, 0.0, 0.0], [1, 3, 5], 0.001) == pytest.approx([0.001, 0.0, -0.001])
