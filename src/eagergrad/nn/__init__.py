"""eagergrad.nn: modules, layers, losses (filled in by the nn work)."""

from . import utils  # noqa: F401
