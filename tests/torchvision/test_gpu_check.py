"""benchmarks/gpu_check.py keeps working between GPU machines: its CPU dry run here, and its checks can fail.

The script's GPU figures are measurements (BENCHMARKS.md); these tests only keep its code paths alive.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import torch
from torch import nn

from .resnets import require_torchvision

require_torchvision()
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_check.py"


def run_script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600,
                          check=False, env={**os.environ, **env})


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_without_cuda_it_says_so_and_does_nothing():
    completed = run_script(CUDA_VISIBLE_DEVICES="")  # no GPU visible, on any machine
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "no CUDA device here" in completed.stdout and "PASS" not in completed.stdout


def test_the_cpu_dry_run_passes_its_checks():
    completed = run_script("--device", "cpu", "--steps", "6", "--repeats", "1", "--batch-size", "4")
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]
    lines = completed.stdout.splitlines()
    statuses = {line.split()[1]: line.split()[0] for line in lines if line.startswith("  ")}
    assert statuses == {"snapshot": "n/a", "restore": "PASS", "cuda-rng": "n/a", "amp": "PASS", "overhead": "n/a"}
    assert lines[-1] == "gpu_check: all checks passed"


def test_the_restore_check_sees_a_changed_or_rebound_tensor():
    gpu_check = load_script()
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = gpu_check.snapshot_of(model, optimizer)
    assert gpu_check.restore_problems(before, model, optimizer) == []
    with torch.no_grad():
        model[0].weight[0, 0] += 1
    model[1].running_mean = torch.zeros(4)
    assert gpu_check.restore_problems(before, model, optimizer) == [
        "parameter 0.weight changed", "buffer 1.running_mean is another tensor object"]
