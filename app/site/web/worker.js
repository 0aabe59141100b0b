// The playground's Web Worker: starts Pyodide, installs the site's wheels, runs the app
// (app/browser.py) and relays document patches to and from the page (loader.js).
"use strict";
importScripts("pyodide/pyodide.js", "cell_host.js"); // cell_host.js: the code cell's own worker

const post = (msg) => self.postMessage(msg);
// The page sends what it kept of the last visit (app/autosave.py) as soon as the worker starts.
let kept = null;
self.onmessage = ({ data: msg }) => {
  if (msg.type === "kept") kept = msg.text;
};
const stage = (name) => post({ type: "stage", name });
// JS Promise Integration lets Python block on a promise (pyodide.ffi.run_sync), which the
// WebGPU read-back needs; it works only when Python is entered through callPromising.
const canSuspend = typeof WebAssembly.Suspending === "function";
const callPython = (fn, ...args) => (canSuspend ? fn.callPromising(...args) : fn(...args));

// "numpy 2.0.2" for numpy-2.0.2-cp312-….whl; the interpreter's own files by what they are.
function label(path) {
  const file = path.split("/").pop();
  const names = { "pyodide.asm.wasm": "Python interpreter", "python_stdlib.zip": "Python standard library" };
  return names[file] || file.split("-").slice(0, 2).join(" ");
}

// Every file the first screen needs is requested at once, in parallel with Pyodide's own
// start-up; Pyodide's loader later asks for them with fetch() and gets these very responses.
// Handed over as they came (not remade from their bytes), the interpreter's wasm compiles as it
// arrives and the browser keeps its compiled code for the next visit. A copy of each body gives
// the loader its byte count. Every request revalidates any cached copy ("no-cache"), so files
// from two different builds never meet.
function prefetch(files) {
  const realFetch = self.fetch.bind(self);
  const total = Object.values(files).reduce((sum, f) => sum + f.size, 0);
  let loaded = 0;
  const count = async (path, body) => {
    const reader = body.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      loaded += r.value.byteLength;
      post({ type: "progress", loaded, total, file: label(path) });
    }
  };
  const responses = new Map();
  for (const [path, { integrity }] of Object.entries(files)) {
    const url = new URL(path, self.location.href).href;
    responses.set(url, realFetch(url, { integrity, cache: "no-cache" }).then((response) => {
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      // A body that fails (a broken download) fails its response too, where Pyodide reads it.
      count(path, response.clone().body).catch(() => {});
      return response;
    }));
  }
  self.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), self.location.href).href;
    const response = responses.get(url);
    if (!response) return realFetch(input, { ...init, cache: "no-cache" });
    responses.delete(url);
    return response;
  };
}

async function start() {
  stage("python");
  const boot = await (await fetch("boot.json", { cache: "no-cache" })).json();
  prefetch(boot.files);
  const pyodide = await loadPyodide({ indexURL: "pyodide/" });
  self.pyodide = pyodide; // the playground's Python, for the browser's developer tools (and the site tests)
  stage("packages");
  const failures = [];
  await pyodide.loadPackage(boot.packages, { messageCallback: () => {}, errorCallback: (m) => failures.push(m) });
  if (failures.length) throw new Error(failures.join("\n"));
  stage("app");
  const browser = pyodide.pyimport(boot.app);
  post({ type: "mark", name: "build" }); // imported: building the playground (a timing, not a stage shown)
  const rendered = await callPython(browser.render, kept, [...(self.navigator.languages || [])]);
  const [docsJson, renderItems] = rendered.toJs();
  rendered.destroy();
  post({ type: "render", docsJson, renderItems });

  // patch: a JSON string (parsed by the page); buffers: a Map of the binary arrays it refers to.
  // resync: the whole document, sent because the page could not apply a patch (app/browser.py resync).
  const sendPatch = (patch, buffers, resync = false) => post({ type: "patch", patch, buffers, resync });
  self.onmessage = async ({ data: msg }) => {
    if (msg.type === "rendered") {
      browser.link(sendPatch);
      post({ type: "ready" });
    } else if (msg.type === "stats") {
      // Python's memory: the WebAssembly heap, which grows and never shrinks.
      post({ type: "stats", wasmHeap: pyodide._module.HEAPU8.length });
    } else if (msg.type === "resync") {
      await callPython(browser.resync);
    } else if (msg.type === "patch") {
      const start = performance.now();
      try {
        await callPython(browser.receive, msg.patch);
      } finally {
        // waitMs: from the page's send until Python started on it (the worker was busy, or slow to wake)
        post({ type: "idle", waitMs: performance.timeOrigin + start - msg.sentAt, pythonMs: performance.now() - start });
      }
    }
  };
}

start().catch((error) => {
  post({ type: "error", message: String(error && error.stack || error) });
});
