"""MNIST, FashionMNIST and CIFAR10 readers, on small files in the real formats written here."""

import gzip
import os
import struct

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.datasets import CIFAR10, MNIST, FashionMNIST
from eagergrad.datasets import transforms as T
from eagergrad.datasets.vision import read_idx
from eagergrad.utils.data import DataLoader


def write_idx(path, arr, gz):
    codes = {
        np.uint8: 0x08,
        np.int8: 0x09,
        np.int16: 0x0B,
        np.int32: 0x0C,
        np.float32: 0x0D,
        np.float64: 0x0E,
    }
    header = bytes([0, 0, codes[arr.dtype.type], arr.ndim])
    header += b"".join(struct.pack(">i", d) for d in arr.shape)
    payload = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if gz else open
    with opener(str(path) + (".gz" if gz else ""), "wb") as f:
        f.write(payload)


def make_mnist(folder, n_train=6, n_test=4, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    out = {}
    for prefix, n in [("train", n_train), ("t10k", n_test)]:
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), images, gz)
        write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), labels, gz)
        out[prefix] = (images, labels)
    return out


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_roundtrip(tmp_path, dtype):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a", arr, gz=False)
    out = read_idx(str(tmp_path / "a"))
    assert out.dtype == np.dtype(dtype) and np.array_equal(out, arr)


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(str(tmp_path / "bad"))
    write_idx(tmp_path / "short", np.zeros(5, np.uint8), gz=False)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-1])
    with pytest.raises(ValueError, match="holds 4 bytes"):
        read_idx(str(tmp_path / "short"))


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("layout", ["MNIST/raw", "MNIST", ""])
def test_mnist_reads_idx_files(tmp_path, gz, layout):
    ref = make_mnist(tmp_path / layout, gz=gz)
    train = MNIST(tmp_path, train=True)
    test = MNIST(str(tmp_path), train=False)
    assert len(train) == 6 and len(test) == 4
    img, label = train[3]
    assert img.shape == (28, 28) and img.dtype == np.uint8 and isinstance(label, int)
    assert np.array_equal(img, ref["train"][0][3]) and label == ref["train"][1][3]
    assert np.array_equal(test.data, ref["t10k"][0]) and test.targets.dtype == np.int64
    assert train.class_to_idx["3 - three"] == 3


def test_mnist_transforms_and_loader(tmp_path):
    ref = make_mnist(tmp_path / "MNIST" / "raw")
    ds = MNIST(
        tmp_path,
        transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]),
        target_transform=lambda t: t + 100,
    )
    x, y = next(iter(DataLoader(ds, batch_size=6, num_workers=2)))
    assert x.shape == (6, 1, 28, 28) and x.dtype == eg.float32
    expected = (ref["train"][0].astype(np.float32) / 255 - 0.5) / 0.5
    np.testing.assert_allclose(x.numpy()[:, 0], expected, rtol=1e-6, atol=1e-6)
    assert y.tolist() == (ref["train"][1].astype(np.int64) + 100).tolist()


def test_fashion_mnist_uses_its_own_folder(tmp_path):
    make_mnist(tmp_path / "FashionMNIST" / "raw")
    ds = FashionMNIST(tmp_path, train=False)
    assert len(ds) == 4 and ds.classes[9] == "Ankle boot"
    with pytest.raises(RuntimeError, match="Dataset not found"):
        MNIST(tmp_path)  # the Fashion-MNIST files are not MNIST's


def test_missing_mnist_files_say_what_to_put_where(tmp_path):
    make_mnist(tmp_path / "MNIST" / "raw")
    os.remove(tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path, train=False, download=True)
    msg = str(info.value)
    assert "t10k-labels-idx1-ubyte" in msg and "t10k-images" not in msg
    assert os.path.join(str(tmp_path), "MNIST", "raw") in msg
    assert "does not download" in msg
    MNIST(tmp_path, train=True)  # the training files are still there


def make_cifar(folder, per_batch=3, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    out = {}
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        labels = rng.integers(0, 10, size=per_batch).astype(np.uint8)
        chw = rng.integers(0, 256, size=(per_batch, 3, 32, 32), dtype=np.uint8)
        records = np.concatenate([labels[:, None], chw.reshape(per_batch, -1)], axis=1)
        records.tofile(os.path.join(folder, name))
        out[name] = (chw, labels)
    return out


@pytest.mark.parametrize("layout", ["cifar-10-batches-bin", ""])
def test_cifar10_reads_binary_batches(tmp_path, layout):
    ref = make_cifar(tmp_path / layout)
    train = CIFAR10(tmp_path, train=True)
    test = CIFAR10(tmp_path, train=False)
    assert len(train) == 15 and len(test) == 3
    assert train.data.shape == (15, 32, 32, 3) and train.targets.dtype == np.int64
    img, label = train[4]  # second image of data_batch_2
    chw, labels = ref["data_batch_2.bin"]
    assert img.shape == (32, 32, 3) and label == labels[1]
    assert np.array_equal(img[..., 0], chw[1, 0])  # channel 0 is the red plane
    assert np.array_equal(img.transpose(2, 0, 1), chw[1])
    x = T.ToTensor()(img)
    assert x.shape == (3, 32, 32)
    np.testing.assert_allclose(x.numpy(), chw[1] / 255.0, rtol=1e-6)


def test_cifar10_missing_and_corrupt_files(tmp_path):
    make_cifar(tmp_path / "cifar-10-batches-bin")
    os.remove(tmp_path / "cifar-10-batches-bin" / "data_batch_3.bin")
    with pytest.raises(RuntimeError, match="data_batch_3.bin in .*cifar-10-batches-bin"):
        CIFAR10(tmp_path)
    (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="not a whole number"):
        CIFAR10(tmp_path, train=False)
