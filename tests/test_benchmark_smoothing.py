"""A smoke run of benchmarks/smoothing.py, so CI notices when it breaks (its numbers are measurements, not tests)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "smoothing.py"


def test_smoothing_benchmark_quick_run_compares_both_smoothers() -> None:
    completed = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=300,
                               check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "both gave identical bits on 20000 losses" in completed.stdout
    for row in ("| torch.lerp (LossSmoother): add |", "| ctypes emulation (before): add |",
                "| torch.lerp (LossSmoother) |", "| ctypes emulation (before) |"):
        assert row in completed.stdout
