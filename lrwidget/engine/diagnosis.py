"""A note for the user when a range test's stop reason alone would mislead them.

fastai's stop rule, ``smoothed > 4 × best``, is kept as it is (the curve must match fastai's ``lr_find``), but it
reads wrongly in three cases, and the note says what happened and what to do:
- the best smoothed loss is 0 or below: any later loss above ``4 × best`` (for a negative best, almost any loss)
  stops the test as "diverged", although nothing diverged;
- the loss is NaN or inf from the first step: there is no curve to read, whatever the stop reason says;
- the loss turns NaN on the way with ``stop_div`` set: the rule never fires on NaN, so the test runs on to
  ``num_it`` on a dead curve.
"""
from __future__ import annotations

import math
from collections.abc import Sequence


class RangeTestWarning(UserWarning):
    """Emitted (with ``warnings.warn``) when a range test ends with a note in ``RangeTestResult.warning``."""


def explain_stop(lrs: Sequence[float], losses: Sequence[float], raw_losses: Sequence[float], *, diverged: bool,
                 stop_div: bool) -> str | None:
    """The note for a run with these points and ending, or None when the stop reason speaks for itself.

    ``losses`` are the smoothed losses, ``raw_losses`` the per-batch ones; ``diverged`` says whether the stop rule
    ended the run.
    """
    if raw_losses and not math.isfinite(raw_losses[0]):
        return (f"the loss was {raw_losses[0]} from the first step (lr={lrs[0]:.3g}), so there is no curve to suggest "
                "from; check the loss function, the targets and the model's output on one batch (NaN or inf in the "
                "data, a log of 0, a mismatched shape)")
    finite = [loss for loss in losses if math.isfinite(loss)]
    if diverged and finite and min(finite) <= 0:
        best = min(finite)
        return (f"stopped as 'diverged' after {len(losses)} points because the smoothed loss went above 4 x the best "
                f"smoothed loss ({best:.4g}); with a best of 0 or below that rule (fastai's) fires without any "
                "divergence. Pass stop_div=False to run all num_it steps, or check the loss: the range test expects "
                "a loss that stays above 0")
    if stop_div and not diverged:
        first_nan = next((index for index, loss in enumerate(losses) if math.isnan(loss)), None)
        if first_nan is not None:
            return (f"the loss turned NaN at point {first_nan} (lr={lrs[first_nan]:.3g}) and the test ran on: "
                    "fastai's stop rule (smoothed loss > 4 x best) never fires on NaN. The suggestions use the points "
                    "before it; lower end_lr to spend the steps on the useful range")
    return None
