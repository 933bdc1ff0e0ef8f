"""Seed 002's setup, fastai's canonical one: ``vision_learner(dls, resnet…)``, under LRWidget.

``pretrained=False``: nothing is downloaded. On a fastai Learner the widget runs fastai's own loop, so its curve is
``lr_find``'s, on the body frozen as fastai freezes it for fine-tuning, and the weights come back as they were.
"""
from __future__ import annotations

import fastai.vision.all as vision
import numpy as np
import torch

from lrwidget import LRWidget

from .resnets import loaders, require_torchvision

torchvision = require_torchvision()


def test_a_vision_learner_curve_is_lr_find_s_and_its_weights_come_back(tmp_path):
    train_dl, valid_dl = loaders()
    torch.manual_seed(0)
    learn = vision.vision_learner(vision.DataLoaders(train_dl, valid_dl), torchvision.models.resnet18,
                                  pretrained=False, n_out=10, loss_func=vision.CrossEntropyLossFlat(), path=tmp_path)
    learn.freeze()  # as vision_learner does with pretrained weights: the body frozen, the head trains
    assert len(learn.opt.param_lists) == 3 and learn.opt.frozen_idx == 2  # fastai's split: two body groups, the head
    before = {name: value.clone() for name, value in learn.model.state_dict().items()}
    torch.manual_seed(42)
    with learn.no_bar():
        learn.lr_find(show_plot=False, num_it=12)
    lrs, losses = [float(x) for x in learn.recorder.lrs], [float(x) for x in learn.recorder.losses]

    for name, value in learn.model.state_dict().items():
        value.copy_(before[name])  # fastai's lr_find restores only from its file; start the widget from the same
    torch.manual_seed(42)
    w = LRWidget(learn, num_it=12)
    result = w.wait(timeout=300)
    assert result.lrs == lrs
    np.testing.assert_array_equal(result.losses, losses)
    after = learn.model.state_dict()
    assert all(torch.equal(before[name], after[name]) for name in before)
    w.close()
