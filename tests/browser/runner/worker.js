// Loads the site's own Pyodide and runs the code the test page sends.
"use strict";
importScripts("../pyodide/pyodide.js");

const started = loadPyodide({ indexURL: "../pyodide/" });

self.onmessage = async ({ data: { id, code, packages } }) => {
  try {
    const pyodide = await started;
    if (packages.length) {
      const failures = [];
      await pyodide.loadPackage(packages, { messageCallback: () => {}, errorCallback: (m) => failures.push(m) });
      if (failures.length) throw new Error(failures.join("\n"));
    }
    // runPythonAsync is an async entry point, so pyodide.ffi.run_sync (JSPI) works in the code.
    const result = await pyodide.runPythonAsync(code);
    self.postMessage({ id, result: String(result) });
  } catch (error) {
    self.postMessage({ id, error: String(error && error.stack || error) });
  }
};
