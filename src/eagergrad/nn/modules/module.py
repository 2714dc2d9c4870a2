"""``Module``: the base class of every layer (torch.nn.Module).

See STYLE.md section 6: ordered ``_parameters``/``_buffers``/``_modules`` dicts, registration in
``__setattr__`` that also stores a normal attribute (so there is no ``__getattr__``), and one
recursive primitive, ``_apply``, behind ``to``/``cuda``/``cpu``/``float``/``double``/``half``.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ..._ops._base import Op
from ..._ops._util import view_of
from ..._tensor import Tensor, _parse_to
from ...autograd.grad_mode import _mode, no_grad
from ..parameter import Buffer, Parameter

__all__ = ["Module"]

_hook_ids = itertools.count()


class _IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
            f"unexpected_keys={self.unexpected_keys})"
        )

    __str__ = __repr__


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook."""

    def __init__(self, module: Module, hooks: dict):
        self.id = next(_hook_ids)
        self._module = module
        self._hooks = hooks

    def remove(self) -> None:
        self._hooks.pop(self.id, None)
        self._module._update_has_hooks()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _typename(value) -> str:
    if isinstance(value, Tensor):
        return value.type()
    return type(value).__name__


def _addindent(s: str, n: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


class Module:
    """Base class for all neural network layers (torch.nn.Module).

    Subclasses create their parameters and submodules in ``__init__`` (after calling
    ``super().__init__()``) and implement ``forward``; calling the module runs ``forward``
    with any registered hooks.

    Example:
        >>> import eagergrad as eg
        >>> class Net(eg.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = eg.nn.Linear(3, 2)
        ...     def forward(self, x):
        ...         return self.fc(x).relu()
        >>> net = Net()
        >>> [name for name, _ in net.named_parameters()]
        ['fc.weight', 'fc.bias']
        >>> net(eg.ones(4, 3)).shape
        eagergrad.Size([4, 2])
    """

    training: bool
    _version: int = 1

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments: Module.__init__ "
                "takes no arguments"
            )
        sa = object.__setattr__
        sa(self, "training", True)
        sa(self, "_parameters", {})
        sa(self, "_buffers", {})
        sa(self, "_non_persistent_buffers", {})
        sa(self, "_modules", {})
        sa(self, "_forward_pre_hooks", {})
        sa(self, "_forward_hooks", {})
        sa(self, "_backward_hooks", {})
        sa(self, "_backward_pre_hooks", {})
        sa(self, "_has_hooks", False)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    # --- calling ----------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        # NOTE: one attribute check when no hook is registered; hooks cost nothing otherwise.
        if self._has_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args, kwargs):
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                r = hook(self, args, kwargs)
                if r is not None:
                    args, kwargs = r
            else:
                r = hook(self, args)
                if r is not None:
                    args = r if isinstance(r, tuple) else (r,)
        state = None
        if (self._backward_hooks or self._backward_pre_hooks) and _mode.enabled:
            state = _BackwardHookState(self)
            args = state.setup_inputs(args)
        out = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks.values()):
            r = hook(self, args, kwargs, out) if with_kwargs else hook(self, args, out)
            if r is not None:
                out = r
        if state is not None:
            out = state.setup_outputs(out)
        return out

    def _update_has_hooks(self) -> None:
        object.__setattr__(
            self,
            "_has_hooks",
            bool(
                self._forward_pre_hooks
                or self._forward_hooks
                or self._backward_hooks
                or self._backward_pre_hooks
            ),
        )

    def _add_hook(self, hooks: dict, value, prepend: bool) -> RemovableHandle:
        handle = RemovableHandle(self, hooks)
        hooks[handle.id] = value
        if prepend:
            items = list(hooks.items())
            hooks.clear()
            hooks.update([items[-1], *items[:-1]])
        self._update_has_hooks()
        return handle

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Registers ``hook(module, args)`` run before ``forward``.

        It may return a new ``args`` (a single value is wrapped in a tuple); with
        ``with_kwargs=True`` it is called as ``hook(module, args, kwargs)`` and may return
        ``(args, kwargs)``.
        """
        return self._add_hook(self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(
        self,
        hook: Callable,
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Registers ``hook(module, args, output)`` run after ``forward``; it may return a new
        output. With ``with_kwargs=True`` it is called as ``hook(module, args, kwargs, output)``.
        """
        return self._add_hook(self._forward_hooks, (hook, with_kwargs), prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Registers ``hook(module, grad_input, grad_output)`` run when the gradients with
        respect to the module's inputs are computed.

        ``grad_input`` has one entry per positional Tensor argument (None where no gradient
        flows); ``grad_output`` one per Tensor output. The hook may return a new ``grad_input``.
        """
        return self._add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """Registers ``hook(module, grad_output)`` run when the gradients with respect to the
        module's outputs are computed; it may return a new ``grad_output``."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    # --- registration -------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._discard(name, keep=self._parameters)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(eagergrad.nn.Parameter or None expected)"
                )
            self.register_parameter(name, None)
            return
        modules = self.__dict__.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._discard(name, keep=modules)
            modules[name] = value
            object.__setattr__(self, name, value)
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(eagergrad.nn.Module or None expected)"
                )
            modules[name] = None
            object.__setattr__(self, name, None)
            return
        if isinstance(value, Buffer):
            self._discard(name)
            self.register_buffer(name, value.data, value.persistent)
            return
        buffers = self.__dict__.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(eagergrad.Tensor or None expected)"
                )
            buffers[name] = value
        object.__setattr__(self, name, value)

    def _discard(self, name: str, keep=None) -> None:
        """Forgets ``name`` everywhere but in ``keep``, where reassigning keeps its position
        (``seq[0] = layer`` must not move the layer to the end, as in torch)."""
        for d in (self._parameters, self._buffers, self._modules, self._non_persistent_buffers):
            if d is not keep:
                d.pop(name, None)
        self.__dict__.pop(name, None)

    def __delattr__(self, name: str) -> None:
        for d in (self._parameters, self._buffers, self._modules, self._non_persistent_buffers):
            d.pop(name, None)
        object.__delattr__(self, name)

    def _check_name(self, name, kind: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Adds a tensor that is state but not a parameter (e.g. BatchNorm's running mean).

        Persistent buffers are part of ``state_dict``; non-persistent ones are not.
        """
        self._check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(eagergrad Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.pop(name, None)
        else:
            self._non_persistent_buffers[name] = True
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Adds a parameter (or a ``None`` placeholder) under ``name``."""
        self._check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(eagergrad.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                "created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method."
            )
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Adds a child module under ``name`` (also reachable as an attribute)."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_name(name, "module")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path ``target`` (``""`` is this module)."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if item not in mod._modules:
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = mod._modules[item]
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"{mod._get_name()} has no parameter `{name}`")
        return mod._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._buffers:
            raise AttributeError(f"{mod._get_name()} has no buffer `{name}`")
        return mod._buffers[name]

    # --- iteration ----------------------------------------------------------------------------
    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yields ``(name, module)`` for this module and all below it, depth first."""
        stack = [(prefix, self)]
        if memo is None:
            memo = set()  # membership only (modules hash by identity); never iterated
        while stack:
            name, mod = stack.pop()
            if remove_duplicate:
                if mod in memo:
                    continue
                memo.add(mod)
            yield name, mod
            children = [
                (name + ("." if name else "") + k, m)
                for k, m in mod._modules.items()
                if m is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = {}
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen[id(m)] = True
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, attr: str, prefix: str, recurse: bool, remove_duplicate: bool):
        mods = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        seen = {}
        for mod_prefix, mod in mods:
            for k, v in getattr(mod, attr).items():
                if v is None:
                    continue
                if remove_duplicate:
                    if id(v) in seen:
                        continue
                    seen[id(v)] = True
                yield (mod_prefix + ("." if mod_prefix else "") + k), v

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yields ``(name, parameter)``; a parameter shared by two modules appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # --- modes and gradients ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Sets training mode (dropout active, batch norm uses batch statistics) recursively."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Sets evaluation mode (``train(False)``)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Resets the gradients of all parameters (to None by default, as torch does)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                g = p.grad
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                with no_grad():
                    g.zero_()

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Calls ``fn`` on every submodule (children first) and then on ``self``."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # --- moving storage -----------------------------------------------------------------------
    def _apply(self, fn: Callable[[Tensor], Tensor]) -> Module:
        """Applies ``fn`` to every parameter, gradient and buffer, replacing storage in place.

        The Parameter objects stay the same (``p.data = fn(p)``), so an optimizer that holds
        them keeps working after ``to``/``cuda``/``double``.
        """
        for m in self.modules():
            with no_grad():
                for p in m._parameters.values():
                    if p is None:
                        continue
                    p.data = fn(p)
                    if p.grad is not None:
                        p.grad.data = fn(p.grad)
                for b in m._buffers.values():
                    if b is not None:
                        b.data = fn(b)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Moves and/or casts parameters and buffers in place: ``to(device)``, ``to(dtype)``,
        ``to(device, dtype)`` or ``to(tensor)``. Only floating point tensors change dtype."""
        device, dtype, _, non_blocking = _parse_to(args, dict(kwargs))
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                f"dtype={dtype}"
            )

        def convert(t):
            return t.to(device=device, dtype=dtype if t.is_floating_point() else None,
                        non_blocking=non_blocking)

        return self._apply(convert)

    def cuda(self, device=None) -> Module:
        from ..._backend import Device

        dev = (
            Device("cuda")
            if device is None
            else (Device("cuda", device) if isinstance(device, int) else device)
        )
        return self._apply(lambda t: t.to(dev))

    def cpu(self) -> Module:
        return self._apply(lambda t: t.cpu())

    def _cast_floats(self, dtype) -> Module:
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self) -> Module:  # noqa: A003
        from ..._dtype import float32

        return self._cast_floats(float32)

    def double(self) -> Module:
        from ..._dtype import float64

        return self._cast_floats(float64)

    def half(self) -> Module:
        from ..._dtype import float16

        return self._cast_floats(float16)

    def type(self, dst_type) -> Module:  # noqa: A003
        return self._apply(lambda t: t.type(dst_type))

    # --- state dict ---------------------------------------------------------------------------
    def state_dict(
        self, *, destination=None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict:
        """An ordered dict of parameters and persistent buffers keyed by dotted names.

        Values are detached tensors sharing storage with the module (``keep_vars=True`` keeps
        the Parameters themselves).
        """
        if destination is None:
            destination = OrderedDict()
        for mod_prefix, mod in self.named_modules(prefix=prefix, remove_duplicate=False):
            dot = mod_prefix + "." if mod_prefix else ""
            for k, p in mod._parameters.items():
                if p is not None:
                    destination[dot + k] = p if keep_vars else p.detach()
            for k, b in mod._buffers.items():
                if b is not None and k not in mod._non_persistent_buffers:
                    destination[dot + k] = b if keep_vars else b.detach()
        return destination

    def _expected_state(self) -> dict:
        """``{key: (tensor, default, module, name)}`` of everything ``load_state_dict`` fills,
        in state_dict order; ``default`` (from ``_state_default``) stands in for a missing key."""
        out = {}
        for key, t in self.state_dict(keep_vars=True).items():
            mod_path, _, name = key.rpartition(".")
            mod = self.get_submodule(mod_path)
            out[key] = (t, mod._state_default(name), mod, name)
        return out

    def _state_default(self, name: str) -> Tensor | None:
        """A value used when ``name`` is missing from a loaded state dict (None: required).

        BatchNorm overrides it for ``num_batches_tracked``, as torch fills it in for state
        dicts saved before that buffer existed.
        """
        return None

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copies parameters and buffers from ``state_dict`` into this module in place.

        Everything is validated before anything is copied: on an error the module is left
        unchanged. Values are cast to each parameter's dtype and moved to its device.

        Args:
            state_dict: a mapping of dotted names to tensors (e.g. from ``state_dict()``).
            strict: whether missing and unexpected keys are errors.
            assign: replace the parameters and buffers by the given tensors (as torch's
                ``assign=True``; parameters keep their ``requires_grad``) instead of copying
                into them. An optimizer built earlier then holds the old parameters.

        Returns:
            A NamedTuple ``(missing_keys, unexpected_keys)``.

        Raises:
            RuntimeError: on a shape mismatch, or missing/unexpected keys when ``strict``.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        expected = self._expected_state()
        missing = [k for k, e in expected.items() if k not in state_dict and e[1] is None]
        unexpected = [k for k in state_dict if k not in expected]
        errors = []
        for key, (target, *_) in expected.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                errors.append(
                    f'While copying the parameter named "{key}", expected eagergrad.Tensor or '
                    f"Tensor-like object from checkpoint but received {type(value)}"
                )
            elif value.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {target.shape}."
                )
        if strict:
            if unexpected:
                keys = ", ".join(f'"{k}"' for k in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {keys}. ")
            if missing:
                keys = ", ".join(f'"{k}"' for k in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {keys}. ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n\t" + "\n\t".join(errors)
            )
        with no_grad():
            for key, (target, default, mod, name) in expected.items():
                if key in state_dict and assign:
                    mod._assign_state(name, target, state_dict[key])
                elif key in state_dict:
                    target.copy_(state_dict[key])
                elif default is not None:
                    target.copy_(default)
        return _IncompatibleKeys(missing, unexpected)

    def _assign_state(self, name: str, old: Tensor, value: Tensor) -> None:
        if name in self._parameters:
            setattr(self, name, Parameter(value.detach(), old.requires_grad))
        else:
            self._buffers[name] = value
            object.__setattr__(self, name, value)

    # --- repr ---------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The layer's settings shown inside its repr (e.g. ``in_features=3, ...``)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): " + _addindent(repr(m), 2) for k, m in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


# --- full backward hooks -------------------------------------------------------------------------
class _BackwardHookState:
    """Wires a module's full backward hooks around one call (torch.utils.hooks.BackwardHook).

    The tensor inputs that require grad pass through one identity node and the outputs through
    another: the output node sees ``grad_output`` (and runs the pre-hooks), the input node then
    sees every ``grad_input`` at once and runs the hooks.
    """

    def __init__(self, module: Module):
        self.module = module
        self.n_inputs = 0
        self.input_slots = ()
        self.grad_output = None

    def setup_inputs(self, args):
        slots = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(slots)
        grad_slots = [j for j, i in enumerate(slots) if args[i].requires_grad]
        self.input_slots = tuple(grad_slots)
        if not grad_slots:
            return args
        outs = _BackwardHookIn.apply(*[args[slots[j]] for j in grad_slots], state=self)
        args = list(args)
        for j, o in zip(grad_slots, outs):
            view_of(o, args[slots[j]])  # same storage: share the version counter
            args[slots[j]] = o
        return tuple(args)

    def setup_outputs(self, out):
        single = isinstance(out, Tensor)
        outs = (out,) if single else out
        if not isinstance(outs, tuple):
            return out
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not idx:
            return out
        new = _BackwardHookOut.apply(*[outs[i] for i in idx], state=self)
        outs = list(outs)
        for i, o in zip(idx, new):
            outs[i] = o
        return outs[0] if single else tuple(outs)

    def run_hooks(self, grad_input):
        for hook in list(self.module._backward_hooks.values()):
            r = hook(self.module, grad_input, self.grad_output)
            if r is not None:
                grad_input = tuple(r)
        return grad_input


class _BackwardHookIn(Op):
    """Identity over a module's inputs whose backward runs the full backward hooks."""

    @staticmethod
    def forward(ctx, *xs, state):
        ctx.state = state
        return tuple(xs)

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        full = [None] * state.n_inputs
        for j, g in zip(state.input_slots, grads):
            full[j] = g
        full = state.run_hooks(tuple(full))
        return tuple(full[j] for j in state.input_slots)


class _BackwardHookOut(Op):
    """Identity over a module's outputs whose backward records ``grad_output``."""

    @staticmethod
    def forward(ctx, *xs, state):
        ctx.state = state
        return tuple(xs)

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        for hook in list(state.module._backward_pre_hooks.values()):
            r = hook(state.module, grads)
            if r is not None:
                grads = tuple(r)
        state.grad_output = grads
        if not state.input_slots and state.module._backward_hooks:
            state.run_hooks((None,) * state.n_inputs)
        return grads
