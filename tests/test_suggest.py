"""lrwidget.suggest against fastai 2.8's own suggestion functions: same lr, same marker point."""
from __future__ import annotations

import functools
import math
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lrwidget.suggest import (
    SuggestedLRs,
    Suggestion,
    minimum,
    slide,
    steep,
    suggest_lrs,
    suggestion_window,
    valley,
)

fastai_schedule = pytest.importorskip("fastai.callback.schedule")
fa_valley, fa_steep = fastai_schedule.valley, fastai_schedule.steep
fa_minimum, fa_slide = fastai_schedule.minimum, fastai_schedule.slide

# fastai's slide calls np.log10 on a tensor, which numpy 2 warns about; that noise is fastai's, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array_wrap__ must accept:DeprecationWarning")

OURS = {"valley": valley, "steep": steep, "minimum": minimum, "slide": slide}
FASTAI = {"valley": fa_valley, "steep": fa_steep, "minimum": fa_minimum, "slide": fa_slide}
# The fewest points each fastai function survives (slide's default window is 15 wide).
NEEDED = {"valley": 1, "steep": 2, "minimum": 1, "slide": 16}


def _close(ours: float, theirs: float) -> bool:
    if math.isnan(theirs):
        return math.isnan(ours)
    return math.isclose(ours, theirs, rel_tol=1e-5)


def assert_same_suggestion(ours, theirs) -> None:
    """Ours and fastai's agree on the lr and both coordinates of the marker point, to 1e-5 relative."""
    lr, (point_lr, point_loss) = ours
    fa_lr, (fa_point_lr, fa_point_loss) = theirs
    assert isinstance(lr, float) and isinstance(point_lr, float) and isinstance(point_loss, float)
    assert _close(lr, float(fa_lr)), (lr, fa_lr)
    assert _close(point_lr, float(fa_point_lr)), (point_lr, fa_point_lr)
    assert _close(point_loss, float(fa_point_loss)), (point_loss, fa_point_loss)


def fastai_suggestion(name: str, lrs: np.ndarray, losses: np.ndarray, valley_on_lists: bool = False):
    """fastai's function on float32 tensors, as its lr_find calls it.

    ``valley_on_lists`` runs fastai's O(n²) valley on lists of the same float32 values instead: identical
    comparisons, but fast enough for hundreds of hypothesis examples.
    """
    if name == "valley" and valley_on_lists:
        return fa_valley(lrs.tolist(), losses.tolist(), 100)
    return FASTAI[name](torch.tensor(lrs, dtype=torch.float32), torch.tensor(losses, dtype=torch.float32), 100)


def lr_find_like_curve(n: int, seed: int, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """A range-test-shaped curve: flat, then descending, then exploding, with noise."""
    rng = np.random.default_rng(seed)
    lrs = np.geomspace(1e-7, 10, n)
    log_lr = np.log10(lrs)
    shape = 2.0 - 1.5 / (1 + np.exp(-3 * (log_lr + 3.5))) + np.exp(2.5 * (log_lr - 0.2))
    losses = shape * (1 + noise * rng.standard_normal(n))
    return lrs.astype(np.float32), losses.astype(np.float32)


# ---------------------------------------------------------------- parity on realistic and generated curves


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", sorted(OURS))
def test_matches_fastai_on_lr_find_like_curves(name: str, seed: int) -> None:
    lrs, losses = lr_find_like_curve(100 + 20 * seed, seed, noise=0.02 * seed)
    assert_same_suggestion(OURS[name](lrs, losses, 100), fastai_suggestion(name, lrs, losses))


LOSS_KINDS = ["random", "walk", "plateaus", "increasing", "decreasing", "infinities", "lr_find"]


def numpy_losses(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Long curves of each kind, drawn with numpy: hypothesis draws element by element, too slow at 300 points."""
    if kind == "walk":  # long noisy descents and climbs, where valley's runs get interesting
        return np.cumsum(rng.standard_normal(n))
    if kind == "plateaus":
        return rng.choice(rng.uniform(-10, 10, rng.integers(1, 5)), n)
    if kind in ("increasing", "decreasing"):
        ordered = np.sort(rng.choice(rng.uniform(-10, 10, rng.integers(1, n + 1)), n))  # with ties
        return ordered[::-1] if kind == "decreasing" else ordered
    losses = rng.uniform(-1e3, 1e3, n)
    if kind == "infinities":
        losses[rng.random(n) < 0.1] = rng.choice([np.inf, -np.inf, 3e38, -3e38])
    return losses


@st.composite
def curves(draw) -> tuple[np.ndarray, np.ndarray]:
    """Float32 curves of 1..300 points: noisy, plateaued, monotone, with repeated or log-spaced lrs."""
    n = draw(st.integers(1, 300))
    kind = draw(st.sampled_from(LOSS_KINDS))
    if kind == "lr_find":
        lrs, losses = lr_find_like_curve(n, draw(st.integers(0, 2**16)), draw(st.sampled_from([0.0, 0.01, 0.3])))
        return lrs, losses
    if n > 40:
        losses = numpy_losses(kind, n, np.random.default_rng(draw(st.integers(0, 2**32 - 1))))
    else:  # short curves element by element, so that hypothesis can shrink a failure to a readable one
        value = st.floats(-1e3, 1e3, width=32)
        if kind == "plateaus":
            value = st.sampled_from(draw(st.lists(value, min_size=1, max_size=4)))
        elif kind == "infinities":
            value = st.floats(width=32, allow_nan=False)
        losses = draw(st.lists(value, min_size=n, max_size=n))
        if kind in ("increasing", "decreasing"):
            losses = sorted(losses, reverse=kind == "decreasing")
    if draw(st.booleans()):
        start, decades = draw(st.floats(-8, -2)), draw(st.floats(0.5, 9))
        lrs = np.logspace(start, start + decades, n)
    else:  # repeated lrs: fastai finds the marker by nearest lr, so ties there must break its way too
        lrs = np.sort(np.random.default_rng(n).choice([1e-5, 1e-4, 1e-3, 1e-2], n))
    return np.asarray(lrs, dtype=np.float32), np.asarray(losses, dtype=np.float32)


@settings(max_examples=200, deadline=None)
@given(curve=curves())
def test_matches_fastai_on_generated_curves(curve: tuple[np.ndarray, np.ndarray]) -> None:
    lrs, losses = curve
    for name in OURS:
        if len(losses) >= NEEDED[name]:
            with np.errstate(all="ignore"):  # fastai's own float noise on infinities and repeated lrs
                theirs = fastai_suggestion(name, lrs, losses, valley_on_lists=True)
                ours = OURS[name](lrs, losses)
            assert_same_suggestion(ours, theirs)
        else:
            with pytest.raises(ValueError, match=f"{name} needs at least {NEEDED[name]} points"):
                OURS[name](lrs, losses)
            with pytest.raises((IndexError, RuntimeError, ValueError)):  # where fastai crashes
                fastai_suggestion(name, lrs, losses)


@pytest.mark.parametrize("lr_diff, thresh, adjust_value", [(5, 0.005, 1.0), (15, 0.05, 0.5), (30, 1e-4, 2.0)])
def test_slide_options_match_fastai(lr_diff: int, thresh: float, adjust_value: float) -> None:
    lrs, losses = lr_find_like_curve(120, seed=3, noise=0.05)
    options = dict(lr_diff=lr_diff, thresh=thresh, adjust_value=adjust_value)
    theirs = fa_slide(torch.tensor(lrs), torch.tensor(losses), 100, **options)
    assert_same_suggestion(slide(lrs, losses, 100, **options), theirs)


def test_valley_keeps_fastais_off_by_one_at_the_start() -> None:
    # The longest run is the first two points, so fastai's start index is -1 and it picks the LAST point.
    lrs, losses = np.float32([1e-3, 1e-2, 1e-1, 1.0]), np.float32([2.0, 1.0, 3.0, 4.0])
    assert valley(lrs, losses) == Suggestion(1.0, (1.0, 4.0))
    assert_same_suggestion(valley(lrs, losses), fastai_suggestion("valley", lrs, losses))


@pytest.mark.parametrize(
    "convert",
    [
        list,
        lambda a: a.astype(np.float64),
        lambda a: torch.tensor(a, dtype=torch.float64),
        lambda a: torch.tensor(a).requires_grad_(),
    ],
    ids=["list", "float64-array", "float64-tensor", "tensor-requiring-grad"],
)
def test_accepts_lists_arrays_and_tensors(convert) -> None:
    lrs, losses = lr_find_like_curve(80, seed=1)
    for func in OURS.values():
        assert func(convert(lrs), convert(losses), 100) == func(lrs, losses, 100)


# ---------------------------------------------------------------- valley at scale


def brute_force_valley_index(losses: np.ndarray) -> int:
    """fastai's O(n²) valley rule, with its inner loop vectorised so that 10,000 points take a fraction of a second."""
    run_lengths = np.ones(len(losses), dtype=np.int64)
    for i in range(1, len(losses)):
        longer = run_lengths[:i][losses[:i] > losses[i]]
        if longer.size:
            run_lengths[i] = longer.max() + 1
    longest = int(run_lengths.max())
    max_end = int(np.argmax(run_lengths)) if longest > 1 else 0
    max_start = max_end - longest if longest > 1 else 0
    sections = (max_end - max_start) / 3
    return max_start + int(sections) + int(sections / 2)


@settings(max_examples=50, deadline=None)
@given(curve=curves())
def test_brute_force_reference_is_fastai(curve: tuple[np.ndarray, np.ndarray]) -> None:
    lrs, losses = curve
    fa_lr, _ = fa_valley(lrs.tolist(), losses.tolist(), 100)
    assert fa_lr == float(lrs[brute_force_valley_index(losses)])


@pytest.mark.parametrize("seed", [0, 1])
def test_valley_on_10000_points_matches_brute_force(seed: int) -> None:
    lrs, losses = lr_find_like_curve(10_000, seed, noise=0.01)
    idx = brute_force_valley_index(losses)
    assert valley(lrs, losses) == Suggestion(float(lrs[idx]), (float(lrs[idx]), float(losses[idx])))


def test_valley_on_10000_decreasing_points() -> None:
    lrs, losses = np.geomspace(1e-7, 10, 10_000), np.linspace(10, 1, 10_000)
    idx = -1 + int(10_000 / 3) + int(10_000 / 3 / 2)  # fastai's off-by-one start
    assert valley(lrs, losses).lr == float(np.float32(lrs[idx]))


# ---------------------------------------------------------------- errors where fastai crashes


EARLY_STOP = r"early.*3658"


@pytest.mark.parametrize(
    "name, n, message",
    [
        ("valley", 0, r"valley needs at least 1 points.*has 0"),
        ("minimum", 0, r"minimum needs at least 1 points.*has 0"),
        ("steep", 1, r"steep needs at least 2 points.*has 1"),
        ("slide", 15, r"slide needs at least 16 points.*has 15"),
    ],
)
def test_too_few_points_is_a_clear_value_error(name: str, n: int, message: str) -> None:
    lrs, losses = np.geomspace(1e-5, 1, n), np.linspace(2, 1, n)
    with pytest.raises(ValueError, match=message + r"[\s\S]*" + EARLY_STOP):
        OURS[name](lrs, losses, 100)
    with pytest.raises((IndexError, RuntimeError)):  # fastai's own crash on the same curve
        fastai_suggestion(name, lrs.astype(np.float32), losses.astype(np.float32))


def test_slide_needs_a_window_of_lr_diff_plus_one() -> None:
    lrs, losses = np.geomspace(1e-5, 1, 5), np.linspace(2, 1, 5)
    with pytest.raises(ValueError, match=r"slide needs at least 6 points.*has 5"):
        slide(lrs, losses, lr_diff=5)
    with pytest.raises(ValueError, match="lr_diff"):
        slide(lrs, losses, lr_diff=-1)


@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("which", ["lrs", "losses"])
def test_nan_input_is_refused(name: str, which: str) -> None:
    curve = {"lrs": np.geomspace(1e-5, 1, 20), "losses": np.linspace(2, 1, 20)}
    curve[which][7] = np.nan
    with pytest.raises(ValueError, match=rf"{which} contain NaN \(first at index 7\)"):
        OURS[name](curve["lrs"], curve["losses"])


def test_malformed_curves_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length: 3 != 2"):
        valley([1e-3, 1e-2, 1e-1], [1.0, 2.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        steep(np.ones((2, 3)), np.ones((2, 3)))


def test_suggestion_window_explains_an_early_stop() -> None:
    lrs, losses = np.geomspace(1e-7, 1, 15), np.linspace(2, 1, 15)
    with pytest.raises(ValueError, match=r"15 points were recorded.*at least 16[\s\S]*" + EARLY_STOP):
        suggestion_window(lrs, losses, num_it=100)
    with pytest.raises(ValueError, match=r"at least 16"):
        suggest_lrs(lrs, losses, 100, (valley, steep))
    losses[10] = np.nan  # the first point fastai would keep
    with pytest.raises(ValueError, match=r"NaN"):
        suggestion_window(np.geomspace(1e-7, 1, 30), np.r_[losses, np.ones(15)], num_it=100)


def test_suggestion_window_is_fastais_slice() -> None:
    lrs, losses = lr_find_like_curve(60, seed=2)
    losses[40] = np.nan
    loss_tensors = [torch.tensor(loss) for loss in losses]  # what fastai's Recorder keeps
    window_lrs, window_losses = suggestion_window(lrs.tolist(), loss_tensors, num_it=100)
    assert window_lrs.dtype == window_losses.dtype == np.float32
    np.testing.assert_array_equal(window_lrs, lrs[10:40])
    np.testing.assert_array_equal(window_losses, losses[10:40])


# ---------------------------------------------------------------- SuggestedLRs


def test_suggested_lrs_is_a_namedtuple() -> None:
    result = SuggestedLRs(valley=0.00145, steep=0.0021)
    assert isinstance(result, SuggestedLRs) and isinstance(result, tuple)
    assert result.valley == 0.00145 and result.steep == 0.0021
    assert result._fields == ("valley", "steep")
    assert result._asdict() == {"valley": 0.00145, "steep": 0.0021}
    valley_lr, steep_lr = result
    assert (valley_lr, steep_lr) == result == (0.00145, 0.0021)
    assert repr(result) == "SuggestedLRs(valley=0.00145, steep=0.0021)"
    assert result.points == {}
    assert type(result) is type(SuggestedLRs(valley=1.0, steep=2.0))
    assert type(result) is not type(SuggestedLRs(steep=2.0, valley=1.0))


def test_suggested_lrs_points_and_factory() -> None:
    suggestions = [valley([1, 2, 3], [1.0, 3.0, 2.0]), (0.1, (1.0, 0.5))]
    result = SuggestedLRs.from_suggestions(["valley", "minimum"], suggestions)
    assert result == (1.0, 0.1)
    assert result.points == {"valley": (1.0, 1.0), "minimum": (1.0, 0.5)}
    restored = pickle.loads(pickle.dumps(result))
    assert restored == result and restored.points == result.points and isinstance(restored, SuggestedLRs)
    with pytest.raises(ValueError, match="no learning rate"):
        SuggestedLRs(valley=1e-3, points={"steep": (1e-3, 1.0)})
    with pytest.raises(TypeError, match="by name"):
        SuggestedLRs(1e-3)


def test_suggest_lrs_names_fields_like_fastai() -> None:
    lrs, losses = lr_find_like_curve(100, seed=4)
    result = suggest_lrs(lrs, losses, 100, (valley, functools.partial(slide, lr_diff=10), minimum))
    assert result._fields == ("valley", "slide", "minimum")
    window = suggestion_window(lrs, losses, 100)
    assert result.points["slide"] == slide(*window, lr_diff=10).point
    assert suggest_lrs(lrs, losses, 100, steep)._fields == ("steep",)
    # fastai's own functions work here too: they get float32 tensors, as in fastai's lr_find.
    fastai_result = suggest_lrs(lrs, losses, 100, (fa_valley, fa_steep))
    assert fastai_result == suggest_lrs(lrs, losses, 100, (valley, steep))
