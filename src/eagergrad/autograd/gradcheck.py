"""gradcheck and gradgradcheck: autograd against central finite differences (use float64)."""

from __future__ import annotations

import numpy

from .. import _tensor
from .._backend import to_host
from .engine import grad as _grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree.

    Example:
        >>> import eagergrad as eg
        >>> class Wrong(eg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x * 2
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         return grad * 3
        >>> x = eg.tensor([1.0], dtype=eg.float64, requires_grad=True)
        >>> try:
        ...     eg.autograd.gradcheck(Wrong.apply, (x,))
        ... except eg.autograd.GradcheckError:
        ...     print('mismatch')
        mismatch
    """


def _differentiable(inputs):
    """Indices of the inputs that are tensors requiring grad."""
    return [i for i, x in enumerate(inputs) if isinstance(x, _tensor.Tensor) and x.requires_grad]


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, _tensor.Tensor)
            and o._data.dtype.kind == "f"]


def _numerical_jacobians(func, inputs, diff_idx, outputs, eps):
    """J[i][j]: d outputs[j] / d inputs[i] as (numel_in, numel_out) float64 arrays."""
    jac = []
    for i in diff_idx:
        x = inputs[i]
        data = x._data
        flat_in = data.size
        cols = [numpy.zeros((flat_in, o._data.size)) for o in outputs]
        for k in range(flat_in):
            idx = numpy.unravel_index(k, data.shape)
            orig = data[idx].item()
            # Raw writes to the storage: no version bump, no graph (gradgradcheck's function
            # itself needs grad mode, so it is not run under no_grad).
            data[idx] = orig + eps
            plus = [to_host(o._data).astype(numpy.float64).ravel().copy()
                    for o in _outputs(func, inputs)]
            data[idx] = orig - eps
            minus = [to_host(o._data).astype(numpy.float64).ravel().copy()
                     for o in _outputs(func, inputs)]
            data[idx] = orig
            for c, p, m in zip(cols, plus, minus):
                c[k] = (p - m) / (2 * eps)
        jac.append(cols)
    return jac


def _analytical_jacobians(inputs, diff_idx, outputs):
    jac = [[numpy.zeros((inputs[i]._data.size, o._data.size)) for o in outputs]
           for i in diff_idx]
    diff_inputs = [inputs[i] for i in diff_idx]
    for j, out in enumerate(outputs):
        xp = out._device.xp
        for k in range(out._data.size):
            seed = xp.zeros(out._data.size, dtype=out._data.dtype)
            seed[k] = 1
            g_out = _tensor.Tensor._make(seed.reshape(out._data.shape), out._device)
            grads = _grad(out, diff_inputs, g_out, retain_graph=True, allow_unused=True)
            for n, g in enumerate(grads):
                if g is not None:
                    if g.shape != diff_inputs[n].shape:
                        raise GradcheckError(
                            f"gradient for input {diff_idx[n]} has shape {list(g.shape)}, "
                            f"expected {list(diff_inputs[n].shape)}"
                        )
                    jac[n][j][:, k] = to_host(g._data).astype(numpy.float64).ravel()
    return jac


def _fast_check(func, inputs, diff_idx, outputs, eps, atol, rtol):
    """Random projections: v . (J u) by finite differences against autograd (large inputs)."""
    rng = numpy.random.default_rng(0)
    us = [rng.standard_normal(inputs[i]._data.shape) for i in diff_idx]
    vs = [rng.standard_normal(o._data.shape) for o in outputs]
    diff_inputs = [inputs[i] for i in diff_idx]
    analytical = 0.0
    for o, v in zip(outputs, vs):
        xp = o._device.xp
        g_out = _tensor.Tensor._make(xp.asarray(v.astype(o._data.dtype)), o._device)
        grads = _grad(o, diff_inputs, g_out, retain_graph=True, allow_unused=True)
        for g, u in zip(grads, us):
            if g is not None:
                analytical += float((to_host(g._data).astype(numpy.float64) * u).sum())
    def project(sign):
        saved = [x._data.copy() for x in diff_inputs]
        for x, u in zip(diff_inputs, us):
            x._data += sign * eps * x._device.xp.asarray(u.astype(x._data.dtype))
        vals = _outputs(func, inputs)
        total = sum(float((to_host(o._data).astype(numpy.float64) * v).sum())
                    for o, v in zip(vals, vs))
        for x, s in zip(diff_inputs, saved):
            x._data[...] = s
        return total
    numerical = (project(1.0) - project(-1.0)) / (2 * eps)
    if abs(analytical - numerical) > atol + rtol * abs(numerical):
        raise GradcheckError(
            f"Jacobian mismatch (fast mode, random projection v.(J u)): numerical {numerical!r}, "
            f"analytical {analytical!r}"
        )


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False, **unused) -> bool:
    """Checks autograd's gradients of ``func`` against central finite differences.

    Args:
        func: a function of ``inputs`` returning a tensor or a tuple of tensors.
        inputs: a tensor or tuple of tensors; those with ``requires_grad`` are checked. Use
            float64: float32 differences are too coarse for these tolerances.
        eps, atol, rtol: torch's defaults; an entry passes when
            ``|analytical - numerical| <= atol + rtol * |numerical|``.
        fast_mode: compare one random projection ``v . (J u)`` instead of the full Jacobian
            (for large inputs).

    Returns:
        True, or raises ``GradcheckError`` (a RuntimeError) naming the output and input.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.randn(3, dtype=eg.float64, requires_grad=True)
        >>> eg.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
        True
    """
    inputs = _as_tuple(inputs)
    diff_idx = _differentiable(inputs)
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    outputs = _outputs(func, inputs)
    try:
        if fast_mode:
            _fast_check(func, inputs, diff_idx, outputs, eps, atol, rtol)
            return True
        analytical = _analytical_jacobians(inputs, diff_idx, outputs)
        numerical = _numerical_jacobians(func, inputs, diff_idx, outputs, eps)
        for n, i in enumerate(diff_idx):
            for j in range(len(outputs)):
                a, num = analytical[n][j], numerical[n][j]
                if not numpy.allclose(a, num, rtol=rtol, atol=atol, equal_nan=False):
                    raise GradcheckError(
                        f"Jacobian mismatch for output {j} with respect to input {i},\n"
                        f"numerical:{num}\nanalytical:{a}\n"
                    )
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False,
                  **unused) -> bool:
    """Checks second derivatives: gradcheck of the first-order gradients (built with
    ``create_graph=True``) w.r.t. the inputs and the output gradients.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([0.5, -1.0], dtype=eg.float64, requires_grad=True)
        >>> eg.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
        True
    """
    inputs = _as_tuple(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = numpy.random.default_rng(0)
        grad_outputs = []
        for o in outputs:
            g = _tensor.Tensor._make(o._device.xp.asarray(
                rng.standard_normal(o._data.shape).astype(o._data.dtype)), o._device)
            grad_outputs.append(g.requires_grad_(True))
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = _differentiable(inputs)

    def first_order(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _outputs(func, ins)
        grads = _grad(outs, [ins[i] for i in diff_idx], gos, create_graph=True,
                      allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode)
