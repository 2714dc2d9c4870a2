"""What runs in a DataLoader worker thread, and what it can learn about itself."""

from __future__ import annotations

import random
import sys
import threading
import traceback
from dataclasses import dataclass

import numpy

from ... import random as _eg_random
from ._collate import pin_memory as _pin_memory

__all__ = ["WorkerInfo", "get_worker_info"]

_local = threading.local()


@dataclass(frozen=True)
class _RNG:
    """Per-worker random generators, seeded with the worker's ``seed``.

    Threads share the process's global generators, so a worker cannot reseed them without
    disturbing the others (torch's process workers reseed theirs); code that runs in workers
    should draw from these instead. ``eagergrad.datasets.transforms`` does so.
    """

    random_generator: random.Random
    numpy_generator: numpy.random.Generator
    generator: _eg_random.Generator


@dataclass(frozen=True)
class WorkerInfo:
    """Information about the current DataLoader worker thread (torch.utils.data.WorkerInfo).

    Attributes:
        id: this worker's id, ``0`` to ``num_workers - 1``.
        num_workers: the number of workers.
        seed: ``base_seed + id``; ``base_seed`` is drawn once per iterator from the loader's
            ``generator`` (or the global one), so ``eg.manual_seed`` reproduces it.
        dataset: the dataset. Threads share it: this is the same object as in the main thread,
            not a copy as with torch's process workers.
        rng: this worker's random generators (``random_generator``, ``numpy_generator``,
            ``generator``), seeded with ``seed``.
        worker_method: always ``"thread"``.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.utils.data import DataLoader, Dataset, get_worker_info
        >>> class Ids(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         info = get_worker_info()
        ...         return info.num_workers
        >>> get_worker_info() is None  # the main thread is not a worker
        True
        >>> [int(b) for b in DataLoader(Ids(), batch_size=None, num_workers=2)]
        [2, 2, 2, 2]
    """

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: _RNG | None = None
    worker_method: str = "thread"


def get_worker_info() -> WorkerInfo | None:
    """The :class:`WorkerInfo` of the calling DataLoader worker thread, or ``None`` elsewhere.

    Use it in ``IterableDataset.__iter__`` or ``worker_init_fn`` to give each worker its own
    share of the work, and its ``rng`` for random augmentation.

    Example:
        >>> from eagergrad.utils.data import get_worker_info
        >>> get_worker_info() is None  # the main thread is not a worker
        True
    """
    return getattr(_local, "info", None)


def _worker_rng() -> numpy.random.Generator:
    """The numpy generator to use here: the worker's own, or the global eagergrad one."""
    info = getattr(_local, "info", None)
    if info is not None and info.rng is not None:
        return info.rng.numpy_generator
    return _eg_random.default_generator.rng


class _KeyErrorMessage(str):
    """A str whose repr is itself, so ``KeyError(msg)`` prints a readable traceback."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker, with its traceback as text, to re-raise in the main thread.

    Only the text is kept, not the traceback object, whose frames would keep the worker's
    batch (and the dataset) alive.
    """

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raises ``exc_type`` with a message holding the worker's traceback (torch's format)."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose IterableDataset iterator is exhausted."""

    worker_id: int


class _ResumeIteration:
    """Sent to persistent workers at the start of an epoch; echoed back once they are ready."""


class _Cancelled(Exception):
    """Raised inside a worker's fetch when the loader shuts down mid-batch."""


# --- fetchers: turn an index (or a batch of indices) into a collated batch ---------------------
class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last, done_event=None):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.done_event = done_event

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return self.collate_fn(getitems(index))
        data = []
        done = self.done_event
        for i in index:
            if done is not None and done.is_set():
                raise _Cancelled  # shut down promptly, even during a long batch
            data.append(self.dataset[i])
        return self.collate_fn(data)


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last, done_event=None):
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.done_event = done_event
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        done = self.done_event
        for _ in index:
            if done is not None and done.is_set():
                raise _Cancelled
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if len(data) == 0 or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def _create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last, done_event=None):
    cls = _IterableDatasetFetcher if is_iterable else _MapDatasetFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last, done_event)


def _make_worker_info(worker_id, num_workers, seed, dataset) -> WorkerInfo:
    seed = seed % 2**64
    rng = _RNG(
        random.Random(seed),
        numpy.random.Generator(numpy.random.PCG64(seed)),
        _eg_random.Generator().manual_seed(seed),
    )
    return WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset, rng=rng)


def _worker_loop(
    is_iterable,
    dataset,
    index_queue,
    data_queue,
    done_event,
    auto_collation,
    collate_fn,
    drop_last,
    seed,
    init_fn,
    worker_id,
    num_workers,
    pin_memory,
):
    """The body of one worker thread.

    NOTE [worker references]: the loop gets the pieces it needs, never the iterator object, so
    that dropping the iterator in the main thread frees it and its ``__del__`` stops the workers.

    Protocol: reads ``(send_idx, index)`` tasks, ``_ResumeIteration`` or ``None`` (exit) from
    ``index_queue``; answers every task with ``(send_idx, batch | ExceptionWrapper |
    _IterableDatasetStopIteration)`` on ``data_queue``.
    """
    _local.info = _make_worker_info(worker_id, num_workers, seed, dataset)
    where = f"in DataLoader worker thread {worker_id}"
    init_exception = None
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = _create_fetcher(
            is_iterable, dataset, auto_collation, collate_fn, drop_last, done_event
        )
    except Exception:
        init_exception = ExceptionWrapper(where=where)
    iteration_end = False
    while True:
        task = index_queue.get()
        if task is None:
            break
        if isinstance(task, _ResumeIteration):
            iteration_end = False
            try:
                fetcher = _create_fetcher(
                    is_iterable, dataset, auto_collation, collate_fn, drop_last, done_event
                )
            except Exception:
                init_exception = ExceptionWrapper(where=where)
            data_queue.put((task, None))
            continue
        if done_event.is_set() or iteration_end:
            continue
        idx, index = task
        if init_exception is not None:
            data, init_exception = init_exception, None
        else:
            try:
                data = fetcher.fetch(index)
                if pin_memory:
                    data = _pin_memory(data)
            except _Cancelled:
                continue
            except StopIteration:
                if not is_iterable:
                    data = ExceptionWrapper(where=where)
                else:
                    data = _IterableDatasetStopIteration(worker_id)
                    iteration_end = True
            except Exception:
                data = ExceptionWrapper(where=where)
        data_queue.put((idx, data))
        del data, idx, index, task  # don't hold the last batch while waiting for the next task
    _local.info = None
