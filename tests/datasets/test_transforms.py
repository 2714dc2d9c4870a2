"""eagergrad.datasets.transforms."""

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.datasets import transforms as T
from eagergrad.utils.data import DataLoader, Dataset


def test_to_tensor_layouts_and_scaling():
    gray = np.arange(6, dtype=np.uint8).reshape(2, 3)
    x = T.ToTensor()(gray)
    assert x.shape == (1, 2, 3) and x.dtype == eg.float32
    np.testing.assert_allclose(x.numpy()[0], gray / 255.0, rtol=1e-6)
    rgb = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    y = T.ToTensor()(rgb)
    assert y.shape == (3, 4, 5)
    np.testing.assert_allclose(y.numpy(), rgb.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert T.ToTensor()(np.full((1, 1), 2.5))[0, 0, 0].item() == 2.5  # floats are not scaled
    with pytest.raises(TypeError, match="pic should be a numpy array"):
        T.ToTensor()([[1]])


def test_to_tensor_matches_torchvision_rule():
    torch = pytest.importorskip("torch")
    img = np.random.default_rng(1).integers(0, 256, (3, 4, 2), dtype=np.uint8)
    ref = torch.from_numpy(img).permute(2, 0, 1).float().div(255)
    np.testing.assert_allclose(T.ToTensor()(img).numpy(), ref.numpy(), rtol=1e-6)


def test_normalize_tensor_and_array():
    x = eg.ones(2, 2, 2)
    out = T.Normalize((0.5, 1.0), (0.5, 2.0))(x)
    assert out.tolist() == [[[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]]
    assert x.tolist()[0][0][0] == 1.0  # not in place by default
    arr = np.ones((1, 2, 2), np.float32)
    assert isinstance(T.Normalize((1.0,), (1.0,))(arr), np.ndarray)
    T.Normalize((1.0,), (1.0,), inplace=True)(x)
    assert x[0].sum().item() == 0.0
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.0,), (0.0,))(eg.ones(1, 2, 2))


@pytest.mark.parametrize("padding,expect_hw", [(None, (3, 3)), (2, (3, 3)), ((1, 2), (3, 3))])
def test_random_crop_takes_a_window_of_the_padded_image(padding, expect_hw):
    img = np.arange(25, dtype=np.uint8).reshape(5, 5)
    crop = T.RandomCrop(3, padding=padding)
    for _ in range(20):
        out = crop(img)
        assert out.shape == expect_hw
        ltrb = crop._ltrb(padding) if padding is not None else (0, 0, 0, 0)
        padded = np.pad(img, ((ltrb[1], ltrb[3]), (ltrb[0], ltrb[2])))
        windows = [
            padded[i : i + 3, j : j + 3]
            for i in range(padded.shape[0] - 2)
            for j in range(padded.shape[1] - 2)
        ]
        assert any(np.array_equal(out, w) for w in windows)


def test_random_crop_hwc_array_and_chw_tensor():
    rgb = np.zeros((32, 32, 3), np.uint8)
    assert T.RandomCrop(28)(rgb).shape == (28, 28, 3)
    assert T.RandomCrop(32, padding=4, padding_mode="reflect")(rgb).shape == (32, 32, 3)
    t = eg.zeros(3, 32, 32)
    out = T.RandomCrop((30, 28), padding=2)(t)
    assert isinstance(out, eg.Tensor) and out.shape == (3, 30, 28)


def test_random_crop_size_checks():
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(6)(np.zeros((5, 5)))
    assert T.RandomCrop(6, pad_if_needed=True)(np.zeros((5, 5))).shape == (6, 6)
    with pytest.raises(ValueError, match="Padding mode"):
        T.RandomCrop(3, padding_mode="wrap")


def test_random_horizontal_flip():
    img = np.array([[1, 2, 3]])
    assert np.array_equal(T.RandomHorizontalFlip(1.0)(img), [[3, 2, 1]])
    assert np.array_equal(T.RandomHorizontalFlip(0.0)(img), img)
    t = eg.tensor([[[1, 2, 3]]])
    assert T.RandomHorizontalFlip(1.0)(t).tolist() == [[[3, 2, 1]]]
    flips = sum(T.RandomHorizontalFlip()(img)[0, 0] == 3 for _ in range(200))
    assert 60 < flips < 140


def test_random_transforms_follow_manual_seed():
    img = np.arange(100, dtype=np.uint8).reshape(10, 10)
    crop = T.RandomCrop(4, padding=1)
    eg.manual_seed(0)
    a = [crop(img) for _ in range(5)]
    eg.manual_seed(0)
    b = [crop(img) for _ in range(5)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_augmentation_in_workers_is_reproducible_with_a_generator():
    class Aug(Dataset):
        t = T.Compose([T.RandomCrop(4, padding=2), T.RandomHorizontalFlip(), T.ToTensor()])

        def __len__(self):
            return 16

        def __getitem__(self, i):
            return self.t(np.full((6, 6), i, dtype=np.uint8) + np.eye(6, dtype=np.uint8))

    def run(seed):
        g = eg.Generator().manual_seed(seed)
        loader = DataLoader(Aug(), batch_size=4, num_workers=2, generator=g)
        return np.concatenate([b.numpy() for b in loader])

    assert np.array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))
