"""Pinned downloads: fetched once from a registry (npm, PyPI) into .cache/downloads/, checked by sha256 on every use."""
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "downloads"


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached(file_name, sha256, download):
    """The cached download `file_name`, fetched with download(folder) when absent; hash-checked."""
    path = CACHE / file_name
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            download(Path(tmp))
            fetched = Path(tmp) / file_name
            if not fetched.exists():
                sys.exit(f"download did not produce {file_name}: {sorted(p.name for p in Path(tmp).iterdir())}")
            fetched.replace(path)
    actual = sha256_of(path)
    if actual != sha256:
        path.unlink()
        sys.exit(f"sha256 mismatch for {file_name}: expected {sha256}, got {actual} (deleted; rebuild to re-download)")
    return path


def npm_pack(spec):
    return lambda folder: subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", str(folder)],
                                         check=True, stdout=subprocess.DEVNULL)


def pip_download(requirement, compiled=False):
    # A compiled wheel is only taken apart for its pure-Python code, so any CPython 3.12 build will do.
    platform = (["--platform", "manylinux2014_x86_64", "--implementation", "cp", "--abi", "cp312"]
                if compiled else ["--platform", "any", "--implementation", "py"])
    def download(folder):
        done = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                               "--python-version", "3.12", *platform, "-d", str(folder), requirement],
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"pip download {requirement} failed:\n{done.stdout}{done.stderr}")
    return download
