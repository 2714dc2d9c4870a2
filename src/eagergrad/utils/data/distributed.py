"""DistributedSampler: each of ``num_replicas`` processes sees its own shard of the dataset."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy

from .dataset import Dataset
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _default_world() -> tuple[int, int]:
    """(world_size, rank) from ``eagergrad.distributed`` once a process group is initialised."""
    try:
        # NOTE: imported lazily; the distributed package is optional and may not exist yet.
        from ... import distributed as dist
    except ImportError:
        dist = None
    if dist is None or not dist.is_available():
        raise RuntimeError("Requires distributed package to be available")
    return dist.get_world_size(), dist.get_rank()


class DistributedSampler(Sampler):
    """Restricts sampling to the shard of ``dataset`` that belongs to ``rank`` (torch's rules).

    Every rank gets ``ceil(len / num_replicas)`` indices: without ``drop_last`` the index list
    is padded by repeating its start, with ``drop_last`` the tail is dropped so that shards are
    equal. With ``shuffle`` the order is a permutation seeded by ``seed + epoch``, the same on
    every rank, so call :meth:`set_epoch` at the start of each epoch to get a new order.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: number of processes (default: the process group's world size).
        rank: this process's rank in ``[0, num_replicas - 1]`` (default: from the process group).
        shuffle: shuffle the indices.
        seed: base seed; must be the same on every rank.
        drop_last: drop the tail instead of padding.

    Example:
        >>> from eagergrad.utils.data import DistributedSampler
        >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
        ...  for r in range(2)]
        [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(
        self,
        dataset: Dataset,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            world, own_rank = _default_world()
            num_replicas = world if num_replicas is None else num_replicas
            rank = own_rank if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            rng = numpy.random.Generator(numpy.random.PCG64(self.seed + self.epoch))
            indices = rng.permutation(n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch, which seeds the shuffle, so every epoch gets a new order."""
        self.epoch = epoch
