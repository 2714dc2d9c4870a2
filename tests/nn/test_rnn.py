"""RNN, LSTM, GRU, the cells and the packed-sequence utilities.

Against torch (copied weights): outputs, final states and every gradient (parameters, input,
initial states) for layers, directions, batch_first, packed input, projections, GRU, RNN relu
and the cells. Without torch: the fused ops' gradients by gradcheck/gradgradcheck, the layer ops
against the per-step ops, packed input against each sequence run alone, and a 100 000-deep graph.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.autograd import gradcheck, gradgradcheck
from eagergrad.nn.modules import rnn as R
from eagergrad.nn.utils import rnn as U

rng = np.random.default_rng(0)


def _np(t):
    return t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(a, b, atol=1e-9, msg=""):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, f"{msg}: shape {a.shape} != {b.shape}"
    np.testing.assert_allclose(a, b, atol=atol, rtol=1e-6, err_msg=msg)


# --- construction ------------------------------------------------------------------------------
def test_lstm_parameter_names_shapes_and_order_match_torch():
    torch = pytest.importorskip("torch")
    for kw in [dict(num_layers=2, bidirectional=True, proj_size=3), dict(bias=False, num_layers=2)]:
        t = torch.nn.LSTM(4, 6, **kw)
        e = R.LSTM(4, 6, **kw)
        assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in t.named_parameters()
        ]
        assert list(e.state_dict()) == list(t.state_dict())


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"])
def test_init_is_uniform_in_one_over_sqrt_hidden(cls):
    m = getattr(R, cls)(3, 16)
    bound = 1 / math.sqrt(16)
    for p in m.parameters():
        a = p.detach().numpy()
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.5 * bound


def test_constructor_errors_and_warning():
    with pytest.raises(ValueError, match="proj_size has to be smaller"):
        R.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        R.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="dropout should be a number"):
        R.RNN(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        R.RNN(3, 4, nonlinearity="gelu")
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        R.LSTM(3, 4, dropout=0.5)


def test_repr():
    assert (
        repr(R.LSTM(10, 20, num_layers=2, batch_first=True))
        == "LSTM(10, 20, num_layers=2, batch_first=True)"
    )
    assert repr(R.GRUCell(3, 4, bias=False)) == "GRUCell(3, 4, bias=False)"


def test_forward_errors():
    m = R.LSTM(3, 4)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        m(eg.zeros(5, 2, 7))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D"):
        m(eg.zeros(3))
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        m(eg.zeros(5, 2, 3), (eg.zeros(1, 3, 4), eg.zeros(1, 2, 4)))


# --- parity with torch -------------------------------------------------------------------------
CONFIGS = [
    # (name, class, kwargs, input layout, packed, with initial state)
    ("lstm", "LSTM", dict(), "batched", False, False),
    (
        "lstm-2l-bi-bf",
        "LSTM",
        dict(num_layers=2, bidirectional=True, batch_first=True),
        "batched",
        False,
        True,
    ),
    (
        "lstm-proj-bi",
        "LSTM",
        dict(num_layers=2, bidirectional=True, proj_size=3),
        "batched",
        False,
        True,
    ),
    ("lstm-packed-bi", "LSTM", dict(num_layers=2, bidirectional=True), "batched", True, True),
    (
        "lstm-packed-bf-proj",
        "LSTM",
        dict(bidirectional=True, batch_first=True, proj_size=2),
        "batched",
        True,
        True,
    ),
    ("lstm-nobias-packed", "LSTM", dict(bias=False), "batched", True, True),
    ("lstm-unbatched-bi", "LSTM", dict(bidirectional=True), "unbatched", False, True),
    ("gru-packed-bi", "GRU", dict(num_layers=2, bidirectional=True), "batched", True, True),
    ("gru-nobias", "GRU", dict(bias=False), "batched", False, True),
    ("gru-bf-unbatched", "GRU", dict(batch_first=True), "unbatched", False, False),
    ("rnn-relu-3l", "RNN", dict(nonlinearity="relu", num_layers=3), "batched", False, True),
    ("rnn-tanh-bi-unbatched", "RNN", dict(bidirectional=True), "unbatched", False, True),
    ("rnn-tanh-packed-bf", "RNN", dict(batch_first=True, num_layers=2), "batched", True, False),
]


def _run_pair(torch, cls, kw, layout, packed, with_state, per_step=False, seed=0):
    """Runs torch and eagergrad on the same weights/data; returns everything to compare."""
    T, B, I, H = 5, 3, 4, 6
    torch.manual_seed(seed)
    tm = getattr(torch.nn, cls)(I, H, **kw).double()
    em = getattr(R, cls)(I, H, **kw).double()
    em._per_step = per_step
    em.load_state_dict({k: eg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    r = np.random.default_rng(seed)
    bf = kw.get("batch_first", False)
    shape = ((B, T, I) if bf else (T, B, I)) if layout == "batched" else (T, I)
    x = r.standard_normal(shape)
    xt, xe = torch.tensor(x, requires_grad=True), eg.tensor(x, requires_grad=True)
    it, ie = xt, xe
    if packed:
        lengths = [5, 2, 4]
        it = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, bf, enforce_sorted=False)
        ie = U.pack_padded_sequence(xe, lengths, bf, enforce_sorted=False)
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    P = kw.get("proj_size", 0) or H
    states_t, states_e = [], []
    if with_state:
        lead = (L * D, B) if layout == "batched" else (L * D,)
        shapes = [lead + (P,)] + ([lead + (H,)] if cls == "LSTM" else [])
        for s in shapes:
            a = r.standard_normal(s)
            states_t.append(torch.tensor(a, requires_grad=True))
            states_e.append(eg.tensor(a, requires_grad=True))
    args_t = [] if not with_state else [tuple(states_t) if cls == "LSTM" else states_t[0]]
    args_e = [] if not with_state else [tuple(states_e) if cls == "LSTM" else states_e[0]]
    ot, st = tm(it, *args_t)
    oe, se = em(ie, *args_e)
    if packed:
        assert isinstance(oe, U.PackedSequence)
        _close(oe.batch_sizes, ot.batch_sizes)
        ot, oe = ot.data, oe.data
    st = st if cls == "LSTM" else (st,)
    se = se if cls == "LSTM" else (se,)
    up = [r.standard_normal(tuple(a.shape)) for a in (ot, *st)]
    loss_t = sum((a * torch.tensor(u)).sum() for a, u in zip((ot, *st), up))
    loss_e = sum((a * eg.tensor(u)).sum() for a, u in zip((oe, *se), up))
    loss_t.backward()
    loss_e.backward()
    return tm, em, (ot, oe), list(zip(st, se)), (xt, xe), list(zip(states_t, states_e))


@pytest.mark.parametrize(
    "name,cls,kw,layout,packed,with_state", CONFIGS, ids=[c[0] for c in CONFIGS]
)
def test_module_matches_torch(name, cls, kw, layout, packed, with_state):
    torch = pytest.importorskip("torch")
    tm, em, (ot, oe), states, (xt, xe), init = _run_pair(torch, cls, kw, layout, packed, with_state)
    _close(oe, ot, msg="output")
    for i, (a, b) in enumerate(states):
        _close(b, a, msg=f"final state {i}")
    eparams = dict(em.named_parameters())
    for n, p in tm.named_parameters():
        _close(eparams[n].grad, p.grad, msg=f"grad of {n}")
    _close(xe.grad, xt.grad, msg="grad of input")
    for i, (a, b) in enumerate(init):
        _close(b.grad, a.grad, msg=f"grad of initial state {i}")


@pytest.mark.parametrize(
    "name,cls,kw,layout,packed,with_state",
    [CONFIGS[i] for i in (1, 2, 4, 7, 10, 12)],
    ids=[CONFIGS[i][0] for i in (1, 2, 4, 7, 10, 12)],
)
def test_per_step_ops_match_torch(name, cls, kw, layout, packed, with_state):
    """The per-step path (the fused step ops the cells use) gives the same results."""
    torch = pytest.importorskip("torch")
    tm, em, (ot, oe), states, (xt, xe), init = _run_pair(
        torch, cls, kw, layout, packed, with_state, per_step=True
    )
    _close(oe, ot, msg="output")
    for a, b in states:
        _close(b, a)
    eparams = dict(em.named_parameters())
    for n, p in tm.named_parameters():
        _close(eparams[n].grad, p.grad, msg=f"grad of {n}")
    _close(xe.grad, xt.grad)


def test_lstm_float32_default_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = torch.nn.LSTM(8, 16, num_layers=2)
    em = R.LSTM(8, 16, num_layers=2)
    em.load_state_dict({k: eg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = rng.standard_normal((7, 4, 8)).astype(np.float32)
    ot, (ht, ct) = tm(torch.tensor(x))
    oe, (he, ce) = em(eg.tensor(x))
    assert oe.dtype == eg.float32 and he.dtype == eg.float32
    for a, b in ((oe, ot), (he, ht), (ce, ct)):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-5)
    ot.sum().backward()
    oe.sum().backward()
    for n, p in tm.named_parameters():
        np.testing.assert_allclose(_np(getattr(em, n).grad), _np(p.grad), atol=1e-4)


CELLS = [
    ("RNNCell", dict()),
    ("RNNCell", dict(nonlinearity="relu")),
    ("GRUCell", dict()),
    ("LSTMCell", dict()),
    ("LSTMCell", dict(bias=False)),
    ("GRUCell", dict(bias=False)),
]


@pytest.mark.parametrize("cls,kw", CELLS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CELLS)])
@pytest.mark.parametrize("batched", [True, False])
def test_cell_matches_torch_over_a_loop(cls, kw, batched):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls)(4, 5, **kw).double()
    em = getattr(R, cls)(4, 5, **kw).double()
    em.load_state_dict({k: eg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    xs = rng.standard_normal((6, 3, 4) if batched else (6, 4))
    xt, xe = torch.tensor(xs, requires_grad=True), eg.tensor(xs, requires_grad=True)
    st, se = None, None
    loss_t, loss_e = 0, 0
    for t in range(6):
        st = tm(xt[t], st)
        se = em(xe[t], se)
        ht, he = (st[0], se[0]) if cls == "LSTMCell" else (st, se)
        _close(he, ht, msg=f"step {t}")
        w = rng.standard_normal(tuple(ht.shape))
        loss_t = loss_t + (ht * torch.tensor(w)).sum()
        loss_e = loss_e + (he * eg.tensor(w)).sum()
    loss_t.backward()
    loss_e.backward()
    for n, p in tm.named_parameters():
        _close(getattr(em, n).grad, p.grad, msg=f"grad of {n}")
    _close(xe.grad, xt.grad)


def test_dropout_between_layers_only_in_training():
    m = R.LSTM(3, 4, num_layers=3, dropout=0.5)
    x = eg.randn(5, 2, 3)
    m.eval()
    a, _ = m(x)
    b, _ = m(x)
    _close(a, b, atol=0)
    m.train()
    eg.manual_seed(1)
    c, _ = m(x)
    eg.manual_seed(2)
    d, _ = m(x)
    assert not np.allclose(_np(c), _np(d))
    # A one-layer network has no layer boundary: dropout does nothing.
    with pytest.warns(UserWarning):
        one = R.GRU(3, 4, dropout=0.9)
    e1, _ = one(x)
    e2, _ = one(x)
    _close(e1, e2, atol=0)


# --- packed sequences --------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_equals_each_sequence_alone(cls, bidirectional):
    m = getattr(R, cls)(3, 4, num_layers=2, bidirectional=bidirectional).double()
    lengths = [2, 6, 1, 4]
    seqs = [eg.tensor(rng.standard_normal((n, 3))) for n in lengths]
    packed = U.pack_sequence(seqs, enforce_sorted=False)
    out, state = m(packed)
    padded, lens = U.pad_packed_sequence(out)
    assert lens.tolist() == lengths
    h_n = state[0] if cls == "LSTM" else state
    for b, s in enumerate(seqs):
        o1, st1 = m(s)  # unbatched: (T, F)
        h1 = st1[0] if cls == "LSTM" else st1
        _close(padded[: lengths[b], b], o1, atol=1e-12, msg=f"output of sequence {b}")
        assert float(padded[lengths[b] :, b].abs().sum()) == 0.0
        _close(h_n[:, b], h1, atol=1e-12, msg=f"final state of sequence {b}")


def test_pack_pad_utilities_match_torch():
    torch = pytest.importorskip("torch")
    tr = torch.nn.utils.rnn
    arrays = [rng.standard_normal((n, 2)) for n in (2, 5, 3, 5, 1)]
    te = [eg.tensor(a) for a in arrays]
    tt = [torch.tensor(a) for a in arrays]
    for bf in (False, True):
        for side in ("right", "left"):
            _close(U.pad_sequence(te, bf, -1.0, side), tr.pad_sequence(tt, bf, -1.0, side))
        pe, pt = U.pack_sequence(te, enforce_sorted=False), tr.pack_sequence(tt, False)
        for a, b in zip(pe, pt):
            _close(a, b)
        (ae, le), (at, lt) = (
            U.pad_packed_sequence(pe, bf, 7.0, 6),
            tr.pad_packed_sequence(pt, bf, 7.0, 6),
        )
        _close(ae, at)
        _close(le, lt)
        assert le.dtype == eg.int64
    sorted_seqs = sorted(te, key=lambda s: -s.shape[0])
    p = U.pack_sequence(sorted_seqs)
    assert p.sorted_indices is None and p.unsorted_indices is None
    assert [s.shape[0] for s in U.unpack_sequence(p)] == [5, 5, 3, 2, 1]
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        U.pack_sequence(te)
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        U.pad_packed_sequence(p, total_length=2)


def test_packing_is_differentiable():
    x = eg.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    p = U.pack_padded_sequence(x, [4, 1, 3], enforce_sorted=False)
    padded, _ = U.pad_packed_sequence(p, padding_value=5.0)
    padded.sum().backward()
    mask = np.zeros((4, 3, 2))
    for b, n in enumerate([4, 1, 3]):
        mask[:n, b] = 1
    _close(x.grad, mask, atol=0)


# --- gradients of the fused ops (no torch needed) ----------------------------------------------
def _t(*shape, scale=1.0):
    return eg.tensor(rng.standard_normal(shape) * scale, requires_grad=True)


def test_step_ops_gradcheck_and_gradgradcheck():
    B, I, H = 2, 3, 3
    lstm = lambda xg, h, c, w, b: R.LSTMStep.apply(xg, h, c, w, b)  # noqa: E731
    args = (_t(B, 4 * H), _t(B, H), _t(B, H), _t(4 * H, H, scale=0.5), _t(4 * H))
    assert gradcheck(lstm, args)
    assert gradgradcheck(lstm, args)
    gru = lambda xg, h, w, b: R.GRUStep.apply(xg, h, w, b)  # noqa: E731
    args = (_t(B, 3 * H), _t(B, H), _t(3 * H, H, scale=0.5), _t(3 * H))
    assert gradcheck(gru, args)
    assert gradgradcheck(gru, args)
    for nl in ("tanh", "relu"):
        rnn = lambda xg, h, w, nl=nl: R.RNNStep.apply(xg, h, w, nonlinearity=nl)  # noqa: E731
        args = (_t(B, H), _t(B, H), _t(H, H, scale=0.5))
        assert gradcheck(rnn, args)
        assert gradgradcheck(rnn, args)
    del I


@pytest.mark.parametrize("reverse", [False, True])
def test_layer_ops_gradcheck_and_gradgradcheck(reverse):
    H, P, sizes = 3, 2, (3, 3, 2, 1)
    n = sum(sizes)
    kw = dict(batch_sizes=sizes, reverse=reverse)
    lstm = lambda xg, h, c, w, wr: R.LSTMLayer.apply(xg, h, c, w, wr, **kw)  # noqa: E731
    args = (_t(n, 4 * H), _t(3, P), _t(3, H), _t(4 * H, P, scale=0.5), _t(P, H))
    assert gradcheck(lstm, args)
    assert gradgradcheck(lstm, args)
    gru = lambda xg, h, w, b: R.GRULayer.apply(xg, h, w, b, **kw)  # noqa: E731
    args = (_t(n, 3 * H), _t(3, H), _t(3 * H, H, scale=0.5), _t(3 * H))
    assert gradcheck(gru, args)
    assert gradgradcheck(gru, args)
    rnn = lambda xg, h, w: R.RNNLayer.apply(xg, h, w, nonlinearity="tanh", **kw)  # noqa: E731
    args = (_t(n, H), _t(3, H), _t(H, H, scale=0.5))
    assert gradcheck(rnn, args)
    assert gradgradcheck(rnn, args)


def test_module_double_backward():
    m = R.GRU(2, 3, bidirectional=True).double()
    x = eg.tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    out, _ = m(x)
    (g,) = eg.autograd.grad(out.pow(2).sum(), x, create_graph=True)
    g.sum().backward()
    assert m.weight_hh_l0.grad is not None and np.isfinite(_np(m.weight_hh_l0.grad)).all()


# --- dynamic and deep graphs -------------------------------------------------------------------
def test_backward_through_a_100k_deep_graph():
    """50 000 steps of h = h * w + 1 is a chain 100 000 nodes deep; with w = 1, h_k = h0 + k
    and dh_T/dw = sum_k h_k, exactly."""
    steps = 50_000
    w = eg.tensor(1.0, dtype=eg.float64, requires_grad=True)
    h0 = eg.tensor(0.5, dtype=eg.float64, requires_grad=True)
    h = h0
    for _ in range(steps):
        h = h * w + 1
    h.backward()
    assert float(w.grad) == steps * 0.5 + steps * (steps - 1) / 2
    assert float(h0.grad) == 1.0


def test_rnn_cell_unrolled_8k_steps_matches_numpy_bptt():
    """A long unroll of the fused cell op (16 000 nodes) against a hand-written BPTT."""
    steps, H = 8_000, 2
    cell = R.RNNCell(1, H).double()
    xs = rng.standard_normal((steps, 1, 1)) * 0.5
    h = None
    for t in range(steps):
        h = cell(eg.tensor(xs[t]), h)
    h.sum().backward()
    wi, wh = _np(cell.weight_ih), _np(cell.weight_hh)
    b = _np(cell.bias_ih) + _np(cell.bias_hh)
    hs = [np.zeros((1, H))]
    for t in range(steps):
        hs.append(np.tanh(xs[t] @ wi.T + hs[-1] @ wh.T + b))
    g, gwh = np.ones((1, H)), np.zeros_like(wh)
    for t in range(steps, 0, -1):
        d = g * (1 - hs[t] ** 2)
        gwh += d.T @ hs[t - 1]
        g = d @ wh
    _close(h, hs[-1], atol=1e-12)
    _close(cell.weight_hh.grad, gwh, atol=1e-9)


def test_graph_follows_the_input_structure():
    """A recursive tree network: the graph has one node per tree node, built in plain Python."""
    cell = R.RNNCell(3, 3).double()
    leaf = eg.tensor(rng.standard_normal(3))

    def encode(tree):
        if tree is None:
            return leaf
        left, right = encode(tree[0]), encode(tree[1])
        return cell(left, right)

    deep = None
    for _ in range(50):
        deep = (deep, None)
    out = encode(((None, None), deep))
    out.sum().backward()
    assert cell.weight_hh.grad is not None and np.isfinite(_np(cell.weight_hh.grad)).all()


def test_no_grad_forward_records_nothing_and_matches():
    m = R.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = eg.randn(6, 2, 3)
    out, (h, c) = m(x)
    with eg.no_grad():
        out2, (h2, c2) = m(x)
    assert out2.grad_fn is None and not out2.requires_grad
    for a, b in ((out, out2), (h, h2), (c, c2)):
        _close(a, b, atol=0)
