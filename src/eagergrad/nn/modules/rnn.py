"""Recurrent layers: RNN (tanh/relu), LSTM (with optional projections), GRU and their cells.

Parameter names, shapes, initialisation and the ``forward`` contract are torch's
(torch/nn/modules/rnn.py), so a torch ``state_dict`` loads directly.

See NOTE [RNN speed] for how the work per time step is kept to a few array calls.
"""

from __future__ import annotations

import math
import numbers
import warnings

from ..._creation import zeros
from ..._ops import cat, split, stack, unbind
from ..._ops._base import Op
from ..._tensor import Tensor
from ...autograd.grad_mode import _mode
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

# NOTE [RNN speed]
# An eager recurrent network pays a fixed Python cost per recorded op and per backward node, so
# the op count per time step decides its speed. Two levels of fusion:
#   * Cells (``LSTMCell``, ``GRUCell``, ``RNNCell``, i.e. a user's explicit loop) cost two ops per
#     step: a ``linear`` for the input projection and ONE fused step op (``LSTMStep``,
#     ``GRUStep``, ``RNNStep``) for the recurrent matmul, the gate nonlinearities and the state
#     update, with a hand-written backward on raw arrays (no Tensor wrapping).
#   * Modules (``LSTM``, ``GRU``, ``RNN``) cost, per layer and direction, one ``linear`` for the
#     input projection of ALL time steps (x @ W_ih^T + b, one big matmul) and one layer op
#     (``LSTMLayer``, ...) that runs the time loop on raw arrays: per step one matmul
#     h @ W_hh^T plus in-place gate math into preallocated buffers; in backward one matmul
#     d @ W_hh per step and W_hh's gradient as one big product over all steps.
#     See NOTE [Layer ops].
# Both stay differentiable: when the engine runs backward with create_graph=True (grad mode on
# inside backward), the step ops compute the same gradient with eagergrad Tensor ops
# (``_lstm_grads`` etc.) and the layer ops re-run the layer with the step ops and
# differentiate that, so double backward works.


def _mm_wt(xp, h, w):
    """h @ w.T, computed as (w @ h.T).T: BLAS runs the (G, P) x (P, B) product markedly faster
    than (B, P) x (P, G) for the tall weights of a recurrent layer (G = 3H or 4H >> B)."""
    return xp.matmul(w, h.T).T


def _sigmoid_(xp, a):
    """sigmoid(a) in place as 0.5 * tanh(0.5 a) + 0.5: exact identity, no exp overflow."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _wrap(array, like: Tensor) -> Tensor:
    return Tensor._make(array, like._device)


# --- fused step ops ----------------------------------------------------------------------------
class LSTMStep(Op):
    """One LSTM step from the input projection ``xg`` (B, 4H) (torch's gate order i, f, g, o).

    ``gates = xg + h @ w^T (+ b)``; ``i, f, o = sigmoid``, ``g = tanh``;
    ``c' = f * c + i * g``; ``h' = o * tanh(c')``. Returns ``(h', c')``.

    Gradient (dc = grad_c' + grad_h' * o * (1 - tanh(c')^2)):
    d_i = dc * g * i(1 - i), d_f = dc * c * f(1 - f), d_g = dc * i * (1 - g^2),
    d_o = grad_h' * tanh(c') * o(1 - o); then xg gets d_gates, h gets d_gates @ w,
    c gets dc * f, w gets d_gates^T @ h, b gets d_gates summed over the batch.
    """

    @staticmethod
    def forward(ctx, xg, h, c, w, *b):
        xp = ctx.xp
        gates = _mm_wt(xp, h, w)
        gates += xg
        if b:
            gates += b[0]
        n = c.shape[-1]
        g = xp.tanh(gates[:, 2 * n : 3 * n])
        act = _sigmoid_(xp, gates)
        act[:, 2 * n : 3 * n] = g
        c2 = act[:, n : 2 * n] * c
        c2 += act[:, :n] * g
        tc = xp.tanh(c2)
        h2 = act[:, 3 * n :] * tc
        ctx.save_for_backward(xg, h, c, w, *b, act, tc)
        return h2, c2

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        saved = ctx.saved_tensors
        if _mode.enabled:  # create_graph: the same gradient, recorded with Tensor ops
            return _lstm_grads(ctx, saved[:-2], grad_h, grad_c)
        h, c, w = saved[1]._data, saved[2]._data, saved[3]._data
        act = saved[-2]._data
        d = ctx.xp.empty_like(act)
        dc = _lstm_cell_backward(ctx.xp, act, saved[-1]._data, c, grad_h._data, grad_c._data, d)
        dc *= act[:, c.shape[-1] : 2 * c.shape[-1]]  # through c' = f * c + ...
        return _step_grads(ctx, d, h, w, extra=(dc,), extra_at=2)


def _lstm_cell_backward(xp, act, tc, c, gh, gc, d):
    """Writes the gradient w.r.t. the gate pre-activations into ``d``; returns d c'.

    ``act`` holds (i, f, g, o) after their nonlinearities, ``tc`` = tanh(c'), ``c`` the previous
    cell, ``gh``/``gc`` the incoming gradients of h' and c'.
    """
    n = c.shape[-1]
    i, g, o = act[:, :n], act[:, 2 * n : 3 * n], act[:, 3 * n :]
    dc = gh * o
    dc *= 1 - tc * tc
    dc += gc
    xp.multiply(dc, g, out=d[:, :n])  # first w.r.t. the activations ...
    xp.multiply(dc, c, out=d[:, n : 2 * n])
    xp.multiply(dc, i, out=d[:, 2 * n : 3 * n])
    xp.multiply(gh, tc, out=d[:, 3 * n :])
    deriv = 1 - act  # ... then through sigmoid (y(1 - y)) and tanh (1 - y^2)
    deriv *= act
    deriv[:, 2 * n : 3 * n] = 1 - g * g
    d *= deriv
    return dc


class GRUStep(Op):
    """One GRU step from the input projection ``xg`` (B, 3H) (torch's gate order r, z, n).

    ``hg = h @ w^T + b``; ``r, z = sigmoid(xg[:2H] + hg[:2H])``;
    ``n = tanh(xg[2H:] + r * hg[2H:])``; ``h' = (1 - z) * n + z * h``.

    Gradient: d_n = grad * (1 - z) * (1 - n^2), d_z = grad * (h - n) * z(1 - z),
    d_r = d_n * hg_n * r(1 - r); xg gets (d_r, d_z, d_n), hg gets (d_r, d_z, d_n * r); h gets
    grad * z + d_hg @ w, w gets d_hg^T @ h, b gets d_hg summed over the batch.
    """

    @staticmethod
    def forward(ctx, xg, h, w, *b):
        xp = ctx.xp
        hg = _mm_wt(xp, h, w)
        if b:
            hg += b[0]
        n = h.shape[-1]
        rz = xg[:, : 2 * n] + hg[:, : 2 * n]
        _sigmoid_(xp, rz)
        hn = hg[:, 2 * n :]
        new = rz[:, :n] * hn
        new += xg[:, 2 * n :]
        xp.tanh(new, out=new)
        h2 = h - new
        h2 *= rz[:, n:]
        h2 += new
        ctx.save_for_backward(xg, h, w, *b, rz, new, hn)
        return h2

    @staticmethod
    def backward(ctx, grad):
        saved = ctx.saved_tensors
        if _mode.enabled:
            return _gru_grads(ctx, saved[:-3], grad)
        xp = ctx.xp
        h, w = saved[1]._data, saved[2]._data
        rz = saved[-3]._data
        d = xp.empty(rz.shape[:-1] + (rz.shape[-1] * 3 // 2,), dtype=rz.dtype)
        e = xp.empty_like(d)
        direct = _gru_cell_backward(xp, rz, saved[-2]._data, saved[-1]._data, h, grad._data, d, e)
        grads = _step_grads(ctx, e, h, w, extra=(), extra_at=2)
        if grads[1] is not None:
            grads[1]._data += direct
        return (_wrap(d, grad) if ctx.needs_input_grad[0] else None,) + grads[1:]


def _gru_cell_backward(xp, rz, new, hn, h, gh, d, e):
    """Writes the gradients w.r.t. xg into ``d`` and w.r.t. hg = h @ w^T + b into ``e``.

    Returns the part of h's gradient that skips the matrix product, gh * z.
    """
    n = h.shape[-1]
    r, z = rz[:, :n], rz[:, n:]
    dn = d[:, 2 * n :]
    xp.multiply(gh, 1 - z, out=dn)
    dn *= 1 - new * new
    xp.multiply(dn, hn, out=d[:, :n])
    xp.multiply(gh, h - new, out=d[:, n : 2 * n])
    d[:, : 2 * n] *= rz * (1 - rz)
    e[:, : 2 * n] = d[:, : 2 * n]
    xp.multiply(dn, r, out=e[:, 2 * n :])
    return gh * z


class RNNStep(Op):
    """One Elman RNN step: ``h' = act(xg + h @ w^T (+ b))``, act tanh or relu.

    Gradient: d = grad * (1 - h'^2) for tanh, grad * (h' > 0) for relu; xg gets d, h gets
    d @ w, w gets d^T @ h, b gets d summed over the batch.
    """

    @staticmethod
    def forward(ctx, xg, h, w, *b, nonlinearity):
        xp = ctx.xp
        y = _mm_wt(xp, h, w)
        y += xg
        if b:
            y += b[0]
        if nonlinearity == "tanh":
            xp.tanh(y, out=y)
        else:
            xp.maximum(y, 0, out=y)
        ctx.nonlinearity = nonlinearity
        ctx.save_for_backward(xg, h, w, *b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        saved = ctx.saved_tensors
        if _mode.enabled:
            return _rnn_grads(ctx, saved[:-1], grad)
        h, w, y = saved[1]._data, saved[2]._data, saved[-1]._data
        if ctx.nonlinearity == "tanh":
            d = grad._data * (1 - y * y)
        else:
            d = grad._data * (y > 0)
        return _step_grads(ctx, d, h, w, extra=(), extra_at=2)


def _step_grads(ctx, d, h, w, extra, extra_at):
    """Gradients (xg, h, *extra, w, *b) of a fused step from the pre-activation gradient ``d``.

    ``extra`` are ready gradients of the inputs between h and w (the LSTM's c).
    """
    need = ctx.needs_input_grad
    dev = ctx._dev
    xp = ctx.xp
    mk = Tensor._make
    out = [mk(d, dev) if need[0] else None, mk(xp.matmul(d, w), dev) if need[1] else None]
    for j, e in enumerate(extra):
        out.append(mk(e, dev) if need[extra_at + j] else None)
    k = extra_at + len(extra)
    out.append(mk(xp.matmul(d.T, h), dev) if need[k] else None)
    if len(need) > k + 1:
        out.append(mk(d.sum(0), dev) if need[k + 1] else None)
    return tuple(out)


# --- the same gradients with Tensor ops (create_graph=True) ------------------------------------
def _lstm_cell_math(xg, h, c, w, b):
    gates = xg + F.linear(h, w, b)
    i, f, g, o = gates.chunk(4, 1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c2 = f * c + i * g
    return i, f, g, o, c2, c2.tanh()


def _lstm_grads(ctx, inputs, grad_h, grad_c):
    xg, h, c, w, *b = inputs
    i, f, g, o, c2, tc = _lstm_cell_math(xg, h, c, w, b[0] if b else None)
    dc = grad_c + grad_h * o * (1 - tc * tc)
    d = cat(
        [
            dc * g * i * (1 - i),
            dc * c * f * (1 - f),
            dc * i * (1 - g * g),
            grad_h * tc * o * (1 - o),
        ],
        1,
    )
    return _tensor_step_grads(ctx, d, h, w, (dc * f,), len(b))


def _gru_grads(ctx, inputs, grad):
    xg, h, w, *b = inputs
    hg = F.linear(h, w, b[0] if b else None)
    xr, xz, xn = xg.chunk(3, 1)
    hr, hz, hn = hg.chunk(3, 1)
    r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
    new = (xn + r * hn).tanh()
    dn = grad * (1 - z) * (1 - new * new)
    dr = dn * hn * r * (1 - r)
    dz = grad * (h - new) * z * (1 - z)
    dhg = cat([dr, dz, dn * r], 1)
    out = list(_tensor_step_grads(ctx, dhg, h, w, (), len(b)))
    need = ctx.needs_input_grad
    out[0] = cat([dr, dz, dn], 1) if need[0] else None
    if need[1]:
        out[1] = out[1] + grad * z
    return tuple(out)


def _rnn_grads(ctx, inputs, grad):
    xg, h, w, *b = inputs
    pre = xg + F.linear(h, w, b[0] if b else None)
    if ctx.nonlinearity == "tanh":
        y = pre.tanh()
        d = grad * (1 - y * y)
    else:
        d = grad * (pre > 0).to(grad.dtype)
    return _tensor_step_grads(ctx, d, h, w, (), len(b))


def _tensor_step_grads(ctx, d, h, w, extra, nb):
    need = ctx.needs_input_grad
    out = [d if need[0] else None, d @ w if need[1] else None]
    out += [e if need[2 + j] else None for j, e in enumerate(extra)]
    k = 2 + len(extra)
    out.append(d.mT @ h if need[k] else None)
    if nb:
        out.append(d.sum(0) if need[k + 1] else None)
    return tuple(out)


# --- fused layer ops: a whole sequence in one node --------------------------------------------
# NOTE [Layer ops]
# ``LSTMLayer``/``GRULayer``/``RNNLayer`` run one layer in one direction over all time steps
# inside a single op: the step loop runs on raw arrays into preallocated buffers, and backward
# is the matching BPTT loop, with the recurrent weight's gradient as ONE matrix product over
# all steps (D^T @ H_prev) instead of one small product per step. Inputs are flattened step by
# step: ``xg`` is (N, G) with the rows of step t at ``offsets[t]:offsets[t] + batch_sizes[t]``
# (N = T * B for a padded batch, sum(lengths) for a packed one). The state arrays keep all B
# rows; step t updates rows [:batch_sizes[t]], so finished sequences (forward in time) keep
# their final state and sequences not yet started (backward in time) keep their initial one.
# Backward with create_graph=True recomputes the layer with the per-step ops, whose backward is
# differentiable, and differentiates that (``_layer_grads_composite``).
def _schedule(batch_sizes, reverse):
    """(rows, bs) per step in processing order: rows is the slice of step t in the data."""
    offsets, start = [], 0
    for bs in batch_sizes:
        offsets.append(start)
        start += bs
    order = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    return [(slice(offsets[t], offsets[t] + batch_sizes[t]), batch_sizes[t]) for t in order]


class LSTMLayer(Op):
    """One LSTM layer over a whole sequence: ``(out, h_n, c_n)`` from ``xg`` (N, 4H), h0, c0.

    ``xg`` already holds x @ W_ih^T + b_ih + b_hh; ``w_hr`` (optional) projects h. Gradient:
    the LSTM step's (see ``LSTMStep``) through time; w_hh gets D^T @ H_prev summed over steps.
    """

    @staticmethod
    def forward(ctx, xg, h0, c0, w, *w_hr, batch_sizes, reverse):
        ctx.sched = _schedule(batch_sizes, reverse)
        ctx.batch_sizes, ctx.reverse = batch_sizes, reverse
        ctx.has_proj = bool(w_hr)
        bufs, out, h, c = _lstm_layer_forward(ctx.xp, xg, h0, c0, w, w_hr, ctx.sched)
        ctx.save_for_backward(xg, h0, c0, w, *w_hr, *bufs)
        return out, h, c

    @staticmethod
    def backward(ctx, grad_out, grad_h, grad_c):
        if _mode.enabled:
            return _layer_grads_composite(ctx, "LSTM", (grad_out, grad_h, grad_c))
        return _lstm_layer_backward(ctx, grad_out._data, grad_h._data, grad_c._data)


def _lstm_layer_forward(xp, xg, h0, c0, w, w_hr, sched):
    n_rows, n = xg.shape[0], c0.shape[-1]
    act = xp.empty((n_rows, 4 * n), dtype=xg.dtype)
    cs, tcs = xp.empty((n_rows, n), dtype=xg.dtype), xp.empty((n_rows, n), dtype=xg.dtype)
    hprev, cprev = xp.empty((n_rows, h0.shape[-1]), dtype=xg.dtype), xp.empty_like(cs)
    hraw = xp.empty_like(cs) if w_hr else None
    out = xp.empty_like(hprev)
    h, c = h0.copy(), c0.copy()
    for rows, bs in sched:
        hp = hprev[rows]
        hp[...] = h[:bs]
        cprev[rows] = c[:bs]
        gates = act[rows]
        xp.add(_mm_wt(xp, hp, w), xg[rows], out=gates)
        g = xp.tanh(gates[:, 2 * n : 3 * n])
        _sigmoid_(xp, gates)
        gates[:, 2 * n : 3 * n] = g
        ct = cs[rows]
        xp.multiply(gates[:, n : 2 * n], cprev[rows], out=ct)
        ct += gates[:, :n] * g
        tc = tcs[rows]
        xp.tanh(ct, out=tc)
        c[:bs] = ct
        if w_hr:
            hr = hraw[rows]
            xp.multiply(gates[:, 3 * n :], tc, out=hr)
            xp.matmul(hr, w_hr[0].T, out=out[rows])
        else:
            xp.multiply(gates[:, 3 * n :], tc, out=out[rows])
        h[:bs] = out[rows]
    bufs = (act, cprev, tcs, hprev) + ((hraw,) if w_hr else ())
    return bufs, out, h, c


def _lstm_layer_backward(ctx, g_out, g_h, g_c):
    xp = ctx.xp
    saved = ctx.saved_tensors
    has_proj = ctx.has_proj
    w = saved[3]._data
    w_hr = saved[4]._data if has_proj else None
    act, cprev, tcs, hprev = (t._data for t in saved[5 if has_proj else 4 :][:4])
    hraw = saved[-1]._data if has_proj else None
    n = cprev.shape[-1]
    dgates = xp.empty_like(act)
    dh, dc = g_h.copy(), g_c.copy()
    gh_all = xp.empty_like(g_out) if has_proj else None
    for rows, bs in reversed(ctx.sched):
        gh = g_out[rows] + dh[:bs]
        if has_proj:
            gh_all[rows] = gh
            gh = gh @ w_hr
        d = dgates[rows]
        dct = _lstm_cell_backward(xp, act[rows], tcs[rows], cprev[rows], gh, dc[:bs], d)
        xp.multiply(dct, act[rows, n : 2 * n], out=dc[:bs])
        xp.matmul(d, w, out=dh[:bs])
    need = ctx.needs_input_grad
    grads = [dgates, dh, dc, dgates.T @ hprev if need[3] else None]
    if has_proj:
        grads.append(gh_all.T @ hraw if need[4] else None)
    return tuple(
        None if (g is None or not nd) else Tensor._make(g, ctx._dev) for g, nd in zip(grads, need)
    )


class GRULayer(Op):
    """One GRU layer over a whole sequence: ``(out, h_n)`` from ``xg`` (N, 3H) and h0.

    ``xg`` holds x @ W_ih^T + b_ih; ``b_hh`` is applied inside (torch's GRU needs it apart).
    Gradient: the GRU step's (see ``GRUStep``) through time.
    """

    @staticmethod
    def forward(ctx, xg, h0, w, *b, batch_sizes, reverse):
        ctx.sched = _schedule(batch_sizes, reverse)
        ctx.batch_sizes, ctx.reverse = batch_sizes, reverse
        bufs, out, h = _gru_layer_forward(ctx.xp, xg, h0, w, b, ctx.sched)
        ctx.save_for_backward(xg, h0, w, *b, *bufs)
        return out, h

    @staticmethod
    def backward(ctx, grad_out, grad_h):
        if _mode.enabled:
            return _layer_grads_composite(ctx, "GRU", (grad_out, grad_h))
        return _gru_layer_backward(ctx, grad_out._data, grad_h._data)


def _gru_layer_forward(xp, xg, h0, w, b, sched):
    n_rows, n = xg.shape[0], h0.shape[-1]
    rzs = xp.empty((n_rows, 2 * n), dtype=xg.dtype)
    news, hns = xp.empty((n_rows, n), dtype=xg.dtype), xp.empty((n_rows, n), dtype=xg.dtype)
    hprev, out = xp.empty_like(news), xp.empty_like(news)
    h = h0.copy()
    for rows, bs in sched:
        hp = hprev[rows]
        hp[...] = h[:bs]
        hg = _mm_wt(xp, hp, w)
        if b:
            hg += b[0]
        rz = rzs[rows]
        xp.add(xg[rows, : 2 * n], hg[:, : 2 * n], out=rz)
        _sigmoid_(xp, rz)
        hns[rows] = hg[:, 2 * n :]
        new = news[rows]
        xp.multiply(rz[:, :n], hg[:, 2 * n :], out=new)
        new += xg[rows, 2 * n :]
        xp.tanh(new, out=new)
        o = out[rows]
        xp.subtract(hp, new, out=o)
        o *= rz[:, n:]
        o += new
        h[:bs] = o
    return (rzs, news, hns, hprev), out, h


def _gru_layer_backward(ctx, g_out, g_h):
    xp = ctx.xp
    saved = ctx.saved_tensors
    has_bias = len(saved) == 8
    w = saved[2]._data
    rzs, news, hns, hprev = (t._data for t in saved[-4:])
    n = hprev.shape[-1]
    dxg = xp.empty((hprev.shape[0], 3 * n), dtype=hprev.dtype)
    dhg = xp.empty_like(dxg)
    dh = g_h.copy()
    for rows, bs in reversed(ctx.sched):
        gh = g_out[rows] + dh[:bs]
        hp, e = hprev[rows], dhg[rows]
        direct = _gru_cell_backward(xp, rzs[rows], news[rows], hns[rows], hp, gh, dxg[rows], e)
        xp.matmul(e, w, out=dh[:bs])
        dh[:bs] += direct
    need = ctx.needs_input_grad
    grads = [dxg, dh, dhg.T @ hprev if need[2] else None]
    if has_bias:
        grads.append(dhg.sum(0) if need[3] else None)
    return tuple(
        None if (g is None or not nd) else Tensor._make(g, ctx._dev) for g, nd in zip(grads, need)
    )


class RNNLayer(Op):
    """One Elman RNN layer over a whole sequence: ``(out, h_n)`` from ``xg`` (N, H) and h0.

    ``xg`` holds x @ W_ih^T + b_ih + b_hh. Gradient: the RNN step's (see ``RNNStep``) through
    time.
    """

    @staticmethod
    def forward(ctx, xg, h0, w, batch_sizes, reverse, nonlinearity):
        ctx.sched = _schedule(batch_sizes, reverse)
        ctx.batch_sizes, ctx.reverse, ctx.nonlinearity = batch_sizes, reverse, nonlinearity
        xp = ctx.xp
        hprev, out = xp.empty_like(xg), xp.empty_like(xg)
        h = h0.copy()
        for rows, bs in ctx.sched:
            hp = hprev[rows]
            hp[...] = h[:bs]
            y = out[rows]
            xp.add(_mm_wt(xp, hp, w), xg[rows], out=y)
            if nonlinearity == "tanh":
                xp.tanh(y, out=y)
            else:
                xp.maximum(y, 0, out=y)
            h[:bs] = y
        ctx.save_for_backward(xg, h0, w, hprev, out)
        return out, h

    @staticmethod
    def backward(ctx, grad_out, grad_h):
        if _mode.enabled:
            return _layer_grads_composite(ctx, ctx.nonlinearity, (grad_out, grad_h))
        xp = ctx.xp
        saved = ctx.saved_tensors
        w, hprev, out = saved[2]._data, saved[3]._data, saved[4]._data
        g_out = grad_out._data
        dxg = xp.empty_like(out)
        dh = grad_h._data.copy()
        for rows, bs in reversed(ctx.sched):
            d = dxg[rows]
            xp.add(g_out[rows], dh[:bs], out=d)
            y = out[rows]
            d *= (1 - y * y) if ctx.nonlinearity == "tanh" else (y > 0)
            xp.matmul(d, w, out=dh[:bs])
        need = ctx.needs_input_grad
        grads = (dxg, dh, dxg.T @ hprev if need[2] else None)
        return tuple(
            None if (g is None or not nd) else Tensor._make(g, ctx._dev)
            for g, nd in zip(grads, need)
        )


def _layer_grads_composite(ctx, mode, grads):
    """Layer-op gradients with create_graph: recompute with the per-step ops, differentiate."""
    from ...autograd.engine import grad as _grad

    saved = ctx.saved_tensors
    n_in = len(ctx.needs_input_grad)
    inputs = saved[:n_in]
    xs = split(inputs[0], list(ctx.batch_sizes), 0)
    if mode == "LSTM":
        state, w_hh, bias, w_hr = inputs[1:3], inputs[3], (), (inputs[4] if n_in > 4 else None)
        step = _make_step("LSTM", w_hh, bias, w_hr)
    elif mode == "GRU":
        state, w_hh, bias = inputs[1:2], inputs[2], tuple(inputs[3:])
        step = _make_step("GRU", w_hh, bias, None)
    else:
        state, w_hh = inputs[1:2], inputs[2]
        step = _make_step("RNN_TANH" if mode == "tanh" else "RNN_RELU", w_hh, (), None)
    out, final = _unroll(step, xs, tuple(state), ctx.reverse, list(ctx.batch_sizes))
    wanted = [t for t, nd in zip(inputs, ctx.needs_input_grad) if nd]
    got = iter(_grad((out, *final), wanted, grads, create_graph=True, allow_unused=True))
    return tuple(next(got) if nd else None for nd in ctx.needs_input_grad)


# --- functional cells (torch.lstm_cell, torch.gru_cell, torch.rnn_tanh_cell, ...) ---------------
def lstm_cell(
    input: Tensor,
    hx,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,  # noqa: A002
    b_hh: Tensor | None = None,
):
    """One LSTM step for a batch ``(B, in)``: returns ``(h', c')`` (two ops: linear + step)."""
    xg = F.linear(input, w_ih, b_ih)
    if b_hh is None:
        return LSTMStep.apply(xg, hx[0], hx[1], w_hh)
    return LSTMStep.apply(xg, hx[0], hx[1], w_hh, b_hh)


def gru_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,  # noqa: A002
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One GRU step for a batch ``(B, in)``: returns ``h'``."""
    xg = F.linear(input, w_ih, b_ih)
    if b_hh is None:
        return GRUStep.apply(xg, hx, w_hh)
    return GRUStep.apply(xg, hx, w_hh, b_hh)


def _rnn_cell(input, hx, w_ih, w_hh, b_ih, b_hh, nonlinearity):  # noqa: A002
    xg = F.linear(input, w_ih, b_ih)
    if b_hh is None:
        return RNNStep.apply(xg, hx, w_hh, nonlinearity=nonlinearity)
    return RNNStep.apply(xg, hx, w_hh, b_hh, nonlinearity=nonlinearity)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:  # noqa: A002
    """One tanh RNN step: ``tanh(input @ w_ih^T + b_ih + hx @ w_hh^T + b_hh)``."""
    return _rnn_cell(input, hx, w_ih, w_hh, b_ih, b_hh, "tanh")


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:  # noqa: A002
    """One relu RNN step: ``relu(input @ w_ih^T + b_ih + hx @ w_hh^T + b_hh)``."""
    return _rnn_cell(input, hx, w_ih, w_hh, b_ih, b_hh, "relu")


# --- multi-layer modules -----------------------------------------------------------------------
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """Shared machinery of ``RNN``, ``LSTM`` and ``GRU`` (torch.nn.RNNBase).

    Args:
        mode: ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size:
            as in torch (see ``LSTM``).

    Example:
        >>> import eagergrad as eg
        >>> lstm = eg.nn.LSTM(4, 8, num_layers=2)
        >>> isinstance(lstm, eg.nn.RNNBase), lstm.mode
        (True, 'LSTM')
        >>> out, (h, c) = lstm(eg.randn(5, 3, 4))
        >>> out.shape, h.shape
        (eagergrad.Size([5, 3, 8]), eagergrad.Size([2, 3, 8]))
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        _check_args(mode, hidden_size, num_layers, dropout, proj_size)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_in = input_size if layer == 0 else real_hidden * num_directions
                shapes = [
                    ("weight_ih", (gate_size, layer_in)),
                    ("weight_hh", (gate_size, real_hidden)),
                ]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(zeros(*shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) (torch's)."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """No-op (torch packs weights for cuDNN here)."""

    @property
    def all_weights(self) -> list:
        """The parameters of each layer and direction, as lists (torch's order)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # --- forward ---------------------------------------------------------------------------
    def _run(self, input, hx):  # noqa: A002
        """Runs all layers. ``hx`` is ``(h0,)`` or ``(h0, c0)`` or None.

        Returns ``(output, states)`` with output shaped like the input (or a PackedSequence)
        and states a tuple of ``(L*D, B, *)`` tensors.
        """
        is_lstm = self.mode == "LSTM"
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            data, batch_sizes_t, sorted_idx, unsorted_idx = input
            batch_sizes = [int(v) for v in batch_sizes_t.tolist()]
            batch, batched = batch_sizes[0], True
            x = data
            if hx is not None and sorted_idx is not None:  # torch's permute_hidden
                hx = tuple(s.index_select(1, sorted_idx) for s in hx)
        else:
            batch_sizes = None
            if input.dim() not in (2, 3):
                raise ValueError(
                    f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead"
                )
            batched = input.dim() == 3
            x = input
            if not batched:
                x = x.unsqueeze(1)
                if hx is not None:
                    for s in hx:
                        if s.dim() != 2:
                            raise RuntimeError(
                                f"For unbatched 2-D input, hx should also be 2-D but got "
                                f"{s.dim()}-D tensor"
                            )
                    hx = tuple(s.unsqueeze(1) for s in hx)
            elif self.batch_first:
                x = x.transpose(0, 1)
            if hx is not None:
                for s in hx:
                    if s.dim() != 3:
                        raise RuntimeError(
                            f"For batched 3-D input, hx should also be 3-D but got "
                            f"{s.dim()}-D tensor"
                        )
            batch = x.shape[1]
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {x.shape[-1]}"
            )
        states = self._initial_states(x, batch, hx, is_lstm)
        out, finals = self._layers(x, states, batch_sizes)
        if batch_sizes is not None:
            if unsorted_idx is not None:
                finals = tuple(s.index_select(1, unsorted_idx) for s in finals)
            return PackedSequence(out, batch_sizes_t, sorted_idx, unsorted_idx), finals
        if not batched:
            return out.squeeze(1), tuple(s.squeeze(1) for s in finals)
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, finals

    def _initial_states(self, x, batch, hx, is_lstm):
        num_directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        shapes = [(self.num_layers * num_directions, batch, real_hidden)]
        if is_lstm:
            shapes.append((self.num_layers * num_directions, batch, self.hidden_size))
        if hx is None:
            return tuple(zeros(*s, dtype=x.dtype, device=x.device) for s in shapes)
        for s, shape, which in zip(hx, shapes, ("hidden", "cell")):
            if tuple(s.shape) != shape:
                raise RuntimeError(f"Expected {which} size {shape}, got {list(s.shape)}")
        return hx

    def _layers(self, x, states, batch_sizes):
        num_directions = 2 if self.bidirectional else 1
        per_state = [unbind(s, 0) for s in states]  # one node per state tensor
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                weights = [getattr(self, n) for n in self._all_weights[k]]
                init_state = tuple(s[k] for s in per_state)
                out, last = self._direction(x, init_state, weights, direction == 1, batch_sizes)
                outs.append(out)
                for f, s in zip(finals, last):
                    f.append(s)
            x = outs[0] if num_directions == 1 else cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, tuple(stack(f, 0) for f in finals)

    def _direction(self, x, state, weights, reverse, batch_sizes):
        """One layer in one direction. Returns (output, final states)."""
        w_ih, w_hh = weights[0], weights[1]
        b_ih = b_hh = w_hr = None
        if self.bias:
            b_ih, b_hh = weights[2], weights[3]
        if self.proj_size > 0:
            w_hr = weights[-1]
        mode = self.mode
        if mode == "GRU" or b_ih is None:
            xproj = F.linear(x, w_ih, b_ih)
            step_bias = () if b_hh is None or mode != "GRU" else (b_hh,)
        else:  # both biases folded into the one big input projection
            xproj = F.linear(x, w_ih, b_ih + b_hh)
            step_bias = ()
        if self._per_step:
            xs = unbind(xproj, 0) if batch_sizes is None else split(xproj, batch_sizes, 0)
            step = _make_step(mode, w_hh, step_bias, w_hr)
            return _unroll(step, xs, state, reverse, batch_sizes)
        # See NOTE [Layer ops].
        padded = batch_sizes is None
        if padded:
            t_len, batch = xproj.shape[0], xproj.shape[1]
            xproj = xproj.reshape(t_len * batch, xproj.shape[2])
            batch_sizes = [batch] * t_len
        params = {"batch_sizes": tuple(batch_sizes), "reverse": reverse}
        if mode == "LSTM":
            extra = () if w_hr is None else (w_hr,)
            out, *last = LSTMLayer.apply(xproj, state[0], state[1], w_hh, *extra, **params)
        elif mode == "GRU":
            out, *last = GRULayer.apply(xproj, state[0], w_hh, *step_bias, **params)
        else:
            nonlinearity = "tanh" if mode == "RNN_TANH" else "relu"
            out, *last = RNNLayer.apply(xproj, state[0], w_hh, nonlinearity=nonlinearity, **params)
        if padded:
            out = out.reshape(t_len, batch, out.shape[-1])
        return out, tuple(last)

    # Run the per-step ops instead of the fused layer ops (same results; for tests).
    _per_step = False


def _make_step(mode, w_hh, bias, w_hr):
    """A function ``(xg, state) -> (output, state)`` for one time step of ``mode``."""
    if mode == "LSTM":
        if w_hr is None:

            def step(xg, s):
                h, c = LSTMStep.apply(xg, s[0], s[1], w_hh, *bias)
                return h, (h, c)
        else:

            def step(xg, s):
                h, c = LSTMStep.apply(xg, s[0], s[1], w_hh, *bias)
                h = F.linear(h, w_hr)
                return h, (h, c)
    elif mode == "GRU":

        def step(xg, s):
            h = GRUStep.apply(xg, s[0], w_hh, *bias)
            return h, (h,)
    else:
        nonlinearity = "tanh" if mode == "RNN_TANH" else "relu"

        def step(xg, s):
            h = RNNStep.apply(xg, s[0], w_hh, *bias, nonlinearity=nonlinearity)
            return h, (h,)

    return step


def _unroll(step, xs, state, reverse, batch_sizes):
    """Runs ``step`` over the per-step inputs ``xs``; returns (joined outputs, final state).

    With ``batch_sizes`` (packed input, sorted longest first) only the first ``batch_sizes[t]``
    rows run at step t: forward, the rows that finish are set aside (they hold their final
    state); backward in time, rows join with their initial state when their sequence starts.
    """
    n = len(xs)
    outs = [None] * n
    if batch_sizes is None:
        for t in range(n - 1, -1, -1) if reverse else range(n):
            outs[t], state = step(xs[t], state)
        return stack(outs, 0), state
    if not reverse:
        done = []
        for t in range(n):
            bs = batch_sizes[t]
            if bs < state[0].shape[0]:
                done.append(tuple(s[bs:] for s in state))
                state = tuple(s[:bs] for s in state)
            outs[t], state = step(xs[t], state)
        if done:
            parts = [state] + done[::-1]
            state = tuple(cat([p[j] for p in parts], 0) for j in range(len(state)))
        return cat(outs, 0), state
    full = state
    state = tuple(s[: batch_sizes[-1]] for s in full)
    for t in range(n - 1, -1, -1):
        bs, cur = batch_sizes[t], state[0].shape[0]
        if bs > cur:
            state = tuple(cat([s, f[cur:bs]], 0) for s, f in zip(state, full))
        outs[t], state = step(xs[t], state)
    return cat(outs, 0), state


def _check_args(mode, hidden_size, num_layers, dropout, proj_size):
    if (
        not isinstance(dropout, numbers.Number)
        or isinstance(dropout, bool)
        or not 0 <= dropout <= 1
    ):
        raise ValueError(
            "dropout should be a number in range [0, 1] representing the probability of an "
            "element being zeroed"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero "
            f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
            f"num_layers={num_layers}",
            UserWarning,
            stacklevel=3,
        )
    if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    if proj_size and mode != "LSTM":
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if mode not in _GATES:
        raise ValueError(f"Unrecognized RNN mode: {mode}")


class RNN(RNNBase):
    """Multi-layer Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Args:
        input_size: features of the input ``x``.
        hidden_size: features of the hidden state ``h``.
        num_layers: stacked layers. Default: 1.
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.
        bias: whether to use ``b_ih`` and ``b_hh``. Default: True.
        batch_first: input and output are ``(B, T, *)``. Default: False.
        dropout: dropout on each layer's output except the last (training only). Default: 0.
        bidirectional: a second, time-reversed RNN per layer. Default: False.

    Shape:
        input ``(T, B, input_size)`` (``(B, T, ...)`` with batch_first, or unbatched
        ``(T, input_size)``, or a ``PackedSequence``); h_0 ``(D * num_layers, B, hidden_size)``.
        Returns ``(output, h_n)``: output ``(T, B, D * hidden_size)``, h_n like h_0.

    Example:
        >>> import eagergrad as eg
        >>> rnn = eg.nn.RNN(10, 20, 2)
        >>> out, h_n = rnn(eg.randn(5, 3, 10))
        >>> out.shape, h_n.shape
        (eagergrad.Size([5, 3, 20]), eagergrad.Size([2, 3, 20]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s

    def forward(self, input, hx: Tensor | None = None):  # noqa: A002
        out, (h_n,) = self._run(input, None if hx is None else (hx,))
        return out, h_n


class LSTM(RNNBase):
    """Multi-layer long short-term memory (torch.nn.LSTM).

    Per layer and step (gate order i, f, g, o in the weights):
    ``i, f, o = sigmoid(.)``, ``g = tanh(.)`` of ``x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh``;
    ``c_t = f * c_{t-1} + i * g``; ``h_t = o * tanh(c_t)`` (then ``h_t W_hr^T`` with proj_size).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as in
            ``RNN``.
        proj_size: if > 0, project each ``h_t`` to this size with ``weight_hr_l{k}``.

    Shape:
        input as for ``RNN``; ``hx = (h_0, c_0)`` with h_0 ``(D * num_layers, B, H_out)``
        (H_out = proj_size or hidden_size) and c_0 ``(D * num_layers, B, hidden_size)``.
        Returns ``(output, (h_n, c_n))``; output ``(T, B, D * H_out)``.

    Example:
        >>> import eagergrad as eg
        >>> lstm = eg.nn.LSTM(10, 20, 2)
        >>> out, (h_n, c_n) = lstm(eg.randn(5, 3, 10))
        >>> out.shape, h_n.shape, c_n.shape
        (eagergrad.Size([5, 3, 20]), eagergrad.Size([2, 3, 20]), eagergrad.Size([2, 3, 20]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device=device,
            dtype=dtype,
        )

    def forward(self, input, hx=None):  # noqa: A002
        if hx is not None:
            hx = tuple(hx)
            if len(hx) != 2:
                raise RuntimeError("LSTM: Expected hx to be a tuple (h_0, c_0)")
        out, (h_n, c_n) = self._run(input, hx)
        return out, (h_n, c_n)


class GRU(RNNBase):
    """Multi-layer gated recurrent unit (torch.nn.GRU).

    Per step (gate order r, z, n): ``r, z = sigmoid(x W_i^T + b_i + h W_h^T + b_h)``;
    ``n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))``; ``h' = (1 - z) * n + z * h``.

    Args, Shape: as for ``RNN``; returns ``(output, h_n)``.

    Example:
        >>> import eagergrad as eg
        >>> gru = eg.nn.GRU(10, 20, batch_first=True)
        >>> out, h_n = gru(eg.randn(3, 5, 10))
        >>> out.shape, h_n.shape
        (eagergrad.Size([3, 5, 20]), eagergrad.Size([1, 3, 20]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )

    def forward(self, input, hx: Tensor | None = None):  # noqa: A002
        out, (h_n,) = self._run(input, None if hx is None else (hx,))
        return out, h_n


# --- cells -------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """Parameters and checks shared by the cells: ``weight_ih``, ``weight_hh``, biases.

    Example:
        >>> import eagergrad as eg
        >>> cell = eg.nn.GRUCell(4, 8)
        >>> isinstance(cell, eg.nn.RNNCellBase)
        True
        >>> cell.weight_ih.shape, cell.weight_hh.shape
        (eagergrad.Size([24, 4]), eagergrad.Size([24, 8]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        g = num_chunks * hidden_size
        self.weight_ih = Parameter(zeros(g, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(zeros(g, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(zeros(g, device=device, dtype=dtype))
            self.bias_hh = Parameter(zeros(g, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) (torch's)."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _prepare(self, input, hx, n_states):  # noqa: A002
        """(batched input, states, batched?) with zeros for a missing hx."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[-1]} expected "
                f"{self.input_size}"
            )
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            z = zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            return input, (z,) * n_states, batched
        states = tuple(hx) if n_states == 2 else (hx,)
        for s in states:
            if s.dim() != (2 if batched else 1):
                raise RuntimeError(
                    f"{name}: Expected hidden to be {2 if batched else 1}D, got {s.dim()}D instead"
                )
        if not batched:
            states = tuple(s.unsqueeze(0) for s in states)
        return input, states, batched


class RNNCell(RNNCellBase):
    """An Elman RNN cell: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Shape:
        input ``(B, input_size)`` or ``(input_size,)``; hx ``(B, hidden_size)`` (zeros when
        omitted); returns ``h'`` ``(B, hidden_size)``.

    Example:
        >>> import eagergrad as eg
        >>> cell = eg.nn.RNNCell(10, 20)
        >>> cell(eg.randn(3, 10)).shape
        eagergrad.Size([3, 20])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, hx, 1)
        h = _rnn_cell(
            x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity
        )
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """An LSTM cell (one step of ``LSTM``): returns ``(h', c')``.

    Shape:
        input ``(B, input_size)`` or ``(input_size,)``; ``hx = (h, c)``, each
        ``(B, hidden_size)`` (zeros when omitted).

    Example:
        >>> import eagergrad as eg
        >>> cell = eg.nn.LSTMCell(10, 20)
        >>> h, c = cell(eg.randn(3, 10))
        >>> h.shape, c.shape
        (eagergrad.Size([3, 20]), eagergrad.Size([3, 20]))
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx=None):  # noqa: A002
        x, (h, c), batched = self._prepare(input, hx, 2)
        h, c = lstm_cell(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if not batched:
            return h.squeeze(0), c.squeeze(0)
        return h, c


class GRUCell(RNNCellBase):
    """A GRU cell (one step of ``GRU``): returns ``h'``.

    Example:
        >>> import eagergrad as eg
        >>> cell = eg.nn.GRUCell(10, 20)
        >>> cell(eg.randn(3, 10), eg.zeros(3, 20)).shape
        eagergrad.Size([3, 20])
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, hx, 1)
        h = gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)
