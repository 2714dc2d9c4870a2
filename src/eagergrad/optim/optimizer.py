"""The ``Optimizer`` base class: parameter groups, per-parameter state, state_dict.

Subclasses implement two small methods on raw arrays (STYLE.md §6):

- ``_init_state(p, state, group)`` fills a new parameter's ``state`` dict (step counters,
  moment buffers) the first time the parameter has a gradient;
- ``_update(p, grad, state, group)`` applies one step in place to ``p._data`` given ``grad``
  (the raw gradient array, which must not be modified).

The base class owns the loop, grad mode, versioning and (de)serialisation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy

from .._backend import CPU
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad

__all__ = ["Optimizer", "required"]


_SET_MESSAGE = (
    "optimizer parameters need to be organized in ordered collections, but the ordering of "
    "tensors in sets will change between runs. Please use a list instead."
)


class _RequiredParameter:
    """Marks a hyper-parameter that has no default and must be given per group."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers (``torch.optim.Optimizer``).

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts that define
            parameter groups (each with a ``"params"`` entry and optional per-group options).
        defaults: default values of the optimization options, used by groups that do not set
            them.

    Attributes:
        param_groups: the list of parameter-group dicts.
        state: per-parameter state, a ``defaultdict(dict)`` keyed by the parameter tensor.
        defaults: the default options.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = eg.optim.SGD([w], lr=0.5)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([0., 0.], requires_grad=True)
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}"
            )
        if isinstance(params, (set, frozenset)):
            # NOTE: torch checks this for a group's "params" only; a set's order changes
            # between runs, so eagergrad refuses it here too.
            raise TypeError(_SET_MESSAGE)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    # --- groups ---------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Adds a parameter group (e.g. layers unfrozen during fine-tuning).

        Args:
            param_group: a dict with ``"params"`` and optional group-specific options; missing
                options take the optimizer's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        tensors, names = [], []
        for item in params:
            if isinstance(item, tuple):
                names.append(item[0])
                item = item[1]
            tensors.append(item)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + _typename(p)
                )
            if not self.defaults.get("differentiable", None) and not (
                p.is_leaf or p.retains_grad
            ):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            param_group.setdefault(name, default)
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            # NOTE: torch only warns here ("in future, this will cause an error"); a duplicate
            # would be stepped twice per step, so eagergrad raises now.
            raise ValueError(
                "optimizer contains a parameter group with duplicate parameters; pass each "
                "parameter once (see github.com/pytorch/pytorch/issues/40967)"
            )
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # --- stepping -------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Resets the gradients of all optimized parameters.

        Args:
            set_to_none: set ``.grad`` to ``None`` (the default, cheaper) instead of filling
                it with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad = False
                    grad._data.fill(0)
                    grad._bump()

    def step(self, closure: Callable[[], Any] | None = None):
        """Performs one optimization step.

        Args:
            closure: re-evaluates the model and returns the loss (needed by LBFGS, optional
                for the others); it runs with grad mode on.

        Returns:
            The closure's return value, or ``None``.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        states = self.state
        # numpy warns where torch silently yields inf/nan (e.g. 0 * inf from an inf gradient);
        # see NOTE [Quiet float errors] in _ops/_util.py. One errstate per step, not per tensor.
        with no_grad(), numpy.errstate(all="ignore"):
            for group in self.param_groups:
                foreach = group.get("foreach", False) if self._batches else False
                limit = None
                if foreach is None:  # by size: small parameters only
                    on_cpu = not group["params"] or group["params"][0]._device is CPU
                    limit = self._batch_numel[0 if on_cpu else 1]
                    if not limit:
                        foreach = False
                buckets: dict = {}
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    state = states.get(p)
                    fresh = state is None
                    if fresh:
                        state = {}
                        self._init_state(p, state, group)
                    if foreach is not False and _batchable(p, grad, state, limit):
                        key = (p._device, p._data.dtype, _signature(state))
                        buckets.setdefault(key, []).append((p, grad._data, state))
                        continue
                    self._update(p, grad._data, state, group)
                    if fresh and state:
                        states[p] = state
                    p._bump()  # like torch, the in-place update invalidates saved copies of p
                for items in buckets.values():
                    if len(items) == 1:
                        p, grad, state = items[0]
                        self._update(p, grad, state, group)
                    else:
                        self._update_batch(items, group)
                    for p, _, state in items:
                        if state:
                            states[p] = state
                        p._bump()
        return loss

    # NOTE [Batched updates (foreach)]
    # Every ``_update`` is elementwise, so it gives the same bits on the concatenation of many
    # parameters as on each one. Updating small parameters (biases, norms, small layers) one by
    # one costs about 15 array calls each, which is the whole step's time on a cpu for small
    # tensors and a kernel launch per call on a GPU. So ``step`` gathers the parameters of a
    # group that share device, dtype, state layout and step count, runs ``_update`` once on
    # their concatenation, and writes the parameters back. Their state tensors become views
    # of one flat buffer, reused while nothing rebinds them (load_state_dict does; then the
    # next step concatenates again). ``foreach=None`` (the default) batches the parameters small
    # enough for call overhead to outweigh the copies (``_batch_numel``: on a cpu, on a GPU);
    # ``True`` batches every parameter; ``False`` none.
    _batches = False  # True in the optimizers whose ``_update`` is elementwise
    # Largest parameter batched by default, on a cpu and on a GPU. On a cpu,
    # benchmarks/bench_foreach.py: batching Adam's 1024-element parameters makes its step 1.5x
    # faster, its 4096-element ones 0.7x-1.3x. On a GPU each array call is a kernel launch
    # (~10 us, the time to copy megabytes), so much larger ones gain there (not measured).
    _batch_numel = (1 << 10, 1 << 20)

    def _update_batch(self, items, group) -> None:
        """``_update`` on the concatenation of ``items`` (p, grad, state) (see NOTE above)."""
        p0, _, state0 = items[0]
        dev, xp = p0._device, p0._device.xp
        sizes = [p._data.size for p, _, _ in items]
        flat_p = Tensor._make(xp.concatenate([p._data.reshape(-1) for p, _, _ in items]), dev)
        grads = xp.concatenate([g.reshape(-1) for _, g, _ in items])
        flat_state = {}
        cache = self.__dict__.setdefault("_flats", {})
        for key, value in state0.items():
            if key in _HOST_SCALARS:
                flat_state[key] = value  # shared counters: equal in every item (_signature)
                continue
            arrays = [s[key]._data for _, _, s in items]
            cached = cache.get((id(group), key))
            if cached is not None and len(cached[1]) == len(arrays) and all(
                    a is v for a, v in zip(arrays, cached[1])):
                flat = cached[0]  # the views the previous batched step left: no copy
            else:
                flat = xp.concatenate([a.reshape(-1) for a in arrays])
            flat_state[key] = Tensor._make(flat, dev)
        self._update(flat_p, grads, flat_state, group)
        views = {key: [] for key in flat_state if key not in _HOST_SCALARS}
        start = 0
        for (p, _, state), n in zip(items, sizes):
            shape = p._data.shape
            p._data[...] = flat_p._data[start:start + n].reshape(shape)
            for key, value in flat_state.items():
                if key not in views:
                    if state.get(key) is not value:
                        state[key]._data[...] = value._data
                    continue
                view = value._data[start:start + n].reshape(shape)
                if key in state:
                    state[key]._data = view
                else:  # created by this update (SGD's momentum buffer)
                    state[key] = Tensor._make(view, dev)
                views[key].append(view)
            start += n
        for key, kept in views.items():
            cache[(id(group), key)] = (flat_state[key]._data, kept)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        """Fills ``state`` for parameter ``p`` before its first update."""

    def _update(self, p: Tensor, grad, state: dict, group: dict) -> None:
        """Updates ``p._data`` in place from the raw gradient array ``grad``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    # --- serialisation --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer state as a dict with torch's layout.

        ``"state"`` maps each parameter's integer index (counting through the groups in
        order) to its state dict; ``"param_groups"`` holds the groups with ``"params"``
        replaced by those indices. State tensors are returned by reference, as in torch.

        Returns:
            ``{"state": {...}, "param_groups": [...]}``.
        """
        index: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {
            (index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Loads optimizer state produced by ``state_dict`` (of this or an identical optimizer).

        Tensors are copied onto each parameter's device (floating state in the parameter's
        dtype), so the loaded optimizer never shares buffers with ``state_dict``.

        Args:
            state_dict: a dict returned by ``state_dict()``.
        """
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: _cast(param, key, value) for key, value in v.items()}
            else:
                state[k] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})


# --- batched updates (NOTE [Batched updates (foreach)]) -----------------------------------
def _batchable(p: Tensor, grad: Tensor, state: dict, limit) -> bool:
    data = p._data
    if limit is not None and data.size > limit:
        return False
    if data.dtype.kind != "f" or grad._data.dtype != data.dtype:
        return False
    if grad._data.shape != data.shape or grad._device is not p._device:
        return False  # the per-parameter path raises the proper error
    for key, value in state.items():
        if not isinstance(value, Tensor):
            return False
        if key in _HOST_SCALARS:
            if value._device is not CPU or value._data.ndim != 0:
                return False
        elif value._data.shape != data.shape or value._device is not p._device:
            return False
    return True


def _signature(state: dict) -> tuple:
    """The state's keys and its counters' values: parameters batch only when these agree."""
    return tuple((k, float(v._data) if k in _HOST_SCALARS else None)
                 for k, v in sorted(state.items()))


# --- helpers shared by the optimizers -----------------------------------------------------
def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return "eagergrad.Tensor"
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _cast(param: Tensor, key, value):
    """A copy of one loaded state value, placed like torch's load_state_dict places it."""
    if isinstance(value, Tensor):
        data = value._data
        if key in _HOST_SCALARS:
            # Step counters stay float32 host scalars, as torch keeps them on the CPU.
            return Tensor._make(numpy.array(float(value.item()), dtype=numpy.float32), CPU)
        if value._device is not param._device:
            data = value.to(param._device)._data
        if param._data.dtype.kind == "f" and data.dtype.kind == "f":
            data = data.astype(param._data.dtype)  # always a copy
        else:
            data = data.copy()
        return Tensor._make(data, param._device)
    if isinstance(value, dict):
        return {k: _cast(param, k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, None, v) for v in value)
    if key in _HOST_SCALARS and isinstance(value, (int, float)):
        return Tensor._make(numpy.array(float(value), dtype=numpy.float32), CPU)
    return deepcopy(value)


# State entries that are host (cpu, float32, 0-d) scalars in torch rather than device arrays.
_HOST_SCALARS = ("step", "mu_product")


def _check_lr(lr) -> None:
    """torch's learning-rate validation (a float or a one-element tensor, not negative)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= _scalar(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _scalar(value) -> float:
    """A hyper-parameter as a Python number (torch accepts one-element tensors for lr)."""
    return value.item() if isinstance(value, Tensor) else value


def _new_scalar(value: float = 0.0) -> Tensor:
    """A 0-d float32 cpu tensor: torch's type for ``state["step"]`` (non-capturable)."""
    return Tensor._make(numpy.array(value, dtype=numpy.float32), CPU)


def _increment(step: Tensor) -> float:
    """Adds one to a step counter in place and returns its new value as a Python float."""
    data = step._data
    data += 1
    return float(data)


def _zeros_like(p: Tensor) -> Tensor:
    return Tensor._make(p._device.xp.zeros_like(p._data), p._device)


def _full_like(p: Tensor, value: float) -> Tensor:
    return Tensor._make(p._device.xp.full_like(p._data, value), p._device)


def _effective_grad(xp, grad, param, weight_decay: float, maximize: bool):
    """``-grad if maximize else grad``, plus ``weight_decay * param`` (L2) when non-zero.

    Returns ``(g, owned)``: ``owned`` tells whether ``g`` is a fresh array the caller may
    overwrite; when it is False, ``g`` is the gradient's own storage and must stay untouched.
    """
    if weight_decay != 0:
        g = xp.multiply(param, weight_decay)
        if maximize:
            g -= grad
        else:
            g += grad
        return g, True
    if maximize:
        return xp.negative(grad), True
    return grad, False


def _ema_(xp, x, g, beta: float, tmp) -> None:
    """``x = beta * x + (1 - beta) * g`` in place (torch's ``x.lerp_(g, 1 - beta)``).

    ``tmp`` is a scratch array of ``x``'s shape.
    """
    x *= beta
    xp.multiply(g, 1 - beta, out=tmp)
    x += tmp
