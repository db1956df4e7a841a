import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python"))
sys.path.insert(0, HERE)

VALIDATOR = os.path.join(REPO, "dist", "validate-log.js")


def validate_log(run_dir):
    """Runs `node dist/validate-log.js run_dir` (the extension's parser); returns (exit code, stdout lines)."""
    if not os.path.exists(VALIDATOR):
        pytest.fail(f"{VALIDATOR} is missing: run `npm run build` first (npm test does)")
    result = subprocess.run(["node", VALIDATOR, run_dir], capture_output=True, text=True, timeout=60)
    return result.returncode, [line for line in result.stdout.splitlines() if line]


@pytest.fixture
def validate():
    return validate_log
