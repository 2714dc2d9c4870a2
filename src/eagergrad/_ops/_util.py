"""Small helpers shared by op families (dim normalisation, shape checks)."""

from __future__ import annotations

__all__ = ["wrap_dim", "wrap_dims", "view_of", "quiet", "quiet_call", "erf_array", "erfc_array",
           "erfinv_array", "torch_type_name", "stable_argsort", "along_axis_index"]


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


# --- elementwise family: quiet float errors, erf/erfc --------------------------------------------
# NOTE [Quiet float errors]
# torch returns inf/nan silently (log(0), 1/0, sqrt(-1)); numpy warns, and the test suite turns
# warnings into errors. Ops that can produce inf/nan for ordinary inputs run their numpy calls
# through ``quiet_call`` (one call) or ``quiet`` (a block). ``numpy.errstate`` costs ~1 us per
# use, so on numpy 2 they set numpy's error-state context variable directly (~0.3 us; private
# API, guarded, falling back to errstate). The cheapest ops (add, sub, mul, exp, tanh) skip this:
# they warn only on overflow or inf * 0. cupy never warns, so it gets a plain call.
import contextlib as _contextlib  # noqa: E402 (kept inside this family's block)

import numpy as _numpy  # noqa: E402

try:
    from numpy._core._ufunc_config import _extobj_contextvar as _EXTOBJ
    from numpy._core.umath import _make_extobj

    _IGNORE = _make_extobj(all="ignore")
except ImportError:  # numpy 1.x: no context variable
    _EXTOBJ = None

_NULL_CONTEXT = _contextlib.nullcontext()


class _Quiet:
    __slots__ = ("_token",)

    def __enter__(self):
        self._token = _EXTOBJ.set(_IGNORE)

    def __exit__(self, *exc):
        _EXTOBJ.reset(self._token)


def quiet(xp):
    """A context that silences numpy's floating-point warnings (no-op for cupy)."""
    if xp is not _numpy:
        return _NULL_CONTEXT
    if _EXTOBJ is None:
        return _numpy.errstate(all="ignore")
    return _Quiet()


def quiet_call(xp, fn, *args):
    """``fn(*args)`` with numpy's floating-point warnings silenced (a plain call for cupy)."""
    if xp is not _numpy:
        return fn(*args)
    if _EXTOBJ is None:
        with _numpy.errstate(all="ignore"):
            return fn(*args)
    token = _EXTOBJ.set(_IGNORE)
    try:
        return fn(*args)
    finally:
        _EXTOBJ.reset(token)


# NOTE [erf]
# numpy has no erf and math.erf is one Python call per element. This is the rational
# approximation of Sun's fdlibm s_erf.c (W. J. Cody's scheme, < 1 ulp in float64), evaluated on
# whole arrays: the elements of each of fdlibm's four regions are gathered (boolean masks) and
# that region's formula runs on them only. On cupy, cupyx.scipy.special's kernels run instead
# (_on_device): each boolean mask there would read back to the host. Coefficients from fdlibm
# (Copyright (C) 1993 by Sun Microsystems, Inc.; "Permission to use, copy, modify, and
# distribute this software is freely granted, provided that this notice is preserved.").
_ERX = 8.45062911510467529297e-01
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)


from .._backend import special_functions  # noqa: E402 (used by this family only)


def _horner(z, coefs):
    r = z * coefs[-1]
    r += coefs[-2]
    for c in coefs[-3::-1]:
        r *= z
        r += c
    return r


def _erfc_tail(xp, ax, r_coefs, s_coefs):
    """erfc(ax) for ax in [1.25, 28): exp(-ax**2 - 0.5625 + R/S) / ax, fdlibm's split."""
    s = 1.0 / (ax * ax)
    rs = _horner(s, r_coefs) / _horner(s, s_coefs)
    # The 32-bit-exact head of ax makes head*head exact, so exp(-ax*ax) loses no bits.
    head = (ax.view(xp.uint64) & xp.uint64(0xFFFFFFFF00000000)).view(xp.float64)
    return xp.exp(-head * head - 0.5625) * xp.exp((head - ax) * (head + ax) + rs) / ax


def _erf_regions(xp, x, small_fn, mid_fn, tail_fn, big):
    """Evaluates each fdlibm region of |x| on its own elements; nan stays nan."""
    x = xp.asarray(x, dtype=xp.float64)
    ax = xp.abs(x)
    out = xp.empty_like(x)
    m = ax < 0.84375
    out[m] = small_fn(x[m])
    m2 = (ax >= 0.84375) & (ax < 1.25)
    out[m2] = mid_fn(x[m2])
    m3 = (ax >= 1.25) & (ax < 1 / 0.35)
    out[m3] = tail_fn(x[m3], _RA, _SA)
    m4 = (ax >= 1 / 0.35) & (ax < 28.0)
    out[m4] = tail_fn(x[m4], _RB, _SB)
    m5 = ax >= 28.0
    out[m5] = big(x[m5])
    nan = xp.isnan(x)
    out[nan] = x[nan]
    return out


def _on_device(xp, name, x):
    """``name`` (erf, erfc, erfinv) of ``x`` in float64 by cupy's kernel, or None off cupy."""
    special = special_functions(xp)
    if special is None:
        return None
    return getattr(special, name)(x.astype(xp.float64)).astype(x.dtype, copy=False)


def erf_array(xp, x):
    """erf of a float array, accurate to ~1 ulp in float64 (fdlibm); nan stays nan."""
    y = _on_device(xp, "erf", x)
    if y is not None:
        return y
    dt = x.dtype

    def small(v):
        z = v * v
        return v + v * (_horner(z, _PP) / _horner(z, _QQ))

    def mid(v):
        s = xp.abs(v) - 1.0
        return xp.copysign(_ERX + _horner(s, _PA) / _horner(s, _QA), v)

    def tail(v, rc, sc):
        return xp.copysign(1.0 - _erfc_tail(xp, xp.abs(v), rc, sc), v)

    with quiet(xp):
        y = _erf_regions(xp, x, small, mid, tail, lambda v: xp.sign(v))
    return y.astype(dt, copy=False)


def erfc_array(xp, x):
    """erfc of a float array without cancellation in the tails (fdlibm); nan stays nan."""
    y = _on_device(xp, "erfc", x)
    if y is not None:
        return y
    dt = x.dtype

    def small(v):
        z = v * v
        y = v * (_horner(z, _PP) / _horner(z, _QQ))
        return xp.where(v < 0.25, 1.0 - (v + y), 0.5 - (v - 0.5 + y))

    def mid(v):
        s = xp.abs(v) - 1.0
        p = _horner(s, _PA) / _horner(s, _QA)
        return xp.where(v < 0, 1.0 + _ERX + p, 1.0 - _ERX - p)

    def tail(v, rc, sc):
        t = _erfc_tail(xp, xp.abs(v), rc, sc)
        return xp.where(v < 0, 2.0 - t, t)

    with quiet(xp):
        y = _erf_regions(xp, x, small, mid, tail, lambda v: xp.where(v < 0, 2.0, 0.0))
    return y.astype(dt, copy=False)


# --- reduction and linalg family helpers ---------------------------------------------------------
_TORCH_TYPE_NAMES = {
    "float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char", "int16": "Short",
    "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool",
}


def torch_type_name(dtype) -> str:
    """The scalar-type name torch prints in errors (``Float``, ``Long``...)."""
    return _TORCH_TYPE_NAMES.get(dtype.name, dtype.name)


def stable_argsort(xp, x, axis):
    """A stable argsort along ``axis`` (cupy's sort is always stable and takes no ``kind``)."""
    if xp is _numpy:
        return _numpy.argsort(x, axis=axis, kind="stable")
    return xp.argsort(x, axis=axis)


def along_axis_index(xp, idx, axis):
    """The index tuple that takes ``idx`` along ``axis`` (numpy's take_along_axis indexing)."""
    shape = idx.shape
    out = []
    for d, n in enumerate(shape):
        if d == axis:
            out.append(idx)
        else:
            s = [1] * len(shape)
            s[d] = n
            out.append(xp.arange(n).reshape(s))
    return tuple(out)


# Mike Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single-precision
# version: a ~1e-7 start that Newton steps on erf (or log erfc near |y| = 1) take to float64.
_GILES_CENTRAL = (1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087,
                  -4.39150654e-06, -3.5233877e-06, 3.43273939e-07, 2.81022636e-08)
_GILES_TAIL = (2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773,
               -0.00367342844, 0.00134934322, 0.000100950558, -0.000200214257)


def erfinv_array(xp, y):
    """The inverse of erf on [-1, 1] (+-inf at +-1, nan outside), float64-accurate."""
    z = _on_device(xp, "erfinv", y)
    if z is not None:
        return z
    dt = y.dtype
    y = xp.asarray(y, dtype=xp.float64)
    with quiet(xp):
        a = xp.abs(y)
        w = -xp.log((1.0 - a) * (1.0 + a))
        central = _horner(w - 2.5, _GILES_CENTRAL)
        tail = _horner(xp.sqrt(w) - 3.0, _GILES_TAIL)
        z = xp.where(w < 5.0, central, tail) * a
        log_c = xp.log(1.0 - a)
        z = xp.where(xp.isfinite(z), z, 0.0)
        central = a < 0.5
        for _ in range(4):
            # Newton on erf(z) = a; for a >= 0.5 on log(erfc(z)) = log(1 - a), which has no
            # cancellation and is nearly linear in the far tail (Giles' start is float32-only).
            inv_slope = 0.886226925452758 * xp.exp(z * z)  # 1 / erf'(z)
            c = erfc_array(xp, z)
            step = xp.where(central, (a - erf_array(xp, z)) * inv_slope,
                            (xp.log(c) - log_c) * c * inv_slope)
            z = z + step
        z = xp.where(a == 1.0, xp.inf, xp.where(a > 1.0, xp.nan, z))
        z = xp.copysign(z, y)
    return z.astype(dt, copy=False)
