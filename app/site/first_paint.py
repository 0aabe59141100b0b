"""The first screen as static HTML, made at build time: the page shows it on its first paint, with no
JavaScript, BokehJS or Python yet (app/site/web/index.html), until Python's own document takes its place.

Headless Chromium opens the built site with no Python (its worker is an empty script), BokehJS draws the
first-screen document that Python rendered at build time (first_screen.mjs) into #first-screen, and the
drawn DOM is written out with its shadow roots as Declarative Shadow DOM (`<template shadowrootmode>`, which
the HTML parser attaches by itself): each canvas becomes an image of its pixels, each form field keeps its
value as an attribute, long stylesheets repeated in many shadow roots become one shared file each.

    python -m app.site.first_paint SITE_DIR FIRST_SCREEN_JSON_DIR OUT_DIR LANGUAGES_JSON

writes OUT_DIR/<language>.html (what goes inside #first-screen) and OUT_DIR/first-screen/ (its images and
stylesheets, named by their content).
"""
import base64
import hashlib
import json
import re
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from app.site.build import site_server

# Debian's Chromium, headless and offline (the site tests drive the same: tests/site/harness.py). Without the
# background-networking flags Chromium keeps calling Google hosts. WebGPU runs on its SwiftShader adapter.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--enable-unsafe-webgpu"]

# The width the first screen is laid out at: a laptop's. Panel's rows and columns are flexbox and reflow
# at other widths; the plots have their own fixed sizes.
VIEWPORT = {"width": 1280, "height": 720}
ASSETS = "first-screen"
# A stylesheet this long is shared by many of BokehJS's shadow roots (its base sheet is in all 271, its icons
# (79 kB) in 22):
# one file, fetched once, instead of a copy in each.
SHARED_STYLE_CHARS = 300
LOCALES = {"en": "en-US", "zh": "zh-CN"}

DRAW = """async ({ docsJson, renderItems }) => {
    const [item] = JSON.parse(renderItems);
    delete item.roots;
    delete item.root_ids;
    item.elementid = "first-screen";
    await Bokeh.embed.embed_items(JSON.parse(docsJson), [item]);
}"""

# The DOM under #first-screen with its shadow roots, once what it shows is drawn in it.
SERIALIZE = """() => {
    const screen = document.getElementById("first-screen");
    const roots = [];
    const walk = (node) => {
        for (const element of node.querySelectorAll("*")) {
            if (element.shadowRoot) {
                roots.push(element.shadowRoot);
                walk(element.shadowRoot);
            }
        }
    };
    walk(screen);
    for (const element of [screen, ...roots].flatMap((root) => [...root.querySelectorAll("*")])) {
        if (element instanceof HTMLCanvasElement) {
            // Its pixels, at the size and place the canvas had (stylesheets may select canvases by name).
            const image = document.createElement("img");
            for (const { name, value } of element.attributes) image.setAttribute(name, value);
            const style = getComputedStyle(element);
            for (const property of ["position", "top", "left", "width", "height", "display"]) {
                image.style.setProperty(property, style.getPropertyValue(property));
            }
            image.alt = "";
            image.src = element.toDataURL("image/png");
            element.replaceWith(image);
        } else if (element instanceof HTMLInputElement) {
            if (element.type === "checkbox" || element.type === "radio") element.toggleAttribute("checked", element.checked);
            else element.setAttribute("value", element.value);
        } else if (element instanceof HTMLSelectElement) {
            for (const option of element.options) option.toggleAttribute("selected", option.selected);
        } else if (element instanceof HTMLTextAreaElement) {
            element.textContent = element.value;
        } else if (element instanceof HTMLScriptElement) {
            element.remove();
        }
        for (const { name } of [...element.attributes]) if (name.startsWith("on")) element.removeAttribute(name);
    }
    return screen.getHTML({ serializableShadowRoots: true, shadowRoots: roots });
}"""


def snapshot(page, url, document):
    """The first screen drawn by BokehJS from `document` (first_screen.mjs's JSON), as HTML."""
    page.goto(url)
    page.evaluate("window.playground.pageScripts")   # BokehJS and Panel
    page.evaluate(DRAW, document)
    # Drawn once nothing changes any more: Panel's JS components (the network builder) and the plots draw on
    # their own time, after the document is embedded.
    page.evaluate("document.fonts.ready")
    last = None
    for _ in range(100):
        page.wait_for_timeout(300)
        now = page.evaluate("document.getElementById('first-screen').getHTML({serializableShadowRoots: true})"
                            " + [...document.querySelectorAll('*')].length")
        if now == last:
            break
        last = now
    else:
        sys.exit("the first screen kept changing for 30 s: not snapshotted")
    return page.evaluate(SERIALIZE)


def externalize(html, origin, out):
    """`html` with its images and its long shared stylesheets as files in out/first-screen/."""
    (out / ASSETS).mkdir(exist_ok=True)

    def write(data, suffix):
        name = f"{ASSETS}/{hashlib.sha256(data).hexdigest()[:16]}.{suffix}"
        (out / name).write_bytes(data)
        return name

    html = re.sub(r'src="data:image/png;base64,([^"]*)"',
                  lambda m: f'src="{write(base64.b64decode(m[1]), "png")}"', html)
    html = re.sub(r"<style([^>]*)>(.*?)</style>",
                  lambda m: m[0] if len(m[2]) < SHARED_STYLE_CHARS
                  else f'<link rel="stylesheet" href="{write(m[2].encode(), "css")}"{m[1]}>', html, flags=re.S)
    return html.replace(origin, "")   # Panel's stylesheet links, made relative to the page


def main(site, documents, out, languages):
    out.mkdir(parents=True, exist_ok=True)
    server = site_server(site, 0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}/"
    with sync_playwright() as playwright:
        # (Where Debian's is missing, as on a hosted CI runner, Playwright's own: `playwright install chromium`.)
        executable = CHROMIUM if Path(CHROMIUM).exists() else None
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for language in languages:
            context = browser.new_context(viewport=VIEWPORT, locale=LOCALES.get(language, language),
                                          service_workers="block")
            context.route("**/worker.js", lambda route: route.fulfill(body="", content_type="text/javascript"))
            document = json.loads((documents / f"{language}.json").read_text())
            html = snapshot(context.new_page(), origin + "index.html", document)
            (out / f"{language}.html").write_text(externalize(html, origin, out))
            context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4]))
