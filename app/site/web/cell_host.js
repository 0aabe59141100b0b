// The code cell's own Python, seen from the playground's worker (worker.js loads this file).
// The cell's code runs in a second Web Worker (cell_worker.js), started on first use, so it can
// neither freeze the playground nor change its engine. app/cell_runner.py (BrowserRunner) calls
// cellHost.run(source) and awaits the answer. Stop terminates that worker whatever it is doing:
// Pyodide's gentler interrupt needs a SharedArrayBuffer, which browsers give only to
// cross-origin-isolated pages, and a static host need not send the headers for that. The next
// run starts a fresh worker.
"use strict";
self.cellHost = (() => {
  let worker = null;
  let ready = false;
  let answer = null; // resolves the run in flight
  let printed = ""; // what the run in flight printed so far
  let passPrinted = null; // the run's onOutput
  let started = null; // resolves to true once the worker's Python is ready, false if it ended first
  let startedResolve = null;

  const finish = (fields) => {
    const resolve = answer;
    answer = null;
    passPrinted = null;
    resolve?.({ output: printed, error: null, record: null, stopped: false, use: null, passed: null, checkError: null,
      ...fields });
  };

  const end = () => {
    worker?.terminate();
    worker = null;
    ready = false;
    startedResolve?.(false);
  };

  function start() {
    worker = new Worker("cell_worker.js");
    started = new Promise((resolve) => (startedResolve = resolve));
    worker.onmessage = ({ data: msg }) => {
      if (msg.type === "ready") {
        ready = true;
        startedResolve(true);
      } else if (msg.type === "output") {
        printed += msg.text;
        passPrinted?.(msg.text);
      } else if (msg.type === "answer") {
        finish(msg.answer);
      } else if (msg.type === "failed") {
        end();
        finish({ error: `The cell's Python stopped: ${msg.message}` });
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      end();
      finish({ error: `The cell's Python stopped: ${event.message}` });
    };
  }

  return {
    warm: () => ready,
    // onReady() is called when the code starts (once the worker's Python is up), onOutput(text)
    // with what it prints meanwhile; send: also send the cell's model to the playground; check: a lesson's
    // check to evaluate after the code (both run_cell's).
    run(source, onReady, onOutput, send = false, check = null) {
      if (answer) return Promise.reject(new Error("the cell is already running"));
      if (!worker) start();
      printed = "";
      passPrinted = onOutput;
      started.then((ok) => ok && onReady());
      return new Promise((resolve) => {
        answer = resolve;
        worker.postMessage({ type: "run", source, send, check });
      });
    },
    stop() {
      end();
      finish({ stopped: true });
    },
  };
})();
