"""Epoch boundaries from DataLoaders: each new pass over a loader that feeds optimizer steps is an epoch.

``DataLoader.__iter__`` is wrapped to give each pass a ``LoaderPass`` record; the iterator's
``__next__`` says which pass produced the batch in hand (so a validation loader read in the middle
of an epoch never starts one), and ``_next_index`` adds the indices handed out to the pass: how
many samples it read and a running hash of their order. The wrappers are removed on exit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from torch.utils.data import dataloader as _dl


class LoaderPass:
    """One pass over one DataLoader: which loader, its pass number, samples read, and an order hash."""

    __slots__ = ("loader_id", "number", "samples", "order")

    def __init__(self, loader: _dl.DataLoader, number: int) -> None:
        self.loader_id = id(loader)
        self.number = number
        iterable = _dl._DatasetKind.Iterable if hasattr(_dl, "_DatasetKind") else None
        known = getattr(loader, "_dataset_kind", None) != iterable
        self.samples: int | None = 0 if known else None  # an IterableDataset hands out no indices
        self.order: int | None = 0 if known else None

    def add(self, indices: object) -> None:
        if self.samples is None or self.order is None:
            return
        if isinstance(indices, list):
            self.samples += len(indices)
            self.order = hash((self.order, tuple(indices)))
        else:
            self.samples += 1
            self.order = hash((self.order, indices))


class LoaderWatch:
    """Installs the DataLoader wrappers; ``current`` is the pass whose batch was read last."""

    def __init__(self) -> None:
        self.current: LoaderPass | None = None
        self._passes: dict[int, int] = {}  # id(loader) -> passes started
        self._saved: list[tuple[type, str, Callable[..., Any]]] = []

    def install(self) -> None:
        watch = self
        original_iter = _dl.DataLoader.__iter__
        original_next = _dl._BaseDataLoaderIter.__next__
        original_index = _dl._BaseDataLoaderIter._next_index

        def __iter__(loader: _dl.DataLoader) -> Any:
            iterator = original_iter(loader)
            number = watch._passes.get(id(loader), 0) + 1
            watch._passes[id(loader)] = number
            with contextlib.suppress(AttributeError):  # an iterator that takes no attributes: passes not seen
                setattr(iterator, "_epochlab_pass", LoaderPass(loader, number))  # noqa: B010
            return iterator

        def __next__(iterator: Any) -> Any:
            watch.current = getattr(iterator, "_epochlab_pass", None)
            return original_next(iterator)

        def _next_index(iterator: Any) -> Any:
            indices = original_index(iterator)
            record = getattr(iterator, "_epochlab_pass", None)
            if record is not None:
                record.add(indices)
            return indices

        for owner, name, new in ((_dl.DataLoader, "__iter__", __iter__),
                                 (_dl._BaseDataLoaderIter, "__next__", __next__),
                                 (_dl._BaseDataLoaderIter, "_next_index", _next_index)):
            self._saved.append((owner, name, owner.__dict__[name]))
            setattr(owner, name, new)

    def remove(self) -> None:
        while self._saved:
            owner, name, original = self._saved.pop()
            setattr(owner, name, original)
        self.current = None
