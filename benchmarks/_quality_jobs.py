"""The suggestion-quality benchmark's units of work: a range test, or one training at one LR, on a seeded learner.

Every job seeds every RNG a training can draw from before it builds its learner: Python's ``random`` (fastai's
DataLoader draws its shuffle seed there), NumPy's global state and torch's. The task's learner then takes its initial
weights and its shuffle order from the same seed, so a job is a pure function of its arguments and two runs of the
benchmark train the same models. Jobs run in a pool of worker processes with one torch thread each.
"""
from __future__ import annotations

import math
import multiprocessing
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from _quality_tasks import TASKS

from lrwidget.engine.rangetest import range_test

#: The range test records the validation loss after every step (two batches of 512), for suggestions that read it.
RANGE_TEST_VALID_EVERY = 1

Job = tuple[Any, ...]  # ("range", task, seed) or ("train", task, seed, lr, epochs)


def seed_everything(seed: int) -> None:
    """Seeds Python's ``random``, NumPy's global RNG and torch's (CPU and every CUDA device)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def run_range_test(task_index: int, seed: int) -> dict[str, Any]:
    """A range test with ``lr_find``'s defaults on a fresh learner of the task, with the validation curve."""
    seed_everything(seed)
    learner = TASKS[task_index].learner(seed)
    result = range_test(learner.model, learner.opt, learner.loss_func, learner.train_dl, valid_dl=learner.valid_dl,
                        valid_every=RANGE_TEST_VALID_EVERY)
    return {"lrs": result.lrs, "losses": result.losses, "raw_losses": result.raw_losses,
            "valid_losses": result.valid_losses, "stop_reason": result.stop_reason, "num_it": result.num_it,
            "steps_per_epoch": len(learner.train_dl)}


def run_training(task_index: int, seed: int, lr: float, epochs: int) -> tuple[float, float]:
    """Final (valid loss, accuracy) after training a fresh learner at ``lr``; NaN accuracy for regression.

    A run whose loss is not finite counts as diverged: an infinite loss.
    """
    seed_everything(seed)
    task = TASKS[task_index]
    learner = task.learner(seed)
    task.train(learner, lr, epochs)
    values = learner.validate()
    valid_loss = values[0] if math.isfinite(values[0]) else math.inf
    return valid_loss, values[1] if task.classification else math.nan


def _init_worker() -> None:
    torch.set_num_threads(1)  # two workers on two cores; more threads only fight at OpenMP barriers


def _job(job: Job) -> tuple[Job, Any]:
    kind, *args = job
    return job, (run_range_test(*args) if kind == "range" else run_training(*args))


def run_jobs(jobs: Sequence[Job], workers: int) -> dict[Job, Any]:
    """Every job's result, keyed by the job; duplicates run once."""
    unique = sorted(set(jobs))
    if workers <= 1:
        _init_worker()
        return dict(map(_job, unique))
    # Longest jobs first (many epochs), so the pool does not end on one straggler.
    ordered = sorted(unique, key=lambda job: -(job[-1] if job[0] == "train" else 0))
    with multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker) as pool:
        return dict(pool.imap_unordered(_job, ordered))
