"""The playground's data sets and the digits file the site build writes (app/datasets.py, app/site/digits.py)."""
import numpy as np
import pytest

from app import datasets
from app.site import digits


@pytest.mark.parametrize("name", ["circle", "xor", "gaussians", "spiral"])
def test_2d_classification_sets(name):
    d = datasets.make(name, n=400, noise=0.1, test_fraction=0.25, seed=3)
    assert d.problem == "classification-2d" and d.classes == 2 and d.input_shape == (2,)
    assert d.x_train.shape == (300, 2) and d.x_test.shape == (100, 2)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    labels = np.concatenate([d.y_train, d.y_test])
    assert set(labels.tolist()) == {0, 1} and 0.3 < labels.mean() < 0.7
    assert np.abs(d.x_train).max() < 2


def test_noise_seed_and_split_are_honoured():
    a = datasets.make("spiral", noise=0.0, seed=1)
    b = datasets.make("spiral", noise=0.0, seed=1)
    c = datasets.make("spiral", noise=0.0, seed=2)
    assert np.array_equal(a.x_train, b.x_train) and not np.array_equal(a.x_train, c.x_train)
    # without noise every point lies on an arm, between radius 0.05 and 1
    radius = np.hypot(*np.concatenate([a.x_train, a.x_test]).T)
    assert radius.min() >= 0.05 - 1e-6 and radius.max() <= 1 + 1e-6
    noisy = datasets.make("spiral", noise=0.3, seed=1)
    assert np.abs(noisy.x_train - a.x_train).mean() > 0.1
    assert len(datasets.make("xor", n=200, test_fraction=0.5).x_test) == 100


def test_xor_labels_follow_the_quadrants_without_noise():
    d = datasets.make("xor", noise=0.0)
    assert np.array_equal(d.y_train, (d.x_train[:, 0] * d.x_train[:, 1] > 0).astype(np.int64))


def test_regression_set():
    d = datasets.make("regression", n=200, noise=0.0)
    assert d.problem == "regression" and d.classes == 0
    assert d.y_train.shape == (140, 1) and d.y_train.dtype == np.float32
    assert -1.01 < d.y_train.min() < -0.5 and 0.5 < d.y_train.max() < 1.01


def test_digits_file_round_trip(tmp_path):
    path = digits.write_digits(tmp_path / "data" / "digits.npz")
    assert path.stat().st_size < 80_000
    with np.load(path) as z:
        images, labels = z["images"], z["labels"]
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8 and images.max() == 16
    assert labels.shape == (1797,) and np.bincount(labels).min() > 170
    assert labels[:10].tolist() == list(range(10))
    assert digits.SITE_PATH == datasets.DIGITS_URL   # the build writes them where the app fetches them


@pytest.mark.parametrize("mode, side", [("upscale", 32), ("pad", 32), ("none", 8)])
def test_digits_as_the_network_sees_them(mode, side):
    d = datasets.make("digits", test_fraction=0.2, seed=0, image_mode=mode)
    assert d.problem == "images" and d.classes == 10 and d.input_shape == (1, side, side)
    assert len(d.x_train) + len(d.x_test) == 1797 and len(d.x_test) == 359
    assert d.x_train.dtype == np.float32 and 0 <= d.x_train.min() and d.x_train.max() == 1.0
    original = datasets.load_digits()[0]
    total = original.sum()
    resized = datasets.resize_images(original, mode)
    assert np.isclose(resized.sum(), total * (16 if mode == "upscale" else 1))
    if mode == "pad":
        assert np.array_equal(resized[:, :, 12:20, 12:20], original)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'moons'"):
        datasets.make("moons")
