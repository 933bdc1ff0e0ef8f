"""A torch-only ``Learner`` with fastai's training API: ``lr_find``, ``fit``, ``fit_one_cycle``, ``fine_tune``.

It holds a model, a training loader, a loss function and one optimizer whose param groups are the layer groups
that a ``splitter`` defines, exactly as fastai's ``Learner`` does, so that ``slice`` learning rates,
``freeze``/``unfreeze`` and ``fine_tune`` mean what they mean in fastai. The schedules come from
:mod:`lrwidget.train.plan` (so a preview draws exactly what training applies), the steps from
:mod:`lrwidget.engine.step` and the range test from :mod:`lrwidget.engine.rangetest`.

The ``train_loss`` reported per epoch is fastai's: the debiased exponential moving average of the batch losses
(beta 0.98), reset at the start of each ``fit``, read at the end of the epoch. ``valid_loss`` and the metrics are
averages over the validation batches, weighted by batch size.
"""
from __future__ import annotations

import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import torch
from torch import nn

from lrwidget.engine import busy
from lrwidget.engine.rangetest import LRSpec, RangeTestResult, range_test
from lrwidget.engine.smoothing import LossSmoother
from lrwidget.engine.step import LossFunc, SupervisedStep, compute_loss, model_device
from lrwidget.suggest import SuggestedLRs, valley
from lrwidget.train.plan import Plan, Planner, TrainingCall
from lrwidget.train.progress import ProgressTable
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
    step_scheduler,
)

# fastai's norm_types: in a frozen layer group these keep training when train_bn is set.
NORM_TYPES = (
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d,
    nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
    nn.LayerNorm,
)
Metric = Callable[[torch.Tensor, Any], Any]
# Any: a splitter takes the caller's own model class (nn.Sequential, a custom Module), which Callable cannot widen to.
Splitter = Callable[[Any], Iterable[Iterable[nn.Parameter]]]
DEFAULT_LR = 1e-3  # fastai's Learner default
_MAX_NAMES_SHOWN = 8


class Batches(Protocol):
    """A sized iterable of batches, such as a ``DataLoader``: the schedules need its ``len``."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


def accuracy(predictions: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Fraction of rows whose highest-scoring class is the target (fastai's ``accuracy``)."""
    return (predictions.argmax(dim=-1) == target).float().mean()


def trainable_params(model: nn.Module) -> list[list[nn.Parameter]]:
    """The default splitter: one layer group with every parameter that requires grad (fastai's default)."""
    return [[param for param in model.parameters() if param.requires_grad]]


def metric_name(metric: Metric) -> str:
    """A metric's column name: its ``__name__``, or the wrapped function's for a ``functools.partial``."""
    target = getattr(metric, "func", metric)
    return getattr(target, "__name__", type(target).__name__)


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES_SHOWN])
    return shown + (f" and {len(names) - _MAX_NAMES_SHOWN} more" if len(names) > _MAX_NAMES_SHOWN else "")


def check_layer_groups(model: nn.Module, groups: Any) -> list[list[nn.Parameter]]:
    """Checks a splitter's output: every trainable parameter of ``model`` in exactly one non-empty group.

    Parameters that do not require grad may be included (fastai's ``unfreeze`` will then train them).
    Raises ``TypeError`` for a wrong shape and ``ValueError`` naming the parameters that are missing,
    repeated or foreign.
    """
    if isinstance(groups, torch.Tensor) or not isinstance(groups, Iterable):
        raise TypeError(f"the splitter must return a list of parameter lists, got {type(groups).__name__}")
    groups = list(groups)
    if not groups or any(isinstance(group, torch.Tensor) or not isinstance(group, Iterable) for group in groups):
        raise TypeError("the splitter must return a list of parameter lists, one list per layer group "
                        "(e.g. [list(body.parameters()), list(head.parameters())])")
    layer_groups: list[list[nn.Parameter]] = [list(group) for group in groups]
    names = {id(param): name for name, param in model.named_parameters()}
    problems: list[str] = []
    group_of: dict[int, int] = {}
    repeated: list[str] = []
    for index, group in enumerate(layer_groups):
        if not group:
            problems.append(f"layer group {index} is empty")
        for param in group:
            if id(param) not in names:
                shape = tuple(param.shape) if isinstance(param, torch.Tensor) else type(param).__name__
                problems.append(f"layer group {index} holds something that is not a parameter of the model ({shape})")
            elif id(param) in group_of:
                repeated.append(f"{names[id(param)]} (groups {group_of[id(param)]} and {index})")
            else:
                group_of[id(param)] = index
    if repeated:
        problems.append(f"parameters in more than one place: {_listed(repeated)}")
    missing = [name for name, param in model.named_parameters() if param.requires_grad and id(param) not in group_of]
    if missing:
        problems.append(f"trainable parameters in no layer group: {_listed(missing)}")
    if problems:
        raise ValueError("the splitter's layer groups must hold every trainable parameter of the model exactly "
                         "once: " + "; ".join(problems))
    return layer_groups


def _batch_size(target: Any) -> int:
    if isinstance(target, torch.Tensor):
        return target.shape[0] if target.ndim else 1
    return len(target) if hasattr(target, "__len__") else 1


class Learner:
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
        self.history: list[dict[str, Any]] = []
        self.n_frozen = 0
        self.range_test_result: RangeTestResult | None = None
        self._norm_param_ids = {id(p) for m in model.modules() if isinstance(m, NORM_TYPES) for p in m.parameters()}

    @property
    def n_groups(self) -> int:
        """The number of layer groups (= the optimizer's param groups)."""
        return len(self.layer_groups)

    @property
    def metric_names(self) -> list[str]:
        """The column names of the metrics, in order."""
        return [metric_name(metric) for metric in self.metrics]

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
        :func:`lrwidget.engine.rangetest.range_test`.
        """
        self.range_test_result = range_test(
            self.model, self.opt, self.loss_func, self.train_dl, start_lr=start_lr, end_lr=end_lr, num_it=num_it,
            stop_div=stop_div, step=SupervisedStep(self.model, self.opt, self.loss_func), **range_test_kwargs,
        )
        return self.range_test_result.suggest(*suggest_funcs)

    @property
    def planner(self) -> Planner[OneCycle]:
        """Plans this learner's training calls: its groups, batches, freezing and defaults, on ``OneCycleLR``."""
        return Planner(self.n_groups, len(self.train_dl), self.n_frozen, self.lr, DEFAULT_MOMS, OneCycle.over_epochs)

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

    def _columns(self) -> list[str]:
        validation = ["valid_loss", *self.metric_names] if self.valid_dl is not None else []
        return ["epoch", "train_loss", *validation, "time"]

    def _train(self, n_epoch: int, cycle: OneCycle | None) -> None:
        """The training loop shared by ``fit`` and the one-cycle methods; appends a row per epoch to history."""
        if n_epoch == 0:
            return
        scheduler = cycle.scheduler(self.opt) if cycle is not None else None
        step = SupervisedStep(self.model, self.opt, self.loss_func)
        smoother = LossSmoother()  # fastai resets its smoothed train loss at the start of every fit
        table = ProgressTable(self._columns(), enabled=self.show_progress)
        n_batches = len(self.train_dl)
        steps_done = 0
        table.header()
        try:
            for epoch in range(n_epoch):
                started = time.perf_counter()
                self.model.train()
                train_loss = float("nan")
                for batch_index, batch in enumerate(self.train_dl, start=1):
                    loss = step(batch)
                    steps_done += 1
                    if scheduler is not None:
                        step_scheduler(scheduler, steps_done)
                    train_loss = smoother.add(loss.item())
                    table.bar(batch_index, n_batches, f"train_loss {train_loss:.4f}")
                row: dict[str, Any] = {"epoch": epoch, "train_loss": train_loss}
                if self.valid_dl is not None:
                    row.update(zip(["valid_loss", *self.metric_names], self.validate(), strict=True))
                row["time"] = time.perf_counter() - started
                self.history.append(row)
                table.row(row)
        finally:
            table.close()

    @busy.uses_model("learn.validate()")
    def validate(self, dl: Iterable[Any] | None = None) -> list[float]:
        """``[valid_loss, *metric values]`` on ``dl`` (default ``valid_dl``), weighted by batch size."""
        dl = self.valid_dl if dl is None else dl
        if dl is None:
            raise ValueError("no validation data: pass valid_dl to the Learner or dl to validate()")
        device = model_device(self.model)
        was_training = self.model.training
        totals = [0.0] * (1 + len(self.metrics))
        seen = 0
        self.model.eval()
        try:
            with torch.no_grad():
                for batch in dl:
                    loss, predictions, target = compute_loss(self.model, self.loss_func, batch, device)
                    size = _batch_size(target)
                    values = [loss, *(metric(predictions, target) for metric in self.metrics)]
                    for index, value in enumerate(values):
                        totals[index] += float(value) * size
                    seen += size
        finally:
            self.model.train(was_training)
        if seen == 0:
            raise ValueError("the validation data yielded no batches")
        return [total / seen for total in totals]
