"""Small helpers shared by op families (dim normalisation, shape checks)."""

from __future__ import annotations

__all__ = ["wrap_dim", "wrap_dims", "view_of"]


def wrap_dim(dim: int, ndim: int) -> int:
    """Normalises a possibly negative dim; a 0-d tensor accepts 0 and -1 (torch's rule)."""
    n = ndim if ndim > 0 else 1
    if not isinstance(dim, int):
        dim = int(dim)
    if dim < -n or dim >= n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim + n if dim < 0 else dim


def wrap_dims(dim, ndim: int) -> tuple:
    """A tuple of normalised dims from an int, a tuple or a list; duplicates raise."""
    if isinstance(dim, (tuple, list)):
        out = tuple(wrap_dim(d, ndim) for d in dim)
        if len(set(out)) != len(out):
            raise RuntimeError(f"dim {dim} appears multiple times in the list of dims")
        return out
    return (wrap_dim(dim, ndim),)


def view_of(out, base):
    """Marks ``out`` as a view of ``base`` (they share storage and the version counter)."""
    out._base = base._base if base._base is not None else base
    return out
