"""Functions outside the op table and the module tests, on a device against the cpu.

eg.linalg, eg.special, factories with ``device=``, sampling and search functions and the
functional forms that no layer calls: values and gradients on ``fakecuda`` (the cupy-shaped
stand-in, tests/_fake_cupy.py) and on cuda where a GPU is present must equal the cpu's.
Decompositions are compared through quantities that do not depend on the signs or order a
solver picks (singular values, eigenvalues, reconstructions).
"""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.linalg as LA
import eagergrad.special as SP

from ._devices import ACCELERATORS

F = eg.nn.functional


def _rng(seed):
    return np.random.default_rng(seed)


def _mat(n=4, seed=0):
    return _rng(seed).standard_normal((n, n)) + 3 * np.eye(n)


def _spd(n=4, seed=0):
    a = _rng(seed).standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


def _vec(*shape, seed=0, lo=None, hi=None):
    r = _rng(seed)
    return r.uniform(lo, hi, shape) if lo is not None else r.standard_normal(shape)


CASES = [
    # eg.linalg
    ("linalg.inv", lambda x: LA.inv(x), [_mat()]),
    ("linalg.det", lambda x: LA.det(x), [_mat()]),
    ("linalg.slogdet", lambda x: LA.slogdet(x)[1], [_mat()]),
    ("linalg.solve", lambda a, b: LA.solve(a, b), [_mat(), _vec(4, 2, seed=1)]),
    ("linalg.cholesky", lambda x: LA.cholesky(x), [_spd()]),
    ("linalg.qr", lambda x: (lambda q, r: (q @ r, r.diagonal().abs()))(*LA.qr(x)), [_mat()]),
    ("linalg.svd", lambda x: (lambda u, s, vh: ((u * s) @ vh, s))(
        *LA.svd(x, full_matrices=False)), [_vec(5, 3)]),
    ("linalg.svdvals", lambda x: LA.svdvals(x), [_vec(3, 5)]),
    ("linalg.eigh", lambda x: (lambda w, v: ((v * w) @ v.mT, w))(*LA.eigh(x)), [_spd()]),
    ("linalg.eigvalsh", lambda x: LA.eigvalsh(x), [_spd()]),
    ("linalg.pinv", lambda x: LA.pinv(x), [_vec(5, 3)]),
    ("linalg.matrix_rank", lambda x: LA.matrix_rank(x), [_vec(5, 3)]),
    ("linalg.matrix_power", lambda x: LA.matrix_power(x, 3), [_mat() / 3]),
    ("linalg.matrix_norm", lambda x: LA.matrix_norm(x) + LA.matrix_norm(x, "nuc"), [_vec(3, 4)]),
    ("linalg.vector_norm", lambda x: LA.vector_norm(x, 3, dim=1), [_vec(3, 4)]),
    ("linalg.vecdot", lambda a, b: LA.vecdot(a, b), [_vec(3, 4), _vec(3, 4, seed=1)]),
    ("linalg.cross", lambda a, b: LA.cross(a, b), [_vec(2, 3), _vec(2, 3, seed=1)]),
    # eg.special
    ("special.erf", lambda x: SP.erf(x) + SP.erfc(x), [_vec(12) * 3]),
    ("special.erfinv", lambda x: SP.erfinv(x), [_vec(12, lo=-0.99, hi=0.99)]),
    ("special.ndtr", lambda x: SP.ndtr(x), [_vec(12) * 3]),
    ("special.expit-logit", lambda x: SP.logit(SP.expit(x), eps=1e-6), [_vec(12)]),
    ("special.entr", lambda x: SP.entr(x), [_vec(12, lo=0.01, hi=2.0)]),
    ("special.xlogy", lambda x, y: SP.xlogy(x, y) + SP.xlog1py(x, y),
     [_vec(12), _vec(12, seed=1, lo=0.1, hi=3.0)]),
    ("special.sinc-exp2-expm1-log1p", lambda x: SP.sinc(x) + SP.exp2(x) + SP.expm1(x)
     + SP.log1p(x.abs()), [_vec(12)]),
    ("special.softmaxes", lambda x: SP.softmax(x, 1) + SP.log_softmax(x, 1)
     + SP.logsumexp(x, 1, keepdim=True), [_vec(3, 5)]),
    # functional forms no layer calls
    ("F.normalize", lambda x: F.normalize(x, p=3, dim=1), [_vec(3, 4)]),
    ("F.cosine_similarity", lambda a, b: F.cosine_similarity(a, b, dim=1),
     [_vec(3, 4), _vec(3, 4, seed=1)]),
    ("F.pairwise_distance", lambda a, b: F.pairwise_distance(a, b),
     [_vec(3, 4), _vec(3, 4, seed=1)]),
    ("F.scaled_dot_product_attention", lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, is_causal=True), [_vec(2, 5, 4), _vec(2, 5, 4, seed=1), _vec(2, 5, 4, seed=2)]),
    ("F.interpolate-bilinear", lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear",
                                                       align_corners=False), [_vec(1, 2, 4, 4)]),
    ("eg.cdist", lambda a, b: eg.cdist(a, b), [_vec(3, 4), _vec(5, 4, seed=1)]),
    ("eg.isclose-count_nonzero", lambda a, b: eg.count_nonzero(eg.isclose(a, b, atol=0.5)),
     [_vec(3, 4), _vec(3, 4, seed=1)]),
    ("eg.heaviside", lambda a, b: eg.heaviside(a, b), [_vec(6), _vec(6, seed=1)]),
    ("eg.broadcast_tensors", lambda a, b: (lambda p, q: p * q)(*eg.broadcast_tensors(a, b)),
     [_vec(3, 1), _vec(4, seed=1)]),
    ("eg.searchsorted-bucketize", lambda s, v: eg.searchsorted(s, v) + eg.bucketize(v, s),
     [np.sort(_vec(8)), _vec(5, seed=1)]),
    ("F.one_hot", lambda i: F.one_hot(i, 5), [np.array([0, 3, 4, 1])]),
]


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("fn,arrays", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_function_on_device_matches_cpu(fn, arrays, device):
    results = {}
    for dev in ("cpu", device):
        ts = [eg.tensor(a, device=dev, requires_grad=a.dtype.kind == "f") for a in arrays]
        outs = fn(*ts)
        outs = outs if isinstance(outs, tuple) else (outs,)
        diff = [o for o in outs if o.requires_grad]
        if diff:
            sum((o * (k + 1.0)).sum() for k, o in enumerate(diff)).backward()
        results[dev] = ([o.detach().cpu().numpy() for o in outs],
                        [t.grad.cpu().numpy() if t.grad is not None else None for t in ts])
        assert all(o.device == eg.device(dev) for o in outs)
    for a, b in zip(results["cpu"][0], results[device][0]):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    for a, b in zip(results["cpu"][1], results[device][1]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("device", ACCELERATORS)
def test_factories_and_samplers_on_device(device):
    dev = eg.device(device)
    for t, want in [(eg.linspace(0, 1, 5, device=dev), np.linspace(0, 1, 5)),
                    (eg.logspace(0, 2, 3, device=dev), np.logspace(0, 2, 3)),
                    (eg.eye(2, 3, device=dev), np.eye(2, 3))]:
        assert t.device == dev
        np.testing.assert_allclose(t.cpu().numpy(), want, rtol=1e-6)
    x = eg.ones(3, 2, device=dev)
    for like in (eg.full_like(x, 7.0), eg.zeros_like(x), eg.empty_like(x), eg.rand_like(x),
                 eg.randn_like(x), eg.randint_like(x, 0, 5)):
        assert like.device == dev and like.shape == (3, 2)
    assert eg.full_like(x, 7.0).cpu().tolist() == [[7.0, 7.0]] * 3
    probs = eg.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]], device=dev)
    draws = eg.multinomial(probs, 4, replacement=True)
    assert draws.device == dev and draws.shape == (2, 4)
    assert (draws[0] == 1).all().item() and ((draws[1] == 0) | (draws[1] == 2)).all().item()
