"""`pip install .` installs the engine as a library, and nothing else lands in site-packages."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pip_install_puts_only_the_engine_in_site_packages(tmp_path):
    source = tmp_path / "source"   # a copy, so the build's own files stay out of the working tree
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    for package in ("engine", "app"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(source)], check=True)
    landed = sorted(p.name for p in target.iterdir())
    assert [name for name in landed if not name.endswith(".dist-info")] == ["engine"], landed
    assert (target / "engine" / "backends" / "webgpu").is_dir()
    assert list((target / "engine").rglob("*.wgsl")), "the WGSL kernels ship as package data"
    done = subprocess.run([sys.executable, "-c", "import engine as torch; print(torch.ones(2).sum().item())"],
                          cwd=tmp_path, env={"PYTHONPATH": str(target)}, capture_output=True, text=True)
    assert done.stdout.strip() == "2.0", done.stderr
