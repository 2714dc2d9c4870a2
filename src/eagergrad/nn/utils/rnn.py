"""Variable-length sequences for recurrent layers (torch.nn.utils.rnn).

A ``PackedSequence`` stores a batch of sequences of different lengths time step by time step:
``data`` holds, for t = 0, 1, ..., the rows of the sequences still running at step t, and
``batch_sizes[t]`` says how many there are. Sequences are sorted longest first, so the running
ones are always the first ``batch_sizes[t]`` rows of the batch.

All the packing and padding here is one gather (an index op) on the data, so gradients flow
back through pack/pad to the padded input.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..._creation import full, tensor
from ..._ops import cat, index_select
from ..._tensor import Tensor

__all__ = [
    "PackedSequence",
    "pad_sequence",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pack_sequence",
    "unpad_sequence",
    "unpack_sequence",
    "invert_permutation",
]


class _PackedSequenceBase(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceBase):
    """Holds the data and ``batch_sizes`` of a packed batch of sequences (a named tuple).

    Build one with ``pack_padded_sequence`` or ``pack_sequence``, never directly.

    Attributes:
        data: ``(sum(lengths), *)`` the time steps of all sequences, step by step.
        batch_sizes: ``(max_len,)`` int64 CPU tensor, how many sequences run at each step.
        sorted_indices: the original index of each sorted sequence (None when the input was
            already sorted, ``enforce_sorted=True``).
        unsorted_indices: the inverse permutation of ``sorted_indices``.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.nn.utils.rnn import pack_sequence
        >>> p = pack_sequence([eg.tensor([1, 2, 3]), eg.tensor([4, 5])])
        >>> p.data, p.batch_sizes
        (tensor([1, 4, 2, 5, 3]), tensor([2, 2, 1]))
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """Moves/casts ``data`` (index tensors follow its device; batch_sizes stay on cpu)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        return type(self)(
            data,
            self.batch_sizes,
            None if self.sorted_indices is None else self.sorted_indices.to(dev),
            None if self.unsorted_indices is None else self.unsorted_indices.to(dev),
        )

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self.to(self.data.cuda(*args, **kwargs).device)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def double(self) -> PackedSequence:
        return self.to(dtype=_dtype("float64"))

    def float(self) -> PackedSequence:  # noqa: A003
        return self.to(dtype=_dtype("float32"))

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _dtype(name):
    from ... import _dtype as d

    return getattr(d, name)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation tensor (None stays None).

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.nn.utils.rnn import invert_permutation
        >>> invert_permutation(eg.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    perm = _host_ints(permutation)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    return tensor(inv, device=permutation.device)


def _host_ints(x) -> np.ndarray:
    """A 1-D int64 numpy array from a tensor (any device), list or array."""
    if isinstance(x, Tensor):
        x = x.cpu().numpy()
    return np.asarray(x, dtype=np.int64).reshape(-1)


def _gather_rows(data: Tensor, rows: np.ndarray, shape, padding_value) -> Tensor:
    """``data`` rows picked by ``rows`` (-1 = a padding row), reshaped to ``shape``.

    One gather, so the gradient is one index-add back into ``data`` (the padding row's
    gradient is dropped).
    """
    if (rows < 0).any():
        pad = full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
        data = cat([data, pad], 0)
        rows = np.where(rows < 0, data.shape[0] - 1, rows)
    index = tensor(rows, device=data.device)
    return index_select(data, 0, index).reshape(shape)


# --- padding -----------------------------------------------------------------------------------
def pad_sequence(
    sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"
) -> Tensor:
    """Stacks sequences of different lengths into one padded tensor.

    Args:
        sequences: tensors of shape ``(L_i, *)`` with the same trailing dims.
        batch_first: output ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: the value of the padding positions.
        padding_side: ``"right"`` (default) or ``"left"``.

    Returns:
        ``(T, B, *)`` (or ``(B, T, *)``), T the longest length.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.nn.utils.rnn import pad_sequence
        >>> pad_sequence([eg.tensor([1, 2, 3]), eg.tensor([4])], batch_first=True)
        tensor([[1, 2, 3],
                [4, 0, 0]])
    """
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                f"The size of tensor a ({trailing}) must match the size of tensor b "
                f"({tuple(s.shape[1:])}) in the trailing dimensions"
            )
    t_max = int(lengths.max())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    t = np.arange(t_max)[:, None]  # (T, 1)
    pos = t if padding_side == "right" else t - (t_max - lengths)[None, :]
    valid = (pos >= 0) & (pos < lengths[None, :])  # (T, B)
    rows = np.where(valid, starts[None, :] + pos, -1)
    if batch_first:
        rows = rows.T
    return _gather_rows(cat(sequences, 0), rows.reshape(-1), rows.shape + trailing, padding_value)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """Splits a padded batch back into a list of sequences of the given lengths.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.nn.utils.rnn import unpad_sequence
        >>> [s.tolist() for s in unpad_sequence(eg.tensor([[1, 2], [3, 0]]), [2, 1], True)]
        [[1, 2], [3]]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_host_ints(lengths).tolist())]


# --- packing -----------------------------------------------------------------------------------
def pack_padded_sequence(
    input: Tensor,
    lengths,
    batch_first: bool = False,  # noqa: A002
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Packs a padded batch of variable-length sequences.

    Args:
        input: ``(T, B, *)`` (or ``(B, T, *)`` with ``batch_first``), padded.
        lengths: the length of each sequence (list or 1-D int tensor).
        batch_first: whether ``input`` is ``(B, T, *)``.
        enforce_sorted: if True, ``lengths`` must be sorted in decreasing order; if False the
            batch is sorted here and the permutation kept in the result.

    Returns:
        a ``PackedSequence``.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.nn.utils.rnn import pack_padded_sequence
        >>> x = eg.tensor([[1, 2, 3], [4, 5, 0]])
        >>> pack_padded_sequence(x, [3, 2], batch_first=True).data
        tensor([1, 4, 2, 5, 3])
    """
    lens = _host_ints(lengths)
    n = input.shape[0 if batch_first else 1]
    if lens.size != n:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lens.size} "
            f"(batch_size={n})"
        )
    if lens.size and lens.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    if enforce_sorted:
        if (np.diff(lens) > 0).any():
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
        order = np.arange(n)
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = tensor(order, device=input.device)
    t_in = input.shape[1 if batch_first else 0]
    if lens.max() > t_in:
        raise RuntimeError(
            f"Expected the longest length ({int(lens.max())}) to be at most the padded length "
            f"({t_in})"
        )
    slens = lens[order]
    t_max = int(slens[0])
    batch_sizes = (slens[None, :] > np.arange(t_max)[:, None]).sum(1)
    # Row of the flattened input that feeds each packed position, step by step.
    rows = []
    for t in range(t_max):
        cols = order[: batch_sizes[t]]
        rows.append(cols * t_in + t if batch_first else t * n + cols)
    rows = np.concatenate(rows)
    trailing = tuple(input.shape[2:])
    flat = input.reshape(-1, *trailing) if trailing else input.reshape(-1)
    data = index_select(flat, 0, tensor(rows, device=input.device))
    return PackedSequence(data, tensor(batch_sizes.astype(np.int64)), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
):
    """Unpacks a ``PackedSequence`` into a padded batch (the inverse of packing).

    Args:
        sequence: the packed batch.
        batch_first: return ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: the value of padded positions.
        total_length: pad to this length instead of the longest sequence's.

    Returns:
        ``(padded, lengths)``, with lengths an int64 CPU tensor, both in the original batch
        order (before any sorting by ``pack_padded_sequence``).

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> pad_packed_sequence(pack_sequence([eg.tensor([1, 2]), eg.tensor([3])]), True)
        (tensor([[1, 2],
                [3, 0]]), tensor([2, 1]))
    """
    data, batch_sizes, _, unsorted = sequence
    bs = _host_ints(batch_sizes)
    t_max, n = bs.size, int(bs[0])
    if total_length is not None:
        if total_length < t_max:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{t_max}"
            )
        t_out = total_length
    else:
        t_out = t_max
    slens = (bs[None, :] > np.arange(n)[:, None]).sum(1)  # length of each sorted sequence
    offsets = np.concatenate([[0], np.cumsum(bs)[:-1]])
    cols = np.arange(n) if unsorted is None else _host_ints(unsorted)  # output b <- sorted k
    t = np.arange(t_out)[:, None]
    valid = t < slens[cols][None, :]
    rows = np.where(valid, offsets[np.minimum(t, t_max - 1)] + cols[None, :], -1)  # (T, B)
    if batch_first:
        rows = rows.T
    trailing = tuple(data.shape[1:])
    padded = _gather_rows(data, rows.reshape(-1), rows.shape + trailing, padding_value)
    return padded, tensor(slens[cols].astype(np.int64))


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Packs a list of variable-length sequences (``pad_sequence`` then pack).

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.nn.utils.rnn import pack_sequence
        >>> pack_sequence([eg.tensor([1]), eg.tensor([2, 3])], enforce_sorted=False).data
        tensor([2, 1, 3])
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences of a ``PackedSequence``, in the original order.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.nn.utils.rnn import pack_sequence, unpack_sequence
        >>> packed = pack_sequence([eg.tensor([1, 2]), eg.tensor([3])])
        >>> [s.tolist() for s in unpack_sequence(packed)]
        [[1, 2], [3]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
