"""Module: registration, iteration, modes, state_dict / load_state_dict, _apply, hooks, repr,
containers."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import eagergrad as eg
from eagergrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("scale", eg.ones(2))
        self.register_buffer("cache", eg.zeros(1), persistent=False)

    def forward(self, x):
        return self.fc2(self.bn(self.fc1(x)).relu()) * self.scale


def test_parameter_basics():
    p = nn.Parameter(eg.tensor([1.0, 2.0]))
    assert p.requires_grad and isinstance(p, eg.Tensor) and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert not nn.Parameter(eg.ones(1), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q is not p and q.tolist() == [1.0, 2.0]


def test_registration_order_and_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "fc1.weight",
        "fc1.bias",
        "bn.weight",
        "bn.bias",
        "fc2.weight",
        "fc2.bias",
    ]
    assert [n for n, _ in net.named_buffers()] == [
        "scale",
        "cache",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
    ]
    assert [n for n, _ in net.named_children()] == ["fc1", "bn", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "bn", "fc2"]
    assert [n for n, _ in net.named_parameters(prefix="m", recurse=False)] == []
    assert [n for n, _ in net.fc1.named_parameters(prefix="m")] == ["m.weight", "m.bias"]
    assert list(net.state_dict()) == [
        "scale",
        "fc1.weight",
        "fc1.bias",
        "bn.weight",
        "bn.bias",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
        "fc2.weight",
        "fc2.bias",
    ]
    assert net.get_submodule("bn") is net.bn
    assert net.get_parameter("fc2.bias") is net.fc2.bias
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        net.get_submodule("nope")


def test_state_dict_order_matches_torch():
    torch = pytest.importorskip("torch")

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(3, 4)
            self.bn = torch.nn.BatchNorm1d(4)
            self.fc2 = torch.nn.Linear(4, 2)
            self.register_buffer("scale", torch.ones(2))
            self.register_buffer("cache", torch.zeros(1), persistent=False)

    assert list(TNet().state_dict()) == list(Net().state_dict())
    assert [n for n, _ in TNet().named_buffers()] == [n for n, _ in Net().named_buffers()]


def test_shared_parameters_deduplicated():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert len(list(seq.modules())) == 3
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_setattr_errors_and_deletion():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'eagergrad.FloatTensor' as parameter"):
        m.weight = eg.ones(2, 2)
    m.bias = None
    assert m._parameters["bias"] is None and m.bias is None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    m.extra = nn.Parameter(eg.ones(1))
    assert "extra" in m._parameters
    del m.extra
    assert "extra" not in m._parameters and not hasattr(m, "extra")
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", eg.ones(1))
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", eg.ones(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(eg.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_buffer_assignment_and_nn_buffer():
    m = nn.Module()
    m.register_buffer("b", eg.ones(2))
    m.b = eg.zeros(2)
    assert m._buffers["b"] is m.b
    m.c = nn.Buffer(eg.ones(1), persistent=False)
    assert "c" in m._buffers and "c" not in m.state_dict()
    with pytest.raises(TypeError, match="as buffer"):
        m.b = 3


def test_train_eval_zero_grad_requires_grad_apply():
    net = Net()
    assert net.training and net.bn.training
    net.eval()
    assert not net.training and not net.bn.training
    net.train()
    net(eg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Linear", "Net"]
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_load_state_dict_strict_and_non_strict():
    src, dst = Net(), Net()
    res = dst.load_state_dict(src.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    for (n, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), n
    sd = src.state_dict()
    del sd["fc1.bias"]
    sd["extra.weight"] = eg.ones(1)
    with pytest.raises(RuntimeError) as err:
        dst.load_state_dict(sd)
    assert str(err.value) == (
        'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "fc1.bias". '
        '\n\tUnexpected key(s) in state_dict: "extra.weight". '
    )
    res = dst.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"] and res.unexpected_keys == ["extra.weight"]


def test_load_state_dict_size_mismatch_leaves_module_unchanged():
    m = nn.Linear(3, 4)
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    bad = {"weight": eg.ones(4, 4), "bias": eg.zeros(4)}
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict(bad)
    assert str(err.value) == (
        "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param "
        "with shape eagergrad.Size([4, 4]) from checkpoint, the shape in current model is "
        "eagergrad.Size([4, 3])."
    )
    for k, v in m.state_dict().items():
        assert np.array_equal(v.numpy(), before[k]), "module modified on error"


def test_state_dict_round_trip_into_float64_model():
    src = Net()
    src(eg.randn(6, 3))  # update running stats
    dst = Net().double()
    dst.load_state_dict(src.state_dict())
    assert dst.fc1.weight.dtype == eg.float64
    assert dst.bn.num_batches_tracked.dtype == eg.int64
    src.eval()
    dst.eval()
    x = eg.randn(2, 3)
    np.testing.assert_allclose(
        dst(x.double()).detach().numpy(), src(x).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_state_dict_shares_storage_and_keep_vars():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    assert not sd["weight"].requires_grad and type(sd["weight"]) is eg.Tensor
    m.weight.data.fill_(3.0)
    assert float(sd["weight"][0, 0]) == 3.0
    assert m.state_dict(keep_vars=True)["weight"] is m.weight
    assert isinstance(m.state_dict(), OrderedDict)
    assert not hasattr(m.state_dict(), "_metadata")


def test_apply_moves_storage_in_place():
    net = Net()
    params = list(net.parameters())
    net.fc1.weight.grad = eg.ones(4, 3)
    buf = net.bn.running_mean
    out = net.double()
    assert out is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == eg.float64 for p in params)
    assert net.fc1.weight.grad.dtype == eg.float64
    assert net.bn.running_mean is buf and buf.dtype == eg.float64
    assert net.bn.num_batches_tracked.dtype == eg.int64
    net.float()
    assert net.fc2.bias.dtype == eg.float32
    net.to(eg.float64)
    assert net.fc2.bias.dtype == eg.float64
    net.half()
    assert net.fc2.bias.dtype == eg.float16
    net.to("cpu").cpu()
    with pytest.raises(TypeError, match="only accepts floating point"):
        net.to(eg.int64)


def test_apply_keeps_optimizer_working():
    m = nn.Linear(2, 1)
    opt_params = list(m.parameters())
    m.double()
    m(eg.ones(1, 2, dtype=eg.float64)).sum().backward()
    with eg.no_grad():
        for p in opt_params:
            p -= 0.1 * p.grad
    assert opt_params[0] is m.weight and m.weight.dtype == eg.float64


def test_forward_pre_and_forward_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    y = m(eg.ones(3, 2))
    np.testing.assert_allclose(y.detach().numpy(), (m.bias.detach() + 1).expand(3, 2).numpy())
    assert calls == [(3, 2)]
    h1.remove()
    h2.remove()
    assert not m._has_hooks
    np.testing.assert_allclose(
        m(eg.ones(1, 2)).detach().numpy(),
        (m.weight.sum(1) + m.bias).detach().numpy()[None],
        rtol=1e-6,
    )
    order = []
    m.register_forward_hook(lambda *a: order.append("a"))
    m.register_forward_hook(lambda *a: order.append("b"), prepend=True)
    m(eg.ones(1, 2))
    assert order == ["b", "a"]
    seen = {}
    m.register_forward_pre_hook(lambda mod, args, kwargs: seen.update(kwargs), with_kwargs=True)
    m(eg.ones(1, 2))
    assert seen == {}


def _square_sum(y):
    return (y * y).sum()


def test_full_backward_hook_matches_torch():
    torch = pytest.importorskip("torch")
    from ._helpers import assert_close, copy_state

    tm, em = torch.nn.Linear(3, 2), nn.Linear(3, 2)
    copy_state(tm, em)
    got = {}

    def make(store):
        def hook(mod, grad_input, grad_output):
            store["in"] = grad_input
            store["out"] = grad_output
            return (grad_input[0] * 2,)

        return hook

    tstore = {}
    tm.register_full_backward_hook(make(tstore))
    em.register_full_backward_hook(make(got))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    tx, ex = torch.tensor(x, requires_grad=True), eg.tensor(x, requires_grad=True)
    (tm(tx) ** 2).sum().backward()
    _square_sum(em(ex)).backward()
    assert_close(got["out"][0], tstore["out"][0])
    assert_close(got["in"][0], tstore["in"][0])
    assert_close(ex.grad, tx.grad)  # the hook's doubled grad_input reached x
    assert_close(em.weight.grad, tm.weight.grad)


def test_full_backward_hook_without_input_grad_and_pre_hook():
    m = nn.Linear(2, 2)
    got = []
    m.register_full_backward_hook(lambda mod, gi, go: got.append((gi, go[0].shape)))
    m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0,))
    m(eg.ones(3, 2)).sum().backward()
    assert got == [((None,), (3, 2))]
    assert float(m.weight.grad.abs().sum()) == 0.0


def test_hooks_cost_nothing_when_absent():
    m = nn.Linear(2, 2)
    assert m._has_hooks is False
    h = m.register_full_backward_hook(lambda *a: None)
    assert m._has_hooks
    h.remove()
    assert m._has_hooks is False


def test_nested_repr_matches_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        class Block(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.seq = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU())
                self.heads = lib.nn.ModuleDict({"a": lib.nn.Linear(3, 1)})
                self.layers = lib.nn.ModuleList([lib.nn.Linear(3, 3) for _ in range(3)])

        return Block()

    assert repr(build(eg)) == repr(build(torch))


def test_sequential_indexing_slicing_append():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Linear)
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2
    assert [n for n, _ in sub.named_children()] == ["1", "2"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(list(seq)[-1], nn.Sigmoid)
    od = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert isinstance(od.fc, nn.Linear) and od[1] is od.act
    assert od(eg.ones(1, 2)).shape == (1, 2)
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    with pytest.raises(IndexError):
        seq[10]


def test_module_list_dict_parameter_containers():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 1))
    ml.extend([nn.ReLU()])
    ml.insert(0, nn.Tanh())
    assert [type(m).__name__ for m in ml] == ["Tanh", "Linear", "Linear", "ReLU"]
    assert len(list(ml.parameters())) == 4 and len(ml[1:3]) == 2
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.ReLU()
    assert list(md.keys()) == ["a", "b"] and "a" in md
    assert md.pop("a") is not None and list(md) == ["b"]
    pl = nn.ParameterList([eg.ones(2), nn.Parameter(eg.zeros(1))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(eg.ones(3))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    pd = nn.ParameterDict({"w": eg.ones(2)})
    pd["b"] = nn.Parameter(eg.zeros(1))
    assert list(pd.keys()) == ["w", "b"] and isinstance(pd["w"], nn.Parameter)

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.pl = pl
            self.pd = pd

    assert list(Holder().state_dict()) == ["pl.0", "pl.1", "pl.2", "pd.w", "pd.b"]


def test_deepcopy_module():
    net = Net()
    clone = copy.deepcopy(net)
    assert clone.fc1.weight is not net.fc1.weight
    assert np.array_equal(clone.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    assert clone.fc1._parameters["weight"] is clone.fc1.weight


def test_parameters_to_vector_and_back():
    m = nn.Linear(3, 2)
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (8,)
    (v * v).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), 2 * m.weight.detach().numpy())
    nn.utils.vector_to_parameters(eg.arange(8.0), m.parameters())
    assert m.bias.tolist() == [6.0, 7.0]
    with pytest.raises(TypeError, match="expected eagergrad.Tensor"):
        nn.utils.vector_to_parameters([1.0], m.parameters())


def test_parameter_container_reprs_match_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        return (
            lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(2, 3))]),
            lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.ones(2))}),
        )

    for e, t in zip(build(eg), build(torch)):
        assert repr(e) == repr(t).replace("torch", "eagergrad")


def test_named_modules_accepts_memo_set():
    a = nn.Linear(1, 1)
    seq = nn.Sequential(a, nn.ReLU())
    memo = {a}
    assert [n for n, _ in seq.named_modules(memo=memo)] == ["", "1"]


def test_batchnorm_loads_state_dict_without_num_batches_tracked():
    bn = nn.BatchNorm1d(3)
    bn(eg.randn(4, 3))
    sd = {k: v for k, v in nn.BatchNorm1d(3).state_dict().items() if k != "num_batches_tracked"}
    res = bn.load_state_dict(sd)
    assert res.missing_keys == [] and int(bn.num_batches_tracked) == 0


def test_inplace_dropout_and_silu():
    x = eg.ones(100)
    y = nn.functional.dropout(x, 0.5, inplace=True)
    assert y is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    z = eg.tensor([1.0, -1.0])
    nn.SiLU(inplace=True)(z)
    np.testing.assert_allclose(z.numpy(), [0.7310586, -0.2689414], rtol=1e-6)


def test_load_state_dict_assign_replaces_tensors():
    m = nn.Linear(2, 2)
    old = m.weight
    sd = {"weight": eg.ones(2, 2), "bias": eg.zeros(2)}
    m.load_state_dict(sd, assign=True)
    assert m.weight is not old and isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m._parameters["weight"] is m.weight and m.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_reassigning_a_child_or_parameter_keeps_its_position():
    seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
    seq[0] = nn.Linear(1, 2, bias=False)
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert seq[0].bias is None
    lin = nn.Linear(2, 2)
    lin.weight = nn.Parameter(eg.zeros(2, 2))
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
