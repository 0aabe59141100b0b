// Compiles wheels to bytecode with the site's own Pyodide (CPython 3.12.7) in Node, so the
// browser imports .pyc files instead of compiling every module on each page load.
//
//   node app/compile_wheels.mjs PYODIDE_DIR IN_DIR OUT_DIR WHEEL...
//
// Each module.py becomes a sourceless module.pyc beside it (the layout CPython imports
// without a source file, as Pyodide's own stdlib is shipped); every other member is kept.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, inDir, outDir, ...wheels] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep });
pyodide.FS.mkdirTree("/in");
pyodide.FS.mkdirTree("/out");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(inDir) }, "/in");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(outDir) }, "/out");
pyodide.globals.set("wheels", pyodide.toPy(wheels));
pyodide.runPython(`
import importlib._bootstrap_external as bootstrap
import importlib.util
import zipfile

def compiled(name, source):
    code = compile(source, name, "exec", dont_inherit=True, optimize=0)
    # Unchecked-hash pycs are reproducible (no timestamps) and never compared with a source.
    return bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(source), False)

for wheel in wheels:
    with zipfile.ZipFile(f"/in/{wheel}") as src, zipfile.ZipFile(f"/out/{wheel}", "w", zipfile.ZIP_DEFLATED) as dst:
        renamed = {}
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".py") and ".dist-info/" not in info.filename:
                try:
                    data = compiled(info.filename, data)
                except SyntaxError:
                    pass  # not Python 3.12 (a template, say): keep the source as it is
                else:
                    renamed[info.filename] = info.filename + "c"
                    info = zipfile.ZipInfo(info.filename + "c", date_time=info.date_time)
            elif info.filename.endswith(".dist-info/RECORD"):
                record = []
                for line in data.decode().splitlines():
                    name = line.split(",")[0]
                    record.append(f"{renamed[name]},," if name in renamed else line)
                data = "\\n".join(record).encode() + b"\\n"
            dst.writestr(info, data, zipfile.ZIP_DEFLATED)
`);
