"""attach() on routers of each stack's form (tests/routers.py mirrors their forward): picks checked by hand,
then real PyTorch training with the writer, the log checked against the protocol and the routers' own picks."""

import json
import os

import pytest
import torch
import torch.nn.functional as F

from moe_lens import EventLogWriter, attach, metrics
from moe_lens import adapters
from routers import (DeepseekV3MoE, MegatronMoELayer, MixtralMoE, TinyLM, TorchtitanMoE, get_updated_expert_bias,
                     torchtitan_update_expert_bias)

EXPERTS, TOP_K = 8, 2
FORMS = {
    "hf-mixtral": (MixtralMoE, "layers.{}.mlp.block_sparse_moe.gate", adapters.hf_logits_gate),
    "deepseek-v3": (DeepseekV3MoE, "layers.{}.mlp.gate", adapters.deepseek_v3_router),
    "megatron": (MegatronMoELayer, "layers.{}.mlp.router", adapters.megatron_router),
    "torchtitan": (TorchtitanMoE, "layers.{}.mlp.router", adapters.torchtitan_router),
}


def router_of(model, form, layer):
    return dict(model.named_modules())[FORMS[form][1].format(layer)]


@pytest.mark.parametrize("form", FORMS)
def test_attach_finds_one_router_per_layer_with_its_adapter(form):
    torch.manual_seed(0)
    model = TinyLM(FORMS[form][0], experts=EXPERTS, top_k=TOP_K, layers=3)
    recorder = attach(model)
    assert recorder.names == [FORMS[form][1].format(i) for i in range(3)]
    assert recorder.moe_layers == [0, 1, 2]
    assert recorder.experts == EXPERTS


def test_hand_computed_picks_of_a_logits_gate():
    # One token x = [1, 0]; gate rows give logits [3, 1, 2, 0]: softmax order 0, 2 -> top-2 picks (0, 2),
    # gates e^3/(e^3+e^2) and e^2/(e^3+e^2) after Mixtral's renormalisation.
    model = TinyLM(MixtralMoE, d=2, experts=4, top_k=2, layers=1)
    gate = router_of(model, "hf-mixtral", 0)
    with torch.no_grad():
        gate.weight.copy_(torch.tensor([[3.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 0.0]]))
    recorder = attach(model)
    block = model.layers[0]["mlp"].block_sparse_moe
    block(torch.tensor([[[1.0, 0.0]]]))
    assert recorder.take_counts() == [[1, 0, 1, 0]]
    routing = recorder.last[0]
    assert routing.indices.tolist() == [[0, 2]]
    e3, e2 = torch.tensor(3.0).exp(), torch.tensor(2.0).exp()
    assert routing.gates.tolist()[0] == pytest.approx([float(e3 / (e3 + e2)), float(e2 / (e3 + e2))])


def test_hand_computed_picks_of_a_bias_router():
    # Sigmoid scores of logits [2, 1, 0, −1] favour experts 0, 1; a bias of +1 on experts 2 and 3 turns the
    # choice to 2, 3 (scores + bias: 0.88, 0.73, 1.5, 1.27) while the gates stay the unbiased scores.
    model = TinyLM(MegatronMoELayer, d=1, experts=4, top_k=2, layers=1)
    router = router_of(model, "megatron", 0)
    with torch.no_grad():
        router.weight.copy_(torch.tensor([[2.0], [1.0], [0.0], [-1.0]]))
        router.expert_bias.copy_(torch.tensor([0.0, 0.0, 1.0, 1.0]))
    recorder = attach(model)
    with recorder.scores():
        model.layers[0]["mlp"](torch.tensor([[[1.0]]]))
    routing = recorder.last[0]
    assert routing.indices.tolist() == [[2, 3]]
    s2, s3 = torch.sigmoid(torch.tensor(0.0)), torch.sigmoid(torch.tensor(-1.0))
    assert routing.gates.tolist()[0] == pytest.approx([float(s2 / (s2 + s3)), float(s3 / (s2 + s3))])
    assert routing.bias.tolist() == [0.0, 0.0, 1.0, 1.0]
    sig = torch.sigmoid(torch.tensor([2.0, 1.0, 0.0, -1.0]))
    assert routing.scores[0].tolist() == pytest.approx((sig / sig.sum()).tolist())
    assert recorder.biases() == [[0.0, 0.0, 1.0, 1.0]]


def update_biases(model, form, rate=1e-3):
    """Each stack's loss-free update after the optimiser step (Megatron: get_updated_expert_bias from
    local_tokens_per_expert; torchtitan: _update_expert_bias; DeepSeek-V3's HF port leaves it to the trainer)."""
    for layer in range(len(model.layers)):
        router = router_of(model, form, layer)
        if form == "megatron":
            with torch.no_grad():
                router.expert_bias.copy_(get_updated_expert_bias(router.local_tokens_per_expert, router.expert_bias,
                                                                 rate))
                router.local_tokens_per_expert.zero_()
        elif form == "torchtitan":
            torchtitan_update_expert_bias(router, rate)
        elif form == "deepseek-v3":
            counts = torch.bincount(model.layers[layer]["mlp"].picks[-1].reshape(-1), minlength=EXPERTS).float()
            with torch.no_grad():
                router.e_score_correction_bias.add_(rate * torch.sign(counts.mean() - counts))


@pytest.mark.parametrize("form", FORMS)
def test_training_with_each_router_form_writes_a_valid_log_of_the_routers_picks(form, tmp_path, validate):
    torch.manual_seed(1)
    steps, batch, seq = 6, 4, 8
    model = TinyLM(FORMS[form][0], experts=EXPERTS, top_k=TOP_K, layers=2)
    recorder = attach(model)
    has_bias = form != "hf-mixtral"
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    run = str(tmp_path / form)
    logged_counts, own_counts, biases = [], [], []
    with EventLogWriter(run, run_name=form, experts=EXPERTS, top_k=TOP_K, moe_layers=recorder.moe_layers,
                        total_steps=steps, balancer=["loss-free"] if has_bias else ["none"]) as writer:
        writer.start()
        for step in range(1, steps + 1):
            ids = torch.randint(0, 32, (batch, seq))
            loss = F.cross_entropy(model(ids[:, :-1]).reshape(-1, 32), ids[:, 1:].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            update_biases(model, form)
            counts = recorder.take_counts()
            logged_counts.append(counts)
            own_counts.append([metrics.counts_from_topk(layer["mlp"].picks[-1], EXPERTS) for layer in model.layers])
            biases.append(recorder.biases())
            writer.step(step, loss=loss.item(), expert_counts=counts, bias=recorder.biases())
        with torch.no_grad(), recorder.scores():
            model.eval()
            ids = torch.randint(0, 32, (2, seq))
            model(ids)
        load = recorder.take_counts()
        writer.eval(steps, val_loss=2.0, expert_load=load, pes=[0.1, 0.2],
                    gram_deviation=[0.0, 0.0],
                    router_entropy=[metrics.router_entropy(r.scores) for r in recorder.last],
                    seu=[metrics.sequence_expert_utilisation(r.indices, 2, seq, EXPERTS) for r in recorder.last])

    assert validate(run) == (0, [])
    with open(os.path.join(run, "events.jsonl"), encoding="utf-8") as f:
        events = [json.loads(line) for line in f]
    step_events = [e for e in events if e["type"] == "step"]
    assert [e["step"] for e in step_events] == list(range(1, steps + 1))
    tokens = batch * (seq - 1)
    for event, counts, own, bias in zip(step_events, logged_counts, own_counts, biases):
        assert event["expertCounts"] == counts == own  # the hooks saw exactly the router's own picks
        assert all(sum(row) == tokens * TOP_K for row in counts)
        assert event["maxVioBatch"] == pytest.approx([metrics.max_vio(row) for row in counts])
        if has_bias:
            # float32 biases, written to 7 significant digits
            assert event["bias"] == [pytest.approx(row, rel=1e-6, abs=0) for row in bias]
        else:
            assert "bias" not in event
    if has_bias:  # the loss-free updates moved the biases, and the log shows them moving
        assert step_events[-1]["bias"] != step_events[0]["bias"]
    evaluation = next(e for e in events if e["type"] == "eval")
    assert all(sum(row) == 2 * seq * TOP_K for row in evaluation["expertLoad"])
    assert all(0 < h <= torch.log(torch.tensor(float(EXPERTS))) + 1e-6 for h in evaluation["routerEntropy"])
