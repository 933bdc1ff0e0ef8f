"""A real torchvision ResNet through lrwidget: the range test, the restore, fine_tune with a frozen body, the preview.

Runs in the torchvision lane (``make test-torchvision``); see :mod:`tests.torchvision.resnets`. Small images (32×32
digits, 8 batches of 16) keep it to about a minute on two cores.
"""
from __future__ import annotations

import copy
import itertools

import numpy as np
import torch
from torch import nn

from lrwidget import Learner, LRWidget
from lrwidget.engine.rangetest import exponential_lr

from ..test_restore import assert_same, capture
from .resnets import body_and_head, loaders, require_torchvision, resnet_with_new_head

require_torchvision()


def make_learner(arch: str = "resnet18", seed: int = 0, **kwargs) -> Learner:
    train_dl, valid_dl = loaders()
    return Learner(resnet_with_new_head(arch, seed), train_dl, nn.CrossEntropyLoss(), valid_dl=valid_dl,
                   splitter=body_and_head, show_progress=False, **kwargs)


def batch_norms(model: nn.Module) -> list[nn.BatchNorm2d]:
    return [module for module in model.modules() if isinstance(module, nn.BatchNorm2d)]


def test_the_range_test_on_a_resnet_is_a_hand_written_loop():
    learn = make_learner()
    reference_model = copy.deepcopy(learn.model)
    reference_opt = torch.optim.AdamW([{"params": group} for group in body_and_head(reference_model)], lr=learn.lr)
    num_it = 12
    learn.lr_find(num_it=num_it, stop_div=False)
    result = learn.range_test_result
    assert result is not None and result.stop_reason == "completed"
    # The range test rewound the global RNG, so the loader shuffles now exactly as it did for the test.
    reference_model.train()
    losses, lrs = [], []
    batches = itertools.chain.from_iterable(itertools.repeat(learn.train_dl))
    for iteration, (images, labels) in zip(range(num_it), batches, strict=False):
        lr = exponential_lr(1e-7, 10, iteration, num_it)
        for group in reference_opt.param_groups:
            group["lr"] = lr
        reference_opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(reference_model(images), labels)
        loss.backward()
        reference_opt.step()
        losses.append(loss.item())
        lrs.append(lr)
    assert result.lrs == lrs
    np.testing.assert_allclose(result.raw_losses, losses, rtol=1e-5)
    assert np.isfinite(result.losses).all()
    assert 1e-7 < float(result.suggest().valley) < 10


def test_the_range_test_restores_the_resnet_bit_for_bit_bn_running_stats_included():
    learn = make_learner()
    learn.fit(1, lr=1e-3)  # AdamW state and moved BatchNorm statistics, as after some training
    norms = batch_norms(learn.model)
    before = capture(learn.model, learn.opt)
    running_means = {id(norm.running_mean): norm.running_mean for norm in norms}
    seen_during_test: list[torch.Tensor] = []

    def watch(point):
        if point.iteration == 2:
            seen_during_test.append(norms[0].running_mean.clone())

    learn.lr_find(num_it=40, end_lr=100, on_point=watch)
    assert learn.range_test_result.stop_reason == "diverged"
    # The test did move the statistics (so the restore below has something to undo) ...
    assert not torch.equal(seen_during_test[0], before["buffers"]["0.1.running_mean"])
    # ... and everything is back: weights, grads, every BN running mean/var and num_batches_tracked, AdamW's state,
    # the hypers, train/eval modes and the RNGs, in the very same tensor objects.
    assert_same(before, capture(learn.model, learn.opt))
    assert {id(norm.running_mean) for norm in norms} == set(running_means)


def test_training_after_a_range_test_is_what_it_would_have_been():
    tested, untouched = make_learner(seed=1), make_learner(seed=1)
    for learn in (tested, untouched):
        torch.manual_seed(5)  # the same RNG state before both: the range test must leave it as it found it
        if learn is tested:
            learn.lr_find(num_it=10)
        learn.fit(1, lr=1e-3)  # shuffles with the global RNG
    for (name, a), b in zip(tested.model.state_dict().items(), untouched.model.state_dict().values(), strict=True):
        assert torch.equal(a, b), f"{name} differs"


def test_fine_tune_keeps_the_body_still_while_it_is_frozen():
    learn = make_learner()
    initial = {name: value.clone() for name, value in learn.model.state_dict().items()}
    norm_params = {id(p) for norm in batch_norms(learn.model) for p in norm.parameters()}
    body_weights = [(f"0.{name}", p) for name, p in learn.model[0].named_parameters() if id(p) not in norm_params]
    at_unfreeze: dict[str, torch.Tensor] = {}
    trainable_while_frozen: dict[str, bool] = {}
    freeze_to = learn.freeze_to

    def watch_freeze_to(n: int) -> None:
        if n == 0:  # the end of the frozen phase: fine_tune unfreezes for its second phase
            at_unfreeze.update({name: value.clone() for name, value in learn.model.state_dict().items()})
        freeze_to(n)
        if n != 0:
            trainable_while_frozen.update((name, p.requires_grad) for name, p in learn.model.named_parameters())

    learn.freeze_to = watch_freeze_to
    learn.fine_tune(1, base_lr=1e-3)

    assert len(learn.history) == 2  # one frozen epoch, one unfrozen
    assert body_weights and not any(trainable_while_frozen[name] for name, _ in body_weights)
    for name, _ in body_weights:
        assert torch.equal(at_unfreeze[name], initial[name]), f"frozen {name} moved"
    # fastai's train_bn: the body's BatchNorm layers and the head train in the frozen phase ...
    assert not torch.equal(at_unfreeze["0.1.weight"], initial["0.1.weight"])
    assert not torch.equal(at_unfreeze["1.1.weight"], initial["1.1.weight"])
    # ... and the whole body trains once unfrozen.
    final = learn.model.state_dict()
    assert all(not torch.equal(final[name], initial[name]) for name, _ in body_weights)


def test_the_widget_previews_what_fine_tune_applies():
    learn = make_learner("resnet34")  # seed 002's cnn_learner(dls, resnet34)
    w = LRWidget(learn, num_it=12, preview="fine_tune", preview_epochs=1, preview_freeze_epochs=1)
    result = w.wait(timeout=300)
    assert w.status == "done", w.error
    assert result is not None and len(result.lrs) == 12
    lo, hi = w.lr.start, w.lr.stop  # the handles as the range test placed them
    assert 0 < lo < hi
    preview = w.schedule_preview
    assert [phase.frozen_groups for phase in preview.phases] == [1, 0]  # the body frozen, then not
    expected = np.concatenate([phase.lrs for phase in preview.phases])
    recorded: list[list[float]] = []
    learn.opt.register_step_pre_hook(lambda opt, args, kwargs: recorded.append([g["lr"] for g in opt.param_groups]))
    w.fine_tune(1)
    assert expected.shape == (len(recorded), 2) == (2 * len(learn.train_dl), 2)
    np.testing.assert_allclose(np.array(recorded), expected, rtol=1e-6)
    # The unfrozen phase's peak rates are the handles, at fine_tune's halving: slice(hi / 2 / lr_mult, hi / 2).
    np.testing.assert_allclose(preview.phases[1].cycle.lr_maxes, [lo / 2, hi / 2], rtol=1e-6)
    w.close()
