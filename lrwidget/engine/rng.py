"""Random number generator states: the global ones, and the loader's own, captured and put back.

A range test draws random numbers: dropout, shuffling, augmentation. So that it never changes the training that
follows it (fastai issue 3013), every generator it may draw from is rewound afterwards:
- torch's CPU generator, every CUDA device's generator, Python's ``random`` and NumPy's global state;
- the loader's own generators, which the global states do not cover: a torch ``DataLoader``'s ``generator`` (it
  draws each epoch's base seed), its sampler's ``generator`` (``RandomSampler`` draws the shuffle from it), the
  batch sampler's sampler's, and a fastai ``DataLoader``'s ``rng`` (a ``random.Random`` it replaces at each epoch).
  A loader attribute is put back as the very object it was, with that object's state as it was.

A ``torch.manual_seed(...)`` run in another cell while a test runs is undone by the rewind, like every other draw
on those generators during the test. What lives in other processes is out of reach: the workers of a ``DataLoader``
with ``persistent_workers=True`` keep the RNG states they advanced during the test.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch

#: the attributes of a loader (and its samplers) that may hold the loader's own random number generator
LOADER_RNG_ATTRIBUTES = ("generator", "rng")


class RngSnapshot:
    """The state of every global random number generator a training step may draw from.

    CUDA is never started to read its state: if it is not yet initialised, nothing is read. If the test then starts
    it, its generators began at their seeds (torch seeds each device when CUDA starts, from ``torch.manual_seed`` or
    the default), so the restore reseeds each device with its initial seed, which is exactly where it began.
    """

    def __init__(self) -> None:
        self.torch_cpu = torch.get_rng_state()
        self.cuda_was_initialized = torch.cuda.is_initialized()
        self.torch_cuda = torch.cuda.get_rng_state_all() if self.cuda_was_initialized else None
        self.python = random.getstate()
        self.numpy = np.random.get_state()

    def restore(self) -> None:
        """Puts every generator back to the captured state."""
        torch.set_rng_state(self.torch_cpu)
        if self.torch_cuda is not None:
            torch.cuda.set_rng_state_all(self.torch_cuda)
        elif torch.cuda.is_initialized():
            _rewind_cuda_to_initial_seeds()
        random.setstate(self.python)
        np.random.set_state(self.numpy)


def _rewind_cuda_to_initial_seeds() -> None:
    """Puts each CUDA device's generator back where CUDA's start left it: its initial seed, at offset 0."""
    for index in range(torch.cuda.device_count()):
        generator = torch.cuda.default_generators[index]
        generator.manual_seed(generator.initial_seed())


class _SavedGenerator:
    """One generator bound to ``owner.attribute``: the object itself and a copy of its state."""

    def __init__(self, owner: Any, attribute: str, generator: Any) -> None:
        self.owner, self.attribute, self.generator = owner, attribute, generator
        self.state = _get_state(generator)

    def restore(self) -> None:
        _set_state(self.generator, self.state)
        if getattr(self.owner, self.attribute, None) is not self.generator:
            setattr(self.owner, self.attribute, self.generator)  # fastai's randomize() rebinds dl.rng each epoch


class LoaderRngSnapshot:
    """The loaders' own random number generators, each bound where it was and with the state it had."""

    def __init__(self, loaders: Iterable[Any]) -> None:
        self.saved: list[_SavedGenerator] = []
        for owner in _rng_owners(loaders):
            for attribute in LOADER_RNG_ATTRIBUTES:
                generator = getattr(owner, attribute, None)
                if _is_generator(generator):
                    # One record per binding: a generator shared by the loader and its sampler is rebound in both.
                    self.saved.append(_SavedGenerator(owner, attribute, generator))

    def restore(self) -> None:
        """Rebinds every generator and puts its state back."""
        for saved in self.saved:
            saved.restore()


def _rng_owners(loaders: Iterable[Any]) -> list[Any]:
    """Each loader and the samplers inside it, each once: the objects that may hold a generator."""
    owners: list[Any] = []
    seen: set[int] = set()
    for loader in loaders:
        batch_sampler = getattr(loader, "batch_sampler", None)
        for owner in (loader, getattr(loader, "sampler", None), batch_sampler, getattr(batch_sampler, "sampler", None)):
            if owner is not None and id(owner) not in seen:
                seen.add(id(owner))
                owners.append(owner)
    return owners


def _is_generator(value: Any) -> bool:
    return isinstance(value, (torch.Generator, random.Random, np.random.Generator, np.random.RandomState))


def _get_state(generator: Any) -> Any:
    if isinstance(generator, torch.Generator):
        return generator.get_state()
    if isinstance(generator, random.Random):
        return generator.getstate()
    if isinstance(generator, np.random.Generator):
        return generator.bit_generator.state
    return generator.get_state()


def _set_state(generator: Any, state: Any) -> None:
    if isinstance(generator, torch.Generator):
        generator.set_state(state)
    elif isinstance(generator, random.Random):
        generator.setstate(state)
    elif isinstance(generator, np.random.Generator):
        generator.bit_generator.state = state
    else:
        generator.set_state(state)
