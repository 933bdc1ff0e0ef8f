"""lrwidget.suggest on curves recorded by a real fastai ``Learner.lr_find``, and inside it as its suggest_funcs."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lrwidget.suggest import minimum, slide, steep, suggest_lrs, valley
from tests.test_suggest import FASTAI, assert_same_suggestion

fastai_basics = pytest.importorskip("fastai.basics")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # lr_find(show_plot=True) draws our marker points; no display on CI
from matplotlib import pyplot as plt  # noqa: E402

pytestmark = [  # fastai's own deprecation noise under numpy 2, not ours
    pytest.mark.filterwarnings("ignore:__array_wrap__ must accept:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:numpy.core is deprecated:DeprecationWarning"),
]

OUR_FUNCS = (valley, steep, minimum, slide)
FASTAI_FUNCS = tuple(FASTAI[func.__name__] for func in OUR_FUNCS)
LR_FIND_RUNS = {
    "diverges": dict(num_it=100, end_lr=10, stop_div=True),
    "short": dict(num_it=60, start_lr=1e-5, end_lr=1, stop_div=False),
    "long": dict(num_it=200, start_lr=1e-6, end_lr=100, stop_div=True),
}


def tiny_fastai_learner(path, seed: int = 0):
    """A two-layer regression model that fastai trains in a few milliseconds per batch."""
    torch.manual_seed(seed)
    inputs = torch.randn(256, 8)
    targets = inputs @ torch.randn(8, 1) + 0.1 * torch.randn(256, 1)
    dataset = TensorDataset(inputs, targets)
    dls = fastai_basics.DataLoaders(DataLoader(dataset, batch_size=16, shuffle=True), DataLoader(dataset, 64))
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    return fastai_basics.Learner(dls, model, loss_func=nn.MSELoss(), path=path)


def fastai_window(recorder, num_it: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The tensors fastai's lr_find hands its suggest_funcs (its own code, restated)."""
    lrs = fastai_basics.tensor(recorder.lrs[num_it // 10 : -5])
    losses = fastai_basics.tensor(recorder.losses[num_it // 10 : -5])
    nan_idxs = torch.nonzero(torch.isnan(losses.view(-1)))
    if len(nan_idxs) > 0:
        lrs, losses = lrs[: min(nan_idxs)], losses[: min(nan_idxs)]
    return lrs, losses


@pytest.mark.parametrize("run", sorted(LR_FIND_RUNS))
def test_suggest_lrs_matches_fastais_lr_find(tmp_path, run: str) -> None:
    learn = tiny_fastai_learner(tmp_path)
    options = LR_FIND_RUNS[run]
    with learn.no_bar():
        fastai_result = learn.lr_find(show_plot=False, suggest_funcs=FASTAI_FUNCS, **options)
    num_it = options["num_it"]
    ours = suggest_lrs(learn.recorder.lrs, learn.recorder.losses, num_it, OUR_FUNCS)
    assert ours._fields == fastai_result._fields
    assert tuple(ours) == pytest.approx(tuple(fastai_result), rel=1e-5)
    window_lrs, window_losses = fastai_window(learn.recorder, num_it)
    for name, lr in zip(ours._fields, ours, strict=True):
        assert_same_suggestion((lr, ours.points[name]), FASTAI[name](window_lrs, window_losses, num_it))


@pytest.mark.parametrize("run", ["diverges", "short"])
def test_our_functions_are_fastai_suggest_funcs(tmp_path, run: str) -> None:
    learn = tiny_fastai_learner(tmp_path, seed=1)
    options = LR_FIND_RUNS[run]
    with learn.no_bar():
        # show_plot=True: fastai plots the (lr, loss) points we return, as it does its own.
        result = learn.lr_find(show_plot=True, suggest_funcs=OUR_FUNCS, **options)
    plt.close("all")
    assert result._fields == ("valley", "steep", "minimum", "slide")
    window_lrs, window_losses = fastai_window(learn.recorder, options["num_it"])
    for name, lr in zip(result._fields, result, strict=True):
        fastai_lr, _ = FASTAI[name](window_lrs, window_losses, options["num_it"])
        assert lr == pytest.approx(fastai_lr, rel=1e-5)


def test_an_early_stop_is_a_clear_error_where_fastai_crashes(tmp_path) -> None:
    learn = tiny_fastai_learner(tmp_path)
    with learn.no_bar(), pytest.raises(IndexError):  # fastai issue 3658: the loss diverges at once
        learn.lr_find(start_lr=1e2, end_lr=1e3, show_plot=False, suggest_funcs=FASTAI_FUNCS)
    recorded = len(learn.recorder.losses)
    assert recorded < 16
    with pytest.raises(ValueError, match=rf"{recorded} points were recorded.*at least 16[\s\S]*3658"):
        suggest_lrs(learn.recorder.lrs, learn.recorder.losses, 100, OUR_FUNCS)
    with learn.no_bar(), pytest.raises(ValueError, match=r"valley needs at least 1 points.*has 0[\s\S]*3658"):
        learn.lr_find(start_lr=1e2, end_lr=1e3, show_plot=False, suggest_funcs=OUR_FUNCS)
