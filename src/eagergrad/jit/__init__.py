"""Static graphs on demand: trace a function or module once, replay it fast.

``eg.jit.trace`` records the array operations of one run and replays them as generated
straight-line code; ``eg.jit.trace_step`` does the same for a whole training step (forward,
backward and the optimizer update). See docs/static-graphs.md.
"""

from __future__ import annotations

from ._step import TracedStep, trace_step
from ._trace import TracedFunction, TracedModule, trace

__all__ = ["trace", "trace_step", "TracedFunction", "TracedModule", "TracedStep"]
