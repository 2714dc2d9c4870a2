"""eg.save / eg.load: round trips, map_location, atomic writes, corrupt files, no pickle."""

from __future__ import annotations

import io
import os
import pickle
import struct
from collections import OrderedDict

import numpy as np
import pytest

import eagergrad as eg
from eagergrad import nn


def _round_trip(obj, **kw):
    buf = io.BytesIO()
    eg.save(obj, buf)
    return eg.load(io.BytesIO(buf.getvalue()), **kw)


def test_nested_round_trip_preserves_types_and_values():
    t = eg.randn(3, 4)
    obj = {
        "tensors": [
            t,
            eg.tensor([1, 2, 3]),
            eg.tensor([True, False]),
            eg.zeros(0, 2),
            eg.tensor(2.5, dtype=eg.float64),
            eg.ones(2, dtype=eg.float16),
            eg.tensor([7], dtype=eg.uint8),
            eg.tensor([-3], dtype=eg.int8),
        ],
        "nums": (1, 2.5, float("nan"), float("inf"), -float("inf"), True, None, 2**70),
        "s": "héllo",
        3: {"nested": [[]]},
        (1, "a"): b"\x00\xff",
        "od": OrderedDict([("b", 1), ("a", 2)]),
        "dtype": eg.float64,
        "dev": eg.device("cpu"),
    }
    out = _round_trip(obj)
    assert list(out) == list(obj)
    for a, b in zip(out["tensors"], obj["tensors"]):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a.numpy(), b.numpy())
    nums = out["nums"]
    assert isinstance(nums, tuple) and nums[0] == 1 and nums[1] == 2.5 and np.isnan(nums[2])
    assert nums[3:] == (float("inf"), -float("inf"), True, None, 2**70)
    assert type(nums[5]) is bool and type(nums[0]) is int
    assert out["s"] == "héllo" and out[3] == {"nested": [[]]} and out[(1, "a")] == b"\x00\xff"
    assert type(out["od"]) is OrderedDict and list(out["od"]) == ["b", "a"]
    assert out["dtype"] is eg.float64 and out["dev"] == eg.device("cpu")


def test_shared_tensors_stay_shared_and_parameters_restored():
    t = eg.ones(2)
    p = nn.Parameter(eg.zeros(3))
    out = _round_trip({"a": t, "b": t, "p": p})
    assert out["a"] is out["b"]
    assert isinstance(out["p"], nn.Parameter) and out["p"].requires_grad


def test_state_dict_round_trip_through_file(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model(eg.randn(5, 3))
    path = tmp_path / "ckpt.eg"
    eg.save(model.state_dict(), path)
    sd = eg.load(str(path))
    assert list(sd) == list(model.state_dict())
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).double()
    other.load_state_dict(sd)
    for (k, a), b in zip(model.state_dict().items(), other.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7, err_msg=k)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.eg"]  # no temp file left behind


def test_optimizer_like_state_dict_round_trip():
    sd = {
        "state": {0: {"step": 3, "exp_avg": eg.ones(2)}, 1: {}},
        "param_groups": [
            {"params": [0, 1], "lr": 1e-3, "betas": (0.9, 0.999), "amsgrad": False, "foreach": None}
        ],
    }
    out = _round_trip(sd)
    assert out["param_groups"] == sd["param_groups"]
    assert out["state"][0]["step"] == 3 and out["state"][0]["exp_avg"].tolist() == [1.0, 1.0]


def test_map_location_variants():
    dev = eg._backend._register_test_device("fakegpu")
    t = eg.ones(2).to(dev)
    buf = io.BytesIO()
    eg.save({"t": t, "c": eg.zeros(1)}, buf)
    raw = buf.getvalue()
    assert eg.load(io.BytesIO(raw))["t"].device == dev
    assert eg.load(io.BytesIO(raw), map_location="cpu")["t"].device == eg.device("cpu")
    out = eg.load(io.BytesIO(raw), map_location={"fakegpu": "cpu"})
    assert out["t"].device == eg.device("cpu") and out["c"].device == eg.device("cpu")
    seen = []
    out = eg.load(io.BytesIO(raw), map_location=lambda x, loc: seen.append(loc) or x * 2)
    assert seen == ["fakegpu", "cpu"] and out["t"].tolist() == [2.0, 2.0]
    assert eg.load(io.BytesIO(raw), map_location=eg.device("cpu"))["c"].device.type == "cpu"


def test_save_is_atomic_on_failure(tmp_path):
    path = tmp_path / "ckpt.eg"
    eg.save({"v": eg.ones(3)}, path)
    with pytest.raises(TypeError, match="cannot save an object of type object"):
        eg.save({"v": eg.zeros(3), "bad": object()}, path)
    assert eg.load(path)["v"].tolist() == [1.0, 1.0, 1.0]
    assert sorted(os.listdir(tmp_path)) == ["ckpt.eg"]


def _saved_bytes():
    buf = io.BytesIO()
    eg.save({"w": eg.arange(10.0), "n": 1}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("cut", [0, 5, 20, 30, -1, -64])
def test_truncated_file_raises_naming_file(tmp_path, cut):
    raw = _saved_bytes()
    path = tmp_path / "trunc.eg"
    path.write_bytes(raw[:cut] if cut else b"")
    with pytest.raises(RuntimeError, match=r"cannot load '.*trunc\.eg'"):
        eg.load(path)


def test_corrupt_bytes_are_detected(tmp_path):
    raw = bytearray(_saved_bytes())
    for pos in (30, len(raw) - 70):  # one in the header, one in the tensor data
        bad = bytearray(raw)
        bad[pos] ^= 0xFF
        path = tmp_path / "bad.eg"
        path.write_bytes(bytes(bad))
        with pytest.raises(RuntimeError, match="bad.eg.*(corrupt|checksum|JSON)"):
            eg.load(path)
    path.write_bytes(bytes(raw) + b"junk")
    with pytest.raises(RuntimeError, match="unexpected bytes"):
        eg.load(path)
    wrong_version = bytearray(raw)
    wrong_version[8:12] = struct.pack("<I", 99)
    with pytest.raises(RuntimeError, match="unsupported format version 99"):
        eg.load(io.BytesIO(bytes(wrong_version)))
    with pytest.raises(RuntimeError, match="bad magic"):
        eg.load(io.BytesIO(b"hello world, this is not a checkpoint"))


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/eagergrad_pwned",))


def test_pickle_files_are_refused_without_running_code(tmp_path):
    marker = "/tmp/eagergrad_pwned"
    if os.path.exists(marker):
        os.remove(marker)
    for proto in (0, 2, 4, 5):
        path = tmp_path / f"evil{proto}.pt"
        path.write_bytes(pickle.dumps({"x": _Evil()}, protocol=proto))
        with pytest.raises(RuntimeError, match="cannot load"):
            eg.load(path)
    assert not os.path.exists(marker)
    for proto in (0, 1, 4):
        with pytest.raises(RuntimeError, match="looks like a pickle file"):
            eg.load(io.BytesIO(pickle.dumps({"x": _Evil()}, protocol=proto)))
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(eg.ones(2))


def test_torch_save_output_is_refused():
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    with pytest.raises(RuntimeError, match="zip archive.*torch.save"):
        eg.load(io.BytesIO(buf.getvalue()))


def test_crafted_header_cannot_reach_arbitrary_types():
    raw = bytearray(_saved_bytes())
    import json
    import zlib

    magic, version, hlen, _ = struct.unpack_from("<8sIQI", raw)
    header = json.loads(raw[24 : 24 + hlen])
    header["root"] = {"t": "os.system", "v": "echo hi"}
    head = json.dumps(header).encode()
    head += b" " * (-(24 + len(head)) % 64)
    data = raw[24 + hlen :]
    crafted = struct.pack("<8sIQI", magic, version, len(head), zlib.crc32(head)) + head + data
    with pytest.raises(RuntimeError, match="unknown entry"):
        eg.load(io.BytesIO(crafted))
    header["tensors"][0]["nbytes"] = 10**12
    head = json.dumps(header).encode()
    head += b" " * (-(24 + len(head)) % 64)
    crafted = struct.pack("<8sIQI", magic, version, len(head), zlib.crc32(head)) + head + data
    with pytest.raises(RuntimeError, match="does not fit"):
        eg.load(io.BytesIO(crafted))
