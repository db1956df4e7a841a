"""EventLogWriter: the lines it writes, checked by the extension's validator and by hand."""

import json
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from moe_lens import EventLogWriter, counts_every_for


def read(run_dir):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def small_writer(run_dir, **kwargs):
    return EventLogWriter(run_dir, run_name="w", experts=4, top_k=2, moe_layers=[0, 2], total_steps=3, **kwargs)


def test_a_run_of_three_steps_is_valid_and_derives_maxvio(tmp_path, validate):
    run = str(tmp_path / "run")
    with small_writer(run, balancer=["loss-free"]) as writer:
        writer.start()
        for step in (1, 2, 3):
            writer.step(step, loss=2.0 / step, expert_counts=[[2, 4, 6, 8], [5, 5, 5, 5]], lr=1e-3,
                        bias=[[0.0] * 4, [0.001] * 4])
        writer.eval(3, val_loss=1.0, expert_load=[[0, 4, 4, 8], [4, 4, 4, 4]], pes=[0.2, 0.1],
                    gram_deviation=[0.5, 0.25], router_entropy=[1.0, 1.2], seu=[0.5, 1.0])
    code, problems = validate(run)
    assert (code, problems) == (0, [])
    events = read(run)
    assert [e["type"] for e in events] == ["start", "step", "step", "step", "eval", "end"]
    assert all(e["v"] == 2 for e in events)
    assert "countsEvery" not in events[0]  # 2 layers × 4 experts: the full form, counts on every step
    assert all("expertCounts" in e and "loadStats" in e for e in events[1:4])
    step = events[1]
    assert step["maxVioBatch"] == [pytest.approx(0.6), 0]  # (8 − 5) / 5 and a uniform layer
    assert step["maxVioBatchMean"] == pytest.approx(0.3)
    assert step["bias"] == [[0.0] * 4, [0.001] * 4]
    evaluation = events[4]
    assert evaluation["maxVioGlobal"] == [1.0, 0.0]  # mean 4, max 8
    assert evaluation["expertsUsed"] == [3, 4]
    assert evaluation["pesMin"] == 0.1
    assert evaluation["perplexity"] == pytest.approx(2.718281828)
    assert evaluation["gramDeviation"] == pytest.approx(0.375)
    start = events[0]
    assert start["moeLayers"] == [0, 2]
    assert start["config"]["model"]["experts"] == 4 and start["config"]["model"]["topK"] == 2
    assert start["config"]["balancer"]["methods"] == ["loss-free"]
    assert events[-1]["status"] == "completed"
    with open(os.path.join(run, "config.json"), encoding="utf-8") as f:
        assert json.load(f) == start["config"]


def test_each_event_is_on_disk_as_soon_as_it_is_written(tmp_path):
    run = str(tmp_path / "live")
    writer = small_writer(run)
    writer.start()
    writer.step(1, loss=1.0, expert_counts=[[1, 1, 1, 1]] * 2)
    assert [e["type"] for e in read(run)] == ["start", "step"]  # flushed, the writer still open
    writer.end("stopped", "by the test")
    assert read(run)[-1]["status"] == "stopped"


def test_a_nan_loss_ends_the_log_as_diverged(tmp_path, validate):
    run = str(tmp_path / "nan")
    with small_writer(run) as writer:
        writer.start()
        assert writer.step(1, loss=1.0, expert_counts=[[1, 1, 1, 1]] * 2)
        assert not writer.step(2, loss=float("nan"), expert_counts=[[1, 1, 1, 1]] * 2)
    end = read(run)[-1]
    assert (end["type"], end["status"], end["step"]) == ("end", "diverged", 2)
    assert validate(run) == (0, [])


def test_an_exception_ends_the_log_as_failed(tmp_path):
    run = str(tmp_path / "failed")
    with pytest.raises(RuntimeError):
        with small_writer(run) as writer:
            writer.start()
            raise RuntimeError("CUDA out of memory")
    end = read(run)[-1]
    assert end["status"] == "failed" and "CUDA out of memory" in end["reason"]


def test_wrong_shapes_are_refused_before_writing(tmp_path):
    writer = small_writer(str(tmp_path / "shape"))
    writer.start()
    with pytest.raises(ValueError, match="expected 2 MoE layers × 4 experts"):
        writer.step(1, loss=1.0, expert_counts=[[1, 1, 1]] * 2)
    with pytest.raises(ValueError, match="balancer methods"):
        small_writer(str(tmp_path / "x"), balancer=["seq-aux"])


def test_only_rank_0_writes(tmp_path):
    run = str(tmp_path / "rank1")
    writer = small_writer(run, rank=1)
    writer.start()
    writer.step(1, loss=1.0, expert_counts=[[1, 1, 1, 1]] * 2)
    writer.end()
    assert not os.path.exists(run)


def test_the_validator_names_line_field_and_expectation(tmp_path, validate):
    run = str(tmp_path / "broken")
    with small_writer(run) as writer:
        writer.start()
        writer.step(1, loss=1.0, expert_counts=[[2, 4, 6, 8]] * 2)
    path = os.path.join(run, "events.jsonl")
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    step = json.loads(lines[1])
    step["expertCounts"][1] = [1, 2, 3]  # 3 experts instead of 4
    step["maxVioBatch"][0] = 0.5  # should be 0.6
    lines[1] = json.dumps(step) + "\n"
    lines.insert(2, "not json\n")
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
    code, problems = validate(run)
    assert code == 1
    assert any(":2: expertCounts[1]: expected 4 entries" in p for p in problems), problems
    assert any(":3: line: expected a JSON event object" in p for p in problems), problems


def _distributed_worker(rank, world, init_file, run_dir):
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        writer = EventLogWriter(run_dir, run_name="ddp", experts=4, top_k=1, moe_layers=[0], total_steps=1)
        writer.start()
        counts = [[rank + 1, 0, 2 * rank, 1]]  # rank 0: [1, 0, 0, 1]; rank 1: [2, 0, 2, 1]
        writer.step(1, loss=1.0, expert_counts=counts)
        writer.end()
    finally:
        dist.destroy_process_group()


def test_counts_are_summed_over_ranks_and_written_once(tmp_path, validate):
    run = str(tmp_path / "ddp")
    mp.spawn(_distributed_worker, args=(2, str(tmp_path / "init"), run), nprocs=2, join=True)
    events = read(run)
    assert [e["type"] for e in events] == ["start", "step", "end"]  # rank 1 wrote nothing
    assert events[1]["expertCounts"] == [[3, 0, 2, 2]]
    assert events[1]["maxVioBatch"] == [pytest.approx(3 / 1.75 - 1)]
    assert validate(run) == (0, [])


def test_the_compact_form_writes_summaries_every_step_and_counts_every_n(tmp_path, validate):
    run = str(tmp_path / "compact")
    counts = [[2, 4, 6, 8], [0, 0, 8, 8]]
    bias = [[0.0] * 4, [0.001] * 4]
    with EventLogWriter(run, run_name="c", experts=4, top_k=2, moe_layers=[0, 1], total_steps=5,
                        balancer=["loss-free"], counts_every=2) as writer:
        writer.start()
        for step in range(1, 6):
            writer.step(step, loss=1.0, expert_counts=counts, bias=bias)
    assert validate(run) == (0, [])
    events = read(run)
    assert events[0]["countsEvery"] == 2
    steps = events[1:6]
    assert all(e["v"] == 2 for e in events)
    # counts and biases on steps 2 and 4 (multiples of 2) and 5 (the last), summaries on all
    assert [("expertCounts" in e, "bias" in e) for e in steps] == [(False, False), (True, True), (False, False),
                                                                    (True, True), (True, True)]
    assert steps[1]["expertCounts"] == counts and steps[1]["bias"] == bias
    # by hand, layer 0 [2, 4, 6, 8]: mean 5, population variance (9 + 1 + 1 + 9) / 4 = 5, cv √5 / 5;
    # layer 1 [0, 0, 8, 8]: mean 4, std 4, cv 1, half the experts dead
    for e in steps:
        assert e["loadStats"] == {"min": [2, 0], "max": [8, 8], "mean": [5, 4], "cv": [0.44721, 1],
                                  "deadFraction": [0, 0.5]}
        assert e["maxVioBatch"] == [pytest.approx(0.6), pytest.approx(1.0)]  # 8/5 − 1, 8/4 − 1


def test_a_model_at_scale_gets_counts_every_100_steps_by_default(tmp_path, validate):
    assert counts_every_for(8, 512) == 1 and counts_every_for(9, 512) == 100  # 4,096 cells is the limit
    run = str(tmp_path / "scale")
    layers, experts = 64, 512
    # layer l: expert e gets e % (l + 2) assignments; every layer's mean, max and dead share differ
    counts = [[e % (l + 2) for e in range(experts)] for l in range(layers)]
    with EventLogWriter(run, run_name="s", experts=experts, top_k=8, moe_layers=list(range(layers)),
                        total_steps=1000) as writer:
        assert writer.counts_every == 100
        writer.start()
        for step in (99, 100, 101):
            writer.step(step, loss=1.0, expert_counts=counts)
    assert validate(run) == (0, [])
    events = read(run)
    assert events[0]["countsEvery"] == 100
    assert ["expertCounts" in e for e in events[1:4]] == [False, True, False]
    stats = events[1]["loadStats"]
    # layer 0: experts alternate 0, 1: mean 0.5, std 0.5, cv 1, half dead, max 1
    assert (stats["min"][0], stats["max"][0], stats["mean"][0], stats["cv"][0], stats["deadFraction"][0]) == (
        0, 1, 0.5, 1, 0.5)
    # layer 1: 0, 1, 2 repeated over 512 experts (171 zeros, 171 ones, 170 twos): mean 511/512
    assert stats["mean"][1] == pytest.approx(511 / 512, rel=1e-5) and stats["deadFraction"][1] == round(171 / 512, 5)
    assert stats["max"][63] == 64 and len(stats["cv"]) == 64


def test_schema_1_is_still_written_on_request(tmp_path, validate):
    run = str(tmp_path / "v1")
    with small_writer(run, schema=1) as writer:
        writer.start()
        writer.step(1, loss=1.0, expert_counts=[[2, 4, 6, 8]] * 2)
    assert validate(run) == (0, [])
    events = read(run)
    assert all(e["v"] == 1 for e in events)
    assert "loadStats" not in events[1] and events[1]["expertCounts"] == [[2, 4, 6, 8]] * 2
    assert "countsEvery" not in events[0]
    with pytest.raises(ValueError, match="needs schema 2"):
        small_writer(str(tmp_path / "x"), schema=1, counts_every=10)
    with pytest.raises(ValueError, match="schema 3"):
        small_writer(str(tmp_path / "y"), schema=3)


def test_a_64_layer_512_expert_loss_free_log_stays_under_1_gb_for_100k_steps(tmp_path):
    # 200 steps of real-looking routing (8 picks for each of 4,096 tokens, float32 loss-free biases):
    # summaries every step, counts and biases on steps 100 and 200, as the default writes them.
    layers, experts = 64, 512
    generator = torch.Generator().manual_seed(1)
    bias = torch.zeros(layers, experts)
    run = str(tmp_path / "big")
    with EventLogWriter(run, run_name="big", experts=experts, top_k=8, moe_layers=list(range(layers)),
                        total_steps=100_000, balancer=["loss-free"]) as writer:
        writer.start()
        start_bytes = os.path.getsize(os.path.join(run, "events.jsonl"))
        for step in range(1, 201):
            picks = torch.randint(0, experts, (layers, 4096 * 8), generator=generator)
            counts = torch.zeros(layers, experts, dtype=torch.int64).scatter_add_(1, picks, torch.ones_like(picks))
            bias += 0.001 * torch.sign(counts.float().mean(1, keepdim=True) - counts.float())
            writer.step(step, loss=2.0, expert_counts=counts, bias=bias)
        step_bytes = (os.path.getsize(os.path.join(run, "events.jsonl")) - start_bytes) / 200
    assert step_bytes * 100_000 < 1e9, f"{step_bytes:.0f} bytes a step"
    assert ["bias" in e for e in read(run)[99:102]] == [False, True, False]  # lines 100–102: steps 99–101
