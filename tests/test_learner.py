"""The Learner: construction checks, freezing, training, validation, lr_find, and the progress display."""
from __future__ import annotations

import io
import sys
import warnings

import pytest
import torch
from torch import nn

from lrwidget.suggest import SuggestedLRs, steep, valley
from lrwidget.train.learner import Learner, accuracy
from lrwidget.train.progress import ProgressTable, format_duration

from .learner_helpers import block_splitter, grouped_model, loaders, make_learner, parameters_copy


def requires_grad_flags(model: nn.Module) -> dict[str, bool]:
    return {name: param.requires_grad for name, param in model.named_parameters()}


# ----- construction --------------------------------------------------------------------------------------------
def test_default_is_one_group_of_trainable_params_with_adamw_at_fastais_lr():
    train_dl, _ = loaders()
    model = grouped_model(2)
    model[0][0].bias.requires_grad_(False)
    learn = Learner(model, train_dl, nn.CrossEntropyLoss(), show_progress=False)
    assert learn.n_groups == 1 and isinstance(learn.opt, torch.optim.AdamW)
    assert learn.opt.param_groups[0]["lr"] == learn.lr == 1e-3
    assert all(p is not model[0][0].bias for p in learn.opt.param_groups[0]["params"])
    assert len(learn.opt.param_groups[0]["params"]) == 5


def test_opt_func_gets_one_param_group_per_layer_group():
    calls = []

    def opt_func(groups, lr):
        calls.append(([sorted(group) for group in groups], lr))
        return torch.optim.SGD(groups, lr=lr)

    learn = make_learner(3, opt_func=opt_func)
    assert calls == [([["params"]] * 3, 1e-3)]
    assert learn.n_groups == len(learn.opt.param_groups) == 3


def splitter_missing_head_bias(model):
    groups = block_splitter(model)
    groups[-1] = [model[-1].weight]
    return groups


def splitter_repeating_head(model):
    return [*block_splitter(model), list(model[-1].parameters())]


@pytest.mark.parametrize(("splitter", "error", "fragments"), [
    (splitter_missing_head_bias, ValueError, ["in no layer group", "1.bias"]),
    (splitter_repeating_head, ValueError, ["more than one place", "1.weight (groups 1 and 2)", "1.bias"]),
    (lambda m: [[torch.zeros(2, requires_grad=True)], *block_splitter(m)], ValueError, ["not a parameter", "(2,)"]),
    (lambda m: [[], *block_splitter(m)], ValueError, ["layer group 0 is empty"]),
    (lambda m: list(m.parameters()), TypeError, ["list of parameter lists"]),
    (lambda m: None, TypeError, ["list of parameter lists"]),
])
def test_bad_splitters_are_refused_naming_the_parameters_and_change_nothing(splitter, error, fragments):
    train_dl, _ = loaders()
    model = grouped_model(2)
    before, flags = parameters_copy(model), requires_grad_flags(model)
    with pytest.raises(error) as info:
        Learner(model, train_dl, nn.CrossEntropyLoss(), splitter=splitter)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert requires_grad_flags(model) == flags
    assert all(torch.equal(before[name], value) for name, value in model.state_dict().items())


@pytest.mark.parametrize(("args", "kwargs", "error", "fragment"), [
    ((nn.ReLU(), "TRAIN", nn.CrossEntropyLoss()), {}, ValueError, "no parameters"),
    ((grouped_model(2), [], nn.CrossEntropyLoss()), {}, ValueError, "train_dl is empty"),
    ((grouped_model(2), "TRAIN", nn.CrossEntropyLoss()), {"valid_dl": []}, ValueError, "valid_dl is empty"),
    ((grouped_model(2), iter([]), nn.CrossEntropyLoss()), {}, TypeError, "sized iterable"),
    ((grouped_model(2), "TRAIN", "cross_entropy"), {}, TypeError, "loss_func must be callable"),
    ((grouped_model(2), "TRAIN", nn.CrossEntropyLoss()), {"metrics": ("accuracy",)}, TypeError, "metric"),
    ((grouped_model(2), "TRAIN", nn.CrossEntropyLoss()), {"lr": 0}, ValueError, "lr must be"),
    ((grouped_model(2).requires_grad_(False), "TRAIN", nn.CrossEntropyLoss()), {}, ValueError, "no trainable"),
])
def test_bad_arguments_are_refused_at_construction(args, kwargs, error, fragment):
    model, train_dl, loss_func = args
    train_dl = loaders()[0] if train_dl == "TRAIN" else train_dl
    with pytest.raises(error, match=fragment):
        Learner(model, train_dl, loss_func, **kwargs)


# ----- freezing ------------------------------------------------------------------------------------------------
def test_frozen_groups_do_not_train_but_their_batchnorm_does():
    learn = make_learner(3)
    learn.freeze()
    assert learn.n_frozen == 2
    before = parameters_copy(learn.model)
    learn.fit(1, lr=1e-2)
    after = learn.model.state_dict()
    frozen_weights = ["0.0.weight", "0.0.bias", "1.0.weight", "1.0.bias"]
    assert all(torch.equal(before[name], after[name]) for name in frozen_weights)
    assert not torch.equal(before["0.1.weight"], after["0.1.weight"])  # BatchNorm in frozen group 0
    assert not torch.equal(before["0.1.bias"], after["0.1.bias"])
    assert not torch.equal(before["2.weight"], after["2.weight"])


def test_train_bn_false_freezes_batchnorm_too():
    learn = make_learner(2, train_bn=False)
    learn.freeze()
    assert not any(p.requires_grad for p in learn.layer_groups[0])
    assert all(p.requires_grad for p in learn.layer_groups[1])


def test_freeze_and_unfreeze_clear_optimizer_state_and_keep_hypers():
    learn = make_learner(2)

    def hypers():
        return [{k: v for k, v in g.items() if k != "params"} for g in learn.opt.param_groups]

    for change in (learn.freeze, learn.unfreeze, lambda: learn.freeze_to(1)):
        learn.fit(1, lr=slice(1e-3))
        assert len(learn.opt.state) > 0
        hypers_before = hypers()
        change()
        assert len(learn.opt.state) == 0
        assert hypers() == hypers_before


def test_freeze_with_one_group_freezes_nothing_and_freeze_to_beyond_warns():
    single = make_learner(1)
    single.freeze()
    assert single.n_frozen == 0 and all(p.requires_grad for p in single.model.parameters())
    learn = make_learner(2)
    with pytest.warns(UserWarning, match="whole model is frozen"):
        learn.freeze_to(5)
    assert learn.n_frozen == 2
    trainable = {name for name, p in learn.model.named_parameters() if p.requires_grad}
    assert trainable == {"0.1.weight", "0.1.bias"}
    learn.unfreeze()
    with pytest.raises(TypeError):
        learn.freeze_to(1.0)


# ----- training ------------------------------------------------------------------------------------------------
def test_fit_one_cycle_learns_and_reports_valid_loss_and_metrics():
    learn = make_learner(2)
    loss_before, accuracy_before = learn.validate()
    learn.fit_one_cycle(4, lr_max=1e-1)
    assert [row["epoch"] for row in learn.history] == [0, 1, 2, 3]
    assert set(learn.history[0]) == {"epoch", "train_loss", "valid_loss", "accuracy", "time"}
    last = learn.history[-1]
    assert [last["valid_loss"], last["accuracy"]] == pytest.approx(learn.validate())
    assert last["valid_loss"] < loss_before * 0.5 and last["accuracy"] > max(accuracy_before, 0.8)
    assert learn.history[-1]["train_loss"] < learn.history[0]["train_loss"]


def test_fit_sets_constant_lrs_by_fastais_slice_rules():
    learn = make_learner(3)
    learn.fit(1, lr=slice(1e-4, 1e-2))
    assert [g["lr"] for g in learn.opt.param_groups] == pytest.approx([1e-4, 1e-3, 1e-2])
    learn.fit(1)
    assert [g["lr"] for g in learn.opt.param_groups] == [1e-3] * 3


def test_training_without_validation_reports_train_loss_only():
    learn = make_learner(1, valid_dl=None)
    learn.fit(2)
    assert set(learn.history[-1]) == {"epoch", "train_loss", "time"}
    with pytest.raises(ValueError, match="no validation data"):
        learn.validate()


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda learn: learn.fit_one_cycle(1, lr_max=[1e-3, 1e-2, 1e-1]), "lr_max has 3 values but the learner has 2"),
    (lambda learn: learn.fit_one_cycle(1, moms=(0.95, 0.85, 0.9)), "moms[0] and moms[2] must be equal"),
    (lambda learn: learn.fit_one_cycle(-1), "n_epoch"),
    (lambda learn: learn.fit(1, lr=slice(1e-3, 1e-2, 3)), "step"),
    (lambda learn: learn.fine_tune(1, base_lr=float("nan")), "base_lr"),
    (lambda learn: learn.fine_tune(1, pct_start=2.0), "pct_start"),
])
def test_bad_training_arguments_change_nothing(call, fragment):
    learn = make_learner(2)
    learn.freeze()
    before, flags = parameters_copy(learn.model), requires_grad_flags(learn.model)
    groups_before = [dict(g) for g in learn.opt.param_groups]
    with pytest.raises(ValueError) as info:
        call(learn)
    assert fragment in str(info.value)
    assert all(torch.equal(before[name], value) for name, value in learn.model.state_dict().items())
    assert requires_grad_flags(learn.model) == flags
    assert [dict(g) for g in learn.opt.param_groups] == groups_before
    assert learn.history == []


def test_validate_weights_batches_by_size():
    train_dl, _ = loaders()
    learn = make_learner(2, valid_dl=train_dl)
    uneven = [(x[:k], y[:k]) for (x, y), k in zip(train_dl, [16, 3, 9], strict=False)]  # the first 3 batches
    inputs = torch.cat([x for x, _ in uneven])
    targets = torch.cat([y for _, y in uneven])
    learn.model.train()
    loss, acc = learn.validate(uneven)
    assert learn.model.training  # validate puts the mode back
    learn.model.eval()
    with torch.no_grad():
        predictions = learn.model(inputs)
    assert loss == pytest.approx(nn.functional.cross_entropy(predictions, targets).item(), rel=1e-5)
    assert acc == pytest.approx(accuracy(predictions, targets).item(), rel=1e-6)


# ----- lr_find -------------------------------------------------------------------------------------------------
def test_lr_find_suggests_and_leaves_the_model_as_it_was():
    learn = make_learner(2)
    before = parameters_copy(learn.model)
    suggestions = learn.lr_find(num_it=30, suggest_funcs=(valley, steep))
    assert isinstance(suggestions, SuggestedLRs) and suggestions._fields == ("valley", "steep")
    assert 1e-7 <= suggestions.valley <= 10
    assert len(learn.range_test_result.lrs) > 0
    assert all(torch.equal(before[name], value) for name, value in learn.model.state_dict().items())
    assert learn.lr_find(num_it=30)._fields == ("valley",)


# ----- progress ------------------------------------------------------------------------------------------------
def test_progress_table_prints_a_row_per_epoch_and_no_carriage_returns_in_logs(capsys):
    learn = make_learner(2, show_progress=True)
    learn.fit_one_cycle(2)
    output = capsys.readouterr().out
    lines = output.splitlines()
    assert lines[0].split() == ["epoch", "train_loss", "valid_loss", "accuracy", "time"]
    assert [line.split()[0] for line in lines[1:]] == ["0", "1"]
    assert "\r" not in output


def test_quiet_learner_prints_nothing(capsys):
    make_learner(2, show_progress=False).fine_tune(1)
    assert capsys.readouterr().out == ""


def test_live_bar_rewrites_its_line_and_is_cleared_before_rows():
    stream = io.StringIO()
    table = ProgressTable(["epoch", "train_loss", "time"], stream=stream, live=True)
    table.header()
    table.bar(1, 4, "loss 1.0", force=True)
    table.bar(4, 4, "loss 0.5", force=True)
    table.row({"epoch": 0, "train_loss": 0.5, "time": 65.2})
    lines = stream.getvalue().split("\n")
    assert lines[1].startswith("\r[") and "4/4" in lines[1]
    assert lines[1].rsplit("\r", 1)[-1].split() == ["0", "0.500000", "01:05"]
    quiet = io.StringIO()
    ProgressTable(["epoch"], stream=quiet, enabled=False).row({"epoch": 1})
    assert quiet.getvalue() == ""


def test_format_duration():
    assert [format_duration(s) for s in (0, 59.6, 61, 3725)] == ["00:00", "01:00", "01:01", "1:02:05"]


# ----- demo ----------------------------------------------------------------------------------------------------
def test_digits_demo_builds_a_two_group_learner_that_learns():
    pytest.importorskip("sklearn")
    from lrwidget.demo import digits_learner

    learn = digits_learner(show_progress=False)
    assert learn.n_groups == 2 and learn.metric_names == ["accuracy"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        learn.fit_one_cycle(1, lr_max=1e-2)
    assert learn.history[-1]["accuracy"] > 0.5


def test_digits_demo_names_the_extra_when_sklearn_is_missing(monkeypatch):
    from lrwidget.demo import digits_learner

    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install lrwidget\[examples\]"):
        digits_learner()
