"""The site build's own rules: pinned downloads, rewritten wheels, and a consistent output."""
import base64
import hashlib
import io
import json
import zipfile

import pytest

from app.site import build as site_build, downloads
from tests.site.harness import built_site


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_a_download_is_fetched_once_and_a_tampered_one_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(downloads, "CACHE", tmp_path)
    fetches = []

    def download(folder):
        fetches.append(folder)
        (folder / "thing.whl").write_bytes(b"the real thing")

    good = sha256(b"the real thing")
    assert downloads.cached("thing.whl", good, download).read_bytes() == b"the real thing"
    downloads.cached("thing.whl", good, download)
    assert len(fetches) == 1
    with pytest.raises(SystemExit, match="sha256 mismatch"):
        downloads.cached("thing.whl", sha256(b"something else"), download)
    assert not (tmp_path / "thing.whl").exists()  # removed, so the next build downloads it again


def wheel(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


def test_a_compiled_wheel_becomes_pure_python():
    compiled = wheel({
        "yaml/__init__.py": "from .cyaml import *",
        "yaml/_yaml.cpython-312-x86_64-linux-gnu.so": b"\x7fELF",
        "yaml/tests/test_x.py": "",
        "PyYAML-6.0.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp312-cp312-manylinux_2_17_x86_64\n",
        "PyYAML-6.0.dist-info/RECORD": "yaml/__init__.py,,\nyaml/_yaml.cpython-312-x86_64-linux-gnu.so,,\n"
                                       "yaml/tests/test_x.py,,\n",
    })
    pure = zipfile.ZipFile(io.BytesIO(site_build.rewrite_wheel(compiled, drop=["yaml/tests/*"], pure=True)))
    assert sorted(pure.namelist()) == ["PyYAML-6.0.dist-info/RECORD", "PyYAML-6.0.dist-info/WHEEL", "yaml/__init__.py"]
    assert "Tag: py3-none-any" in pure.read("PyYAML-6.0.dist-info/WHEEL").decode()
    assert "Root-Is-Purelib: true" in pure.read("PyYAML-6.0.dist-info/WHEEL").decode()
    assert pure.read("PyYAML-6.0.dist-info/RECORD").decode() == "yaml/__init__.py,,\n"
    assert site_build.pure_file_name("pyyaml-6.0.4-cp312-cp312-manylinux2014_x86_64.whl") == "pyyaml-6.0.4-py3-none-any.whl"


def test_our_wheel_is_reproducible_and_holds_engine_and_app_only():
    name, data = site_build.own_wheel("0.1.0", ["numpy>=2.0", "panel"])
    assert (name, data) == site_build.own_wheel("0.1.0", ["numpy>=2.0", "panel"])
    members = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "engine/__init__.py" in members and "app/playground.py" in members and "app/browser.py" in members
    assert not any(m.startswith(("app/site/", "tests/")) for m in members)   # build tooling, tests


def test_the_lock_lists_our_wheels_with_the_requirements_pyodide_sees():
    lock = json.loads((built_site() / "pyodide" / "pyodide-lock.json").read_text())
    ours = lock["packages"]["autograd-playground"]
    assert ours["depends"] == ["numpy", "panel"] and sorted(ours["imports"]) == ["app", "engine"]
    # Panel requires tornado and requests off the web only; markers are read as Pyodide 0.27.7 sees them.
    assert "bokeh" in lock["packages"]["panel"]["depends"]
    assert not {"tornado", "requests", "nh3"} & {d for entry in lock["packages"].values() for d in entry["depends"]}


def test_the_built_site_is_consistent():
    site = built_site()
    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == "0.27.7"
    for entry in lock["packages"].values():
        data = (site / "pyodide" / entry["file_name"]).read_bytes()
        assert sha256(data) == entry["sha256"], entry["file_name"]
        assert all(dependency in lock["packages"] for dependency in entry["depends"]), entry["name"]
    boot = json.loads((site / "boot.json").read_text())
    for path, expected in boot["files"].items():
        data = (site / path).read_bytes()
        assert expected == {"size": len(data), "integrity": "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()}
    for page_file in ("index.html", "worker.js", "site.css", "bokeh/bokeh.min.js", "panel/panel.min.js"):
        assert (site / page_file).is_file(), page_file
