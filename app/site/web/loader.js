// The page's half of the playground: shows the loading stages, starts the Python worker
// (worker.js), draws the Bokeh document it renders and relays changes both ways
// (the message format of Panel's pyodide-worker mode).
"use strict";
(() => {
  const worker = new Worker("worker.js");
  // The newest playground kept in this browser (app/autosave.py): Python gets it before it builds the
  // playground, so the page opens as it was left (a share link then opens on top of it, and it stays in Recent).
  let kept = null;
  try {
    const recent = JSON.parse(localStorage.getItem("autograd-playground/recent") || "[]");
    kept = Array.isArray(recent) && recent.length && typeof recent[0].id === "string"
      ? localStorage.getItem("autograd-playground/kept/" + recent[0].id)
      : localStorage.getItem("autograd-playground/last"); // (kept by earlier versions)
  } catch (error) {} // storage disabled, or its index damaged: a fresh playground
  worker.postMessage({ type: "kept", text: kept });
  // The page parsed: the loader and the first screen are there.
  const parsed = new Promise((resolve) => document.addEventListener("readystatechange", resolve, { once: true }));
  let pageScriptsRun;
  const pageScripts = new Promise((resolve) => { pageScriptsRun = resolve; }); // BokehJS and Panel are loaded
  // Milliseconds since navigation start when each stage began; read by tests and bench/site.py.
  const timings = {};
  let statsRequests = [];
  let settledWaiters = [];

  let jsdoc = null;
  let patching = 0; // >0 while a patch from Python is applied: its events must not echo back
  let busy = false; // Python is handling a change from the page; later ones wait in `queue`
  let queue = [];
  let painted = Promise.resolve(0);
  let answer = newAnswer();

  // Resolved once changes made in the page reach Python. Components that set a property as they are
  // drawn (a share link in the address, the kept playgrounds) wait for it: their modules may be loaded
  // already, so that they draw, and report, before Python's document is listened to.
  let connect;
  const connected = new Promise((resolve) => { connect = resolve; });

  window.playground = {
    connected,
    pageScripts,
    timings,
    tti: null,
    // Resolves, with the `answer` below, once Python has answered every change sent to it
    // and the page has applied its patches.
    settled: () => (busy ? new Promise((resolve) => settledWaiters.push(resolve)) : Promise.resolve(null)),
    // Resolves to the time (performance.now()) the page had painted the last patch from Python.
    painted: () => painted,
    // What Python's answer to the last change from the page cost: waitMs (until Python took it
    // up), pythonMs (in the worker), applyMs (the page applying the patches it sent), their
    // number and events. bench/site.py reports these.
    answer: null,
    patchesApplied: 0, // every patch from Python so far (a redraw of the views, during training)
    // Memory in bytes: the page's JS heap (as Chromium reports it) and the worker's wasm heap.
    stats: () => new Promise((resolve) => {
      statsRequests.push(resolve);
      worker.postMessage({ type: "stats" });
    }),
  };

  function newAnswer() {
    return { waitMs: 0, pythonMs: 0, applyMs: 0, patches: 0, events: 0 };
  }

  // The page's language: the kept playground's, else the browser's first that we have (app/i18n.py). The
  // loader speaks it, and the first screen is the one rendered in it. LOADER_WORDS is written at the top
  // of this file by the site build.
  const language = (() => {
    let keptLanguage = null;
    try { keptLanguage = JSON.parse(kept || "null")?.playground?.language; } catch (error) {}
    const browser = (navigator.languages || []).map((tag) => tag.toLowerCase().split(/[-_]/)[0]);
    return [keptLanguage, ...browser].find((l) => l && l in LOADER_WORDS) || "en";
  })();
  let words = null;
  function say() {
    if (words) return words;
    document.documentElement.lang = language === "zh" ? "zh-CN" : language;
    words = LOADER_WORDS[language];
    document.querySelector("#loader .tagline").textContent = words.tagline;
    for (const item of document.querySelectorAll("#stages li")) item.textContent = words[`stage_${item.dataset.stage}`];
    return words;
  }
  parsed.then(say);

  async function showStage(name) {
    timings[name] = performance.now();
    await parsed;
    for (const item of document.querySelectorAll("#stages li")) {
      const current = item.dataset.stage === name;
      if (item.classList.contains("active") && !current) item.classList.replace("active", "done");
      if (current) item.classList.add("active");
    }
  }

  async function showProgress({ loaded, total, file }) {
    await parsed;
    const progress = document.getElementById("progress");
    if (!progress) return; // the loader is gone: the playground is up
    progress.value = loaded / total;
    const mb = (bytes) => (bytes / 1e6).toFixed(1);
    document.getElementById("detail").textContent = `${file} · ${mb(loaded)} / ${mb(total)} MB`;
  }

  async function showError(message) {
    console.error("playground failed to start:", message);
    await parsed;
    const loader = document.getElementById("loader");
    loader.classList.add("failed");
    // The last lines of a Python traceback or JS error say what went wrong; stack frames do not.
    const lines = message.split("\n").filter((line) => line.trim() && !/^\s+at /.test(line));
    document.getElementById("detail").textContent = `${say().failed}\n${lines.slice(-2).join("\n")}\n${say().reload}`;
  }

  // ---- page -> Python ------------------------------------------------------------------

  function sendPatch(events) {
    busy = true;
    const sentAt = performance.timeOrigin + performance.now();
    worker.postMessage({ type: "patch", patch: jsdoc.create_json_patch(events), sentAt });
  }

  // Properties BokehJS sets itself while drawing: a plot's measured size and the ranges it
  // fits to the data. Python never reads them, and sending them back after every redraw
  // cost a round trip through Python per Step.
  const DRAWN_SIZES = new Set(["inner_width", "inner_height", "outer_width", "outer_height"]);
  const drawnByBokeh = (event) => DRAWN_SIZES.has(event.attr)
    || (event.model?.type === "DataRange1d" && (event.attr === "start" || event.attr === "end"));

  function onDocumentChange(event) {
    if (patching > 0 || event.setter_id === "py" || drawnByBokeh(event)) return;
    if (!busy) {
      sendPatch([event]);
      return;
    }
    // While Python is busy, keep only the latest value of each property (but every click).
    if (event.attr !== undefined) queue = queue.filter((e) => !(e.model === event.model && e.attr === event.attr));
    queue.push(event);
  }

  // ---- the first screen, before Python is up -------------------------------------------

  // index.html holds the playground as a first visit shows it, in every language: static HTML and images
  // that the site build made from the same app (app/site/first_paint.py), painted with no script at all.
  // This picks the page's language among them before the body is parsed; the rest stay hidden (site.css).
  const chosen = document.createElement("style");
  chosen.textContent = `#first-screen > [data-language="${language}"] { display: contents; }`;
  document.head.append(chosen);

  // Once the first screen has been painted with its pictures (timings.firstScreen: bench/site.py reports it),
  // BokehJS and Panel run, in the order index.html preloads them.
  parsed.then(async () => {
    const screen = document.querySelector(`#first-screen > [data-language="${language}"]`);
    if (screen) {
      const pictures = [];
      const collect = (root) => {
        for (const element of root.querySelectorAll("*")) {
          if (element instanceof HTMLImageElement) pictures.push(element.decode().catch(() => {}));
          if (element.shadowRoot) collect(element.shadowRoot);
        }
      };
      collect(screen);
      await Promise.all(pictures);
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
      timings.firstScreen = performance.now();
    }
    const loads = [...document.querySelectorAll("link[rel=preload][as=script]")].map(({ href }) => {
      const script = document.createElement("script");
      script.src = href;
      script.async = false; // (run in order)
      document.head.append(script);
      return new Promise((resolve, reject) => {
        script.onload = resolve;
        script.onerror = () => reject(new Error(`${href} did not load`));
      });
    });
    Promise.all(loads).then(pageScriptsRun, (error) => showError(error.message));
  });

  // Python's document is drawn under the first screen, out of sight, and takes its place once laid out.
  function replaceFirstScreen() {
    document.getElementById("first-screen")?.remove();
    document.body.classList.remove("starting");
  }

  // ---- Python -> page ------------------------------------------------------------------

  async function embed(docsJson, renderItems, elementid) {
    await pageScripts;
    const [item] = JSON.parse(renderItems);
    // Draw every root of the document into the element rather than into pre-rendered placeholders.
    delete item.roots;
    delete item.root_ids;
    item.elementid = elementid;
    const [views] = await Bokeh.embed.embed_items(JSON.parse(docsJson), [item]);
    return views;
  }

  async function draw(docsJson, renderItems) {
    const views = await embed(docsJson, renderItems, "app");
    jsdoc = [...views.roots.values()][0].model.document;
    jsdoc.on_change(onDocumentChange, false);
    for (const root of views.roots.values()) if (root.invalidate_layout) layOutOncePerPatch(root);
    await new Promise((resolve) => requestAnimationFrame(resolve)); // laid out: now it may be seen
    replaceFirstScreen();
  }

  // BokehJS lays the whole page out again for each changed property that may resize
  // something (a new text, a plot shown): 20-60 ms each, ten times for a patch with ten
  // such changes. While a patch is applied, the roots only note that a layout is due; it
  // runs once when the patch is in.
  let layoutsDue = null;
  function layOutOncePerPatch(root) {
    const layOut = root.invalidate_layout.bind(root);
    root.invalidate_layout = () => (layoutsDue ? layoutsDue.add(layOut) : layOut());
  }

  // A patch can name a model this page no longer has, if the two copies of the document drifted apart
  // (both sides changed the same thing at once). The page then asks Python for the whole document once,
  // and patches that fail before it arrives are dropped: it brings their changes too.
  let resyncing = false;

  function applyPatch(patch, buffers, resync) {
    const start = performance.now();
    patching += 1;
    layoutsDue = new Set();
    try {
      jsdoc.apply_json_patch(patch, buffers);
      if (resync) resyncing = false;
    } catch (error) {
      if (resync) throw error;
      console.warn("a patch from Python did not apply; taking the whole document again:", error);
      if (!resyncing) worker.postMessage({ type: "resync" });
      resyncing = true;
    } finally {
      const due = layoutsDue;
      layoutsDue = null;
      patching -= 1;
      for (const layOut of due) layOut();
      // BokehJS paints in the next animation frame; a task queued from there runs after it.
      painted = new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()))));
      answer.applyMs += performance.now() - start;
      answer.patches += 1;
      answer.events += patch.events.length;
      window.playground.patchesApplied += 1;
    }
  }

  function onIdle({ waitMs, pythonMs }) {
    window.playground.answer = { ...answer, waitMs, pythonMs };
    answer = newAnswer();
    if (queue.length) {
      const events = queue;
      queue = [];
      sendPatch(events);
      return;
    }
    busy = false;
    for (const resolve of settledWaiters) resolve(window.playground.answer);
    settledWaiters = [];
  }

  // Offline after this visit (sw.js caches every file of the build). Registered once the playground is
  // up, so that filling its cache never competes with this load.
  function keepOffline() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("sw.js").catch((error) => console.warn("no offline copy:", error));
  }

  worker.onmessage = async ({ data: msg }) => {
    switch (msg.type) {
      case "stage":
        showStage(msg.name);
        break;
      case "mark":
        timings[msg.name] = performance.now();
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
        connect(); // Python links the document first: what components reported as they were drawn goes after
        break;
      case "ready": {
        document.getElementById("loader").remove();
        const tti = performance.now();
        window.playground.tti = tti;
        console.log("time-to-interactive", Math.round(tti));
        keepOffline();
        break;
      }
      case "patch":
        applyPatch(JSON.parse(msg.patch), msg.buffers, msg.resync);
        break;
      case "idle":
        onIdle(msg);
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
