"""``SuggestedLRs``, the statically declared class: everything fastai's namedtuple result offers, and ``points``."""
from __future__ import annotations

import collections
import copy
import pickle

import pytest

from lrwidget.suggest import SuggestedLRs, Suggestion, steep, suggest_lrs, valley
from tests.test_suggest_fastai_parity import FASTAI_FUNCS, OUR_FUNCS, tiny_fastai_learner

pytestmark = [  # fastai's own deprecation noise under numpy 2, not ours
    pytest.mark.filterwarnings("ignore:__array_wrap__ must accept:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:numpy.core is deprecated:DeprecationWarning"),
]


def example() -> SuggestedLRs:
    return SuggestedLRs(valley=1e-3, steep=2e-3, points={"valley": (1e-3, 0.5), "steep": (2e-3, 0.4)})


def test_it_equals_fastais_own_result_both_ways(tmp_path) -> None:
    learn = tiny_fastai_learner(tmp_path)
    with learn.no_bar():
        theirs = learn.lr_find(show_plot=False, suggest_funcs=FASTAI_FUNCS, num_it=60, stop_div=False)
    ours = SuggestedLRs(**theirs._asdict())
    assert ours == theirs and theirs == ours and hash(ours) == hash(theirs)
    assert ours._fields == theirs._fields == tuple(func.__name__ for func in OUR_FUNCS)
    assert ours._asdict() == theirs._asdict()


def test_a_plain_namedtuple_and_it_agree_on_the_namedtuple_api() -> None:
    result = example()
    plain = collections.namedtuple("SuggestedLRs", ["valley", "steep"])(1e-3, 2e-3)
    assert result == plain and repr(result) == repr(plain)
    assert (result.valley, result.steep) == (plain.valley, plain.steep) and result[-1] == plain[-1]
    assert result._make([5e-3, 6e-3]) == plain._make([5e-3, 6e-3])
    assert result._replace(steep=1.0) == plain._replace(steep=1.0)
    assert type(result._make([5e-3, 6e-3])) is type(result)


def test_replace_keeps_the_points_it_can_and_refuses_unknown_names() -> None:
    replaced = example()._replace(steep=1.0)
    assert replaced.points == {"valley": (1e-3, 0.5)}
    with pytest.raises(ValueError, match=r"no suggestions named \['slide'\]"):
        example()._replace(slide=1.0)
    with pytest.raises(TypeError, match=r"expected 2 learning rates for \('valley', 'steep'\), got 3"):
        example()._make([1.0, 2.0, 3.0])


def test_copies_and_pickles_keep_type_values_and_points() -> None:
    result = example()
    for restored in (pickle.loads(pickle.dumps(result)), copy.copy(result), copy.deepcopy(result)):
        assert type(restored) is type(result) and restored == result and restored.points == result.points
        assert restored.points is not result.points  # each result owns its points


def test_an_unknown_name_is_an_attribute_error_that_lists_the_names() -> None:
    with pytest.raises(AttributeError, match=r"no suggestion named 'slide'; it has \('valley', 'steep'\)"):
        _ = example().slide
    assert not hasattr(example(), "slide")


@pytest.mark.parametrize(
    "names, message",
    [
        (("valley", "valley"), r"unique, got \['valley'\] more than once"),
        (("<lambda>",), "identifiers"),
        (("_hidden",), "identifiers that do not start with '_'"),
        (("class",), "identifiers"),
        (("count",), "'count' cannot name a suggestion"),
        (("points",), "'points' cannot name a suggestion"),
    ],
)
def test_names_that_cannot_be_fields_are_refused(names: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SuggestedLRs.from_suggestions(names, [(1e-3, (1e-3, 1.0))] * len(names))


def test_suggest_lrs_returns_floats_and_points_as_float_pairs() -> None:
    lrs = [10.0**(-7 + 8 * index / 99) for index in range(100)]
    losses = [2.0 - index / 100 + (index / 80) ** 8 for index in range(100)]
    result = suggest_lrs(lrs, losses, 100, (valley, steep))
    assert all(type(lr) is float for lr in result)
    assert all(type(value) is float for point in result.points.values() for value in point)
    assert Suggestion(*valley(lrs, losses)) == valley(lrs, losses) and valley(lrs, losses)._fields == ("lr", "point")
