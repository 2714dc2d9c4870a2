"""Samplers: which dataset keys a DataLoader visits, and in which order (torch.utils.data)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized

import numpy

from ... import random as _random
from ..._backend import CPU

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
]


def _numpy_rng(generator) -> numpy.random.Generator:
    """The numpy Generator behind ``generator`` (an eagergrad cpu Generator).

    Without one, a fresh generator is seeded from the global generator, as torch's samplers
    draw a seed per ``__iter__``: ``eg.manual_seed`` then reproduces every epoch's order.
    """
    if generator is None:
        seed = int(_random.default_generator.rng.integers(0, 2**63))
        return numpy.random.Generator(numpy.random.PCG64(seed))
    return _random._generator_for(CPU, generator).rng


class Sampler:
    """Base class: an iterable over dataset keys (indices, or lists of indices for batches).

    Subclasses implement ``__iter__`` and, when they know it, ``__len__``.

    Example:
        >>> from eagergrad.utils.data import Sampler
        >>> class Evens(Sampler):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter(range(0, self.n, 2))
        >>> list(Evens(5))
        [0, 2, 4]
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        # torch deprecates the argument but still accepts it.
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``.

    Example:
        >>> from eagergrad.utils.data import SequentialSampler
        >>> list(SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices: a permutation per epoch, or draws with ``replacement``.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement (then ``num_samples`` may exceed the length).
        num_samples: how many indices per epoch (default ``len(data_source)``); without
            replacement, more than the length repeats whole permutations, as in torch.
        generator: an :class:`eagergrad.Generator`; by default each epoch draws a seed from the
            global generator.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.utils.data import RandomSampler
        >>> s = RandomSampler(range(5), generator=eg.Generator().manual_seed(0))
        >>> sorted(s)
        [0, 1, 2, 3, 4]
        >>> len(RandomSampler(range(5), replacement=True, num_samples=12))
        12
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator=None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={self.replacement}"
            )
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        rng = _numpy_rng(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, size=self.num_samples).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[: self.num_samples % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, without replacement.

    Example:
        >>> from eagergrad.utils.data import SubsetRandomSampler
        >>> sorted(SubsetRandomSampler([7, 3, 5]))
        [3, 5, 7]
    """

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in _numpy_rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices ``0..len(weights)-1`` drawn with probabilities proportional to ``weights``.

    Args:
        weights: non-negative weights, need not sum to one.
        num_samples: how many indices per epoch.
        replacement: draw with replacement (default); without it, each index appears at most once.
        generator: an :class:`eagergrad.Generator`.

    Example:
        >>> from eagergrad.utils.data import WeightedRandomSampler
        >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 4))
        [1, 1, 1, 1]
    """

    def __init__(
        self, weights: Sequence[float], num_samples: int, replacement: bool = True, generator=None
    ) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        weights = numpy.asarray(weights, dtype=numpy.float64)
        if weights.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {weights.shape}"
            )
        if (weights < 0).any() or not numpy.isfinite(weights).all() or weights.sum() <= 0:
            raise RuntimeError(
                "invalid multinomial distribution (sum of probabilities <= 0)"
                if weights.sum() <= 0
                else "probability tensor contains either `inf`, `nan` or element < 0"
            )
        if not replacement and num_samples > int((weights > 0).sum()):
            raise RuntimeError(
                "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
            )
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        rng = _numpy_rng(self.generator)
        p = self.weights / self.weights.sum()
        yield from rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: an iterable of indices.
        batch_size: size of each batch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.

    Example:
        >>> from eagergrad.utils.data import BatchSampler, SequentialSampler
        >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6]]
        >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=True))
        [[0, 1, 2], [3, 4, 5]]
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
