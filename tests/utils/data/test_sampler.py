"""Samplers: structure, lengths and coverage against torch.utils.data (not the same order)."""

import collections
import itertools

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.utils.data import (
    BatchSampler,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def _error(fn, *args, **kwargs):
    with pytest.raises(Exception) as info:
        fn(*args, **kwargs)
    return type(info.value), str(info.value)


def test_sequential_sampler_lists_every_index_in_order():
    assert list(SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
    assert len(SequentialSampler(range(5))) == 5


@pytest.mark.parametrize("n", [1, 7, 32])
def test_random_sampler_is_a_permutation_each_epoch(n):
    s = RandomSampler(range(n))
    orders = [list(s) for _ in range(3)]
    for order in orders:
        assert sorted(order) == list(range(n))
        assert all(type(i) is int for i in order)
    if n == 32:
        assert orders[0] != orders[1]  # reshuffled every epoch


def test_random_sampler_generator_reproduces_order():
    a = list(RandomSampler(range(20), generator=eg.Generator().manual_seed(3)))
    b = list(RandomSampler(range(20), generator=eg.Generator().manual_seed(3)))
    assert a == b
    eg.manual_seed(1)
    c = list(RandomSampler(range(20)))
    eg.manual_seed(1)
    assert list(RandomSampler(range(20))) == c


@pytest.mark.parametrize("n,num_samples", [(5, 12), (5, 3), (4, 4)])
def test_random_sampler_num_samples_without_replacement_repeats_permutations(n, num_samples):
    out = list(RandomSampler(range(n), num_samples=num_samples))
    assert len(out) == num_samples
    counts = collections.Counter(out)
    full, rest = divmod(num_samples, n)
    assert all(full <= c <= full + 1 for c in counts.values())
    assert sum(c == full + 1 for c in counts.values()) == rest or full == 0


def test_random_sampler_with_replacement_draws_in_range():
    out = list(RandomSampler(range(3), replacement=True, num_samples=100))
    assert len(out) == 100 and set(out) <= {0, 1, 2}


def test_random_sampler_errors_match_torch():
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    for kwargs in [dict(replacement=1), dict(num_samples=0), dict(num_samples=-2)]:
        assert _error(RandomSampler, range(3), **kwargs) == _error(
            tdata.RandomSampler, range(3), **kwargs
        )


def test_random_sampler_lengths_match_torch():
    torch = pytest.importorskip("torch")
    for n, repl, ns in itertools.product([1, 5, 9], [False, True], [None, 3, 11]):
        ours = RandomSampler(range(n), replacement=repl, num_samples=ns)
        theirs = torch.utils.data.RandomSampler(range(n), replacement=repl, num_samples=ns)
        assert len(ours) == len(theirs) == len(list(ours)) == len(list(theirs))


def test_subset_random_sampler_covers_its_indices():
    idx = [9, 4, 6, 1]
    out = list(SubsetRandomSampler(idx))
    assert sorted(out) == sorted(idx) and len(SubsetRandomSampler(idx)) == 4


def test_weighted_random_sampler_respects_zero_weights():
    out = list(WeightedRandomSampler([0.0, 3.0, 0.0, 1.0], 200))
    assert set(out) <= {1, 3} and len(out) == 200
    assert collections.Counter(out)[1] > collections.Counter(out)[3]


def test_weighted_random_sampler_without_replacement_is_unique():
    out = list(WeightedRandomSampler([1, 2, 3, 4, 5], 5, replacement=False))
    assert sorted(out) == [0, 1, 2, 3, 4]
    with pytest.raises(RuntimeError, match="without replacement"):
        WeightedRandomSampler([1, 0, 1], 3, replacement=False)


def test_weighted_random_sampler_errors_match_torch():
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    cases = [([1.0, 2.0], 0, True), ([1.0, 2.0], 2, 1), ([[1.0], [2.0]], 2, True)]
    for w, n, r in cases:
        assert _error(WeightedRandomSampler, w, n, r) == _error(
            tdata.WeightedRandomSampler, w, n, r
        )


@pytest.mark.parametrize(
    "n,bs,drop_last", list(itertools.product([0, 1, 7, 8, 9], [1, 3, 8], [False, True]))
)
def test_batch_sampler_matches_torch(n, bs, drop_last):
    torch = pytest.importorskip("torch")
    ours = BatchSampler(SequentialSampler(range(n)), bs, drop_last)
    theirs = torch.utils.data.BatchSampler(
        torch.utils.data.SequentialSampler(range(n)), bs, drop_last
    )
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


def test_batch_sampler_errors_match_torch():
    torch = pytest.importorskip("torch")
    for bs, dl in [(0, False), (True, False), (2.0, False), (2, 1)]:
        assert _error(BatchSampler, range(3), bs, dl) == _error(
            torch.utils.data.BatchSampler, range(3), bs, dl
        )


def test_custom_sampler_subclass():
    class Evens(Sampler):
        def __iter__(self):
            return iter([0, 2])

    assert list(Evens()) == [0, 2]
    with pytest.raises(NotImplementedError):
        iter(Sampler())


# --- DistributedSampler ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "n,replicas,drop_last", list(itertools.product([1, 7, 10, 11], [1, 2, 3, 4], [False, True]))
)
def test_distributed_sampler_matches_torch_without_shuffle(n, replicas, drop_last):
    torch = pytest.importorskip("torch")
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(
            range(n), replicas, rank, shuffle=False, drop_last=drop_last
        )
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) == len(list(ours))


@pytest.mark.parametrize("n,replicas", [(10, 3), (12, 4), (5, 8)])
def test_distributed_sampler_shuffled_shards_cover_the_dataset(n, replicas):
    shards = [list(DistributedSampler(range(n), replicas, r, seed=7)) for r in range(replicas)]
    flat = [i for s in shards for i in s]
    assert set(flat) == set(range(n))
    assert len({len(s) for s in shards}) == 1
    if n % replicas == 0:
        assert sorted(flat) == list(range(n))  # no padding: each index exactly once


def test_distributed_sampler_set_epoch_reshuffles_consistently():
    s0 = DistributedSampler(range(50), 2, 0)
    s1 = DistributedSampler(range(50), 2, 1)
    e0 = list(s0) + list(s1)
    assert sorted(e0) == list(range(50))
    s0.set_epoch(1)
    s1.set_epoch(1)
    e1 = list(s0) + list(s1)
    assert sorted(e1) == list(range(50)) and e1 != e0
    s0.set_epoch(0)
    assert list(s0) == e0[:25]


def test_distributed_sampler_errors():
    torch = pytest.importorskip("torch")
    assert _error(DistributedSampler, range(4), 2, 2) == _error(
        torch.utils.data.DistributedSampler, range(4), 2, 2
    )
    with pytest.raises(RuntimeError):
        DistributedSampler(range(4))  # no process group to ask


def test_samplers_return_python_ints():
    for s in [
        RandomSampler(range(4)),
        SubsetRandomSampler(np.arange(4)),
        WeightedRandomSampler([1, 1], 3),
        DistributedSampler(range(4), 2, 0),
    ]:
        assert all(isinstance(i, (int, np.integer)) for i in s)
