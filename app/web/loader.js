// The page's half of the playground: shows the loading stages, starts the Python worker
// (worker.js), draws the Bokeh document it renders and relays changes both ways
// (the same protocol as Panel's pyodide-worker mode).
"use strict";
(() => {
  const worker = new Worker("worker.js");
  const domReady = new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve));
  // Milliseconds since navigation start when each stage began; read by tests and bench/site.py.
  const timings = {};
  let statsRequests = [];
  window.playground = {
    timings,
    tti: null,
    // Memory in bytes: the page's JS heap (as Chromium reports it) and the worker's wasm heap.
    stats: () => new Promise((resolve) => {
      statsRequests.push(resolve);
      worker.postMessage({ type: "stats" });
    }),
  };

  let jsdoc = null;
  let patching = 0; // >0 while a patch from Python is applied: its events must not echo back
  let busy = false; // Python is handling a patch; later events wait in `queue`
  let queue = [];

  async function showStage(name) {
    timings[name] = performance.now();
    await domReady;
    for (const item of document.querySelectorAll("#stages li")) {
      const current = item.dataset.stage === name;
      if (item.classList.contains("active") && !current) item.classList.replace("active", "done");
      if (current) item.classList.add("active");
    }
  }

  async function showProgress({ loaded, total, file }) {
    await domReady;
    const progress = document.getElementById("progress");
    if (!progress) return; // the loader is gone: the playground is up
    progress.value = loaded / total;
    const mb = (bytes) => (bytes / 1e6).toFixed(1);
    document.getElementById("detail").textContent = `${file} · ${mb(loaded)} of ${mb(total)} MB`;
  }

  async function showError(message) {
    console.error("playground failed to start:", message);
    await domReady;
    const loader = document.getElementById("loader");
    loader.classList.add("failed");
    // The last lines of a Python traceback or JS error say what went wrong; stack frames do not.
    const lines = message.split("\n").filter((line) => line.trim() && !/^\s+at /.test(line));
    document.getElementById("detail").textContent =
      `The playground could not start:\n${lines.slice(-2).join("\n")}\nReload the page to try again.`;
  }

  function sendPatch(events) {
    busy = true;
    worker.postMessage({ type: "patch", patch: jsdoc.create_json_patch(events) });
  }

  function onDocumentChange(event) {
    if (patching > 0 || event.setter_id === "py") return;
    if (busy) {
      // Keep only the latest change of each property while Python is busy.
      queue = queue.filter((e) => !(e.model === event.model && e.attr === event.attr));
      queue.push(event);
    } else {
      sendPatch([event]);
    }
  }

  async function draw(docsJson, renderItems) {
    await domReady; // deferred BokehJS/Panel scripts have run by now
    const [item] = JSON.parse(renderItems);
    // Draw every root of the document into #app rather than into pre-rendered placeholders.
    delete item.roots;
    delete item.root_ids;
    item.elementid = "app";
    const [views] = await Bokeh.embed.embed_items(JSON.parse(docsJson), [item]);
    jsdoc = [...views.roots.values()][0].model.document;
    jsdoc.on_change(onDocumentChange, false);
  }

  worker.onmessage = async ({ data: msg }) => {
    switch (msg.type) {
      case "stage":
        showStage(msg.name);
        break;
      case "progress":
        showProgress(msg);
        break;
      case "render":
        showStage("draw");
        try {
          await draw(msg.docsJson, msg.renderItems);
        } catch (error) {
          showError(String(error && error.stack || error));
          return;
        }
        worker.postMessage({ type: "rendered" });
        break;
      case "ready": {
        document.getElementById("loader").remove();
        const tti = performance.now();
        window.playground.tti = tti;
        console.log("time-to-interactive", Math.round(tti));
        break;
      }
      case "patch":
        patching += 1;
        try {
          jsdoc.apply_json_patch(msg.patch, msg.buffers);
        } finally {
          patching -= 1;
        }
        break;
      case "idle":
        if (queue.length) {
          const events = queue;
          queue = [];
          sendPatch(events);
        } else {
          busy = false;
        }
        break;
      case "stats": {
        const pageHeap = performance.memory?.usedJSHeapSize;
        for (const resolve of statsRequests) resolve({ pageHeap, wasmHeap: msg.wasmHeap });
        statsRequests = [];
        break;
      }
      case "error":
        showError(msg.message);
        break;
    }
  };
})();
