"""eagergrad.utils: ``eagergrad.utils.data`` (Dataset, Sampler, DataLoader)."""

from __future__ import annotations

from . import data

__all__ = ["data"]
