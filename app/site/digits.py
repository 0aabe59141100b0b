"""The 8×8 handwritten digits (1,797 images, UCI via scikit-learn), converted at build time.

scikit-learn ships them as `sklearn/datasets/data/digits.csv.gz` (64 pixel values 0-16, then the
label, per line). The site build reads that file straight out of a pinned scikit-learn wheel and
writes a small .npz (uint8 images and labels, ~30 kB) that the site serves and app.datasets loads.
Standard library only: the site build runs without numpy.
"""
import csv
import gzip
import io
import os
import struct
import zipfile
from pathlib import Path

from app.site.downloads import cached, pip_download

SITE_PATH = "data/digits.npz"   # where the site serves it, relative to the page (app.datasets.DIGITS_URL)
# The wheel is only opened for its data file, so any platform's build will do.
SKLEARN = {"requirement": "scikit-learn==1.7.2",
           "file": "scikit_learn-1.7.2-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
           "sha256": "e5bf3d930aee75a65478df91ac1225ff89cd28e9ac7bd1196853a9229b6adb0b"}
SKLEARN_MEMBER = "sklearn/datasets/data/digits.csv.gz"


def read_csv_gz(data):
    """(images as 1797 rows of 64 ints, labels) from the bytes of scikit-learn's digits.csv.gz."""
    rows = list(csv.reader(io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(data)), "ascii")))
    pixels = [[int(float(v)) for v in row[:64]] for row in rows if row]
    labels = [int(float(row[64])) for row in rows if row]
    return pixels, labels


def _npy(shape, values):
    """A .npy file (format 1.0) of uint8 values, as numpy.save writes it."""
    header = repr({"descr": "|u1", "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"   # data starts 64-byte aligned
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(values)


def npz_bytes(pixels, labels):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in (("images.npy", _npy((len(pixels), 8, 8), [v for row in pixels for v in row])),
                              ("labels.npy", _npy((len(labels),), labels))):
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), content,
                       compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def sklearn_wheel():
    """The pinned scikit-learn wheel from the build's download cache (fetched once, hash-checked)."""
    return cached(SKLEARN["file"], SKLEARN["sha256"], pip_download(SKLEARN["requirement"], compiled=True))


def write_digits(path):
    """Convert scikit-learn's digits into the .npz the playground loads, at `path`."""
    with zipfile.ZipFile(sklearn_wheel()) as wheel:
        pixels, labels = read_csv_gz(wheel.read(SKLEARN_MEMBER))
    return write_in_one_step(path, npz_bytes(pixels, labels))


def write_in_one_step(path, data):
    """Write `data` at `path` through a temporary file, so a reader never sees half of it (parallel test
    workers may race to write it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path

