"""Every layer against torch with copied weights: outputs, input and parameter gradients,
buffers, in train and eval mode."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
from eagergrad import nn

from ._helpers import compare_module

torch = pytest.importorskip("torch")
tnn = torch.nn

rng = np.random.default_rng(0)


def _x(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


LAYERS = [
    ("Linear", lambda m: m.Linear(5, 3), [(4, 5)]),
    ("Linear-nobias", lambda m: m.Linear(5, 3, bias=False), [(2, 4, 5)]),
    ("Linear-1d", lambda m: m.Linear(5, 3), [(5,)]),
    ("Bilinear", lambda m: m.Bilinear(3, 4, 2), [(5, 3), (5, 4)]),
    ("Identity", lambda m: m.Identity(), [(2, 3)]),
    ("Flatten", lambda m: m.Flatten(), [(2, 3, 4)]),
    ("Unflatten", lambda m: m.Unflatten(1, (2, 3)), [(4, 6)]),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(3), [(6, 3)]),
    ("BatchNorm1d-3d", lambda m: m.BatchNorm1d(3, momentum=None), [(4, 3, 5)]),
    ("BatchNorm1d-noaffine", lambda m: m.BatchNorm1d(3, affine=False), [(6, 3)]),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(2), [(3, 2, 4, 4)]),
    ("BatchNorm2d-notrack", lambda m: m.BatchNorm2d(2, track_running_stats=False), [(3, 2, 3, 3)]),
    ("LayerNorm", lambda m: m.LayerNorm(4), [(3, 4)]),
    ("LayerNorm-2d", lambda m: m.LayerNorm((3, 4), eps=1e-3), [(2, 3, 4)]),
    ("LayerNorm-nobias", lambda m: m.LayerNorm(4, bias=False), [(2, 4)]),
    ("GroupNorm", lambda m: m.GroupNorm(2, 4), [(3, 4, 5)]),
    ("GroupNorm-4d", lambda m: m.GroupNorm(3, 6, affine=False), [(2, 6, 2, 2)]),
    ("ReLU", lambda m: m.ReLU(), [(3, 4)]),
    ("ReLU6", lambda m: m.ReLU6(), [(3, 4)]),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2), [(3, 4)]),
    ("ELU", lambda m: m.ELU(0.7), [(3, 4)]),
    ("SELU", lambda m: m.SELU(), [(3, 4)]),
    ("CELU", lambda m: m.CELU(1.5), [(3, 4)]),
    ("GELU", lambda m: m.GELU(), [(3, 4)]),
    ("GELU-tanh", lambda m: m.GELU(approximate="tanh"), [(3, 4)]),
    ("SiLU", lambda m: m.SiLU(), [(3, 4)]),
    ("Mish", lambda m: m.Mish(), [(3, 4)]),
    ("Softplus", lambda m: m.Softplus(beta=2.0, threshold=1.0), [(3, 4)]),
    ("Tanh", lambda m: m.Tanh(), [(3, 4)]),
    ("Sigmoid", lambda m: m.Sigmoid(), [(3, 4)]),
    ("Hardtanh", lambda m: m.Hardtanh(-0.5, 0.7), [(3, 4)]),
    ("Softmax", lambda m: m.Softmax(dim=1), [(3, 4)]),
    ("LogSoftmax", lambda m: m.LogSoftmax(dim=-1), [(2, 3, 4)]),
    ("Softsign", lambda m: m.Softsign(), [(3, 4)]),
    ("Hardswish", lambda m: m.Hardswish(), [(3, 4)]),
    ("LogSigmoid", lambda m: m.LogSigmoid(), [(3, 4)]),
    ("PReLU", lambda m: m.PReLU(), [(3, 4)]),
    ("PReLU-channels", lambda m: m.PReLU(3, init=0.1), [(2, 3, 4)]),
    ("Threshold", lambda m: m.Threshold(0.1, 20.0), [(3, 4)]),
    ("GLU", lambda m: m.GLU(), [(3, 4)]),
    ("Softmin", lambda m: m.Softmin(dim=1), [(3, 4)]),
    ("BatchNorm3d", lambda m: m.BatchNorm3d(2), [(2, 2, 2, 2, 3)]),
    (
        "Sequential",
        lambda m: m.Sequential(m.Linear(4, 6), m.Tanh(), m.LayerNorm(6), m.Linear(6, 2)),
        [(5, 4)],
    ),
]


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name,make,shapes", LAYERS, ids=[x[0] for x in LAYERS])
def test_layer_matches_torch(name, make, shapes, train):
    torch.manual_seed(0)
    tmod = make(tnn)
    emod = make(nn)
    inputs = [_x(*s) for s in shapes]
    compare_module(torch, tmod, emod, inputs, train=train, atol=2e-5, rtol=2e-5)


@pytest.mark.parametrize("name,make,shapes", LAYERS[:17], ids=[x[0] for x in LAYERS[:17]])
def test_layer_matches_torch_float64(name, make, shapes):
    torch.manual_seed(0)
    tmod = make(tnn).double()
    emod = make(nn).double()
    inputs = [_x(*s, dtype=np.float64) for s in shapes]
    compare_module(torch, tmod, emod, inputs, train=True, atol=1e-10, rtol=1e-10)


def test_batchnorm_running_stats_over_steps_and_eval():
    for momentum in (0.1, None):
        torch.manual_seed(0)
        tbn, ebn = tnn.BatchNorm2d(3, momentum=momentum), nn.BatchNorm2d(3, momentum=momentum)
        for step in range(3):
            compare_module(torch, tbn, ebn, [_x(4, 3, 2, 2) * (step + 1) + step], train=True)
        assert int(ebn.num_batches_tracked) == 3
        compare_module(torch, tbn, ebn, [_x(2, 3, 2, 2)], train=False)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(eg.ones(2, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(3)(eg.ones(1, 3))


def test_embedding_matches_torch_with_padding_idx():
    torch.manual_seed(0)
    temb, eemb = tnn.Embedding(10, 4, padding_idx=2), nn.Embedding(10, 4, padding_idx=2)
    idx = np.array([[1, 2, 2], [5, 1, 9]])
    compare_module(torch, temb, eemb, [idx])
    assert np.all(eemb.weight.grad.numpy()[2] == 0)
    # default init: padding row zero, others N(0, 1)
    fresh = nn.Embedding(1000, 8, padding_idx=-1)
    w = fresh.weight.detach().numpy()
    assert fresh.padding_idx == 999 and np.all(w[999] == 0)
    assert abs(w[:999].std() - 1) < 0.05


def test_embedding_errors_and_from_pretrained():
    e = nn.Embedding(3, 2)
    with pytest.raises(IndexError, match="index out of range"):
        e(eg.tensor([3]))
    pre = nn.Embedding.from_pretrained(eg.ones(4, 2))
    assert not pre.weight.requires_grad
    assert pre(eg.tensor([0])).tolist() == [[1.0, 1.0]]


def test_dropout_train_and_eval():
    x = eg.ones(2000)
    d = nn.Dropout(0.25)
    y = d(x).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.05
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    d.eval()
    assert d(x) is x
    x2 = eg.ones(2000, requires_grad=True)
    y2 = nn.Dropout(0.5)(x2)
    y2.sum().backward()
    np.testing.assert_array_equal(x2.grad.numpy(), y2.detach().numpy())
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout2d_drops_whole_channels():
    y = nn.Dropout2d(0.5)(eg.ones(20, 30, 3, 3)).numpy()
    per_channel = y.reshape(20, 30, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0.3 < (per_channel == 0).all(-1).mean() < 0.7


def _init_stats(make_t, make_e, attr):
    torch.manual_seed(0)
    tw = getattr(make_t(), attr).detach().numpy()
    ew = getattr(make_e(), attr).detach().numpy()
    assert tw.shape == ew.shape
    return tw, ew


@pytest.mark.parametrize(
    "make,attr",
    [
        (lambda m: m.Linear(64, 200), "weight"),
        (lambda m: m.Linear(64, 200), "bias"),
        (lambda m: m.Bilinear(50, 4, 30), "weight"),
        (lambda m: m.MultiheadAttention(32, 4), "in_proj_weight"),
    ],
)
def test_default_init_matches_torch_distribution(make, attr):
    tw, ew = _init_stats(lambda: make(tnn), lambda: make(nn), attr)
    # uniform inits: same bound, same spread
    assert abs(np.abs(tw).max() - np.abs(ew).max()) < 0.05 * np.abs(tw).max()
    assert abs(tw.std() - ew.std()) < 0.1 * tw.std()


def test_module_reprs_match_torch():
    makes = [
        lambda m: m.Linear(3, 4, bias=False),
        lambda m: m.Bilinear(2, 3, 4),
        lambda m: m.BatchNorm2d(3, momentum=None),
        lambda m: m.LayerNorm((2, 3)),
        lambda m: m.GroupNorm(2, 4),
        lambda m: m.Dropout(0.3),
        lambda m: m.Embedding(5, 2, 0),
        lambda m: m.LeakyReLU(0.2, inplace=True),
        lambda m: m.ELU(),
        lambda m: m.GELU("tanh"),
        lambda m: m.Softplus(),
        lambda m: m.Hardtanh(),
        lambda m: m.ReLU6(),
        lambda m: m.Softmax(dim=1),
        lambda m: m.Flatten(),
        lambda m: m.Unflatten(1, (2, 3)),
        lambda m: m.Sequential(m.Linear(1, 2), m.ReLU()),
        lambda m: m.CrossEntropyLoss(),
        lambda m: m.ModuleList([m.Linear(2, 2), m.Linear(2, 2), m.ReLU()]),
        lambda m: m.ModuleDict({"a": m.Tanh()}),
        lambda m: m.TransformerEncoderLayer(8, 2, 16),
        lambda m: m.PReLU(3),
        lambda m: m.Threshold(0.1, 2.0),
        lambda m: m.GLU(),
        lambda m: m.Softmin(1),
        lambda m: m.Dropout1d(),
        lambda m: m.BatchNorm3d(4),
    ]
    for make in makes:
        assert repr(make(nn)) == repr(make(tnn)), repr(make(tnn))


def test_model_on_device_matches_cpu(device):
    eg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Linear(8, 3))
    ref = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Linear(8, 3))
    ref.load_state_dict(model.state_dict())
    params = list(model.parameters())
    model.to(device)
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.device == eg.device(device) for p in params)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    t = eg.tensor([0, 1, 2, 1, 0])
    loss = nn.functional.cross_entropy(model(eg.tensor(x).to(device)), t.to(device))
    loss.backward()
    ref_loss = nn.functional.cross_entropy(ref(eg.tensor(x)), t)
    ref_loss.backward()
    np.testing.assert_allclose(loss.item(), ref_loss.item(), rtol=1e-5)
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.cpu().numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-6)
    model.cpu()
    assert all(p.device == eg.device("cpu") for p in params)


def test_module_to_second_device_moves_in_place():
    dev = eg._backend._register_test_device("fakegpu")
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    w = m[0].weight
    m.to(dev)
    assert m[0].weight is w and w.device == dev and m[1].running_mean.device == dev
    y = m(eg.ones(3, 2).to(dev))
    assert y.device == dev
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        m(eg.ones(3, 2))
    logits = eg.ones(3, 2).to(dev)
    with pytest.raises(RuntimeError, match="at least two devices, fakegpu and cpu"):
        nn.functional.cross_entropy(logits, eg.tensor([0, 1, 0]))
    with pytest.raises(RuntimeError, match="at least two devices"):
        nn.functional.embedding(eg.tensor([0]), eg.ones(2, 2).to(dev))
    m.to("cpu")
    assert w.device == eg.device("cpu")


def test_training_steps_match_torch():
    """Five SGD steps of a small classifier from identical weights stay equal to torch's."""
    torch.manual_seed(0)

    def build(m):
        return m.Sequential(m.Linear(6, 16), m.BatchNorm1d(16), m.GELU(), m.Linear(16, 4))

    tnet, enet = build(tnn), build(nn)
    from ._helpers import copy_state

    copy_state(tnet, enet)
    data = rng.standard_normal((5, 8, 6)).astype(np.float32)
    labels = rng.integers(0, 4, (5, 8))
    for x, y in zip(data, labels):
        tl = torch.nn.functional.cross_entropy(
            tnet(torch.tensor(x)), torch.tensor(y), label_smoothing=0.1
        )
        el = nn.functional.cross_entropy(enet(eg.tensor(x)), eg.tensor(y), label_smoothing=0.1)
        np.testing.assert_allclose(el.item(), tl.item(), rtol=1e-5)
        tnet.zero_grad()
        enet.zero_grad()
        tl.backward()
        el.backward()
        with torch.no_grad():
            for p in tnet.parameters():
                p -= 0.1 * p.grad
        with eg.no_grad():
            for p in enet.parameters():
                p -= 0.1 * p.grad
    for (n, a), b in zip(enet.state_dict().items(), tnet.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5, err_msg=n)
