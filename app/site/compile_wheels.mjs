// Compiles wheels to bytecode with the site's own Pyodide (CPython 3.12.7) in Node, so the
// browser imports .pyc files instead of compiling every module on each page load.
//
//   node app/site/compile_wheels.mjs PYODIDE_DIR IN_DIR OUT_DIR JOBS_JSON
//
// JOBS_JSON maps wheel file names to a layout:
//   "sourceless"     module.py becomes module.pyc beside it (what CPython imports without a
//                    source, as Pyodide's own stdlib is shipped): the smallest download;
//   "beside-source"  module.py stays and __pycache__/module.cpython-312.pyc is added, so
//                    tracebacks still show the source lines (for our own code).
// The .pycs are unchecked-hash pycs: reproducible, and never compared with a source file.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, inDir, outDir, jobs] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep });
pyodide.FS.mkdirTree("/in");
pyodide.FS.mkdirTree("/out");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(inDir) }, "/in");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(outDir) }, "/out");
pyodide.globals.set("jobs", pyodide.toPy(JSON.parse(jobs)));
pyodide.runPython(`
import importlib._bootstrap_external as bootstrap
import importlib.util
import zipfile

def compiled(name, source):
    code = compile(source, name, "exec", dont_inherit=True, optimize=0)
    return bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(source), False)

def pyc_name(name, layout):
    if layout == "sourceless":
        return name + "c"
    folder, _, module = name.rpartition("/")
    return f"{folder}/__pycache__/{module[:-3]}.{bootstrap.sys.implementation.cache_tag}.pyc".lstrip("/")

for wheel, layout in jobs.items():
    with zipfile.ZipFile(f"/in/{wheel}") as src, zipfile.ZipFile(f"/out/{wheel}", "w", zipfile.ZIP_DEFLATED) as dst:
        added = {}  # source name -> pyc name
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".py") and ".dist-info/" not in info.filename:
                try:
                    pyc = compiled(info.filename, data)
                except SyntaxError:
                    pass  # not Python 3.12 (a template, say): keep the source as it is
                else:
                    added[info.filename] = pyc_name(info.filename, layout)
                    pyc_info = zipfile.ZipInfo(added[info.filename], date_time=info.date_time)
                    if layout == "sourceless":
                        info, data = pyc_info, pyc
                    else:
                        dst.writestr(pyc_info, pyc, zipfile.ZIP_DEFLATED)
            elif info.filename.endswith(".dist-info/RECORD"):
                record = []
                for line in data.decode().splitlines():
                    name = line.split(",")[0]
                    if name in added and layout == "sourceless":
                        record.append(f"{added[name]},,")
                    else:
                        record.append(line)
                        if name in added:
                            record.append(f"{added[name]},,")
                data = "\\n".join(record).encode() + b"\\n"
            dst.writestr(info, data, zipfile.ZIP_DEFLATED)
`);
