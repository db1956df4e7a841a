"""python3 -m moe_lens.demo: a real CPU training run whose log the extension's validator accepts."""

import json
import os
import subprocess
import sys

from conftest import REPO


def test_demo_writes_a_valid_live_log(tmp_path, validate):
    run = str(tmp_path / "demo")
    env = {**os.environ, "PYTHONPATH": os.path.join(REPO, "python")}
    result = subprocess.run([sys.executable, "-m", "moe_lens.demo", "--out", run, "--steps", "6", "--eval-every", "3"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert validate(run) == (0, [])
    with open(os.path.join(run, "events.jsonl"), encoding="utf-8") as f:
        events = [json.loads(line) for line in f]
    assert [e["type"] for e in events] == ["start"] + ["step"] * 3 + ["eval"] + ["step"] * 3 + ["eval", "end"]
    evaluation = events[-2]
    assert len(evaluation["routingSample"]["tokens"]) == 32  # the first sequence of the validation sample
    assert all(len(layer) == 32 for layer in evaluation["routingSample"]["experts"])
    assert all(0 <= p <= 1 for p in evaluation["pes"])
    assert all(row.count(0) < 8 for row in evaluation["expertLoad"])
    assert events[-1]["status"] == "completed"
