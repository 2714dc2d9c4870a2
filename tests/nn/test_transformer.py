"""MultiheadAttention and TransformerEncoderLayer against torch with copied weights."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
from eagergrad import nn

from ._helpers import assert_close, compare_module, copy_state

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_mha_matches_torch(batch_first, average):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first)
    em = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    copy_state(tm, em)
    q, k = _x(3, 4, 8), _x(5, 4, 8) if not batch_first else _x(3, 5, 8)
    if batch_first:
        q = _x(4, 3, 8)
        k = _x(4, 5, 8)
    kpm = np.zeros((4, 5), dtype=bool)
    kpm[1, -2:] = True
    L, S = q.shape[1 if batch_first else 0], k.shape[1 if batch_first else 0]
    amask = np.triu(np.ones((L, S), dtype=bool), 1)
    tq, tk = torch.tensor(q, requires_grad=True), torch.tensor(k, requires_grad=True)
    eq, ek = eg.tensor(q, requires_grad=True), eg.tensor(k, requires_grad=True)
    to, tw = tm(
        tq,
        tk,
        tk,
        key_padding_mask=torch.tensor(kpm),
        attn_mask=torch.tensor(amask),
        average_attn_weights=average,
    )
    eo, ew = em(
        eq,
        ek,
        ek,
        key_padding_mask=eg.tensor(kpm),
        attn_mask=eg.tensor(amask),
        average_attn_weights=average,
    )
    assert_close(eo, to, 1e-5, 1e-4, "output")
    assert_close(ew, tw, 1e-5, 1e-4, "weights")
    g = _x(*to.shape)
    (to * torch.tensor(g)).sum().backward()
    (eo * eg.tensor(g)).sum().backward()
    assert_close(eq.grad, tq.grad, 1e-5, 1e-4, "grad q")
    assert_close(ek.grad, tk.grad, 1e-5, 1e-4, "grad k")
    tparams = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        assert_close(p.grad, tparams[n].grad, 1e-5, 1e-4, n)


def test_mha_float_mask_no_weights_and_unbatched():
    torch.manual_seed(0)
    tm, em = torch.nn.MultiheadAttention(6, 3), nn.MultiheadAttention(6, 3)
    copy_state(tm, em)
    q = _x(4, 2, 6)
    fmask = _x(4, 4)
    to, tw = tm(
        torch.tensor(q),
        torch.tensor(q),
        torch.tensor(q),
        attn_mask=torch.tensor(fmask),
        need_weights=False,
    )
    eo, ew = em(
        eg.tensor(q), eg.tensor(q), eg.tensor(q), attn_mask=eg.tensor(fmask), need_weights=False
    )
    assert tw is None and ew is None
    assert_close(eo, to, 1e-5, 1e-4)
    u = _x(4, 6)
    to, tw = tm(*(torch.tensor(u),) * 3)
    eo, ew = em(*(eg.tensor(u),) * 3)
    assert_close(eo, to, 1e-5, 1e-4)
    assert_close(ew, tw, 1e-5, 1e-4)
    assert list(em.state_dict()) == list(tm.state_dict())


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_transformer_encoder_layer_matches_torch(norm_first, activation):
    torch.manual_seed(0)
    kw = dict(
        dim_feedforward=16,
        dropout=0.1,
        activation=activation,
        batch_first=True,
        norm_first=norm_first,
    )
    tl = torch.nn.TransformerEncoderLayer(8, 2, **kw)
    el = nn.TransformerEncoderLayer(8, 2, **kw)
    assert list(tl.state_dict()) == list(el.state_dict())
    # eval: dropout off, so outputs and gradients match exactly
    compare_module(torch, tl, el, [_x(3, 5, 8)], train=False, atol=1e-5, rtol=1e-4)


def test_transformer_encoder_layer_masks_and_train_mode():
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    el = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    copy_state(tl, el)
    x = _x(5, 3, 8)
    kpm = np.zeros((3, 5), dtype=bool)
    kpm[0, -1] = True
    mask = np.triu(np.ones((5, 5), dtype=bool), 1)
    to = tl(torch.tensor(x), src_mask=torch.tensor(mask), src_key_padding_mask=torch.tensor(kpm))
    eo = el(eg.tensor(x), src_mask=eg.tensor(mask), src_key_padding_mask=eg.tensor(kpm))
    assert_close(eo, to, 1e-5, 1e-4)
    el.train()
    y = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)(eg.tensor(x))
    assert y.shape == (5, 3, 8)


def test_transformer_encoder_stack():
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8))
    assert [n for n, _ in enc.named_children()] == ["layers", "norm"]
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    assert enc(eg.randn(2, 3, 8)).shape == (2, 3, 8)


def test_mha_is_causal_needs_mask():
    m = nn.MultiheadAttention(4, 2)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(eg.ones(2, 1, 4), eg.ones(2, 1, 4), eg.ones(2, 1, 4), is_causal=True)


def test_transformer_encoder_matches_torch():
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, activation="gelu")
    el = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, activation="gelu")
    te = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False)
    ee = nn.TransformerEncoder(el, 2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
    assert list(te.state_dict()) == list(ee.state_dict())
    compare_module(torch, te, ee, [_x(2, 4, 8)], train=False, atol=1e-5, rtol=1e-4)
