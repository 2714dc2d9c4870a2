"""DataLoader: batch structure against torch, thread workers, errors, timeouts and shutdown."""

import gc
import itertools
import threading
import time

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    TensorDataset,
    get_worker_info,
)


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """Every test must leave no worker thread behind once its loaders are garbage."""
    before = threading.active_count()
    yield
    if threading.active_count() > before:
        gc.collect()  # only when needed: a full collection costs ~0.4 s with torch loaded
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before


class Range(Dataset):
    def __init__(self, n, delay=0.0):
        self.n = n
        self.delay = delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.delay:
            time.sleep(self.delay)
        return np.array([i], dtype=np.int64)


class Stream(IterableDataset):
    """0..n-1, split between workers when ``shard`` (the documented get_worker_info pattern)."""

    def __init__(self, n, shard=True):
        self.n = n
        self.shard = shard

    def __len__(self):
        return self.n

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def _flat(batches):
    return [int(v) for b in batches for v in np.asarray(b.numpy()).reshape(-1)]


# --- batch structure and coverage against torch -------------------------------------------
@pytest.mark.parametrize(
    "n,bs,drop_last,shuffle,workers",
    list(itertools.product([1, 10, 16], [1, 3, 16], [False, True], [False, True], [0, 2])),
)
def test_batch_structure_matches_torch(n, bs, drop_last, shuffle, workers):
    torch = pytest.importorskip("torch")
    data = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    ours = DataLoader(
        TensorDataset(eg.from_numpy(data), eg.arange(n)),
        batch_size=bs,
        shuffle=shuffle,
        drop_last=drop_last,
        num_workers=workers,
    )
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(data), torch.arange(n)),
        batch_size=bs,
        shuffle=shuffle,
        drop_last=drop_last,
    )
    ob, tb = list(ours), list(theirs)
    assert len(ours) == len(theirs) == len(ob) == len(tb)
    assert [tuple(x.shape) for x, _ in ob] == [tuple(x.shape) for x, _ in tb]
    assert [str(x.dtype)[-7:] for x, _ in ob] == [str(x.dtype)[-7:] for x, _ in tb]
    seen = _flat([y for _, y in ob])
    if not (shuffle and drop_last):  # otherwise each drops different random samples
        assert sorted(seen) == sorted(_flat([y for _, y in tb]))
    assert len(seen) == len(set(seen))  # every index at most once; exactly once if not dropped
    if not shuffle:
        assert seen == sorted(seen)
    for x, y in ob:  # samples stay paired
        assert np.array_equal(x.numpy(), data[y.numpy()])


@pytest.mark.parametrize("workers", [0, 3])
def test_shuffle_covers_every_index_once_per_epoch(workers):
    loader = DataLoader(Range(50), batch_size=7, shuffle=True, num_workers=workers)
    epochs = [_flat(loader) for _ in range(3)]
    for e in epochs:
        assert sorted(e) == list(range(50))
    assert epochs[0] != epochs[1]


def test_generator_reproduces_the_order_with_workers():
    def order(seed):
        g = eg.Generator().manual_seed(seed)
        return _flat(DataLoader(Range(30), batch_size=4, shuffle=True, generator=g, num_workers=2))

    assert order(5) == order(5) != order(6)


def test_workers_preserve_sampler_order_despite_uneven_delays():
    class Jitter(Dataset):
        def __len__(self):
            return 40

        def __getitem__(self, i):
            time.sleep(0.004 * ((i * 7) % 5))
            return i

    sampler = list(RandomSampler(range(40), generator=eg.Generator().manual_seed(0)))
    out = _flat(DataLoader(Jitter(), batch_size=3, sampler=sampler, num_workers=4))
    assert out == sampler


def test_in_order_false_still_yields_everything():
    out = _flat(DataLoader(Range(30, delay=0.001), batch_size=2, num_workers=3, in_order=False))
    assert sorted(out) == list(range(30))


def test_batch_size_none_converts_samples():
    out = list(DataLoader(Range(3), batch_size=None))
    assert [o.tolist() for o in out] == [[0], [1], [2]]
    assert isinstance(out[0], eg.Tensor)


def test_custom_batch_sampler():
    bs = [[0, 1, 2], [5], [3, 4]]
    out = [
        b.numpy().reshape(-1).tolist()
        for b in DataLoader(Range(6), batch_sampler=bs, num_workers=2)
    ]
    assert out == bs
    assert (
        len(DataLoader(Range(6), batch_sampler=BatchSampler(SequentialSampler(range(6)), 4, False)))
        == 2
    )


def test_collate_fn_and_nested_samples():
    class Nested(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full((2,), i, np.float32), "pair": (i, float(i)), "name": str(i)}

    b = next(iter(DataLoader(Nested(), batch_size=5, num_workers=2)))
    assert b["x"].shape == (5, 2) and b["pair"][0].dtype == eg.int64
    assert b["pair"][1].dtype == eg.float64 and b["name"] == ["0", "1", "2", "3", "4"]
    out = list(DataLoader(Nested(), batch_size=2, collate_fn=len))
    assert out == [2, 2, 1]


def test_pin_memory_is_harmless_on_cpu():
    a = [b.tolist() for b in DataLoader(Range(5), batch_size=2, pin_memory=True)]
    b = [b.tolist() for b in DataLoader(Range(5), batch_size=2, pin_memory=True, num_workers=2)]
    assert a == b == [[[0], [1]], [[2], [3]], [[4]]]


# --- argument checks (torch's messages) ------------------------------------------------------
BAD_ARGS = [
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(sampler=[0], shuffle=True),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True),
]


@pytest.mark.parametrize("kwargs", BAD_ARGS, ids=[",".join(k) for k in BAD_ARGS])
def test_invalid_options_raise_like_torch(kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as ours:
        DataLoader(Range(3), **kwargs)
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(Range(3), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_iterable_dataset_rejects_sampler_options_like_torch():
    torch = pytest.importorskip("torch")

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    for kwargs in [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]:
        with pytest.raises(ValueError) as ours:
            DataLoader(Stream(3), **kwargs)
        with pytest.raises(ValueError) as theirs:
            torch.utils.data.DataLoader(TorchStream(), **kwargs)
        assert str(ours.value).split(", but")[0] == str(theirs.value).split(", but")[0]


def test_attributes_are_frozen_after_init():
    loader = DataLoader(Range(3))
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 2
    loader.num_workers = 1  # allowed, as in torch


# --- IterableDataset ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "workers,bs,drop_last", [(0, 4, False), (2, 4, False), (3, 2, True), (2, None, False)]
)
def test_iterable_dataset_sharded_by_worker_info(workers, bs, drop_last):
    torch = pytest.importorskip("torch")
    loader = DataLoader(Stream(10), batch_size=bs, num_workers=workers, drop_last=drop_last)
    got = list(loader)
    values = sorted(_flat(got)) if bs else sorted(int(v) for v in got)
    if not drop_last:
        assert values == list(range(10))
    assert len(loader) == len(
        torch.utils.data.DataLoader(range(10), batch_size=bs, drop_last=drop_last)
    )
    if workers == 0 and bs:
        assert len(got) == len(loader)


def test_iterable_dataset_without_sharding_repeats_per_worker_like_torch():
    out = _flat(DataLoader(Stream(4, shard=False), batch_size=2, num_workers=2))
    assert sorted(out) == sorted(list(range(4)) * 2)


def test_iterable_dataset_stopiteration_ends_epoch_and_reiterates():
    loader = DataLoader(Stream(5), batch_size=2, num_workers=2, persistent_workers=True)
    assert sorted(_flat(loader)) == list(range(5))
    assert sorted(_flat(loader)) == list(range(5))
    del loader


# --- worker info, init, errors, timeouts ---------------------------------------------------
def test_worker_init_fn_and_worker_info():
    seen = {}
    lock = threading.Lock()

    def init(worker_id):
        info = get_worker_info()
        with lock:
            seen[worker_id] = (
                info.id,
                info.num_workers,
                info.seed,
                threading.get_ident(),
                info.worker_method,
            )

    class WhoAmI(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            return get_worker_info().id

    ids = _flat(DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=init))
    assert ids == [0, 0, 1, 1, 0, 0, 1, 1]  # batches dealt round-robin, as in torch
    assert sorted(seen) == [0, 1]
    assert seen[0][:2] == (0, 2) and seen[1][:2] == (1, 2)
    assert seen[1][2] == seen[0][2] + 1  # seed = base_seed + worker id
    assert seen[0][3] != seen[1][3] != threading.get_ident()
    assert seen[0][4] == "thread"
    assert get_worker_info() is None


class Faulty(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == 7:
            raise ValueError(f"cannot decode sample {i}")
        if i == 9:
            raise KeyError("missing-key")
        return i


def test_worker_exception_reraises_with_worker_traceback():
    it = iter(DataLoader(Faulty(), batch_size=2, num_workers=2))
    assert _flat([next(it), next(it), next(it)]) == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError) as info:
        next(it)
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker thread 1.")
    assert "Original Traceback (most recent call last):" in msg
    assert "in __getitem__" in msg and "cannot decode sample 7" in msg
    assert "test_dataloader.py" in msg  # the line in the user's dataset
    # As in torch, the iterator survives the error and goes on with the next batch.
    with pytest.raises(KeyError) as info:
        next(it)
    assert "missing-key" in str(info.value) and "\\n" not in str(info.value)
    assert _flat([next(it)]) == [10, 11]
    with pytest.raises(StopIteration):
        next(it)


def test_worker_exception_without_workers_is_the_original():
    with pytest.raises(ValueError, match="^cannot decode sample 7$"):
        list(DataLoader(Faulty(), batch_size=2))


def test_worker_init_fn_error_is_reported():
    def init(worker_id):
        raise RuntimeError(f"init failed in {worker_id}")

    with pytest.raises(RuntimeError, match="init failed in 0"):
        list(DataLoader(Range(4), num_workers=2, worker_init_fn=init))


def test_timeout_raises_instead_of_hanging():
    loader = DataLoader(Range(4, delay=0.5), num_workers=1, timeout=0.05)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.05 seconds$"):
        list(loader)
    assert time.monotonic() - start < 3


def test_timeout_not_hit_when_fast_enough():
    assert len(list(DataLoader(Range(6), batch_size=2, num_workers=2, timeout=5))) == 3


# --- shutdown: exhausted, broken, deleted, persistent --------------------------------------
def _threads():
    return sum(t.name.startswith("eagergrad-DataLoader-worker") for t in threading.enumerate())


def test_exhausted_iterator_stops_its_workers():
    base = threading.active_count()
    it = iter(DataLoader(Range(10), batch_size=3, num_workers=3))
    assert _threads() == 3
    list(it)
    assert threading.active_count() == base and _threads() == 0


def test_early_break_and_del_stop_workers():
    base = threading.active_count()
    loader = DataLoader(Range(1000, delay=0.001), batch_size=4, num_workers=4)
    for i, _ in enumerate(loader):
        if i == 2:
            break
    assert threading.active_count() == base  # the for-loop's iterator died with the loop
    it = iter(loader)
    next(it)
    assert _threads() == 4
    del it
    assert threading.active_count() == base


def test_abandoned_iterator_in_a_cycle_is_collected():
    base = threading.active_count()
    it = iter(DataLoader(Range(100), batch_size=2, num_workers=2))
    next(it)
    holder = {"it": it}
    holder["self"] = holder  # a reference cycle: only the garbage collector frees it
    del it, holder
    gc.collect()
    assert threading.active_count() == base


def test_shutdown_is_prompt_during_a_long_batch():
    it = iter(DataLoader(Range(400, delay=0.01), batch_size=200, num_workers=2))
    time.sleep(0.05)  # both workers are mid-batch (2 s of work each)
    start = time.monotonic()
    del it
    assert time.monotonic() - start < 1.0


def test_prefetch_is_bounded():
    fetched = []

    class Counting(Dataset):
        def __len__(self):
            return 60

        def __getitem__(self, i):
            fetched.append(i)
            return i

    it = iter(DataLoader(Counting(), batch_size=1, num_workers=2, prefetch_factor=3))
    next(it)
    time.sleep(0.2)  # give the workers every chance to run ahead
    assert len(fetched) <= 1 + 2 * 3
    del it


def test_persistent_workers_reuse_threads_across_epochs():
    idents = set()

    class Who(Dataset):
        def __len__(self):
            return 9

        def __getitem__(self, i):
            idents.add(threading.get_ident())
            return i

    base = threading.active_count()
    loader = DataLoader(Who(), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(3):
        assert _flat(loader) == list(range(9))
    assert len(idents) == 2 and threading.active_count() == base + 2
    it = iter(loader)
    next(it)  # abandon an epoch midway: the next one must start clean
    assert _flat(loader) == list(range(9))
    del loader, it
    gc.collect()
    assert threading.active_count() == base


def test_thread_workers_overlap_loading():
    # 16 items x 20 ms: ~0.32 s sequentially, ~0.08 s with 4 workers (sleep releases the GIL).
    start = time.monotonic()
    list(DataLoader(Range(16, delay=0.02), batch_size=2, num_workers=4))
    assert time.monotonic() - start < 0.25


def test_len_warning_for_iterable_dataset_that_overruns():
    class Liar(IterableDataset):
        def __len__(self):
            return 2

        def __iter__(self):
            return iter(range(4))

    loader = DataLoader(Liar(), batch_size=None)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(loader)


def test_pin_memory_copies_every_tensor_in_the_batch(monkeypatch):
    # No GPU here: stand in for cupyx.empty_pinned with a recorded copy, to check that the
    # loader pins every tensor of a nested batch (in the worker) and keeps the structure.
    import eagergrad._backend as backend

    pinned = []

    def fake_pin(arr):
        out = arr.copy()
        pinned.append(out)
        return out

    monkeypatch.setattr(backend, "pin_memory", fake_pin)

    class Pairs(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"x": np.full(2, i, np.float32), "y": (i, "s")}

    for workers in (0, 2):
        pinned.clear()
        batches = list(DataLoader(Pairs(), batch_size=2, pin_memory=True, num_workers=workers))
        assert len(pinned) == 4  # x and y of each of the two batches
        returned = [t.numpy() for b in batches for t in (b["x"], b["y"][0])]
        assert all(any(r is p for p in pinned) for r in returned)
        assert batches[1]["y"][0].tolist() == [2, 3] and batches[1]["y"][1] == ["s", "s"]


def test_backend_pin_memory_without_cupy_returns_the_array():
    import eagergrad._backend as backend

    if backend.cupy_available():
        pytest.skip("cupy present: covered by the cuda tests")
    a = np.zeros(3)
    assert backend.pin_memory(a) is a


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_worker_that_dies_is_reported_not_waited_for():
    class Dies(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            raise SystemExit  # escapes the worker's error handling and ends its thread

    with pytest.raises(RuntimeError, match=r"DataLoader worker \(thread\(s\) 0\) exited"):
        list(DataLoader(Dies(), num_workers=1))


def test_iterable_dataset_error_in_iter_is_reraised():
    class Broken(IterableDataset):
        def __iter__(self):
            raise OSError("shard file missing")

    with pytest.raises(OSError, match="shard file missing") as info:
        list(DataLoader(Broken(), batch_size=2, num_workers=2))
    assert "in DataLoader worker thread" in str(info.value)


def test_worker_init_fn_runs_once_per_worker_with_persistent_workers():
    calls = []
    loader = DataLoader(
        Range(6), batch_size=2, num_workers=2, persistent_workers=True, worker_init_fn=calls.append
    )
    for _ in range(3):
        assert _flat(loader) == list(range(6))
    assert sorted(calls) == [0, 1]
    plain = DataLoader(Range(6), batch_size=2, num_workers=2, worker_init_fn=calls.append)
    list(plain)
    list(plain)
    assert sorted(calls) == [0, 0, 0, 1, 1, 1]  # new threads for each epoch
    del loader
