"""The tasks of the suggestion-quality benchmark: small models on scikit-learn's bundled or synthetic data.

Every task builds a fresh :class:`lrwidget.Learner` from a seed (initial weights and shuffling; the train/valid
split is fixed per task), and trains it with the call a user would make after ``lr_find``: ``fit_one_cycle`` or,
for the pretrained body, ``fine_tune``. Nothing is downloaded and nothing is cached on disk.
"""
from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lrwidget.demo import body_head_splitter, digits_model
from lrwidget.train.learner import Learner, accuracy

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Task:
    """One benchmark task: data, model, optimizer, batch size, and the training call with its budget."""

    name: str
    data: Callable[[], Arrays]
    model: Callable[[int], nn.Module]
    classification: bool
    optimizer: str  # "adamw" or "sgd"
    epochs: int
    batch_size: int = 64
    valid_fraction: float = 0.25
    fine_tune: bool = False
    splitter: Callable[[nn.Module], list[list[nn.Parameter]]] | None = None

    def learner(self, seed: int) -> Learner:
        """A fresh learner: weights and shuffling from ``seed``; frozen when the task fine-tunes."""
        x, y = self.data()
        order = np.random.RandomState(1234).permutation(len(y))  # the same split for every seed
        n_valid = int(len(y) * self.valid_fraction)
        valid, train = order[:n_valid], order[n_valid:]
        x_tensor = torch.tensor(x, dtype=torch.float32)
        y_tensor = torch.tensor(y, dtype=torch.long if self.classification else torch.float32)
        train_dl = DataLoader(TensorDataset(x_tensor[train], y_tensor[train]), batch_size=self.batch_size,
                              shuffle=True, generator=torch.Generator().manual_seed(seed))
        valid_dl = DataLoader(TensorDataset(x_tensor[valid], y_tensor[valid]), batch_size=512)
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            model = self.model(seed)
        opt_func = torch.optim.AdamW if self.optimizer == "adamw" else functools.partial(torch.optim.SGD, momentum=0.9)
        loss_func = nn.CrossEntropyLoss() if self.classification else nn.MSELoss()
        learner = Learner(model, train_dl, loss_func, valid_dl=valid_dl, opt_func=opt_func, splitter=self.splitter,
                          metrics=(accuracy,) if self.classification else (), show_progress=False)
        if self.fine_tune:
            learner.freeze()  # as a fastai vision_learner starts: lr_find runs on the frozen model
        return learner

    def train(self, learner: Learner, lr: float, epochs: int) -> None:
        """The training call a user makes with the suggested learning rate."""
        if self.fine_tune:
            learner.fine_tune(epochs, base_lr=lr)
        else:
            learner.fit_one_cycle(epochs, lr)


def _standardize(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8)


@functools.cache
def digits_flat() -> Arrays:
    from sklearn.datasets import load_digits
    digits = load_digits()
    return digits.data / 16.0, digits.target


@functools.cache
def digits_images() -> Arrays:
    from sklearn.datasets import load_digits
    digits = load_digits()
    return digits.images[:, None] / 16.0, digits.target


@functools.cache
def breast_cancer() -> Arrays:
    from sklearn.datasets import load_breast_cancer
    data = load_breast_cancer()
    return _standardize(data.data), data.target


@functools.cache
def wine() -> Arrays:
    from sklearn.datasets import load_wine
    data = load_wine()
    return _standardize(data.data), data.target


@functools.cache
def diabetes() -> Arrays:
    from sklearn.datasets import load_diabetes
    data = load_diabetes()
    target = (data.target - data.target.mean()) / data.target.std()
    return _standardize(data.data), target[:, None]


@functools.cache
def synthetic_regression() -> Arrays:
    from sklearn.datasets import make_regression
    x, y = make_regression(n_samples=1200, n_features=20, n_informative=12, noise=20.0, random_state=7)
    y = np.tanh(y / y.std()) * 2.0  # a mild non-linearity, so the MLP has something to learn
    return _standardize(x), y[:, None]


@functools.cache
def synthetic_classification() -> Arrays:
    from sklearn.datasets import make_classification
    x, y = make_classification(n_samples=1500, n_features=20, n_informative=10, n_classes=4,
                               n_clusters_per_class=2, class_sep=1.2, random_state=11)
    return _standardize(x), y


# ----- fine-tuning: a CNN body pretrained on digits 0-4, fine-tuned on 5-9 with a fresh head ------------------------
@functools.cache
def digits_high() -> Arrays:
    images, labels = digits_images()
    keep = labels >= 5
    return images[keep], labels[keep] - 5


@functools.cache
def pretrained_body(seed: int) -> dict[str, torch.Tensor]:
    """The body of the demo CNN, trained on digits 0-4 (2 epochs, one cycle at 3e-3); its state dict."""
    images, labels = digits_images()
    keep = labels < 5
    dataset = TensorDataset(torch.tensor(images[keep], dtype=torch.float32), torch.tensor(labels[keep]))
    with torch.random.fork_rng():
        torch.manual_seed(1000 + seed)
        model = digits_model()
        model[1][1] = nn.Linear(32 * 4 * 4, 5)
        loader = DataLoader(dataset, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(seed))
        Learner(model, loader, nn.CrossEntropyLoss(), show_progress=False).fit_one_cycle(2, 3e-3)
    return {name: tensor.clone() for name, tensor in model[0].state_dict().items()}


def finetune_model(seed: int) -> nn.Module:
    model = digits_model()
    model[0].load_state_dict(pretrained_body(seed))
    model[1][1] = nn.Linear(32 * 4 * 4, 5)
    return model


def mlp(sizes: tuple[int, ...], batchnorm: bool = False) -> Callable[[int], nn.Module]:
    """A builder for an MLP with ReLUs (and BatchNorm after each hidden linear layer)."""

    def build(seed: int) -> nn.Module:
        layers: list[nn.Module] = []
        for index, (width_in, width_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(nn.Linear(width_in, width_out))
            if index < len(sizes) - 2:
                layers += [nn.BatchNorm1d(width_out)] if batchnorm else []
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    return build


def cnn(seed: int) -> nn.Module:
    return digits_model()


def cnn_without_batchnorm(seed: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 10),
    )


@functools.cache
def synthetic_binary() -> Arrays:
    from sklearn.datasets import make_classification
    x, y = make_classification(n_samples=1000, n_features=12, n_informative=6, flip_y=0.05, random_state=5)
    return _standardize(x), y


@functools.cache
def synthetic_tabular() -> Arrays:
    """20,000 rows: 3 categorical columns (codes 0-49, 0-19, 0-9) then 8 numeric ones; a binary target from both."""
    rng = np.random.RandomState(21)
    cards, rows = (50, 20, 10), 20_000
    codes = np.stack([rng.randint(card, size=rows) for card in cards], axis=1)
    numeric = rng.randn(rows, 8)
    effects = [rng.randn(card) for card in cards]
    logit = sum(effect[codes[:, i]] for i, effect in enumerate(effects)) + numeric @ rng.randn(8) * 0.5
    target = (logit + rng.logistic(size=rows) > 0).astype(np.int64)
    return np.concatenate([codes, numeric], axis=1).astype(np.float32), target


class TabularModel(nn.Module):
    """An embedding per categorical column, concatenated with the numeric columns, into an MLP (fastai's shape)."""

    def __init__(self, cards: tuple[int, ...] = (50, 20, 10), numeric: int = 8) -> None:
        super().__init__()
        self.embeddings = nn.ModuleList(nn.Embedding(card, min(16, (card + 1) // 2)) for card in cards)
        width = sum(embedding.embedding_dim for embedding in self.embeddings) + numeric
        self.mlp = nn.Sequential(nn.Linear(width, 64), nn.ReLU(), nn.BatchNorm1d(64), nn.Linear(64, 32), nn.ReLU(),
                                 nn.Linear(32, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        codes = x[:, : len(self.embeddings)].long()
        embedded = [embedding(codes[:, i]) for i, embedding in enumerate(self.embeddings)]
        return self.mlp(torch.cat([*embedded, x[:, len(self.embeddings) :]], dim=1))


@functools.cache
def synthetic_sequences() -> Arrays:
    """3,000 sequences of 12 tokens (vocabulary 8); the label says whether token 1 occurs more often than token 2,
    flipped for 10% of them, so that the loss has a floor and a model that overfits pays for it."""
    rng = np.random.RandomState(33)
    tokens = rng.randint(8, size=(3000, 12))
    label = ((tokens == 1).sum(axis=1) > (tokens == 2).sum(axis=1)).astype(np.int64)
    label ^= (rng.rand(len(label)) < 0.1).astype(np.int64)
    return tokens.astype(np.float32), label


class TinyTransformer(nn.Module):
    """Token and position embeddings, one pre-norm encoder layer (32 wide, 4 heads), mean pooling, a linear head."""

    def __init__(self, vocabulary: int = 8, length: int = 12, width: int = 32) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocabulary, width)
        self.positions = nn.Parameter(torch.randn(length, width) * 0.02)
        self.encoder = nn.TransformerEncoderLayer(width, 4, dim_feedforward=64, dropout=0.0, batch_first=True,
                                                  norm_first=True)
        self.head = nn.Linear(width, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(self.tokens(x.long()) + self.positions).mean(dim=1))


def tabular_model(seed: int) -> nn.Module:
    return TabularModel()


def tiny_transformer(seed: int) -> nn.Module:
    return TinyTransformer()


# How ``lrwidget.suggest.sweetspot`` was made, for judging its numbers: tasks 1-7 were its design set; tasks 8-12 were
# held out and sank the first version (which scaled the lr by 4/epochs), so it was revised on tasks 1-12; tasks 13-18
# were held out from that revision, and its final constants were then chosen among three candidates on all 18.
# Tasks 19-21 (a deep plain MLP that SGD drives to a late divergence, a tabular model with embeddings, a small
# transformer) came with issue 15. sweetspot's rule for a curve with no descent was made after seeing task 19, the
# only one whose curve has none; tasks 20 and 21 were measured before anything was changed.
TASKS: tuple[Task, ...] = (
    Task("digits MLP, AdamW", digits_flat, mlp((64, 128, 10)), True, "adamw", epochs=8),
    Task("diabetes MLP regr., AdamW", diabetes, mlp((10, 32, 1)), False, "adamw", epochs=16, batch_size=32),
    Task("synthetic regr. MLP+BN, SGD", synthetic_regression, mlp((20, 64, 64, 1), batchnorm=True), False,
         "sgd", epochs=3),
    Task("digits CNN+BN, SGD", digits_images, cnn, True, "sgd", epochs=4),
    Task("breast cancer MLP, SGD", breast_cancer, mlp((30, 32, 2)), True, "sgd", epochs=24, batch_size=32),
    Task("synthetic 4-class MLP, AdamW", synthetic_classification, mlp((20, 64, 64, 4)), True, "adamw",
         epochs=2),
    Task("digits 5-9, pretrained CNN body, AdamW", digits_high, finetune_model, True, "adamw",
         epochs=3, valid_fraction=0.6, fine_tune=True, splitter=body_head_splitter),
    Task("wine MLP+BN, AdamW", wine, mlp((13, 32, 3), batchnorm=True), True, "adamw", epochs=12,
         batch_size=16, valid_fraction=0.4),
    Task("digits MLP, SGD", digits_flat, mlp((64, 64, 10)), True, "sgd", epochs=24),
    Task("synthetic regr. MLP, AdamW", synthetic_regression, mlp((20, 64, 1)), False, "adamw", epochs=6,
         batch_size=32),
    Task("digits CNN+BN, AdamW", digits_images, cnn, True, "adamw", epochs=2, batch_size=32),
    Task("digits 5-9, pretrained CNN body, SGD", digits_high, finetune_model, True, "sgd",
         epochs=8, valid_fraction=0.6, fine_tune=True, splitter=body_head_splitter),
    Task("digits MLP+BN, AdamW", digits_flat, mlp((64, 128, 64, 10), batchnorm=True), True, "adamw",
         epochs=12, batch_size=32),
    Task("breast cancer MLP, AdamW", breast_cancer, mlp((30, 32, 2)), True, "adamw", epochs=4, batch_size=32),
    Task("synthetic binary MLP, SGD", synthetic_binary, mlp((12, 32, 2)), True, "sgd", epochs=8),
    Task("diabetes MLP regr., SGD", diabetes, mlp((10, 32, 1)), False, "sgd", epochs=6, batch_size=32),
    Task("synthetic regr. MLP+BN, AdamW", synthetic_regression, mlp((20, 64, 64, 1), batchnorm=True), False,
         "adamw", epochs=12),
    Task("digits CNN, no BN, AdamW", digits_images, cnn_without_batchnorm, True, "adamw", epochs=6),
    Task("digits deep plain MLP, SGD", digits_flat, mlp((64, *(128,) * 5, 10)), True, "sgd", epochs=12),
    Task("tabular embeddings MLP+BN, AdamW", synthetic_tabular, tabular_model, True, "adamw", epochs=3,
         batch_size=256, valid_fraction=0.2),
    Task("tiny transformer, AdamW", synthetic_sequences, tiny_transformer, True, "adamw", epochs=6, batch_size=32),
)
