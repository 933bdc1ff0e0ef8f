"""The shipped DDP example, run as the README says: ``torchrun --nproc_per_node 2 examples/ddp_range_test.py``."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lrwidget import RangeTestResult

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ddp_range_test.py"


def test_the_example_runs_under_torchrun_and_rank_0_writes_the_curve(tmp_path: Path) -> None:
    out = tmp_path / "curve.json"
    completed = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         str(EXAMPLE), "--out", str(out), "--num-it", "40"],
        capture_output=True, text=True, timeout=180, check=False, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "2 ranks," in completed.stdout
    result = RangeTestResult.from_json(out)
    assert 6 <= len(result.lrs) <= 40 and result.stop_reason in ("completed", "diverged")
