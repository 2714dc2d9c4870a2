"""MultiheadAttention / F.multi_head_attention_forward extras: kdim/vdim (separate projection
weights), add_bias_kv, add_zero_attn, static_k/static_v; gradchecks, torch comparisons, errors."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
from eagergrad import nn
from eagergrad.nn import functional as F

from ._helpers import assert_close, copy_state

E, H = 4, 2  # small sizes keep the float64 gradchecks fast
CONFIGS = [
    dict(add_bias_kv=True),
    dict(add_zero_attn=True),
    dict(kdim=5, vdim=3),
    dict(kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True),
    dict(kdim=5, vdim=3, bias=False, add_bias_kv=True),
]


def _rand(rng, *shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def _t64(a, requires_grad=True):
    return eg.tensor(a, dtype=eg.float64, requires_grad=requires_grad)


# --- parameters, state_dict, init ----------------------------------------------------------------
@pytest.mark.parametrize(
    "kw,names",
    [
        (
            dict(kdim=5, vdim=3),
            ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
             "out_proj.weight", "out_proj.bias"],
        ),
        (
            dict(add_bias_kv=True),
            ["in_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
             "out_proj.bias"],
        ),
        (
            dict(kdim=5, vdim=3, add_bias_kv=True, bias=False),
            ["q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k", "bias_v",
             "out_proj.weight"],
        ),
    ],
)
def test_parameter_names_and_shapes(kw, names):
    m = nn.MultiheadAttention(8, 2, **kw)
    assert list(m.state_dict()) == names
    shapes = {n: tuple(p.shape) for n, p in m.named_parameters()}
    kdim, vdim = kw.get("kdim", 8), kw.get("vdim", 8)
    expected = {
        "in_proj_weight": (24, 8), "q_proj_weight": (8, 8), "k_proj_weight": (8, kdim),
        "v_proj_weight": (8, vdim), "in_proj_bias": (24,), "bias_k": (1, 1, 8),
        "bias_v": (1, 1, 8), "out_proj.weight": (8, 8), "out_proj.bias": (8,),
    }
    assert shapes == {n: expected[n] for n in names}
    assert m._qkv_same_embed_dim == ("kdim" not in kw)
    if "kdim" in kw:
        assert m.in_proj_weight is None and (m.kdim, m.vdim) == (5, 3)
    else:
        assert m.q_proj_weight is None and m.k_proj_weight is None and m.v_proj_weight is None
    assert m.add_zero_attn is False
    if "add_bias_kv" not in kw:
        assert m.bias_k is None and m.bias_v is None


def test_kdim_equal_to_embed_dim_keeps_the_packed_weight():
    m = nn.MultiheadAttention(8, 2, kdim=8, vdim=8)
    assert m._qkv_same_embed_dim and m.in_proj_weight.shape == (24, 8)


@pytest.mark.torch
@pytest.mark.parametrize("kw", CONFIGS + [dict(), dict(kdim=8, vdim=8, add_zero_attn=True)])
def test_state_dict_keys_match_torch(kw):
    torch = pytest.importorskip("torch")
    tm, em = torch.nn.MultiheadAttention(8, 2, **kw), nn.MultiheadAttention(8, 2, **kw)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert repr(em) == repr(tm)
    tm2 = torch.nn.MultiheadAttention(8, 2, **kw)  # and the state dict loads back into torch
    tm2.load_state_dict({k: torch.tensor(v.numpy()) for k, v in em.state_dict().items()})


def test_init_schemes():
    m = nn.MultiheadAttention(64, 4, kdim=32, vdim=16, add_bias_kv=True)
    for name, fan_in in (("q_proj_weight", 64), ("k_proj_weight", 32), ("v_proj_weight", 16)):
        w = getattr(m, name).detach().numpy()
        bound = np.sqrt(6.0 / (64 + fan_in))  # xavier_uniform_
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound, name
        assert abs(w.std() - bound / np.sqrt(3)) < 0.1 * bound, name
    # xavier_normal_ on (1, 1, E): fan_in = fan_out = E, std = sqrt(2 / (2E))
    both = np.concatenate([m.bias_k.detach().numpy().ravel(), m.bias_v.detach().numpy().ravel()])
    assert abs(both.std() - np.sqrt(1 / 64)) < 0.3 * np.sqrt(1 / 64)
    assert not np.any(m.in_proj_bias.detach().numpy())
    assert not np.any(m.out_proj.bias.detach().numpy())


# --- gradchecks (float64) -------------------------------------------------------------------------
def _mha(q, k, v, wq, wk, wv, b_in, bias_k, bias_v, w_out, add_zero_attn, **kw):
    return F.multi_head_attention_forward(
        q, k, v, E, H, None, b_in, bias_k, bias_v, add_zero_attn, 0.0, w_out, None,
        use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
        v_proj_weight=wv, **kw,
    )


@pytest.mark.parametrize("need_weights", [True, False])
def test_gradcheck_separate_weights_bias_kv_zero_attn(need_weights):
    rng = np.random.default_rng(1)
    L, S, N, kdim, vdim = 2, 3, 2, 3, 5
    args = [
        _rand(rng, L, N, E), _rand(rng, S, N, kdim), _rand(rng, S, N, vdim),
        _rand(rng, E, E), _rand(rng, E, kdim), _rand(rng, E, vdim), _rand(rng, 3 * E),
        _rand(rng, 1, 1, E), _rand(rng, 1, 1, E), _rand(rng, E, E),
    ]
    kpm = np.zeros((N, S), dtype=bool)
    kpm[1, 0] = True
    fmask = _rand(rng, L, S)

    def f(*ts):
        out, w = _mha(*ts, True, key_padding_mask=eg.tensor(kpm), attn_mask=eg.tensor(fmask),
                      need_weights=need_weights, average_attn_weights=False)
        return (out, w) if need_weights else out

    assert eg.autograd.gradcheck(f, tuple(_t64(a) for a in args))


def test_gradcheck_float_masks_are_differentiable():
    rng = np.random.default_rng(2)
    L, S, N = 2, 3, 1
    wq, wk, wv = _rand(rng, E, E), _rand(rng, E, E), _rand(rng, E, E)
    x, mem = _t64(_rand(rng, L, N, E), False), _t64(_rand(rng, S, N, E), False)

    def f(bias_k, bias_v, amask, kpm):
        return _mha(x, mem, mem, _t64(wq, False), _t64(wk, False), _t64(wv, False), None,
                    bias_k, bias_v, _t64(np.eye(E), False), True, key_padding_mask=kpm,
                    attn_mask=amask)[0]

    args = (_rand(rng, 1, 1, E), _rand(rng, 1, 1, E), _rand(rng, N * H, L, S), _rand(rng, N, S))
    assert eg.autograd.gradcheck(f, tuple(_t64(a) for a in args))


def test_gradcheck_static_kv():
    rng = np.random.default_rng(3)
    L, S, Sk, N = 2, 3, 4, 2
    w_in, b_in, w_out = _rand(rng, 3 * E, E), _rand(rng, 3 * E), _rand(rng, E, E)
    x, mem = _rand(rng, L, N, E), _rand(rng, S, N, E)

    def f(q, w_in, b_in, w_out, static_k, static_v):
        k = _t64(mem, False)
        return F.multi_head_attention_forward(
            q, k, k, E, H, w_in, b_in, None, None, True, 0.0, w_out, None,
            static_k=static_k, static_v=static_v,
        )

    args = (x, w_in, b_in, w_out, _rand(rng, N * H, Sk, E // H), _rand(rng, N * H, Sk, E // H))
    assert eg.autograd.gradcheck(f, tuple(_t64(a) for a in args))


def test_gradcheck_module_unbatched_batch_first():
    rng = np.random.default_rng(4)
    m = nn.MultiheadAttention(E, H, kdim=3, vdim=2, add_bias_kv=True, batch_first=True,
                              dtype=eg.float64)
    kpm = eg.tensor([False, True, False])

    def f(q, k, v):
        return m(q, k, v, key_padding_mask=kpm)

    args = (_rand(rng, 2, E), _rand(rng, 3, 3), _rand(rng, 3, 2))
    assert eg.autograd.gradcheck(f, tuple(_t64(a) for a in args))


def test_weights_shape_counts_extra_columns():
    m = nn.MultiheadAttention(E, H, add_bias_kv=True, add_zero_attn=True, batch_first=True)
    x = eg.randn(3, 5, E)
    out, w = m(x, x, x)
    assert out.shape == (3, 5, E) and w.shape == (3, 5, 7)
    np.testing.assert_allclose(w.detach().numpy().sum(-1), 1.0, rtol=1e-5)
    out, w = m(x, x, x, average_attn_weights=False)
    assert w.shape == (3, H, 5, 7)
    out, w = m(x[0], x[0], x[0])  # unbatched
    assert out.shape == (5, E) and w.shape == (5, 7)
    m.train()
    m.dropout = 0.5
    assert m(x, x, x, need_weights=False)[0].shape == (3, 5, E)


def test_zero_attn_with_fully_masked_keys_attends_the_zero_key():
    # every real key padded: only the zero key (added after the mask) is attended, so the
    # output is out_proj(0) = out_proj.bias, finite
    m = nn.MultiheadAttention(E, H, add_zero_attn=True)
    nn.init.normal_(m.out_proj.bias)
    x = eg.randn(3, 2, E)
    kpm = eg.ones(2, 3, dtype=eg.bool)
    out, w = m(x, x, x, key_padding_mask=kpm)
    np.testing.assert_allclose(out.detach().numpy(),
                               np.broadcast_to(m.out_proj.bias.detach().numpy(), (3, 2, E)),
                               rtol=1e-6)
    np.testing.assert_allclose(w.detach().numpy()[..., -1], 1.0)


# --- versus torch ---------------------------------------------------------------------------------
def _masks(rng, kind, L, S, N):
    if kind is None:
        return None, None
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0, -1] = True
    amask = np.triu(np.ones((L, S), dtype=bool), 1)
    if kind == "bool":
        return amask, kpm
    return (np.where(amask, -np.inf, _rand(rng, L, S, dtype=np.float32)).astype(np.float32),
            np.where(kpm, -1e4, 0.0).astype(np.float32))


def _run_both(torch, tm, em, arrays, grad_inputs=True, **kw):
    t_in = [torch.tensor(a, requires_grad=grad_inputs) for a in arrays]
    e_in = [eg.tensor(a, requires_grad=grad_inputs) for a in arrays]
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    ekw = {k: eg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    to, tw = tm(*t_in, **tkw)
    eo, ew = em(*e_in, **ekw)
    return t_in, e_in, to, tw, eo, ew


@pytest.mark.torch
@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mask", [None, "bool", "float"])
def test_module_matches_torch(kw, batch_first, mask):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first, **kw)
    em = nn.MultiheadAttention(8, 2, batch_first=batch_first, **kw)
    copy_state(tm, em)
    L, S, N = 3, 4, 2
    kdim, vdim = kw.get("kdim", 8), kw.get("vdim", 8)

    def shape(n, d):
        return (N, n, d) if batch_first else (n, N, d)

    arrays = [_rand(rng, *shape(L, 8), dtype=np.float32),
              _rand(rng, *shape(S, kdim), dtype=np.float32),
              _rand(rng, *shape(S, vdim), dtype=np.float32)]
    amask, kpm = _masks(rng, mask, L, S, N)
    for need_weights, average in ((True, True), (True, False), (False, True)):
        t_in, e_in, to, tw, eo, ew = _run_both(
            torch, tm, em, arrays, attn_mask=amask, key_padding_mask=kpm,
            need_weights=need_weights, average_attn_weights=average,
        )
        assert_close(eo, to, 1e-5, 1e-4, "output")
        if need_weights:
            assert_close(ew, tw, 1e-6, 1e-4, "weights")
        else:
            assert tw is None and ew is None
        g = _rand(rng, *to.shape, dtype=np.float32)
        (to * torch.tensor(g)).sum().backward()
        (eo * eg.tensor(g)).sum().backward()
        for i, (a, b) in enumerate(zip(e_in, t_in)):
            assert_close(a.grad, b.grad, 1e-5, 1e-4, f"grad of input {i}")
    tparams = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        assert_close(p.grad, tparams[n].grad, 1e-5, 1e-4, n)


@pytest.mark.torch
@pytest.mark.parametrize("kw", [dict(add_bias_kv=True, add_zero_attn=True),
                                dict(kdim=5, vdim=3, add_bias_kv=True)])
def test_module_unbatched_and_self_attention_match_torch(kw):
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    tm, em = torch.nn.MultiheadAttention(8, 4, **kw), nn.MultiheadAttention(8, 4, **kw)
    copy_state(tm, em)
    kdim, vdim = kw.get("kdim", 8), kw.get("vdim", 8)
    arrays = [_rand(rng, 3, 8, dtype=np.float32), _rand(rng, 5, kdim, dtype=np.float32),
              _rand(rng, 5, vdim, dtype=np.float32)]
    kpm = np.array([0.0, 0.0, -np.inf, 0.0, -1e4], dtype=np.float32)  # same dtype as attn_mask
    amask = _rand(rng, 4, 3, 5, dtype=np.float32)  # 3-D (num_heads, L, S) unbatched mask
    t_in, e_in, to, tw, eo, ew = _run_both(torch, tm, em, arrays, key_padding_mask=kpm,
                                           attn_mask=amask, average_attn_weights=False)
    assert_close(eo, to, 1e-5, 1e-4, "output")
    assert_close(ew, tw, 1e-6, 1e-4, "weights")
    to.sum().backward()
    eo.sum().backward()
    for a, b in zip(e_in, t_in):
        assert_close(a.grad, b.grad, 1e-5, 1e-4, "input grad")
    if "kdim" not in kw:  # self-attention (query is key is value) takes the packed projection
        x = _rand(rng, 2, 3, 8, dtype=np.float32)
        to = tm(*(torch.tensor(x),) * 3)[0]
        eo = em(*(eg.tensor(x),) * 3)[0]
        assert_close(eo, to, 1e-5, 1e-4, "self-attention")


@pytest.mark.torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_is_causal_hint_matches_torch(need_weights):
    # with no key_padding_mask and need_weights=False torch replaces the mask by a causal one
    # (so the bias_k column is not attended); otherwise the given, padded mask is used
    torch = pytest.importorskip("torch")
    torch.manual_seed(2)
    rng = np.random.default_rng(2)
    kw = dict(add_bias_kv=True, batch_first=True)
    tm, em = torch.nn.MultiheadAttention(8, 2, **kw), nn.MultiheadAttention(8, 2, **kw)
    copy_state(tm, em)
    x = _rand(rng, 2, 4, 8, dtype=np.float32)
    mask = np.triu(np.ones((4, 4), dtype=bool), 1)
    t_in, e_in, to, tw, eo, ew = _run_both(torch, tm, em, [x, x, x], attn_mask=mask,
                                           need_weights=need_weights, is_causal=True)
    assert_close(eo, to, 1e-5, 1e-4, "output")


@pytest.mark.torch
def test_fully_masked_rows_match_torch():
    # need_weights=False goes through torch's scaled_dot_product_attention (zeros for fully
    # masked rows); need_weights=True through a plain softmax (nan)
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    tm, em = torch.nn.MultiheadAttention(8, 2, kdim=4, vdim=4), nn.MultiheadAttention(8, 2,
                                                                                     kdim=4, vdim=4)
    copy_state(tm, em)
    arrays = [_rand(rng, 2, 1, 8, dtype=np.float32), _rand(rng, 2, 1, 4, dtype=np.float32),
              _rand(rng, 2, 1, 4, dtype=np.float32)]
    mask = np.array([[True, True], [False, True]])
    for need_weights in (True, False):
        _, _, to, _, eo, _ = _run_both(torch, tm, em, arrays, grad_inputs=False, attn_mask=mask,
                                       need_weights=need_weights)
        assert_close(eo, to, 1e-5, 1e-4, f"need_weights={need_weights}")


def _functional_args(torch_or_eg, arrays, names):
    if torch_or_eg is eg:
        return {n: eg.tensor(a, requires_grad=True) for n, a in zip(names, arrays)}
    return {n: torch_or_eg.tensor(a, requires_grad=True) for n, a in zip(names, arrays)}


@pytest.mark.torch
@pytest.mark.parametrize("packed", [True, False])
@pytest.mark.parametrize("add_zero_attn", [False, True])
def test_functional_static_kv_matches_torch(packed, add_zero_attn):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    L, S, Sk, N, hd = 3, 4, 6, 2, E // H
    names = ["query", "key", "value", "w_in", "b_in", "wq", "wk", "wv", "w_out", "b_out",
             "static_k", "static_v"]
    shapes = [(L, N, E), (S, N, E), (S, N, 3), (3 * E, E), (3 * E,), (E, E), (E, E), (E, 3),
              (E, E), (E,), (N * H, Sk, hd), (N * H, Sk, hd)]
    arrays = [_rand(rng, *s) for s in shapes]
    kpm = np.zeros((N, Sk), dtype=bool)  # static_k's length; padded for the zero attention
    kpm[1, 1] = True
    results = []
    for lib in (torch, eg):
        a = _functional_args(lib, arrays, names)
        out, w = lib.nn.functional.multi_head_attention_forward(
            a["query"], a["key"], a["key"] if packed else a["value"], E, H,
            a["w_in"] if packed else None, a["b_in"], None, None, add_zero_attn, 0.0,
            a["w_out"], a["b_out"], key_padding_mask=lib.tensor(kpm),
            use_separate_proj_weight=not packed, q_proj_weight=a["wq"],
            k_proj_weight=a["wk"], v_proj_weight=a["wv"], static_k=a["static_k"],
            static_v=a["static_v"],
        )
        (out.sum() + (w * w).sum()).backward()
        results.append((out, w, a))
    (to, tw, ta), (eo, ew, ea) = results
    assert_close(eo, to, 1e-10, 1e-8, "output")
    assert_close(ew, tw, 1e-10, 1e-8, "weights")
    for n in names:
        if ta[n].grad is None:
            assert ea[n].grad is None, n
        else:
            assert_close(ea[n].grad, ta[n].grad, 1e-10, 1e-8, f"grad of {n}")


@pytest.mark.torch
def test_functional_separate_weights_3d_mask_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    L, S, N = 3, 4, 2
    names = ["query", "key", "value", "b_in", "bias_k", "bias_v", "wq", "wk", "wv", "w_out",
             "amask"]
    shapes = [(L, N, E), (S, N, 5), (S, N, 2), (3 * E,), (1, 1, E), (1, 1, E), (E, E), (E, 5),
              (E, 2), (E, E), (N * H, L, S)]
    arrays = [_rand(rng, *s) for s in shapes]
    results = []
    for lib in (torch, eg):
        a = _functional_args(lib, arrays, names)
        out, w = lib.nn.functional.multi_head_attention_forward(
            a["query"], a["key"], a["value"], E, H, None, a["b_in"], a["bias_k"], a["bias_v"],
            True, 0.0, a["w_out"], None, attn_mask=a["amask"], use_separate_proj_weight=True,
            q_proj_weight=a["wq"], k_proj_weight=a["wk"], v_proj_weight=a["wv"],
            average_attn_weights=False,
        )
        (out.sum() + (w * w).sum()).backward()
        results.append((out, w, a))
    (to, tw, ta), (eo, ew, ea) = results
    assert_close(eo, to, 1e-10, 1e-8, "output")
    assert_close(ew, tw, 1e-10, 1e-8, "weights")
    for n in names:
        assert_close(ea[n].grad, ta[n].grad, 1e-10, 1e-8, f"grad of {n}")


# --- errors ---------------------------------------------------------------------------------------
def _error_cases(lib):
    """(name, call) pairs that must raise; each call builds its inputs with ``lib``."""
    L, S, N = 2, 3, 2

    def z(*shape, dtype=None):
        return lib.zeros(*shape, dtype=dtype or lib.float64)

    base = dict(query=z(L, N, E), key=z(S, N, E), value=z(S, N, E), embed_dim_to_check=E,
                num_heads=H, in_proj_weight=z(3 * E, E), in_proj_bias=z(3 * E), bias_k=None,
                bias_v=None, add_zero_attn=False, dropout_p=0.0, out_proj_weight=z(E, E),
                out_proj_bias=z(E))
    sep = dict(use_separate_proj_weight=True, q_proj_weight=z(E, E), k_proj_weight=z(E, 5),
               v_proj_weight=z(E, 3), key=z(S, N, 5), value=z(S, N, 3), in_proj_weight=None)
    cases = {
        "bias_k only": dict(bias_k=z(1, 1, E)),
        "bias_v only": dict(bias_v=z(1, 1, E)),
        "bias with static_k": dict(bias_k=z(1, 1, E), bias_v=z(1, 1, E),
                                   static_k=z(N * H, S, E // H)),
        "bias with static_v": dict(bias_k=z(1, 1, E), bias_v=z(1, 1, E),
                                   static_v=z(N * H, S, E // H)),
        "static_k batch": dict(static_k=z(N, S, E // H)),
        "static_v head_dim": dict(static_v=z(N * H, S, E)),
        "packed weight missing": dict(in_proj_weight=None),
        "q weight missing": {**sep, "q_proj_weight": None},
        "k weight shape": {**sep, "k_proj_weight": z(E, 3)},
        "v weight shape": {**sep, "v_proj_weight": z(E, 5)},
        "separate key/value lengths": {**sep, "value": z(S + 1, N, 3)},
        "packed key/value shapes": dict(value=z(S, N, 3)),
        "2d attn_mask shape": dict(attn_mask=z(L, S + 1)),
        "3d attn_mask shape": dict(attn_mask=z(H, L, S)),
        "kpm shape": dict(key_padding_mask=z(N, S + 1)),
        "kpm not padded for zero attn": dict(add_zero_attn=True, key_padding_mask=z(N, S + 1)),
        "int mask": dict(key_padding_mask=z(N, S, dtype=lib.int64)),
        "4d query": dict(query=z(1, L, N, E)),
        "unbatched key": dict(query=z(L, E)),
        "embed_dim": dict(embed_dim_to_check=E + 1),
        "heads": dict(num_heads=3),
    }
    for name, over in cases.items():
        yield name, lambda over=over: lib.nn.functional.multi_head_attention_forward(
            **{**base, **over})


@pytest.mark.parametrize("name", [n for n, _ in _error_cases(eg)])
def test_functional_errors(name):
    call = dict(_error_cases(eg))[name]
    with pytest.raises((AssertionError, RuntimeError)):
        call()


@pytest.mark.torch
@pytest.mark.parametrize("name", [n for n, _ in _error_cases(eg)])
def test_functional_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as t_err:
        dict(_error_cases(torch))[name]()
    with pytest.raises(Exception) as e_err:
        dict(_error_cases(eg))[name]()
    assert e_err.type is t_err.type
    # same message up to the Size repr (torch.Size vs eagergrad.Size)
    norm = str(t_err.value).replace("torch.Size", "eagergrad.Size")
    assert str(e_err.value).splitlines()[0] == norm.splitlines()[0]


def test_module_errors():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(6, 4, kdim=3)
    m = nn.MultiheadAttention(E, H, kdim=3, vdim=2)
    with pytest.raises(AssertionError, match="expecting key weights shape"):
        m(eg.zeros(2, 1, E), eg.zeros(3, 1, E), eg.zeros(3, 1, 2))
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(eg.zeros(2, 1, E), eg.zeros(3, 1, 3), eg.zeros(3, 1, 2), is_causal=True)
