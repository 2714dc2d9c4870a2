"""Export eagergrad models to ONNX (needs the optional ``onnx`` package: ``eagergrad[onnx]``).

The ``onnx`` package is imported only when ``export`` runs, so ``import eagergrad.onnx``
works without it.
"""

from __future__ import annotations

from ._export import UnsupportedOperatorError, export

__all__ = ["export", "UnsupportedOperatorError"]
