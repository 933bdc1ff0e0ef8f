"""Where a verification moves the hi handle: the best trial, the fitted bottom between its neighbours, and the default
trials' LRs (the pure part, ``lrwidget.train.verify``; the status line's words from ``lrwidget.widget.verifying``)."""
from __future__ import annotations

import math

import pytest

from lrwidget.train.verify import Trial, best_trial, default_trial_lrs, verified_lr
from lrwidget.widget.verifying import verify_summary


def test_the_best_trial_is_the_lowest_finite_valid_loss():
    trials = [Trial(1e-3, 0.5), Trial(3e-3, math.nan, "diverged"), Trial(1e-2, 0.4), Trial(3e-2, 0.4)]
    assert best_trial(trials) == Trial(1e-2, 0.4)
    assert best_trial([Trial(1e-3, math.inf, "diverged")]) is None
    assert verify_summary("running", trials[:3], 3) == "verify: 3/3 trials · best 0.01 (valid 0.4) · cost 3 trainings"


def test_hi_goes_to_the_bottom_of_the_parabola_through_the_best_trial_and_its_neighbours():
    # log(loss) = (log10 lr + 2.2)² + 1 at 1e-3, 1e-2, 1e-1 (one diverged trial among them is left out): bottom 10**-2.2
    losses = {x: math.exp((x + 2.2) ** 2 + 1) for x in (-3.0, -2.0, -1.0)}
    trials = [Trial(10**x, loss) for x, loss in losses.items()] + [Trial(10**-1.5, math.inf, "diverged")]
    assert math.log10(verified_lr(trials)) == pytest.approx(-2.2)
    summary = verify_summary("done", trials[:3], 3)
    assert summary.endswith("best 0.01 (valid 2.83) · hi 6.3e-3, fitted · cost 3 trainings")
    assert " fitted" not in verify_summary("running", trials[:3], 3)  # only once the verification has ended
    # Negative losses (a log-likelihood) are fitted as they are; the bottom stays between the neighbours.
    bottom = -2.5 + 1 / 1.1  # slopes -1 and 0.1 per decade: the slope is 0 at 1/1.1 of a decade past their midpoint
    assert verified_lr([Trial(1e-3, -1.0), Trial(1e-2, -2.0), Trial(1e-1, -1.9)]) == pytest.approx(10**bottom)
    # Two equal best: the bottom lies midway between them.
    assert verified_lr([Trial(1e-3, 1.0), Trial(1e-2, 0.5), Trial(1e-1, 0.5)]) == pytest.approx(10**-1.5)
    # The same LR given twice (w.verify(lrs=[...])), the best at an edge, or nothing finished: the best trial's LR, or
    # None.
    assert verified_lr([Trial(1e-3, 1.0), Trial(1e-3, 0.5), Trial(1e-1, 0.7)]) == 1e-3
    assert verified_lr([Trial(1e-3, 1.0), Trial(1e-2, 0.9), Trial(1e-1, 0.5)]) == 1e-1
    assert verified_lr([Trial(1e-3, math.nan, "diverged")]) is None


def test_the_default_trials_stay_inside_the_tested_range():
    assert default_trial_lrs(1e-2, 1e-7, 10) == pytest.approx([1e-2 / 3, 1e-2, 3e-2])
    assert default_trial_lrs(5.0, 1e-7, 10) == pytest.approx([5 / 3, 5.0, 10.0])
    assert default_trial_lrs(1e-7, 1e-7, 10) == pytest.approx([1e-7, 3e-7])  # a clamped duplicate is tried once
