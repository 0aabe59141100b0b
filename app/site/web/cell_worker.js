// The code cell's own Python (started by cell_host.js in the playground's worker): Pyodide with
// numpy and the engine only, no Panel, from the site's own files. It runs one cell at a time
// (app/cell_runner.py: run_plain) and answers with plain data; to stop a run, its host
// terminates this worker.
"use strict";
importScripts("pyodide/pyodide.js");

// The engine needs numpy only (pyproject.toml's dependencies); the site's own wheel holds it.
const ENGINE_NEEDS = ["numpy"];
const OWN_WHEEL = "autograd-playground";

// As in the playground's worker: entered through callPromising, Python can wait for a promise (JS Promise
// Integration), so the cell's own tensors on device="webgpu" read back as PyTorch's do.
const canSuspend = typeof WebAssembly.Suspending === "function";
const callPython = (fn, ...args) => (canSuspend ? fn.callPromising(...args) : fn(...args));

const hexToBase64 = (hex) => btoa(String.fromCharCode(...hex.match(/../g).map((byte) => parseInt(byte, 16))));

async function start() {
  const pyodide = await loadPyodide({ indexURL: "pyodide/" });
  const lock = await (await fetch("pyodide/pyodide-lock.json", { cache: "no-cache" })).json();
  const wheel = lock.packages[OWN_WHEEL];
  // Installed by hand, not by loadPackage: its lock entry depends on Panel, which the cell does not need.
  const [, response] = await Promise.all([
    pyodide.loadPackage(ENGINE_NEEDS, { messageCallback: () => {} }),
    fetch(`pyodide/${wheel.file_name}`, { cache: "no-cache", integrity: `sha256-${hexToBase64(wheel.sha256)}` }),
  ]);
  if (!response.ok) throw new Error(`${wheel.file_name}: HTTP ${response.status}`);
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  pyodide.unpackArchive(await response.arrayBuffer(), "wheel", { extractDir: sitePackages });
  const runner = pyodide.pyimport("app.cell_runner");
  self.postMessage({ type: "ready" });
  return runner;
}

const python = start();
python.catch((error) => self.postMessage({ type: "failed", message: String(error && error.message || error) }));

// The answer's record (bytes, or None) is copied out of Python's memory and moved, not copied again.
function plain(answer) {
  const record = answer.get("record");
  let bytes = null;
  if (record !== undefined) {
    const buffer = record.getBuffer("u8");
    bytes = buffer.data.slice();
    buffer.release();
    record.destroy();
  }
  const use = answer.get("use");
  const sent = use === undefined ? null : { source: use.get("source"), expression: use.get("expression") };
  use?.destroy();
  return { output: answer.get("output"), error: answer.get("error") ?? null, record: bytes, use: sent,
    passed: answer.get("passed") ?? null, checkError: answer.get("check_error") ?? null };
}

self.onmessage = async ({ data: msg }) => {
  if (msg.type !== "run") return;
  const runner = await python;
  try {
    const answer = await callPython(runner.run_plain, msg.source, (text) => self.postMessage({ type: "output", text }),
      msg.send, msg.check ?? undefined); // (undefined arrives in Python as None)
    const result = plain(answer);
    answer.destroy();
    self.postMessage({ type: "answer", answer: result }, result.record ? [result.record.buffer] : []);
  } catch (error) { // Python itself failed (run_plain reports every error of the code): this worker is done
    self.postMessage({ type: "failed", message: String(error && error.message || error) });
  }
};
