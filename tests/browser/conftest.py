"""Runs Python inside the site's own Pyodide, in a Web Worker of headless Chromium.

The session's built site gets a test page (runner/) and pytest's wheels under /__tests__/;
`pyodide.run(code)` runs code there and `pyodide.pytest(path)` runs a test file of this
repository with pytest inside Pyodide.
"""
import json
import shutil
from pathlib import Path

import pytest

from app.site.downloads import cached, pip_download
from tests.site.harness import ROOT, Traffic, built_site, site_url
from tests.site.harness import browser  # noqa: F401  (fixture)

HERE = Path(__file__).parent
# pytest and what it needs that the site does not ship (same pytest as the dev list).
TEST_WHEELS = [
    ("pytest==9.2.0", "pytest-9.2.0-py3-none-any.whl", "07acdcf88ec174f907dc01af70bf52d49b014bbab03faeeade31c96b18c2e588"),
    ("pluggy==1.7.0", "pluggy-1.7.0-py3-none-any.whl", "7dd7b0d8832ba3cb632c306926ded123429211b83641b35dc5c41ad2d34f9bec"),
    ("iniconfig==2.3.1", "iniconfig-2.3.1-py3-none-any.whl", "9121e2c1fdb355232495be3194c8dfe87ccc2d5dee45947b78e68f499790d7a7"),
    ("Pygments==2.21.0", "pygments-2.21.0-py3-none-any.whl", "2363c69b61c4a97c838da3b130dcd6468f4848992b21a82f2a63ec34377137d9"),
]
PROJECT = "/home/pyodide/project"  # where test files are written inside Pyodide
RUN_TIMEOUT_MS = 300_000

PYTEST_IN_PYODIDE = """
import contextlib, importlib.abc, io, json, os, sys
import pytest

class NoTorch(importlib.abc.MetaPathFinder):
    # PyTorch, the oracle of the native tests, has no Pyodide build: a test module that
    # imports it is reported as skipped instead of failing to import.
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "torch":
            pytest.skip("PyTorch does not run in Pyodide", allow_module_level=True)

if not any(isinstance(finder, NoTorch) for finder in sys.meta_path):
    sys.meta_path.insert(0, NoTorch())
for rel, text in json.loads(FILES).items():
    path = os.path.join(PROJECT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
os.chdir(PROJECT)
if PROJECT not in sys.path:
    sys.path.insert(0, PROJECT)
output = io.StringIO()
with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
    exit_code = pytest.main([TARGET, "-q", "-p", "no:cacheprovider", "--capture=sys", "-o", "addopts=-ra", "--rootdir", PROJECT])
json.dumps({"exit_code": int(exit_code), "output": output.getvalue()})
"""


def test_files_for(path):
    """The test file with its folder's modules and the packages' __init__/conftest files above it."""
    target = ROOT / path
    files = [p for p in target.parent.glob("*.py")]
    for folder in target.parent.relative_to(ROOT).parents:
        files += [ROOT / folder / name for name in ("__init__.py", "conftest.py") if (ROOT / folder / name).exists()]
    return {p.relative_to(ROOT).as_posix(): p.read_text() for p in files}


class PyodideInBrowser:
    def __init__(self, page):
        self.page = page

    def run(self, code, packages=()):
        """str() of the value of the code's last expression, run inside Pyodide."""
        return self.page.evaluate("([code, packages]) => runPython(code, packages)", [code, list(packages)])

    def pytest(self, path, files=None):
        """Run a test file with pytest inside Pyodide: (exit code, output). The file and its
        package's modules come from this repository unless `files` ({path: text}) is given."""
        files = test_files_for(path) if files is None else files
        header = f"FILES = {json.dumps(json.dumps(files))}\nTARGET = {path!r}\nPROJECT = {PROJECT!r}\n"
        result = json.loads(self.run(header + PYTEST_IN_PYODIDE))
        return result["exit_code"], result["output"]


@pytest.fixture(scope="session")
def pyodide(browser):  # noqa: F811
    site = built_site()
    runner = site / "__tests__"
    if not runner.exists():
        shutil.copytree(HERE / "runner", runner)
        for requirement, file_name, sha256 in TEST_WHEELS:
            shutil.copy(cached(file_name, sha256, pip_download(requirement)), runner / file_name)
    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())
    own_wheel = lock["packages"]["autograd-playground"]["file_name"]
    context = browser.new_context()
    context.set_default_timeout(RUN_TIMEOUT_MS)
    traffic = Traffic(context)
    page = context.new_page()
    page.goto(site_url() + "__tests__/index.html")
    # numpy from the lock; our wheel and pytest by URL, so the UI stack is not loaded.
    in_browser = PyodideInBrowser(page)
    in_browser.run("import engine", ["numpy", f"../pyodide/{own_wheel}", *(name for _, name, _ in TEST_WHEELS)])
    yield in_browser
    context.close()
    problems = traffic.problems()
    assert not problems, "\n".join(problems)
