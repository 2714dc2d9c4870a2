"""Op table entries for the reduction family (sum, mean, prod, max/min, var/std, logsumexp, norm,
cumulative ops, softmax, sorting)."""

from __future__ import annotations

from . import OpInfo

OPS: list[OpInfo] = []


def _lse(np, x, axis, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    y = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return y if keepdims else np.squeeze(y, axis=axis)


def _softmax(np, x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sort_desc(np, x, axis):
    idx = np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
    idx = x.shape[axis] - 1 - idx
    return np.take_along_axis(x, idx, axis), idx


# --- sum, mean, prod ------------------------------------------------------------------------------
OPS += [
    OpInfo("sum", lambda lib, x: x.sum(), lambda np, x: np.sum(x), [((3, 4),), ((),)]),
    OpInfo("sum_dim", lambda lib, x: x.sum(1), lambda np, x: np.sum(x, 1), [((3, 4),)]),
    OpInfo("sum_dims_keepdim", lambda lib, x: x.sum((0, -1), keepdim=True),
           lambda np, x: np.sum(x, (0, 2), keepdims=True), [((2, 3, 4),)]),
    OpInfo("sum_list_neg", lambda lib, x: lib.sum(x, [-2, 0]), lambda np, x: np.sum(x, (0, 1)),
           [((2, 3, 4),)]),
    OpInfo("sum_0d_dim0", lambda lib, x: x.sum(0), lambda np, x: np.sum(x), [((),)]),
    OpInfo("mean", lambda lib, x: x.mean(), lambda np, x: np.mean(x), [((3, 4),), ((),)]),
    OpInfo("mean_dim_keepdim", lambda lib, x: x.mean(-1, keepdim=True),
           lambda np, x: np.mean(x, -1, keepdims=True), [((3, 4),), ((2, 3, 4),)]),
    OpInfo("mean_dims", lambda lib, x: lib.mean(x, (0, 2)), lambda np, x: np.mean(x, (0, 2)),
           [((2, 3, 4),)]),
    OpInfo("prod", lambda lib, x: x.prod(), lambda np, x: np.prod(x), [((2, 3),), ((),)],
           domain=(0.5, 1.5)),
    OpInfo("prod_dim", lambda lib, x: x.prod(1), lambda np, x: np.prod(x, 1),
           [((3, 4),), ((2, 3, 4),)]),
    OpInfo("prod_dim_keepdim_neg", lambda lib, x: x.prod(-2, keepdim=True),
           lambda np, x: np.prod(x, -2, keepdims=True), [((2, 3, 4),)]),
]

# --- max, min, amax, amin -------------------------------------------------------------------------
OPS += [
    OpInfo("max", lambda lib, x: x.max(), lambda np, x: np.max(x), [((3, 4),), ((),)],
           avoid_ties=True),
    OpInfo("min", lambda lib, x: lib.min(x), lambda np, x: np.min(x), [((3, 4),)],
           avoid_ties=True),
    OpInfo("max_dim", lambda lib, x: tuple(x.max(1)),
           lambda np, x: (np.max(x, 1), np.argmax(x, 1)), [((3, 4),), ((2, 3, 4),)],
           avoid_ties=True),
    OpInfo("max_dim_keepdim_neg", lambda lib, x: tuple(x.max(-1, keepdim=True)),
           lambda np, x: (np.max(x, -1, keepdims=True), np.argmax(x, -1, keepdims=True)),
           [((3, 4),)], avoid_ties=True),
    OpInfo("min_dim", lambda lib, x: tuple(lib.min(x, 0)),
           lambda np, x: (np.min(x, 0), np.argmin(x, 0)), [((3, 4),), ((),)], avoid_ties=True),
    # avoid_ties draws x and y from one value set (steps of 1/12); y + 0.3 keeps them apart.
    OpInfo("max_binary", lambda lib, x, y: lib.max(x, y + 0.3),
           lambda np, x, y: np.maximum(x, y + np.asarray(0.3, x.dtype)),
           [((3, 4), (3, 4)), ((3, 4), (4,))], avoid_ties=True),
    OpInfo("min_binary_method", lambda lib, x, y: x.min(y + 0.3),
           lambda np, x, y: np.minimum(x, y + np.asarray(0.3, x.dtype)), [((3, 4), (3, 4))],
           avoid_ties=True),
    OpInfo("amax", lambda lib, x: x.amax(), lambda np, x: np.max(x), [((3, 4),)],
           avoid_ties=True),
    OpInfo("amax_dims", lambda lib, x: x.amax((0, 2), keepdim=True),
           lambda np, x: np.max(x, (0, 2), keepdims=True), [((2, 3, 4),)], avoid_ties=True),
    OpInfo("amin_dim", lambda lib, x: lib.amin(x, -1), lambda np, x: np.min(x, -1),
           [((3, 4),)], avoid_ties=True),
]

# --- var, std -------------------------------------------------------------------------------------
OPS += [
    OpInfo("var", lambda lib, x: x.var(), lambda np, x: np.var(x, ddof=1), [((3, 4),)]),
    OpInfo("var_dim_unbiased_false", lambda lib, x: x.var(1, unbiased=False),
           lambda np, x: np.var(x, 1), [((3, 4),)]),
    OpInfo("var_dims_correction_keepdim", lambda lib, x: x.var((0, -1), keepdim=True,
                                                                  correction=2),
           lambda np, x: np.var(x, (0, 2), ddof=2, keepdims=True), [((2, 3, 4),)]),
    OpInfo("std", lambda lib, x: x.std(), lambda np, x: np.std(x, ddof=1), [((3, 4),)]),
    OpInfo("std_dim_correction0", lambda lib, x: lib.std(x, -1, correction=0),
           lambda np, x: np.std(x, -1), [((3, 4),), ((2, 3, 4),)]),
    OpInfo("var_mean", lambda lib, x: lib.var_mean(x, 1),
           lambda np, x: (np.var(x, 1, ddof=1), np.mean(x, 1)), [((3, 4),)]),
    OpInfo("std_mean_keepdim", lambda lib, x: lib.std_mean(x, 0, keepdim=True),
           lambda np, x: (np.std(x, 0, ddof=1, keepdims=True), np.mean(x, 0, keepdims=True)),
           [((3, 4),)]),
]

# --- logsumexp, norm ------------------------------------------------------------------------------
OPS += [
    OpInfo("logsumexp", lambda lib, x: x.logsumexp(1), lambda np, x: _lse(np, x, 1),
           [((3, 4),), ((2, 3, 4),)]),
    OpInfo("logsumexp_dims_keepdim", lambda lib, x: lib.logsumexp(x, (0, -1), keepdim=True),
           lambda np, x: _lse(np, x, (0, 2), True), [((2, 3, 4),)]),
    OpInfo("logsumexp_0d", lambda lib, x: x.logsumexp(0), lambda np, x: x, [((),)]),
    OpInfo("norm", lambda lib, x: x.norm(), lambda np, x: np.sqrt(np.sum(x * x)), [((3, 4),)]),
    OpInfo("norm_dim_keepdim", lambda lib, x: x.norm(2, -1, keepdim=True),
           lambda np, x: np.linalg.norm(x, axis=-1, keepdims=True), [((3, 4),), ((2, 3, 4),)]),
    OpInfo("norm_p1", lambda lib, x: x.norm(1, 0), lambda np, x: np.sum(np.abs(x), 0),
           [((3, 4),)], domain=(0.2, 1.0)),
    OpInfo("norm_p3", lambda lib, x: x.norm(3, (0, 1)),
           lambda np, x: np.sum(np.abs(x) ** 3, (0, 1)) ** (1 / 3), [((3, 4),), ((2, 3, 4),)]),
    OpInfo("norm_p0_5", lambda lib, x: x.norm(0.5, 1),
           lambda np, x: np.sum(np.abs(x) ** 0.5, 1) ** 2, [((3, 4),)], domain=(0.2, 1.0)),
    # avoid_ties gives distinct values in (-0.5, 0.5); x - 1 makes their absolute values distinct.
    OpInfo("norm_inf", lambda lib, x: (x - 1).norm(float("inf"), 1),
           lambda np, x: np.abs(x - 1).max(1), [((3, 4),)], avoid_ties=True),
    OpInfo("norm_neg_inf", lambda lib, x: (x - 1).norm(float("-inf")),
           lambda np, x: np.abs(x - 1).min(), [((3, 4),)], avoid_ties=True),
    OpInfo("norm_p0", lambda lib, x: x.norm(0, 1), lambda np, x: np.sum(x != 0, 1).astype(x.dtype),
           [((3, 4),)]),
    OpInfo("norm_fro_dims", lambda lib, x: x.norm("fro", (0, 1)),
           lambda np, x: np.sqrt(np.sum(x * x, (0, 1))), [((3, 4),), ((2, 3, 4),)]),
]

# --- cumulative ops -------------------------------------------------------------------------------
OPS += [
    OpInfo("cumsum", lambda lib, x: x.cumsum(1), lambda np, x: np.cumsum(x, 1),
           [((3, 4),), ((2, 3, 4),)]),
    OpInfo("cumsum_neg", lambda lib, x: lib.cumsum(x, -3), lambda np, x: np.cumsum(x, 0),
           [((2, 3, 4),)]),
    OpInfo("cumsum_0d", lambda lib, x: x.cumsum(0), lambda np, x: x, [((),)]),
    OpInfo("cumprod", lambda lib, x: x.cumprod(1), lambda np, x: np.cumprod(x, 1),
           [((3, 4),), ((2, 3, 4),)]),
    OpInfo("cumprod_neg", lambda lib, x: lib.cumprod(x, -1), lambda np, x: np.cumprod(x, -1),
           [((5,),)]),
]

# --- softmax, log_softmax -------------------------------------------------------------------------
OPS += [
    OpInfo("softmax", lambda lib, x: x.softmax(-1), lambda np, x: _softmax(np, x, -1),
           [((3, 4),), ((2, 3, 4),)]),
    OpInfo("softmax_dim0", lambda lib, x: lib.softmax(x, 0), lambda np, x: _softmax(np, x, 0),
           [((3, 4),), ((),)]),
    OpInfo("log_softmax", lambda lib, x: x.log_softmax(-1),
           lambda np, x: x - _lse(np, x, -1, True), [((3, 4),), ((2, 3, 4),)]),
    OpInfo("log_softmax_dim1", lambda lib, x: lib.log_softmax(x, 1),
           lambda np, x: x - _lse(np, x, 1, True), [((2, 3, 4),)]),
]

# --- sort, topk -----------------------------------------------------------------------------------
OPS += [
    OpInfo("sort", lambda lib, x: tuple(x.sort()),
           lambda np, x: (np.sort(x, -1), np.argsort(x, -1, kind="stable")),
           [((3, 4),), ((2, 3, 4),)], avoid_ties=True),
    OpInfo("sort_desc_dim0", lambda lib, x: tuple(lib.sort(x, 0, descending=True)),
           lambda np, x: _sort_desc(np, x, 0), [((3, 4),)], avoid_ties=True),
    OpInfo("topk", lambda lib, x: tuple(x.topk(2)),
           lambda np, x: tuple(a[..., :2] for a in _sort_desc(np, x, -1)),
           [((3, 4),), ((2, 3, 5),)], avoid_ties=True),
    OpInfo("topk_smallest_dim0", lambda lib, x: tuple(x.topk(2, 0, largest=False)),
           lambda np, x: (np.sort(x, 0)[:2], np.argsort(x, 0)[:2]), [((4, 3),)],
           avoid_ties=True),
]

# --- median, mode, nansum/nanmean, quantile -------------------------------------------------------


def _lower_median(np, x, axis):
    s = np.sort(x, axis)
    return np.take(s, (x.shape[axis] - 1) // 2, axis)


def _median_dim(np, x, axis, keepdims=False):
    idx = np.take(np.argsort(x, axis, kind="stable"), [(x.shape[axis] - 1) // 2], axis)
    vals = np.take_along_axis(x, idx, axis)
    return (vals, idx) if keepdims else (vals.squeeze(axis), idx.squeeze(axis))


OPS += [
    OpInfo("median", lambda lib, x: lib.median(x), lambda np, x: _lower_median(np, x.ravel(), 0),
           [((3, 4),), ((5,),)], avoid_ties=True),
    OpInfo("median_dim", lambda lib, x: tuple(lib.median(x, 1)),
           lambda np, x: _median_dim(np, x, 1), [((3, 4),), ((2, 5, 3),)], avoid_ties=True),
    OpInfo("median_dim_keepdim_neg", lambda lib, x: tuple(lib.median(x, -1, keepdim=True)),
           lambda np, x: _median_dim(np, x, -1, True), [((3, 5),)], avoid_ties=True),
    OpInfo("nanmedian_dim", lambda lib, x: lib.nanmedian(x, 0).values,
           lambda np, x: _median_dim(np, x, 0)[0], [((4, 3),)], avoid_ties=True),
    OpInfo("mode", lambda lib, x: tuple(lib.mode(lib.round(x * 2) / 2)),
           None, [((3, 7),), ((2, 3, 5),)], avoid_ties=True, differentiable=False,
           note="ties in rounded values: torch is the reference (mode_grad covers gradients)"),
    OpInfo("mode_grad", lambda lib, x: lib.mode(x, 0).values, lambda np, x: np.min(x, 0),
           [((3, 4),)], avoid_ties=True),
    OpInfo("nansum", lambda lib, x: lib.nansum(x), lambda np, x: np.sum(x), [((3, 4),)]),
    OpInfo("nansum_dim_keepdim", lambda lib, x: lib.nansum(x, (0, 2), keepdim=True),
           lambda np, x: np.sum(x, (0, 2), keepdims=True), [((2, 3, 4),)]),
    OpInfo("nanmean_dim", lambda lib, x: lib.nanmean(x, 1), lambda np, x: np.mean(x, 1),
           [((3, 4),)]),
    OpInfo("quantile", lambda lib, x: lib.quantile(x, 0.3),
           lambda np, x: np.quantile(x, 0.3), [((3, 4),), ((5,),)], avoid_ties=True),
    OpInfo("quantile_q_tensor_dim", lambda lib, x, q: lib.quantile(x, q, 1, keepdim=True),
           lambda np, x, q: np.quantile(x, q, 1, keepdims=True), [((3, 5), (2,))],
           domain=(0.0, 1.0), grad_inputs=(0,)),
    OpInfo("quantile_midpoint", lambda lib, x: lib.quantile(x, 0.4, -1, interpolation="midpoint"),
           lambda np, x: np.quantile(x, 0.4, -1, method="midpoint"), [((3, 6),)],
           avoid_ties=True),
    OpInfo("quantile_lower", lambda lib, x: lib.quantile(x, 0.4, 0, interpolation="lower"),
           lambda np, x: np.quantile(x, 0.4, 0, method="lower"), [((5, 3),)], avoid_ties=True),
    OpInfo("nanquantile", lambda lib, x: lib.nanquantile(x, 0.7, 0),
           lambda np, x: np.nanquantile(x, 0.7, 0), [((4, 3),)], avoid_ties=True),
]

# --- cummax, cummin, logcumsumexp, aminmax --------------------------------------------------------
OPS += [
    OpInfo("cummax", lambda lib, x: lib.cummax(x, 1).values,
           lambda np, x: np.maximum.accumulate(x, 1), [((3, 5),), ((2, 3, 4),)],
           avoid_ties=True),
    OpInfo("cummin_indices", lambda lib, x: tuple(lib.cummin(x, -1)),
           lambda np, x: (np.minimum.accumulate(x, -1),
                          np.maximum.accumulate(np.where(x == np.minimum.accumulate(x, -1),
                                                         np.arange(x.shape[-1]), 0), -1)),
           [((3, 5),)], avoid_ties=True),
    OpInfo("cummax_0d", lambda lib, x: lib.cummax(x, 0).values, lambda np, x: x, [((),)]),
    OpInfo("logcumsumexp", lambda lib, x: lib.logcumsumexp(x, 1),
           lambda np, x: np.logaddexp.accumulate(x, 1), [((3, 4),), ((2, 3, 4),)]),
    OpInfo("logcumsumexp_dim0", lambda lib, x: lib.logcumsumexp(x * 5, 0),
           lambda np, x: np.logaddexp.accumulate(x * 5, 0), [((4, 2),)]),
    OpInfo("aminmax", lambda lib, x: tuple(lib.aminmax(x)), lambda np, x: (np.min(x), np.max(x)),
           [((3, 4),)], avoid_ties=True),
    OpInfo("aminmax_dim_keepdim", lambda lib, x: tuple(lib.aminmax(x, dim=1, keepdim=True)),
           lambda np, x: (np.min(x, 1, keepdims=True), np.max(x, 1, keepdims=True)),
           [((3, 4),)], avoid_ties=True),
]
