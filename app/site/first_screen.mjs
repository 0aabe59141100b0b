// Renders the playground's first screen at build time, with the site's own Pyodide and wheels in Node:
// the Bokeh document the worker would send the page on a first visit, which first_paint.py draws and writes
// into index.html as static HTML, shown while Python is still starting; one per language, as OUT_DIR/<language>.json.
//
//   node app/site/first_screen.mjs PYODIDE_DIR WHEEL_PATHS_JSON OUT_DIR LANGUAGES_JSON
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, wheels, outDir, languages] = process.argv.slice(2);
// Panel's Pyodide support imports the browser's XMLHttpRequest (it is used only for requests, none here).
globalThis.XMLHttpRequest ??= class XMLHttpRequest {};
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep });
await pyodide.loadPackage(JSON.parse(wheels), { messageCallback: () => {} });
const render = pyodide.runPython(`
import app.browser
app.browser.render
`);
for (const language of JSON.parse(languages)) {
  const rendered = render(null, [language]);
  const [docsJson, renderItems] = rendered.toJs();
  rendered.destroy();
  fs.writeFileSync(path.join(outDir, `${language}.json`), JSON.stringify({ docsJson, renderItems }));
}
