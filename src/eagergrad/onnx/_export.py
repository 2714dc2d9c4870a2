"""``eg.onnx.export``: run the model once, map each layer (and each free op) to ONNX nodes.

# NOTE [How export works]
# The model runs once on the example inputs in eval mode with forward hooks on every module
# and a recording ``Op.apply`` (nesting-safe: whatever was installed is restored). A module of a
# supported type becomes its ONNX node(s) when its forward returns; the ops inside it are not
# looked at. Ops that run outside supported modules (a custom forward's ``x.flatten(1)``,
# ``F.relu(x)``, a residual ``x + y``) are mapped one by one through ``_OP_TABLE``. Anything
# else raises ``UnsupportedOperatorError`` naming the op and the module it ran in. Values are
# matched by array identity, so the graph follows the real data flow of the run.
"""

from __future__ import annotations

import math

import numpy

from .. import _backend
from .._ops import elementwise as _E
from .._ops import linalg as _L
from .._ops import shape as _S
from .._ops._base import Op
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

__all__ = ["export", "UnsupportedOperatorError"]


class UnsupportedOperatorError(RuntimeError):
    """A layer or op of the model has no ONNX mapping in ``eg.onnx.export``.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.onnx
        >>> issubclass(eg.onnx.UnsupportedOperatorError, RuntimeError)
        True
    """


_SUPPORTED = (
    "Linear, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d/2d (eval), ReLU, "
    "Sigmoid, Tanh, GELU, Softmax, LogSoftmax, LeakyReLU, Flatten, Dropout (eval), Identity, "
    "Sequential; outside layers: relu, sigmoid, tanh, exp, neg, +, -, *, /, matmul, "
    "reshape/view/flatten, F.linear"
)


def _onnx():
    try:
        import onnx
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "eg.onnx.export needs the 'onnx' package: pip install 'eagergrad[onnx]' "
            "(or pip install onnx)"
        ) from e
    return onnx


class _Graph:
    """Accumulates ONNX nodes, initializers and the value names of arrays."""

    def __init__(self, onnx):
        self.onnx = onnx
        self.h = onnx.helper
        self.nodes, self.inits = [], []
        self.names: dict[int, str] = {}  # id(array) -> value name
        self.shapes: dict[str, tuple] = {}
        self.keep = []
        self.n = 0

    def fresh(self, hint):
        self.n += 1
        return f"{hint}_{self.n}"

    def bind(self, array, name):
        self.names[id(array)] = name
        self.shapes[name] = tuple(array.shape)
        self.keep.append(array)

    def init(self, array, hint):
        a = numpy.asarray(
            _backend.to_host(array) if not isinstance(array, numpy.generic) else array
        )
        name = self.fresh(hint)
        self.inits.append(self.onnx.numpy_helper.from_array(numpy.ascontiguousarray(a), name))
        return name

    def value(self, t, hint="const"):
        """The name of a Tensor's or array's value: a graph value, or a new initializer."""
        a = t._data if isinstance(t, Tensor) else t
        name = self.names.get(id(a))
        if name is None:
            name = self.init(a, hint)
            self.bind(a, name)
        return name

    def node(self, op, inputs, out_array, **attrs):
        out = self.fresh(op.lower())
        self.nodes.append(self.h.make_node(op, list(inputs), [out], **attrs))
        if out_array is not None:
            self.bind(out_array, out)
        return out


# --- layers --------------------------------------------------------------------------------------
def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _pool_pads(padding):
    ph, pw = _pair(padding)
    return [ph, pw, ph, pw]


def _linear(g, m, x, y):
    w = g.init(m.weight._data, "weight")
    ins = [g.value(x), w] + ([g.init(m.bias._data, "bias")] if m.bias is not None else [])
    if x._data.ndim == 2:
        g.node("Gemm", ins, y._data, transB=1)
        return
    wt = g.init(m.weight._data.T, "weight_t")
    if m.bias is None:
        g.node("MatMul", [ins[0], wt], y._data)
        return
    mm = g.node("MatMul", [ins[0], wt], None)
    g.node("Add", [mm, ins[2]], y._data)


def _conv2d(g, m, x, y):
    if m.padding_mode != "zeros":
        raise UnsupportedOperatorError(
            f"eg.onnx.export: Conv2d with padding_mode='{m.padding_mode}' is not supported"
        )
    kh, kw = m.kernel_size
    if isinstance(m.padding, str):
        pads = [0, 0, 0, 0]
        if m.padding == "same":
            tot = [m.dilation[0] * (kh - 1), m.dilation[1] * (kw - 1)]
            pads = [tot[0] // 2, tot[1] // 2, tot[0] - tot[0] // 2, tot[1] - tot[1] // 2]
    else:
        pads = [m.padding[0], m.padding[1], m.padding[0], m.padding[1]]
    ins = [g.value(x), g.init(m.weight._data, "weight")]
    if m.bias is not None:
        ins.append(g.init(m.bias._data, "bias"))
    g.node(
        "Conv",
        ins,
        y._data,
        kernel_shape=[kh, kw],
        strides=list(m.stride),
        pads=pads,
        dilations=list(m.dilation),
        group=m.groups,
    )


def _maxpool2d(g, m, x, y):
    if m.return_indices:
        raise UnsupportedOperatorError("eg.onnx.export: MaxPool2d(return_indices=True)")
    g.node(
        "MaxPool",
        [g.value(x)],
        y._data,
        kernel_shape=list(_pair(m.kernel_size)),
        strides=list(_pair(m.stride)),
        pads=_pool_pads(m.padding),
        dilations=list(_pair(m.dilation)),
        ceil_mode=int(m.ceil_mode),
    )


def _avgpool2d(g, m, x, y):
    if m.divisor_override is not None:
        raise UnsupportedOperatorError("eg.onnx.export: AvgPool2d(divisor_override=...)")
    g.node(
        "AveragePool",
        [g.value(x)],
        y._data,
        kernel_shape=list(_pair(m.kernel_size)),
        strides=list(_pair(m.stride)),
        pads=_pool_pads(m.padding),
        ceil_mode=int(m.ceil_mode),
        count_include_pad=int(m.count_include_pad),
    )


def _adaptive_avgpool2d(g, m, x, y):
    h, w = x._data.shape[-2:]
    oh, ow = y._data.shape[-2:]
    if (oh, ow) == (1, 1):
        g.node("GlobalAveragePool", [g.value(x)], y._data)
        return
    if h % oh or w % ow:
        raise UnsupportedOperatorError(
            f"eg.onnx.export: AdaptiveAvgPool2d from {h}x{w} to {oh}x{ow} (windows of unequal "
            "size); only output (1, 1) or sizes that divide the input are supported"
        )
    g.node(
        "AveragePool",
        [g.value(x)],
        y._data,
        kernel_shape=[h // oh, w // ow],
        strides=[h // oh, w // ow],
    )


def _batchnorm(g, m, x, y):
    if m.running_mean is None:
        raise UnsupportedOperatorError(
            f"eg.onnx.export: {type(m).__name__}(track_running_stats=False) normalises with "
            "batch statistics in eval mode; only running statistics are supported"
        )
    c = m.num_features
    dt = m.running_mean._data.dtype
    xp = m.running_mean._device.xp
    scale = m.weight._data if m.weight is not None else xp.ones(c, dt)
    bias = m.bias._data if m.bias is not None else xp.zeros(c, dt)
    ins = [
        g.value(x),
        g.init(scale, "bn_scale"),
        g.init(bias, "bn_bias"),
        g.init(m.running_mean._data, "running_mean"),
        g.init(m.running_var._data, "running_var"),
    ]
    g.node("BatchNormalization", ins, y._data, epsilon=float(m.eps))


def _unary(op, **attrs):
    def emit(g, m, x, y):
        g.node(op, [g.value(x)], y._data, **attrs)

    return emit


def _softmax(op):
    def emit(g, m, x, y):
        if m.dim is None:
            raise UnsupportedOperatorError(f"eg.onnx.export: {type(m).__name__}(dim=None)")
        g.node(op, [g.value(x)], y._data, axis=int(m.dim))

    return emit


def _leaky_relu(g, m, x, y):
    g.node("LeakyRelu", [g.value(x)], y._data, alpha=float(m.negative_slope))


def _gelu(g, m, x, y):
    # NOTE: opset 17 has no Gelu (it came in opset 20): write torch's formulas out.
    dt = x._data.dtype
    xn = g.value(x)
    c = lambda v: g.init(numpy.asarray(v, dtype=dt), "c")  # noqa: E731
    if m.approximate == "tanh":
        cube = g.node("Mul", [g.node("Mul", [xn, xn], None), xn], None)
        inner = g.node(
            "Mul",
            [
                g.node("Add", [xn, g.node("Mul", [cube, c(0.044715)], None)], None),
                c(math.sqrt(2.0 / math.pi)),
            ],
            None,
        )
        t = g.node("Tanh", [inner], None)
    else:
        t = g.node("Erf", [g.node("Div", [xn, c(math.sqrt(2.0))], None)], None)
    half = g.node("Mul", [xn, c(0.5)], None)
    g.node("Mul", [half, g.node("Add", [t, c(1.0)], None)], y._data)


def _flatten(g, m, x, y):
    nd = x._data.ndim
    start = m.start_dim % nd
    end = m.end_dim % nd
    if end == nd - 1:
        if start == 0:
            g.node(
                "Reshape", [g.value(x), g.init(numpy.array([-1], numpy.int64), "shape")], y._data
            )
        else:
            # Flatten gives 2-D (prod(dims < axis), rest): right when start is the last leading
            # dim, else reshape keeping the leading dims (0 = copy from input).
            if start == 1:
                g.node("Flatten", [g.value(x)], y._data, axis=1)
            else:
                _reshape_like(g, x, y)
        return
    _reshape_like(g, x, y)


def _reshape_like(g, x, y):
    """Reshape to y's shape, keeping dim 0 symbolic when it is unchanged (a batch)."""
    target = list(y._data.shape)
    if x._data.ndim and y._data.ndim and target[0] == x._data.shape[0]:
        target[0] = 0
    g.node("Reshape", [g.value(x), g.init(numpy.array(target, numpy.int64), "shape")], y._data)


def _identity(g, m, x, y):
    if y._data is x._data:
        return  # same array: the same value name
    g.node("Identity", [g.value(x)], y._data)


def _layer_table():
    from ..nn import modules as M

    table = {
        M.Linear: _linear,
        M.Conv2d: _conv2d,
        M.MaxPool2d: _maxpool2d,
        M.AvgPool2d: _avgpool2d,
        M.AdaptiveAvgPool2d: _adaptive_avgpool2d,
        M.BatchNorm1d: _batchnorm,
        M.BatchNorm2d: _batchnorm,
        M.ReLU: _unary("Relu"),
        M.Sigmoid: _unary("Sigmoid"),
        M.Tanh: _unary("Tanh"),
        M.GELU: _gelu,
        M.Softmax: _softmax("Softmax"),
        M.LogSoftmax: _softmax("LogSoftmax"),
        M.LeakyReLU: _leaky_relu,
        M.Flatten: _flatten,
        M.Dropout: _identity,
        M.Identity: _identity,
    }
    return table


# --- free ops (outside supported layers) ---------------------------------------------------------
def _op_binary(name):
    def emit(g, ins, params, out):
        g.node(name, [g.value(t) for t in ins], out._data)

    return emit


def _op_unary(name):
    def emit(g, ins, params, out):
        g.node(name, [g.value(ins[0])], out._data)

    return emit


def _op_reshape(g, ins, params, out):
    _reshape_like(g, ins[0], out)


def _op_linear(g, ins, params, out):
    x, w = ins[0], ins[1]
    wt = g.init(w._data.T, "weight_t")
    mm = g.node("MatMul", [g.value(x), wt], None if len(ins) > 2 else out._data)
    if len(ins) > 2:
        g.node("Add", [mm, g.value(ins[2])], out._data)


_OP_TABLE = {
    _E.Add: _op_binary("Add"),
    _E.Sub: _op_binary("Sub"),
    _E.Mul: _op_binary("Mul"),
    _E.Div: _op_binary("Div"),
    _E.Relu: _op_unary("Relu"),
    _E.Sigmoid: _op_unary("Sigmoid"),
    _E.Tanh: _op_unary("Tanh"),
    _E.Exp: _op_unary("Exp"),
    _E.Neg: _op_unary("Neg"),
    _L.MatMul: _op_binary("MatMul"),
    _S.Reshape: _op_reshape,
    _S.ReshapeCopy: _op_reshape,
}


def _free_op_table():
    from ..nn import functional as F

    table = dict(_OP_TABLE)
    table[F.Linear] = _op_linear
    return table


# --- the run -------------------------------------------------------------------------------------
class _Run:
    """Hooks and a recording ``Op.apply`` that emit ONNX nodes as the model runs."""

    def __init__(self, g, model):
        self.g = g
        self.layers = _layer_table()
        self.ops = _free_op_table()
        self.inside = 0  # > 0 while a supported layer runs: its ops are not looked at
        self.stack = []  # names of the modules running, for error messages
        self.names = {id(m): n or type(m).__name__ for n, m in model.named_modules()}
        self.handles = []
        self._prev = None

    def pre(self, m, args):
        self.stack.append(m)
        if type(m) in self.layers:
            self.inside += 1

    def post(self, m, args, out):
        self.stack.pop()
        emit = self.layers.get(type(m))
        if emit is None:
            return None
        self.inside -= 1
        if self.inside == 0:
            if len(args) != 1 or not isinstance(out, Tensor):
                raise UnsupportedOperatorError(
                    f"eg.onnx.export: {type(m).__name__} called with {len(args)} inputs"
                )
            emit(self.g, m, args[0], out)
        return None

    def apply(self, prev_fn, cls, inputs, params):
        out = prev_fn(cls, *inputs, **params)
        if self.inside:
            return out
        emit = self.ops.get(cls)
        where = self.stack[-1] if self.stack else None
        if emit is None or type(out) is tuple:
            mod = (
                f" in module '{self.names.get(id(where), '?')}' ({type(where).__name__})"
                if where is not None
                else ""
            )
            raise UnsupportedOperatorError(
                f"eg.onnx.export: op '{cls.__name__}'{mod} has no ONNX mapping. Supported: "
                f"{_SUPPORTED}."
            )
        emit(self.g, inputs, params, out)
        return out

    def __enter__(self):
        from ..jit._record import _active

        _active[0] += 1  # traced modules inside the model run eagerly: their layers are seen
        for m in self.names_modules():
            self.handles.append(m.register_forward_pre_hook(self.pre))
            self.handles.append(m.register_forward_hook(self.post))
        self._prev = Op.__dict__["apply"]
        prev = self._prev

        def prev_fn(cls, *inputs, **params):
            # whatever kind of attribute is installed (classmethod, staticmethod, function)
            return prev.__get__(None, cls)(*inputs, **params)

        run = self

        def apply(cls, *inputs, **params):
            return run.apply(prev_fn, cls, inputs, params)

        Op.apply = classmethod(apply)
        return self

    def names_modules(self):
        return self._modules

    def __exit__(self, *exc):
        from ..jit._record import _active

        Op.apply = self._prev
        for h in self.handles:
            h.remove()
        _active[0] -= 1


def _dynamic(dynamic_axes, name):
    if not dynamic_axes or name not in dynamic_axes:
        return {}
    axes = dynamic_axes[name]
    if isinstance(axes, dict):
        return {int(k): str(v) for k, v in axes.items()}
    return {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}


def _value_info(onnx, name, array, dyn):
    dims = [dyn.get(i, int(s)) for i, s in enumerate(array.shape)]
    elem = onnx.helper.np_dtype_to_tensor_dtype(numpy.dtype(array.dtype))
    return onnx.helper.make_tensor_value_info(name, elem, dims)


def export(
    model,
    example_inputs,
    path,
    input_names=None,
    output_names=None,
    dynamic_axes=None,
    opset_version: int = 17,
):
    """Exports a model to an ONNX file (``torch.onnx.export``'s arguments).

    The model runs once on ``example_inputs`` in eval mode (its training flags are restored
    afterwards), so Dropout is the identity and BatchNorm uses its running statistics.
    Supported layers: Linear, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d/2d,
    ReLU, Sigmoid, Tanh, GELU, Softmax, LogSoftmax, LeakyReLU, Flatten, Dropout, Identity,
    inside Sequential or any module whose forward calls them; between layers, the ops relu,
    sigmoid, tanh, exp, neg, + - * /, matmul, reshape/view/flatten and F.linear. Anything else
    raises ``UnsupportedOperatorError`` naming the op and the module it ran in.

    Args:
        model: the Module to export.
        example_inputs: a Tensor or a tuple of Tensors.
        path: the file to write (str or path-like).
        input_names: names of the graph inputs (default ``input``, or ``input_0``...).
        output_names: names of the graph outputs (default ``output``, or ``output_0``...).
        dynamic_axes: ``{name: {axis: "label"}}`` or ``{name: [axis, ...]}``: axes whose size
            may change (e.g. ``{"input": {0: "batch"}, "output": {0: "batch"}}``).
        opset_version: the ONNX opset (default 17; at least 13).

    Returns:
        None (the file is written and checked with ``onnx.checker``).

    Example (skipped as a doctest: it needs the optional onnx package):
        >>> import tempfile, os
        >>> import eagergrad as eg
        >>> import eagergrad.onnx
        >>> model = eg.nn.Sequential(eg.nn.Linear(4, 3), eg.nn.ReLU())
        >>> path = os.path.join(tempfile.mkdtemp(), "m.onnx")
        >>> eg.onnx.export(model, eg.randn(2, 4), path)  # doctest: +SKIP
    """
    onnx = _onnx()
    from ..jit import TracedModule

    if isinstance(model, TracedModule):
        model = model.module
    if opset_version < 13:
        raise ValueError(f"eg.onnx.export: opset_version must be >= 13, got {opset_version}")
    inputs = [example_inputs] if isinstance(example_inputs, Tensor) else list(example_inputs)
    input_names = list(
        input_names
        or (["input"] if len(inputs) == 1 else [f"input_{i}" for i in range(len(inputs))])
    )
    g = _Graph(onnx)
    for t, name in zip(inputs, input_names):
        g.bind(t._data, name)
    modes = [(m, m.training) for m in model.modules()]
    run = _Run(g, model)
    run._modules = [m for m, _ in modes]
    model.eval()
    try:
        with no_grad(), run:
            out = model(*inputs)
    finally:
        for m, mode in modes:
            m.training = mode
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    output_names = list(
        output_names
        or (["output"] if len(outs) == 1 else [f"output_{i}" for i in range(len(outs))])
    )
    nodes = g.nodes
    for o, name in zip(outs, output_names):
        src = g.names.get(id(o._data))
        if src is None:
            raise UnsupportedOperatorError(
                "eg.onnx.export: an output was not computed by a supported layer or op"
            )
        nodes.append(onnx.helper.make_node("Identity", [src], [name]))
    graph = onnx.helper.make_graph(
        nodes,
        type(model).__name__,
        [
            _value_info(onnx, n, t._data, _dynamic(dynamic_axes, n))
            for t, n in zip(inputs, input_names)
        ],
        [
            _value_info(onnx, n, o._data, _dynamic(dynamic_axes, n))
            for o, n in zip(outs, output_names)
        ],
        initializer=g.inits,
    )
    proto = onnx.helper.make_model(
        graph,
        producer_name="eagergrad",
        opset_imports=[onnx.helper.make_opsetid("", opset_version)],
    )
    proto.ir_version = min(proto.ir_version, 8)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
