"""A torch-only ``Learner`` with fastai's training API: ``lr_find``, ``fit``, ``fit_one_cycle``, ``fine_tune``.

It holds a model, a training loader, a loss function and one optimizer whose param groups are the layer groups
that a ``splitter`` defines, exactly as fastai's ``Learner`` does, so that ``slice`` learning rates,
``freeze``/``unfreeze`` and ``fine_tune`` mean what they mean in fastai. The schedules come from
:mod:`lrwidget.train.plan` (so a preview draws exactly what training applies), the layer groups from
:mod:`lrwidget.train.groups`, the training loop and validation from :mod:`lrwidget.train.loop`, the steps (plain,
mixed precision, accumulating) from :mod:`lrwidget.engine.amp_step` and the range test from
:mod:`lrwidget.engine.rangetest`.

The ``train_loss`` reported per epoch is fastai's: the debiased exponential moving average of the step losses
(beta 0.98), reset at the start of each ``fit``, read at the end of the epoch. ``valid_loss`` and the metrics are
averages over the validation batches, weighted by batch size.
"""
from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from lrwidget.engine import busy
from lrwidget.engine.amp_step import check_accumulation_steps
from lrwidget.engine.precision import check_amp
from lrwidget.engine.rangetest import LRSpec, RangeTestResult, range_test
from lrwidget.engine.step import LossFunc
from lrwidget.suggest import SuggestedLRs, valley
from lrwidget.train.groups import NORM_TYPES, Splitter, check_layer_groups, trainable_params
from lrwidget.train.loop import Batches, Metric, TrainingLoop
from lrwidget.train.plan import Plan, Planner, TrainingCall
from lrwidget.train.schedule import (
    DEFAULT_DIV,
    DEFAULT_DIV_FINAL,
    DEFAULT_MOMS,
    DEFAULT_PCT_START,
    FINE_TUNE_BASE_LR,
    FINE_TUNE_DIV,
    FINE_TUNE_LR_MULT,
    FINE_TUNE_PCT_START,
    LearningRates,
    OneCycle,
    check_count,
    check_lr,
    lrs_per_group,
)

DEFAULT_LR = 1e-3  # fastai's Learner default


def accuracy(predictions: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Fraction of rows whose highest-scoring class is the target (fastai's ``accuracy``)."""
    return (predictions.argmax(dim=-1) == target).float().mean()


class Learner(TrainingLoop):
    """A model, its data, its loss and an optimizer over layer groups, trained the way fastai trains.

    Args:
        model: the ``nn.Module`` to train.
        train_dl: the training batches, ``(inputs..., target)`` each; must have a ``len`` (schedules need it).
        loss_func: ``loss_func(predictions, target) -> loss``, averaged over the batch.
        valid_dl: optional validation batches; each epoch then reports ``valid_loss`` and the metrics.
        opt_func: builds the optimizer as ``opt_func([{"params": group}, ...], lr=lr)``.
        splitter: ``splitter(model)`` returns one parameter list per layer group; default: one group.
        metrics: callables ``metric(predictions, target)``, reported under their ``__name__``.
        lr: the default learning rate of ``fit`` and ``fit_one_cycle`` (fastai's 1e-3).
        train_bn: keep normalization layers of frozen groups training, as fastai does.
        show_progress: print the progress table and live bar.
        amp: mixed precision for ``fit`` and ``lr_find``: False, True (float16 on CUDA, bfloat16 elsewhere),
            ``torch.float16`` (with a GradScaler) or ``torch.bfloat16``; ``to_fp16()`` etc. set it later.
        accumulation_steps: batches per optimizer step (gradient accumulation); the range test and the schedules
            count optimizer steps (see :mod:`lrwidget.train.loop`).

    Everything is checked before anything changes: a bad splitter, a model without trainable parameters,
    an empty loader or a non-callable loss raise at once.
    """

    def __init__(
        self,
        model: nn.Module,
        train_dl: Batches,
        loss_func: LossFunc,
        *,
        valid_dl: Batches | None = None,
        opt_func: Callable[..., torch.optim.Optimizer] = torch.optim.AdamW,
        splitter: Splitter | None = None,
        metrics: Sequence[Metric] = (),
        lr: float = DEFAULT_LR,
        train_bn: bool = True,
        show_progress: bool = True,
        amp: Any = False,
        accumulation_steps: int = 1,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if not callable(loss_func):
            raise TypeError(f"loss_func must be callable, got {loss_func!r}")
        loaders = {"train_dl": train_dl, **({"valid_dl": valid_dl} if valid_dl is not None else {})}
        for name, loader in loaders.items():
            if not hasattr(loader, "__len__") or not hasattr(loader, "__iter__"):
                raise TypeError(f"{name} must be a DataLoader or another sized iterable of batches, "
                                f"got {type(loader).__name__}")
            if len(loader) == 0:
                raise ValueError(f"{name} is empty (len 0): there is nothing to train or validate on")
        check_amp(amp)
        check_accumulation_steps(accumulation_steps)  # before anything changes; kept as an int below
        metrics = tuple(metrics)
        for metric in metrics:
            if not callable(metric):
                raise TypeError(f"every metric must be callable, got {metric!r}")
        if not any(True for _ in model.parameters()):
            raise ValueError(f"the model ({type(model).__name__}) has no parameters to train")
        if not any(param.requires_grad for param in model.parameters()):
            raise ValueError(f"the model ({type(model).__name__}) has no trainable parameters "
                             "(every parameter has requires_grad=False)")
        self.layer_groups = check_layer_groups(model, (splitter or trainable_params)(model))
        self.lr = check_lr(lr, "lr")
        optimizer = opt_func([{"params": group} for group in self.layer_groups], lr=self.lr)
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"opt_func must build a torch.optim.Optimizer, got {type(optimizer).__name__}")
        self.model, self.train_dl, self.valid_dl, self.loss_func = model, train_dl, valid_dl, loss_func
        self.opt = optimizer
        self.metrics = metrics
        self.train_bn = train_bn
        self.show_progress = show_progress
        self.amp = amp
        self.accumulation_steps = check_accumulation_steps(accumulation_steps)
        self.scaler: torch.amp.GradScaler | None = None
        self.history: list[dict[str, Any]] = []
        self.n_frozen = 0
        self.range_test_result: RangeTestResult | None = None
        self._norm_param_ids = {id(p) for m in model.modules() if isinstance(m, NORM_TYPES) for p in m.parameters()}

    @property
    def n_groups(self) -> int:
        """The number of layer groups (= the optimizer's param groups)."""
        return len(self.layer_groups)

    # ----- freezing -------------------------------------------------------------------------------------------
    @busy.uses_model("learn.freeze_to()")
    def freeze_to(self, n: int) -> None:
        """Freezes the layer groups before ``n`` (Python slice semantics, so ``-1`` means all but the last).

        Frozen groups stop training, except their normalization layers when ``train_bn`` is set. The optimizer
        state (e.g. Adam's moments) is cleared, its hyper-parameters kept, as fastai's ``clear_state`` does.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"freeze_to takes an int, got {n!r}")
        if n >= self.n_groups:
            warnings.warn(f"Freezing {n} groups; the model has {self.n_groups}; the whole model is frozen.",
                          stacklevel=2)
        for group in self.layer_groups[n:]:
            for param in group:
                param.requires_grad_(True)
        for group in self.layer_groups[:n]:
            for param in group:
                param.requires_grad_(self.train_bn and id(param) in self._norm_param_ids)
        self.n_frozen = len(self.layer_groups[:n])
        self.opt.state = defaultdict(dict)

    def freeze(self) -> None:
        """Freezes every layer group but the last (nothing, with a single group)."""
        self.freeze_to(-1)

    def unfreeze(self) -> None:
        """Makes every layer group trainable."""
        self.freeze_to(0)

    # ----- learning rates ---------------------------------------------------------------------------------------
    @busy.uses_model("learn.lr_find()")
    def lr_find(
        self,
        start_lr: LRSpec = 1e-7,
        end_lr: LRSpec = 10,
        num_it: int = 100,
        stop_div: bool = True,
        suggest_funcs: Sequence[Callable[..., Any]] = (valley,),
        **range_test_kwargs: Any,
    ) -> SuggestedLRs:
        """Runs an LR range test (model, optimizer and RNG restored afterwards) and returns the suggestions.

        The full curve is kept in ``self.range_test_result``. Extra keywords (``on_point``, ``cancel``) go to
        :func:`lrwidget.engine.rangetest.range_test`. The test trains with the learner's ``amp`` and
        ``accumulation_steps``, one LR per optimizer step.
        """
        result = self.run_range_test(start_lr=start_lr, end_lr=end_lr, num_it=num_it, stop_div=stop_div,
                                     **range_test_kwargs)
        return result.suggest(*suggest_funcs)

    def run_range_test(self, **range_test_kwargs: Any) -> RangeTestResult:
        """The range test on this learner's model, optimizer, data and step; kept in ``self.range_test_result``.

        Takes :func:`~lrwidget.engine.rangetest.range_test`'s keywords, bar ``amp`` and ``accumulation_steps``,
        which are the learner's own. The learner's GradScaler is restored with everything else.
        """
        own = sorted({"amp", "accumulation_steps", "step"} & set(range_test_kwargs))
        if own:
            raise TypeError(f"{', '.join(own)}: a Learner's range test trains with its own step; set "
                            "Learner(amp=..., accumulation_steps=...) or call learn.to_fp16() instead")
        self.range_test_result = range_test(
            self.model, self.opt, self.loss_func, self.train_dl, step=self.training_step(),
            accumulation_steps=self.accumulation_steps, **range_test_kwargs,
        )
        return self.range_test_result

    @property
    def planner(self) -> Planner[OneCycle]:
        """Plans this learner's training calls: its groups, batches, freezing and defaults, on ``OneCycleLR``."""
        return Planner(self.n_groups, self.steps_per_epoch, self.n_frozen, self.lr, DEFAULT_MOMS, OneCycle.over_epochs)

    def plan_one_cycle(self, n_epoch: int, lr_max: LearningRates | None = None, div: float = DEFAULT_DIV,
                       div_final: float = DEFAULT_DIV_FINAL, pct_start: float = DEFAULT_PCT_START,
                       moms: Sequence[float] = DEFAULT_MOMS) -> Plan[OneCycle]:
        """What ``fit_one_cycle`` with these arguments will apply (``.lrs()`` per step and group)."""
        return self.planner.plan(TrainingCall("fit_one_cycle", n_epoch, dict(
            lr_max=lr_max, div=div, div_final=div_final, pct_start=pct_start, moms=moms)))

    def plan_fine_tune(
        self,
        epochs: int,
        base_lr: float = FINE_TUNE_BASE_LR,
        freeze_epochs: int = 1,
        lr_mult: float = FINE_TUNE_LR_MULT,
        pct_start: float = FINE_TUNE_PCT_START,
        div: float = FINE_TUNE_DIV,
        div_final: float = DEFAULT_DIV_FINAL,
        moms: Sequence[float] = DEFAULT_MOMS,
    ) -> Plan[OneCycle]:
        """What ``fine_tune`` with these arguments will do, phase by phase (see :mod:`lrwidget.train.plan`)."""
        return self.planner.plan(TrainingCall("fine_tune", epochs, dict(
            base_lr=base_lr, freeze_epochs=freeze_epochs, lr_mult=lr_mult, pct_start=pct_start, div=div,
            div_final=div_final, moms=moms)))

    # ----- training ---------------------------------------------------------------------------------------------
    @busy.uses_model("learn.fit()")
    def fit(self, n_epoch: int, lr: LearningRates | None = None) -> None:
        """Trains ``n_epoch`` epochs at a constant learning rate (``self.lr`` by default; slices allowed)."""
        lrs = lrs_per_group(self.lr if lr is None else lr, self.n_groups, name="lr")
        check_count(n_epoch, "n_epoch")
        for group, group_lr in zip(self.opt.param_groups, lrs, strict=True):
            group["lr"] = group_lr
        self._train(n_epoch, cycle=None)

    @busy.uses_model("learn.fit_one_cycle()")
    def fit_one_cycle(self, n_epoch: int, lr_max: LearningRates | None = None, div: float = DEFAULT_DIV,
                      div_final: float = DEFAULT_DIV_FINAL, pct_start: float = DEFAULT_PCT_START,
                      moms: Sequence[float] = DEFAULT_MOMS) -> None:
        """Trains ``n_epoch`` epochs with the 1cycle policy, on ``torch.optim.lr_scheduler.OneCycleLR``.

        ``lr_max`` is a float, a ``slice`` or one value per layer group (default ``self.lr``). How OneCycleLR's
        steps sit against fastai's is described in :mod:`lrwidget.train.schedule`.
        """
        self._run_plan(self.plan_one_cycle(n_epoch, lr_max, div, div_final, pct_start, moms))

    @busy.uses_model("learn.fine_tune()")
    def fine_tune(
        self,
        epochs: int,
        base_lr: float = FINE_TUNE_BASE_LR,
        freeze_epochs: int = 1,
        lr_mult: float = FINE_TUNE_LR_MULT,
        pct_start: float = FINE_TUNE_PCT_START,
        div: float = FINE_TUNE_DIV,
        div_final: float = DEFAULT_DIV_FINAL,
        moms: Sequence[float] = DEFAULT_MOMS,
    ) -> None:
        """fastai's recipe: frozen one-cycle for ``freeze_epochs``, then unfrozen with discriminative LRs.

        Runs exactly :meth:`plan_fine_tune`'s phases (the recipe is :mod:`lrwidget.train.plan`'s).
        """
        self._run_plan(self.plan_fine_tune(epochs, base_lr, freeze_epochs, lr_mult, pct_start, div, div_final, moms))

    def _run_plan(self, plan: Plan[OneCycle]) -> None:
        """Trains ``plan``'s phases in order: each one's ``freeze_to`` (if any), then its cycle."""
        for phase in plan.phases:
            if phase.freeze_to is not None:
                self.freeze_to(phase.freeze_to)
            self._train(phase.n_epoch, phase.cycle)
