"""Dataset, TensorDataset, ConcatDataset, Subset, random_split."""

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.utils.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)


def test_dataset_base_requires_getitem():
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]


def test_tensor_dataset_rows_and_size_check():
    ds = TensorDataset(eg.arange(6).reshape(3, 2), eg.tensor([0, 1, 2]))
    x, y = ds[2]
    assert x.tolist() == [4, 5] and y.item() == 2 and len(ds) == 3
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(eg.zeros(3), eg.zeros(4))
    assert TensorDataset(np.arange(4))[1] == (1,)  # numpy arrays work too


def test_concat_dataset_indexing_and_errors():
    ds = ConcatDataset([[0, 1, 2], [], [10, 11]])
    assert len(ds) == 5 and [ds[i] for i in range(5)] == [0, 1, 2, 10, 11]
    assert ds[-1] == 11 and ds[-5] == 0
    with pytest.raises(ValueError, match="absolute value of index"):
        ds[-6]
    with pytest.raises(AssertionError, match="should not be an empty iterable"):
        ConcatDataset([])

    class It(IterableDataset):
        def __iter__(self):
            return iter([])

    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([It()])

    class Two(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i

    assert len(Two() + Two()) == 4


def test_chain_and_stack_datasets():
    class It(IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

    assert list(It(2) + It(3)) == [0, 1, 0, 1, 2]
    assert list(ChainDataset([It(1), It(1)])) == [0, 0]
    assert StackDataset([1, 2], ["a", "b"])[0] == (1, "a")
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset([1], [1, 2])


def test_subset():
    s = Subset(list("abcdef"), [5, 0, 3])
    assert len(s) == 3 and [s[i] for i in range(3)] == ["f", "a", "d"]
    assert s.__getitems__([0, 2]) == ["f", "d"]


@pytest.mark.parametrize(
    "lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [1 / 3] * 3, [0.1] * 10]
)
def test_random_split_lengths_match_torch_and_partition(lengths):
    torch = pytest.importorskip("torch")
    n = 10
    ours = random_split(range(n), lengths, generator=eg.Generator().manual_seed(0))
    theirs = torch.utils.data.random_split(
        range(n), lengths, generator=torch.Generator().manual_seed(0)
    )
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    flat = [i for s in ours for i in s]
    assert sorted(flat) == list(range(n))


def test_random_split_is_reproducible_and_validates():
    a = random_split(range(20), [5, 15], generator=eg.Generator().manual_seed(1))
    b = random_split(range(20), [5, 15], generator=eg.Generator().manual_seed(1))
    assert list(a[0]) == list(b[0])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(5), [2, 2])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(5), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index [12] is 0"):
        random_split(range(2), [0.9, 0.05, 0.05])
