"""EventLogWriter: the lines it writes, checked by the extension's validator and by hand."""

import json
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from moe_lens import EventLogWriter


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
    assert all(e["v"] == 1 for e in events)
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
