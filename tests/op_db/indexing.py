"""Op table entries for the indexing family."""

from __future__ import annotations

from . import OpInfo

OPS: list[OpInfo] = []
