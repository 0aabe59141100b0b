#!/usr/bin/env python3
"""Autograd Playground's single entry point (standard library only).

    python3 build.py            build the static site into static/
    python3 build.py serve      build it, then serve it on http://127.0.0.1:8000
    python3 build.py test       run the whole test suite (extra args go to pytest)
    python3 build.py bench NAME run bench/NAME.py (cpu, site, webgpu)

The first run creates .venv/ with the pinned dev dependencies from pyproject.toml
and installs the system packages the tests need (Chromium, software Vulkan) when
running as root. Later runs reuse both.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
STAMP = VENV / ".deps-stamp"
SYSTEM_PACKAGES = {"chromium": "/usr/bin/chromium",
                   "mesa-vulkan-drivers": "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
                   # 简体中文 glyphs for the browser tests' screenshots (Debian's Chromium ships no CJK font)
                   "fonts-wqy-microhei": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"}


def log(msg):
    print(f"[build.py] {msg}", flush=True)


def run(cmd, **kw):
    log(" ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def dev_requirements():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return meta["project"]["optional-dependencies"]["dev"]


def ensure_venv():
    """Create .venv with the pinned dev dependencies; reinstall when the pins change."""
    reqs = dev_requirements()
    digest = hashlib.sha256("\n".join(reqs).encode()).hexdigest()
    if VENV_PY.exists() and STAMP.exists() and STAMP.read_text() == digest:
        return
    if not VENV_PY.exists():
        run([sys.executable, "-m", "venv", VENV])
    req_file = VENV / "requirements-dev.txt"
    req_file.write_text("\n".join(reqs) + "\n")
    run([VENV_PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", req_file])
    STAMP.write_text(digest)


def ensure_system_packages():
    """Chromium (browser tests) and lavapipe (WebGPU kernels natively) from Debian, when we can."""
    missing = [pkg for pkg, probe in SYSTEM_PACKAGES.items() if not Path(probe).exists()]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log(f"missing system packages {missing}; install them with apt-get (tests needing them will skip)")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


def in_venv(argv):
    """Re-run this script inside .venv so the commands below see the pinned packages."""
    if Path(sys.prefix).resolve() != VENV.resolve():
        ensure_venv()
        os.execv(str(VENV_PY), [str(VENV_PY), str(Path(__file__)), *argv])


# Two runs, each on the machine's two cores: first the tests that don't drive Chromium, then those that
# do (a browser and a built site per process; a file's tests stay together in one process).
BROWSER_TESTS = ["tests/site", "tests/browser", "tests/webgpu/test_in_browser.py"]


def cmd_test(args):
    ensure_system_packages()
    in_venv(["test", *args])
    os.chdir(ROOT)
    pytest = [sys.executable, "-m", "pytest"]
    if args:   # a selection of one's own: one run, as asked
        sys.exit(subprocess.call([*pytest, *args]))
    rest = subprocess.call([*pytest, "-n", "2", "--durations=10", *(f"--ignore={path}" for path in BROWSER_TESTS)])
    browser = subprocess.call([*pytest, "-n", "2", "--dist", "loadfile", "--durations=20", *BROWSER_TESTS])
    sys.exit(rest or browser)


def site_tools(argv):
    """The site build needs only the standard library, `pyodide-lock[wheel]` and Playwright (plus npm, node, pip
    and Chromium): it runs in .venv only where that is missing, so hosting needs no test dependencies."""
    try:
        import pyodide_lock.utils  # noqa: F401
        import pkginfo  # noqa: F401
        import playwright  # noqa: F401  (the first screen's snapshot: app/site/first_paint.py)
    except ImportError:
        in_venv(argv)
    sys.path.insert(0, str(ROOT))


def cmd_build(args):
    site_tools(["build", *args])
    from app.site.build import build  # the site pipeline: pinned downloads, wheels, lock file, page
    build(ROOT / "static")


def cmd_serve(args):
    site_tools(["serve", *args])
    cmd_build([])
    port = int(args[args.index("--port") + 1]) if "--port" in args else 8000
    from app.site.build import site_server
    with site_server(ROOT / "static", port) as server:
        log(f"serving http://127.0.0.1:{server.server_port}/  (Ctrl-C to stop)")
        server.serve_forever()


def cmd_bench(args):
    in_venv(["bench", *args])
    if not args:
        sys.exit("usage: python3 build.py bench NAME  (a script in bench/)")
    os.chdir(ROOT)
    sys.exit(subprocess.call([sys.executable, str(ROOT / "bench" / f"{args[0]}.py"), *args[1:]]))


COMMANDS = {"build": cmd_build, "serve": cmd_serve, "test": cmd_test, "bench": cmd_bench}


def main(argv):
    name = argv[0] if argv else "build"
    if name not in COMMANDS:
        sys.exit(f"unknown command {name!r}; choose one of {', '.join(COMMANDS)}")
    COMMANDS[name](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
