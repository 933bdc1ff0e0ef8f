"""lrwidget's own suggestion, ``sweetspot``: errors, determinism, behaviour on synthetic curves, and the plumbing."""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import Learner
from lrwidget.engine.rangetest import RangeTestResult, range_test
from lrwidget.engine.smoothing import LossSmoother
from lrwidget.suggest import minimum, slide, steep, suggest_lrs, suggestion_window, sweetspot, valley
from lrwidget.suggest.sweetspot import (
    MIN_POINTS,
    TIP,
    below_the_rise,
    curve_features,
    delag,
    is_flat,
    zero_lag_curve,
)
from tests.conftest import make_mlp, make_regression_data

NUM_IT = 100
TRUE_STEEPEST, TRUE_DIVERGENCE = -3.0, -0.5  # log10(lr) of the synthetic curve's landmarks


def synthetic_curve(noise: float = 0.02, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A range test's lrs and per-batch losses: a logistic fall centred on 1e-3, then a blow-up.

    The fall is steepest at its centre; the blow-up brings the loss back to its start level (2.0) at lr ≈ 0.3.
    """
    log_lrs = -7 + 8 * np.arange(NUM_IT) / NUM_IT
    fall = 1.8 / (1 + np.exp(-(log_lrs - TRUE_STEEPEST) / 0.3))
    blow_up = 1.8 * np.exp((log_lrs - TRUE_DIVERGENCE) * 3.0)
    clean = 2.0 - fall + blow_up
    rng = np.random.default_rng(seed)
    return 10.0**log_lrs, clean * (1 + noise * rng.standard_normal(NUM_IT))


def fastai_smoothed(raw: np.ndarray) -> np.ndarray:
    """What the range test records as ``losses``: fastai's debiased EMA, in float32."""
    smoother = LossSmoother()
    return np.array([smoother.add(float(loss)) for loss in raw], dtype=np.float32)


def windowed(lrs: np.ndarray, raw: np.ndarray) -> dict[str, np.ndarray]:
    """The curve as ``suggest_lrs`` hands it to a suggestion function."""
    losses = fastai_smoothed(raw)
    window_lrs, window_losses = suggestion_window(lrs, losses, NUM_IT)
    start = NUM_IT // 10
    return {"lrs": window_lrs, "losses": window_losses, "raw_losses": raw[start : start + len(window_lrs)]}


def test_tip_is_one_sentence() -> None:
    assert TIP.endswith(".") and TIP.count(". ") == 0 and len(TIP) < 200


def test_deterministic_and_leaves_its_input_alone() -> None:
    curve = windowed(*synthetic_curve())
    copies = {name: values.copy() for name, values in curve.items()}
    first = sweetspot(curve["lrs"], curve["losses"], NUM_IT, raw_losses=curve["raw_losses"])
    second = sweetspot(curve["lrs"], curve["losses"], NUM_IT, raw_losses=curve["raw_losses"])
    assert first == second
    for name, values in curve.items():
        np.testing.assert_array_equal(values, copies[name])
    tensors = sweetspot(*(torch.tensor(curve[name]) for name in ("lrs", "losses")), NUM_IT,
                        raw_losses=torch.tensor(curve["raw_losses"]))
    assert tensors.lr == pytest.approx(first.lr, rel=1e-6)


@pytest.mark.parametrize("n_points", [0, 1, MIN_POINTS - 1])
def test_short_curves_say_how_many_points_are_needed(n_points: int) -> None:
    lrs, raw = synthetic_curve()
    with pytest.raises(ValueError, match=rf"at least {MIN_POINTS} points.*has {n_points}\b"):
        sweetspot(lrs[:n_points], raw[:n_points], raw_losses=raw[:n_points])


def test_all_nan_and_mismatched_curves_raise_value_errors() -> None:
    lrs, raw = synthetic_curve()
    nan = np.full(NUM_IT, np.nan)
    with pytest.raises(ValueError, match=f"has 0 \\(of {NUM_IT} given"):
        sweetspot(lrs, nan, raw_losses=nan)
    with pytest.raises(ValueError, match="has 0"):
        sweetspot(lrs, nan)  # de-lagging NaN gives NaN
    with pytest.raises(ValueError, match="differ in length"):
        sweetspot(lrs, raw[:-1])
    with pytest.raises(ValueError, match="differ in length"):
        sweetspot(lrs, raw, raw_losses=raw[:-1])
    with pytest.raises(ValueError, match="increasing"):
        sweetspot(lrs[::-1], raw, raw_losses=raw)


def test_the_curve_is_cut_at_the_first_non_finite_loss() -> None:
    lrs, raw = synthetic_curve()
    cut = raw.copy()
    cut[70:] = np.inf
    assert sweetspot(lrs, cut, raw_losses=cut).lr < lrs[70]


def test_finds_the_true_steepest_point_where_the_lagging_ema_does_not() -> None:
    curve = windowed(*synthetic_curve())
    zero_lag = zero_lag_curve(curve["lrs"], curve["losses"], NUM_IT, raw_losses=curve["raw_losses"])
    features = curve_features(zero_lag.log_lrs, zero_lag.smoothed)
    assert zero_lag.log_lrs[features.steepest] == pytest.approx(TRUE_STEEPEST, abs=0.15)
    assert zero_lag.log_lrs[features.divergence] == pytest.approx(TRUE_DIVERGENCE + 0.1, abs=0.2)
    # fastai's steep reads the lagging EMA: the same fall shows up more than half a decade to the right.
    assert math.log10(steep(curve["lrs"], curve["losses"]).lr) > TRUE_STEEPEST + 0.5


def test_suggests_half_the_geometric_mean_of_steepest_and_divergence() -> None:
    curve = windowed(*synthetic_curve())
    suggestion = sweetspot(curve["lrs"], curve["losses"], NUM_IT, raw_losses=curve["raw_losses"])
    middle = (TRUE_STEEPEST + TRUE_DIVERGENCE) / 2
    assert math.log10(suggestion.lr) == pytest.approx(middle - math.log10(2), abs=0.15)
    assert suggestion.lr < 10**TRUE_DIVERGENCE / 10  # well left of the divergence
    lr, loss = suggestion.point
    assert lr == suggestion.lr
    assert loss == pytest.approx(float(np.interp(math.log10(lr), np.log10(curve["lrs"]), curve["losses"])), rel=1e-6)
    tuned = sweetspot(curve["lrs"], curve["losses"], NUM_IT, raw_losses=curve["raw_losses"], fine_tune=True)
    assert tuned.lr == pytest.approx(2 * suggestion.lr)


@pytest.mark.parametrize("spike", [30.0, 0.0])
def test_a_single_noisy_batch_does_not_move_the_suggestion(spike: float) -> None:
    lrs, raw = synthetic_curve()
    clean = sweetspot(lrs, raw, raw_losses=raw).lr
    for index in (15, 40, 55, 80):  # on the flat start, in the fall, on the floor, in the blow-up
        noisy = raw.copy()
        noisy[index] = spike  # one batch far above, or at zero
        assert math.log10(sweetspot(lrs, noisy, raw_losses=noisy).lr) == pytest.approx(math.log10(clean), abs=0.1)


def test_noise_on_the_flat_start_cannot_win_where_it_fools_fastais_steep() -> None:
    fooled = 0
    for seed in range(5):
        curve = windowed(*synthetic_curve(noise=0.2, seed=seed))  # batch noise of 20%: more than a tenth of the drop
        zero_lag = zero_lag_curve(curve["lrs"], curve["losses"], NUM_IT, raw_losses=curve["raw_losses"])
        features = curve_features(zero_lag.log_lrs, zero_lag.smoothed)
        assert zero_lag.log_lrs[features.steepest] == pytest.approx(TRUE_STEEPEST, abs=0.3)
        suggestion = sweetspot(curve["lrs"], curve["losses"], NUM_IT, raw_losses=curve["raw_losses"])
        expected = (TRUE_STEEPEST + TRUE_DIVERGENCE) / 2 - math.log10(2)
        assert math.log10(suggestion.lr) == pytest.approx(expected, abs=0.2)
        fooled += math.log10(steep(curve["lrs"], curve["losses"]).lr) < -5  # the "once picked 6e-7"
    assert fooled >= 2


def test_without_raw_losses_it_delags_the_smoothed_ones() -> None:
    lrs, raw = synthetic_curve()
    smoothed = fastai_smoothed(raw)
    np.testing.assert_allclose(delag(smoothed.astype(np.float64)), raw, rtol=1e-4, atol=1e-4)
    curve = windowed(lrs, raw)
    with_raw = sweetspot(curve["lrs"], curve["losses"], NUM_IT, raw_losses=curve["raw_losses"])
    delagged = sweetspot(curve["lrs"], curve["losses"], NUM_IT)  # how fastai's own lr_find would call it
    assert math.log10(delagged.lr) == pytest.approx(math.log10(with_raw.lr), abs=0.1)


def test_a_loss_that_never_falls_gets_the_lowest_lr() -> None:
    lrs = np.logspace(-7, 1, 50)
    rising = np.linspace(1.0, 3.0, 50)
    assert sweetspot(lrs, rising, raw_losses=rising).lr == pytest.approx(lrs[0])


def plateau_then_blow_up(level: float = 2.3, noise: float = 0.005, rise_at: float = 0.5) -> tuple[np.ndarray, ...]:
    """A deep plain net's range test: flat at ``level`` (with noise), then a blow-up from lr = 10**rise_at."""
    log_lrs = -7 + 8 * np.arange(NUM_IT) / NUM_IT
    blow_up = np.where(log_lrs > rise_at, abs(level) * (np.exp((log_lrs - rise_at) * 8) - 1), 0.0)
    raw = level + blow_up + noise * abs(level) * np.random.default_rng(1).standard_normal(NUM_IT)
    return 10.0**log_lrs, raw


@pytest.mark.parametrize("level", [2.3, -1.5])  # a loss may be negative (a log-likelihood): the 5% is of its size
def test_a_plateau_with_no_descent_gets_a_decade_below_where_the_loss_starts_to_rise(level: float) -> None:
    lrs, raw = plateau_then_blow_up(level)
    curve = zero_lag_curve(lrs, raw, raw_losses=raw)
    assert is_flat(curve.smoothed)
    suggestion = sweetspot(lrs, raw, raw_losses=raw)
    # The landmarks of the noise would sit anywhere on the plateau. The loss leaves it at 10**0.5, which the zero-lag
    # average (0.2 decades each way) shows up to half a decade early; the suggestion is a decade below that.
    assert math.log10(suggestion.lr) == pytest.approx(below_the_rise(curve))
    assert 0.5 - 1.5 < math.log10(suggestion.lr) <= 0.5 - 1


def test_a_fall_of_more_than_five_percent_is_read_as_a_descent() -> None:
    lrs, raw = plateau_then_blow_up(noise=0.0)
    log_lrs = np.log10(lrs)
    raw = raw - 2.3 * 0.08 / (1 + np.exp(-(log_lrs + 3) / 0.2))  # an 8% fall centred on 1e-3
    curve = zero_lag_curve(lrs, raw, raw_losses=raw)
    assert not is_flat(curve.smoothed)
    features = curve_features(curve.log_lrs, curve.smoothed)
    assert features is not None and curve.log_lrs[features.steepest] == pytest.approx(-3, abs=0.2)
    middle = (curve.log_lrs[features.steepest] + curve.log_lrs[features.divergence]) / 2
    expected = min(middle - math.log10(2), max(curve.log_lrs[features.floor_edge], curve.log_lrs[features.steepest]))
    log_lr = math.log10(sweetspot(lrs, raw, raw_losses=raw).lr)
    assert log_lr == pytest.approx(expected) and abs(log_lr - below_the_rise(curve)) > 0.5


def test_a_curve_that_never_diverges_stays_on_the_floor() -> None:
    lrs, raw = synthetic_curve(noise=0.0)
    keep = np.log10(lrs) < -1.5  # the test ended before the blow-up
    suggestion = sweetspot(lrs[keep], raw[keep], raw_losses=raw[keep])
    assert 10**TRUE_STEEPEST < suggestion.lr < lrs[keep][-1]


@pytest.fixture(scope="module")
def recorded() -> RangeTestResult:
    torch.manual_seed(0)
    model = make_mlp(batchnorm=False)
    loader = DataLoader(make_regression_data(n=256), batch_size=16, shuffle=True)
    return range_test(model, torch.optim.SGD(model.parameters(), lr=1e-3), nn.functional.mse_loss, loader)


def test_range_test_result_passes_its_raw_losses(recorded: RangeTestResult) -> None:
    result = recorded.suggest(valley, sweetspot)
    assert result._fields == ("valley", "sweetspot")
    window_lrs, window_losses = suggestion_window(recorded.lrs, recorded.losses, recorded.num_it)
    start = recorded.num_it // 10
    raw = np.array(recorded.raw_losses[start : start + len(window_lrs)], dtype=np.float32)
    direct = sweetspot(window_lrs, window_losses, recorded.num_it, raw_losses=raw)
    assert result.sweetspot == pytest.approx(direct.lr, rel=1e-9)
    assert result.points["sweetspot"] == pytest.approx(direct.point, rel=1e-9)
    tuned = recorded.suggest(functools.partial(sweetspot, fine_tune=True))
    assert tuned._fields == ("sweetspot",)


def test_fastais_four_are_unchanged_by_the_raw_losses(recorded: RangeTestResult) -> None:
    funcs = (valley, steep, minimum, slide)
    plain = suggest_lrs(recorded.lrs, recorded.losses, recorded.num_it, funcs)
    with_raw = suggest_lrs(recorded.lrs, recorded.losses, recorded.num_it, funcs, raw_losses=recorded.raw_losses)
    assert tuple(plain) == tuple(with_raw) and plain.points == with_raw.points
    with pytest.raises(ValueError, match="differ in length"):
        suggest_lrs(recorded.lrs, recorded.losses, recorded.num_it, funcs, raw_losses=recorded.raw_losses[:-1])


def test_learner_lr_find_accepts_it() -> None:
    torch.manual_seed(0)
    loader = DataLoader(make_regression_data(n=256), batch_size=16, shuffle=True)
    learn = Learner(make_mlp(batchnorm=False), loader, nn.functional.mse_loss, show_progress=False)
    suggestions = learn.lr_find(suggest_funcs=(functools.partial(sweetspot, fine_tune=False), valley))
    assert suggestions._fields == ("sweetspot", "valley")
    assert learn.range_test_result.lrs[0] <= suggestions.sweetspot <= learn.range_test_result.lrs[-1]
