"""A built-in demo: a small CNN on scikit-learn's bundled 8×8 digits, ready for ``lr_find`` and ``fine_tune``.

The data ships inside scikit-learn (no download) and the model is small enough that a 100-step range test takes
about a second on a laptop CPU. Run ``python -m lrwidget.demo`` for the whole story in a terminal.
scikit-learn is the optional ``examples`` extra.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lrwidget.suggest import minimum, slide, steep, valley
from lrwidget.suggest.markers import MARKERS_BY_NAME
from lrwidget.train.learner import Learner, accuracy

N_CLASSES = 10



def _load_digits() -> Any:
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ImportError("the digits demo needs scikit-learn: pip install lrwidget[examples]") from error
    return load_digits()


def digits_model() -> nn.Sequential:
    """``Sequential(body, head)``: two conv blocks with BatchNorm, then a linear classifier."""
    body = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
    )
    head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, N_CLASSES))
    return nn.Sequential(body, head)


def body_head_splitter(model: nn.Sequential) -> list[list[nn.Parameter]]:
    """Two layer groups, body then head, so ``fine_tune`` can train the head first."""
    body, head = model[0], model[1]
    return [list(body.parameters()), list(head.parameters())]


def digits_learner(seed: int = 0, batch_size: int = 64, valid_fraction: float = 0.2, **learner_kwargs: Any) -> Learner:
    """A :class:`~lrwidget.train.learner.Learner` for the digits CNN, with a seeded train/valid split.

    ``seed`` fixes the split, the shuffling and the initial weights. Extra keywords go to ``Learner``
    (e.g. ``show_progress=False``). Needs scikit-learn (``pip install lrwidget[examples]``).
    """
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be between 0 and 1, got {valid_fraction!r}")
    digits = _load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0  # pixels are 0..16
    labels = torch.tensor(digits.target, dtype=torch.long)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(labels), generator=generator)
    n_valid = int(len(labels) * valid_fraction)
    valid_idx, train_idx = order[:n_valid], order[n_valid:]
    train_dl = DataLoader(TensorDataset(images[train_idx], labels[train_idx]), batch_size=batch_size, shuffle=True,
                          generator=torch.Generator().manual_seed(seed))
    valid_dl = DataLoader(TensorDataset(images[valid_idx], labels[valid_idx]), batch_size=batch_size * 2)
    with torch.random.fork_rng():
        # Seed only the initial weights; the caller's global RNG stream stays untouched.
        torch.manual_seed(seed)
        model = digits_model()
    learner_kwargs.setdefault("metrics", (accuracy,))
    return Learner(model, train_dl, nn.CrossEntropyLoss(), valid_dl=valid_dl, splitter=body_head_splitter,
                   **learner_kwargs)


def main() -> None:
    """Finds learning rates on the digits demo, explains the suggestions, then fine-tunes with the valley one."""
    learn = digits_learner()
    train_dl: Any = learn.train_dl  # DataLoaders over TensorDatasets; the Learner types them as plain Batches
    valid_dl: Any = learn.valid_dl
    print(f"Digits demo: {len(train_dl.dataset)} training and {len(valid_dl.dataset)} validation "
          f"images, {learn.n_groups} layer groups (body, head).\n")
    suggestions = learn.lr_find(suggest_funcs=(valley, steep, minimum, slide))
    result = learn.range_test_result
    assert result is not None  # lr_find just set it
    print(f"Range test: {len(result.lrs)} steps from {result.start_lr:g} to {result.end_lr:g} "
          f"({result.stop_reason}, {result.elapsed_s:.1f} s).\nSuggested learning rates:")
    for name, lr in suggestions._asdict().items():
        print(f"  {name:<8} {lr:.2e}  {MARKERS_BY_NAME[name].tip}")
    print(f"\nfine_tune(2, base_lr={suggestions.valley:.2e}):")
    learn.fine_tune(2, base_lr=suggestions.valley)
    valid_loss, valid_accuracy = learn.validate()
    print(f"\nFinal validation accuracy: {valid_accuracy:.1%} (valid loss {valid_loss:.4f})")


if __name__ == "__main__":
    main()
