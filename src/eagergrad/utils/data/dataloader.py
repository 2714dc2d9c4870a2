"""DataLoader: batches from a Dataset, optionally prefetched by background worker threads.

NOTE [threads, not processes]
Workers are threads of this process, not processes as in torch. Loading is mostly numpy work
(decoding, slicing, stacking, augmenting arrays) and file reads, which release the GIL, so
threads overlap loading with the training step without pickling datasets or batches, copying
memory between processes, or start-up cost. Threads share the GIL for *pure-Python* work, so
when ``__getitem__`` spends its time in Python bytecode (per-pixel loops, PIL-free parsing
written in Python, heavy Python-level augmentation) more workers do not load faster: then run
the work in processes yourself (e.g. precompute to arrays, or load with
``multiprocessing``/``concurrent.futures.ProcessPoolExecutor`` inside the dataset), or use
torch's process-based DataLoader.

Consequences of sharing one process: ``WorkerInfo.dataset`` is the main thread's dataset, not
a copy; the global random generators are shared, so randomness in workers should come from
``get_worker_info().rng``, seeded per worker (the bundled transforms do this).

NOTE [iterator protocol] follows torch.utils.data.dataloader._MultiProcessingDataLoaderIter:
batches are numbered by ``send_idx`` and dealt round-robin to per-worker index queues; at most
``prefetch_factor * num_workers`` are outstanding; results come back on one queue and are
reordered by ``rcvd_idx`` so batches come out in sampler order.
"""

from __future__ import annotations

import itertools
import queue
import sys
import threading
import warnings
from collections.abc import Callable, Iterable

from ... import random as _random
from ..._backend import CPU
from ._collate import default_collate, default_convert
from ._collate import pin_memory as _pin_memory
from ._worker import (
    ExceptionWrapper,
    _create_fetcher,
    _IterableDatasetStopIteration,
    _ResumeIteration,
    _worker_loop,
)
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]

# How often a waiting main thread checks that its workers are still alive (seconds).
_STATUS_CHECK_INTERVAL = 1.0


class _InfiniteConstantSampler(Sampler):
    """Yields ``None`` forever: the sampler behind an IterableDataset (torch's)."""

    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Iterates over a dataset in batches (torch.utils.data.DataLoader, with thread workers).

    The pipeline is ``Dataset -> Sampler -> BatchSampler -> collate_fn``: the batch sampler
    yields lists of keys, the dataset gives a sample per key, ``collate_fn`` stacks them into
    tensors. Batches are cpu tensors; the training loop moves them to its device.

    With ``num_workers > 0``, that many background threads load batches ahead of the training
    loop into a bounded queue of ``prefetch_factor * num_workers`` batches, and the loop gets
    them in sampler order.

    Threads or processes: workers are threads, which helps when loading is numpy work or I/O
    (both release the GIL) and costs nothing to start. When ``__getitem__`` spends its time in
    pure-Python code, threads take turns on the GIL and more workers do not help: move that
    work into numpy, precompute it, or run it in processes (see NOTE [threads, not processes]
    in this module).

    Args:
        dataset: a map-style :class:`Dataset` (``__getitem__``/``__len__``) or an
            :class:`IterableDataset`.
        batch_size: samples per batch; ``None`` turns off batching (samples pass through
            ``default_convert``).
        shuffle: reshuffle at every epoch (a :class:`RandomSampler`).
        sampler: the keys to load; mutually exclusive with ``shuffle``.
        batch_sampler: yields lists of keys; mutually exclusive with ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``.
        num_workers: worker threads; ``0`` loads in the calling thread.
        collate_fn: merges a list of samples into a batch (default: :func:`default_collate`).
        pin_memory: copy batches into page-locked memory (with cupy present), which speeds up
            and unblocks host-to-GPU copies; without cupy it does nothing.
        drop_last: drop the last, incomplete batch.
        timeout: seconds to wait for a batch from the workers before raising ``RuntimeError``
            (``0``: wait for ever, while checking that workers are alive).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker thread before it
            loads anything.
        multiprocessing_context: accepted for compatibility and ignored (workers are threads).
        generator: an :class:`eagergrad.Generator` for the ``RandomSampler`` and for the
            workers' base seed.
        prefetch_factor: batches loaded ahead per worker (default ``2`` when
            ``num_workers > 0``).
        persistent_workers: keep the worker threads across epochs instead of starting them
            at every ``iter``.
        pin_memory_device: accepted for compatibility and ignored.
        in_order: yield batches in sampler order (``False``: as soon as each is ready).

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.utils.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(eg.arange(10).float(), eg.arange(10))
        >>> loader = DataLoader(ds, batch_size=4, num_workers=2)
        >>> len(loader)
        3
        >>> [y.tolist() for x, y in loader]
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    """

    _iterator = None
    __initialized = False

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; "
                "use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._is_iterable = True
            if shuffle not in {False, None}:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle "
                    f"option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler "
                    f"option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified "
                    f"batch_sampler option, but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
            self._is_iterable = False

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )

        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._IterableDataset_len_called = None
        self.__initialized = True

    def __setattr__(self, attr, val):
        if self.__initialized and attr in (
            "batch_size",
            "batch_sampler",
            "sampler",
            "drop_last",
            "dataset",
            "persistent_workers",
        ):
            raise ValueError(
                f"{attr} attribute should not be set after {self.__class__.__name__} is initialized"
            )
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleThreadDataLoaderIter(self)
        return _MultiThreadDataLoaderIter(self)

    def __iter__(self):
        """A new iterator, or with ``persistent_workers`` the same one, reset for a new epoch."""
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        """Batches per epoch: ``len(batch_sampler)``; for an IterableDataset, computed from
        ``len(dataset)``, ``batch_size`` and ``drop_last`` as in torch."""
        if self._is_iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    length = length // self.batch_size
                else:
                    length = -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


class _BaseDataLoaderIter:
    def __init__(self, loader: DataLoader) -> None:
        # See NOTE [worker references]: keep what is needed, not the loader.
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._pin_memory = loader.pin_memory
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._generator = loader.generator
        self._persistent_workers = loader.persistent_workers
        self._in_order = loader.in_order
        self._sampler_iter = iter(self._index_sampler)
        rng = _random._generator_for(CPU, loader.generator).rng
        self._base_seed = int(rng.integers(0, 2**63))
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if (
            self._is_iterable
            and self._IterableDataset_len_called is not None
            and self._num_yielded > self._IterableDataset_len_called
        ):
            warnings.warn(
                f"Length of IterableDataset {self._dataset} was reported to be "
                f"{self._IterableDataset_len_called} (when accessing len(dataloader)), but "
                f"{self._num_yielded} samples have been fetched. ",
                stacklevel=2,
            )
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)


class _SingleThreadDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._dataset_fetcher = _create_fetcher(
            self._is_iterable,
            self._dataset,
            self._auto_collation,
            self._collate_fn,
            self._drop_last,
        )

    def _next_data(self):
        index = self._next_index()  # may raise StopIteration
        data = self._dataset_fetcher.fetch(index)  # may raise StopIteration
        if self._pin_memory:
            data = _pin_memory(data)
        return data


class _MultiThreadDataLoaderIter(_BaseDataLoaderIter):
    """Prefetches batches with worker threads. See NOTE [iterator protocol]."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._shutdown = False
        self._data_queue = queue.Queue()
        self._workers_done_event = threading.Event()
        self._index_queues = []
        self._workers = []
        for i in range(self._num_workers):
            index_queue = queue.Queue()
            w = threading.Thread(
                target=_worker_loop,
                args=(
                    self._is_iterable,
                    self._dataset,
                    index_queue,
                    self._data_queue,
                    self._workers_done_event,
                    self._auto_collation,
                    self._collate_fn,
                    self._drop_last,
                    self._base_seed + i,
                    loader.worker_init_fn,
                    i,
                    self._num_workers,
                    self._pin_memory,
                ),
                name=f"eagergrad-DataLoader-worker-{i}",
                daemon=True,  # never block interpreter exit
            )
            w.start()
            self._index_queues.append(index_queue)
            self._workers.append(w)
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0  # next batch number to hand to a worker
        self._rcvd_idx = 0  # next batch number to return
        # batch number -> (worker_id,) while pending, (worker_id, data) once it arrived early
        self._task_info: dict = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # Persistent workers: flush what is left of the previous epoch. Queues are FIFO, so
            # once every worker has echoed its resume signal nothing stale remains.
            for index_queue in self._index_queues:
                index_queue.put(_ResumeIteration())
            remaining = self._num_workers
            while remaining > 0:
                idx, _ = self._get_data()
                if isinstance(idx, _ResumeIteration):
                    remaining -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_get_data(self, timeout: float):
        try:
            return True, self._data_queue.get(timeout=timeout)
        except queue.Empty:
            dead = [
                str(i)
                for i, w in enumerate(self._workers)
                if self._workers_status[i] and not w.is_alive()
            ]
            if dead:
                self._shutdown_workers()
                raise RuntimeError(
                    f"DataLoader worker (thread(s) {', '.join(dead)}) exited unexpectedly"
                ) from None
            return False, None

    def _get_data(self):
        if self._timeout > 0:
            success, data = self._try_get_data(self._timeout)
            if success:
                return data
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        while True:
            success, data = self._try_get_data(_STATUS_CHECK_INTERVAL)
            if success:
                return data

    def _next_data(self):
        while True:
            # Skip batches that a finished IterableDataset worker will never produce.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:  # arrived earlier, out of order
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            if self._shutdown or self._tasks_outstanding <= 0:
                raise RuntimeError("DataLoader iterator used after its workers were shut down")
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                self._workers_status[data.worker_id] = False
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self) -> None:
        max_tasks = self._prefetch_factor * self._num_workers
        if self._tasks_outstanding >= max_tasks:
            return
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker, if any
            worker_id = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_id]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_id] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._workers_num_tasks[worker_id] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self) -> None:
        """Stops and joins the worker threads; safe to call twice, and from ``__del__``."""
        if getattr(self, "_shutdown", True):
            return
        self._shutdown = True
        self._workers_done_event.set()
        for index_queue in self._index_queues:
            index_queue.put(None)
        if sys.is_finalizing():
            return  # daemon threads die with the interpreter
        current = threading.current_thread()
        for w in self._workers:
            if w is not current:
                w.join()
        self._task_info.clear()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:  # noqa: BLE001 - never raise from __del__ (e.g. late at exit)
            pass
