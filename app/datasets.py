"""The playground's data: 2-D classification sets, a 2-D regression surface, the 8×8 digits and real MNIST.

Every generator takes (n, noise, rng) and returns plain numpy arrays, and reads nothing else, so
the exported PyTorch script can carry its source unchanged (app/export.py). `make()` adds the
train/test split and what the rest of the app needs to know: the problem kind, the number of
classes and the shape of one input.
"""
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app import tables

ROOT = Path(__file__).resolve().parent.parent
# Where the site serves the digits, relative to the page: the site build writes them there (app/site/digits.py).
DIGITS_URL = "data/digits.npz"
# Real MNIST (app/site/mnist.py), 1.6 MB: fetched only when a student chooses it.
MNIST_URL = "data/mnist.npz"


def circle(n, noise, rng):
    """Class 0 inside a disc, class 1 on a ring around it."""
    labels = rng.integers(0, 2, n)
    radius = np.where(labels == 0, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    return points + noise * rng.normal(size=(n, 2)), labels


def xor(n, noise, rng):
    """Class 1 where the two coordinates have the same sign; a small gap along the axes."""
    points = rng.uniform(-1, 1, (n, 2))
    points += np.sign(points) * 0.05
    labels = (points[:, 0] * points[:, 1] > 0).astype(np.int64)
    return points + noise * rng.normal(size=(n, 2)), labels


def gaussians(n, noise, rng):
    """Two round clusters; the noise widens them until they overlap."""
    labels = rng.integers(0, 2, n)
    centres = np.array([[-0.5, -0.5], [0.5, 0.5]])
    return centres[labels] + (0.15 + noise) * rng.normal(size=(n, 2)), labels


def spiral(n, noise, rng):
    """Two interleaved spiral arms (as in TensorFlow Playground)."""
    labels = np.arange(n) % 2
    r = rng.uniform(0.05, 1.0, n)
    angle = 1.75 * 2 * np.pi * r + np.pi * labels
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], 1)
    return points + noise * rng.normal(size=(n, 2)), labels


def bumps(n, noise, rng):
    """Regression: a hill and a valley over the plane; the target is the height."""
    points = rng.uniform(-1, 1, (n, 2))
    hill = np.exp(-((points - 0.4) ** 2).sum(1) / 0.18)
    valley = np.exp(-((points + 0.4) ** 2).sum(1) / 0.18)
    return points, (hill - valley + noise * rng.normal(size=n))[:, None]


GENERATORS = {"circle": circle, "xor": xor, "gaussians": gaussians, "spiral": spiral, "regression": bumps}
DATASETS = ["circle", "xor", "gaussians", "spiral", "regression", "digits", "mnist", "csv"]
LABELS = {"circle": "Circle", "xor": "XOR", "gaussians": "Two gaussians", "spiral": "Spiral",
          "regression": "Regression (2-D surface)", "digits": "Digits 8×8 (images)",
          "mnist": "MNIST 28×28 (10,000 real digits)", "csv": "Your CSV (uploaded)"}
IMAGE_SETS = ("digits", "mnist")

# How the 8×8 digits meet a LeNet-style net that expects 32×32: the text the playground shows.
IMAGE_MODES = {
    "upscale": ("32×32, upscaled", "each pixel repeated 4×4: x.repeat_interleave(4, 2).repeat_interleave(4, 3)"),
    "pad": ("32×32, padded", "12 zero pixels on every side: F.pad(x, (12, 12, 12, 12))"),
    "none": ("as they are", "the images as scikit-learn ships them"),
}
# The same choices for MNIST's 28×28 digits (the MNIST preset takes them as they are: app/state.py).
MNIST_IMAGE_MODES = {
    "upscale": ("32×32, upscaled", "the nearest pixel, every 7th row and column twice: "
                                   "x[:, :, i][:, :, :, i] with i = torch.arange(32) * 28 // 32"),
    "pad": ("32×32, padded", "2 zero pixels on every side: F.pad(x, (2, 2, 2, 2)), as LeNet-5 was fed MNIST"),
    "none": ("as they are", "the images as the mnist package ships them (the LeNet's fc1 then takes 16×5×5 = 400 "
                            "features, as LeNet-5's did)"),
}
SIDE = 32   # what the tutorial's LeNet expects


def resize_images(images, mode):
    """(N, 1, side, side) images as the network sees them (see IMAGE_MODES): 32×32 or as they are."""
    side = images.shape[-1]
    if mode == "upscale":   # nearest pixel; for 8×8 digits each pixel 4×4 times
        nearest = np.arange(SIDE) * side // SIDE
        return images[:, :, nearest][:, :, :, nearest]
    if mode == "pad":
        border = (SIDE - side) // 2
        return np.pad(images, ((0, 0), (0, 0), (border, SIDE - side - border), (border, SIDE - side - border)))
    if mode == "none":
        return images
    raise ValueError(f"unknown image mode {mode!r}")


def _digits_file():
    """The bytes of the digits .npz: fetched from the site in the browser, built into .cache/ natively."""
    def convert(path):
        from app.site.digits import write_digits   # natively only: the conversion is build tooling
        write_digits(path)
    return _site_file(DIGITS_URL, "the digits", convert)


def _mnist_file():
    """The bytes of the MNIST .npz: fetched from the site in the browser, built into .cache/ natively."""
    def convert(path):
        from app.site.mnist import write_mnist
        write_mnist(path)
    return _site_file(MNIST_URL, "MNIST", convert)


def _site_file(url, what, convert):
    """The bytes of the site's file `url`; natively, convert(path) writes it into .cache/ once."""
    if sys.platform == "emscripten":
        from js import XMLHttpRequest   # synchronous requests are allowed in a Web Worker
        request = XMLHttpRequest.new()
        request.open("GET", url, False)
        request.responseType = "arraybuffer"
        request.send(None)
        if request.status != 200:
            raise OSError(f"could not load {what} ({url}: HTTP {request.status})")
        return request.response.to_py().tobytes()
    path = ROOT / ".cache" / Path(url).name
    if not path.exists():
        convert(path)
    return path.read_bytes()


_loaded = {}


def _images(site_file, levels):
    """(images (N, 1, H, W) float32 in [0, 1], labels (N,) int64) of an image .npz whose pixels run 0..levels,
    loaded once."""
    if site_file not in _loaded:
        import io
        with np.load(io.BytesIO(site_file())) as z:
            _loaded[site_file] = (z["images"][:, None].astype(np.float32) / levels, z["labels"].astype(np.int64))
    return _loaded[site_file]


def load_digits():
    """(images (1797, 1, 8, 8) float32 in [0, 1], labels (1797,) int64), loaded once."""
    return _images(_digits_file, 16)


def load_mnist():
    """(images (10000, 1, 28, 28) float32 in [0, 1], labels (10000,) int64), loaded once, when first asked for."""
    return _images(_mnist_file, 255)


@dataclass
class Dataset:
    name: str
    problem: str          # "classification-2d" | "regression" | "images"
    classes: int          # 0 for regression
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def input_shape(self):
        return self.x_train.shape[1:]


def make(name, n=400, noise=0.1, test_fraction=0.3, seed=0, image_mode="upscale", table=None):
    """The data set `name`, split into train and test (the split is part of the seed). "csv" is the
    uploaded `table` (app/tables.py)."""
    rng = np.random.default_rng(seed)
    if name == "csv":
        if table is None:
            raise ValueError("no CSV has been uploaded: upload one under “Your data”")
        x, y, problem, classes = tables.arrays(table)
    elif name in IMAGE_SETS:
        x, y = load_digits() if name == "digits" else load_mnist()
        x = resize_images(x, image_mode)
        problem, classes = "images", 10
    elif name in GENERATORS:
        x, y = GENERATORS[name](n, noise, rng)
        x = x.astype(np.float32)
        y = y.astype(np.float32) if name == "regression" else y.astype(np.int64)
        problem, classes = ("regression", 0) if name == "regression" else ("classification-2d", 2)
    else:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    order = rng.permutation(len(x))
    n_test = max(1, int(round(test_fraction * len(x))))
    test, train = order[:n_test], order[n_test:]
    return Dataset(name, problem, classes, x[train], y[train], x[test], y[test])
