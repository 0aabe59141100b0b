"""The network builder: a palette of layers and the network column, as one Panel JSComponent.

Drag a palette block into the network (or click it to append), drag a layer card to reorder it,
remove it with ×, edit its fields in place. Under each card: its output shape and parameter count,
or the message saying why it cannot follow the layer above. The component's only output is
`layers` (the spec list); `report` (the Session's shape analysis) and `palette` come in from Python.

Stable hooks for browser tests: [data-palette="Linear"], [data-layer-index="0"][data-layer-type],
[data-field="out_features"], .pg-remove, .pg-clear, .pg-shape, .pg-params, .pg-error, .pg-network.
"""
import html

import panel as pn
import param

from app import i18n
from app.layers import palette as layer_palette, size_new_head

_ESM = r"""
const plain = (v) => v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]))
  : Array.isArray(v) ? v.map(plain) : v;
const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) el.append(c);
  return el;
};

export function render({ model, el }) {
  const palette = () => plain(model.palette);
  const kinds = () => Object.fromEntries(palette().map((k) => [k.type, k]));
  const specs = () => plain(model.layers).map((s) => ({ ...s }));
  const commit = (next) => { model.layers = next; };
  const fresh = (type) => {
    const spec = { type };
    for (const f of kinds()[type].fields) spec[f.name] = f.default;
    return spec;
  };

  const root = h("div", { class: "pg-builder" });
  const paletteEl = h("div", { class: "pg-palette" });
  const column = h("div", { class: "pg-network", "data-drop": "network" });
  root.append(paletteEl, column);
  el.append(root);

  // ---- palette -------------------------------------------------------------------------
  const words = () => plain(model.words) || {};
  const drawPalette = () => {
    const w = words();
    paletteEl.replaceChildren(h("div", { class: "pg-hint", text: w.hint }));
    let group = null;
    for (const kind of palette()) {
      if (kind.group !== group) {
        group = kind.group;
        paletteEl.append(h("div", { class: "pg-group", text: w["group_" + group] || group }));
      }
      paletteEl.append(h("div", {
        class: "pg-block", draggable: "true", "data-palette": kind.type, title: `${kind.doc} ${w.block_tip}`,
        text: kind.type,
        ondragstart: (e) => { e.dataTransfer.setData("text/plain", JSON.stringify({ add: kind.type })); e.dataTransfer.effectAllowed = "copy"; },
        onclick: () => commit([...specs(), fresh(kind.type)]),
      }));
    }
  };
  drawPalette();

  // ---- dropping: where would it land? ------------------------------------------------------
  let marker = h("div", { class: "pg-marker" });
  const dropIndex = (e) => {
    const cards = [...column.querySelectorAll(".pg-layer")];
    for (const [i, card] of cards.entries()) {
      const box = card.getBoundingClientRect();
      if (e.clientY < box.top + box.height / 2) return i;
    }
    return cards.length;
  };
  const showMarker = (index) => {
    const cards = [...column.querySelectorAll(".pg-layer")];
    if (index < cards.length) column.insertBefore(marker, cards[index]);
    else column.insertBefore(marker, column.querySelector(".pg-output"));
    marker.classList.add("active");
  };
  column.addEventListener("dragover", (e) => { e.preventDefault(); showMarker(dropIndex(e)); });
  column.addEventListener("dragleave", (e) => { if (!column.contains(e.relatedTarget)) marker.classList.remove("active"); });
  column.addEventListener("drop", (e) => {
    e.preventDefault();
    marker.classList.remove("active");
    let what;
    try { what = JSON.parse(e.dataTransfer.getData("text/plain")); } catch { return; }
    const next = specs();
    let index = dropIndex(e);
    if (what.add && kinds()[what.add]) {
      next.splice(index, 0, fresh(what.add));
    } else if (Number.isInteger(what.move) && what.move < next.length) {
      const [moved] = next.splice(what.move, 1);
      if (what.move < index) index -= 1;
      next.splice(index, 0, moved);
    } else return;
    commit(next);
  });

  // ---- the network column --------------------------------------------------------------
  const fieldInput = (spec, index, field) => {
    const edit = (value) => { const next = specs(); next[index][field.name] = value; commit(next); };
    if (field.kind === "bool") {
      const box = h("input", { type: "checkbox", "data-field": field.name, onchange: (e) => edit(e.target.checked) });
      box.checked = !!spec[field.name];
      return h("label", { class: "pg-field", title: field.help }, box, field.label || field.name);
    }
    const input = h("input", {
      type: "number", "data-field": field.name, value: spec[field.name], step: field.kind === "int" ? 1 : "any",
      min: field.low, max: field.high, title: field.help,
      onchange: (e) => {
        const text = e.target.value.trim();
        const value = text === "" ? NaN : Number(text);
        // Not a number at all: keep the last value. A number out of range goes to Python, which marks
        // the layer with the reason; one too large for a number (1e400) goes as the text typed.
        // (The browser empties a number field holding what it cannot read as a number: badInput.)
        if (e.target.validity.badInput) edit("not a number");
        else if (Number.isNaN(value)) e.target.value = spec[field.name];
        else edit(Number.isFinite(value) ? value : text.slice(0, 40));
      },
    });
    return h("label", { class: "pg-field" }, field.name + " ", input);
  };

  const draw = () => {
    const w = words();
    const report = plain(model.report) || {};
    const rows = report.layers || [];
    const list = specs();
    column.replaceChildren();
    column.append(h("div", { class: "pg-io pg-input" }, `${w.input} ${report.input || ""}`,
      list.length ? h("button", { class: "pg-clear", title: w.clear_tip, text: w.clear,
                                  onclick: () => commit([]) }) : null));
    if (!list.length) column.append(h("div", { class: "pg-empty", text: w.empty }));
    list.forEach((spec, index) => {
      const info = rows[index] || {};
      const kind = kinds()[spec.type];
      const card = h("div", {
        class: "pg-layer" + (info.error ? " pg-invalid" : "") + (info.warning ? " pg-warned" : ""),
        draggable: "true", "data-layer-index": index, "data-layer-type": spec.type,
        ondragstart: (e) => {
          if (e.target.closest && e.target.closest("input")) { e.preventDefault(); return; }
          e.dataTransfer.setData("text/plain", JSON.stringify({ move: index })); e.dataTransfer.effectAllowed = "move";
        },
      },
        h("div", { class: "pg-head" },
          h("span", { class: "pg-grip", text: "⠿", title: w.reorder }),
          h("span", { class: "pg-type", text: spec.type }),
          h("span", { class: "pg-name", text: info.name || "" }),
          h("button", { class: "pg-remove", title: w.remove, "aria-label": `${w.remove_named} ${info.name || spec.type}`,
                        text: "×", onclick: () => { const next = specs(); next.splice(index, 1); commit(next); } })),
        kind && kind.fields.length ? h("div", { class: "pg-fields" }, ...kind.fields.map((f) => fieldInput(spec, index, f))) : null,
        info.error ? h("div", { class: "pg-error", role: "alert", text: info.error })
          : h("div", { class: "pg-info" },
              h("span", { class: "pg-shape", text: info.shape || "" }),
              h("span", { class: "pg-params", text: info.params ? `${info.params.toLocaleString("en")} ${w.params}` : w.no_params })),
        info.warning ? h("div", { class: "pg-warning", text: info.warning }) : null,
      );
      column.append(card);
    });
    const total = report.params ? `${report.params.toLocaleString("en")} ${w.parameters}` : "";
    // always there (a drop target that appends), even while the output is unknown
    column.append(h("div", { class: "pg-io pg-output", text: report.output ? `${w.output} ${report.output} · ${total}`
                                                             : `${w.output} –` }));
    column.append(marker);
  };
  model.on("layers", draw);
  model.on("report", draw);
  model.on(["words", "palette"], () => { drawPalette(); draw(); });
  draw();
}
"""

_CSS = """
.pg-builder { display: flex; gap: 10px; font: 13px system-ui, sans-serif; }
.pg-palette { width: 118px; flex: none; display: flex; flex-direction: column; gap: 3px; }
.pg-hint { color: #777; font-size: 11px; line-height: 1.3; }
.pg-group { margin-top: 6px; color: #666; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; }
.pg-block { padding: 4px 8px; border: 1px solid #b9c6d8; border-radius: 4px; background: #f3f7fc; cursor: grab;
            user-select: none; }
.pg-block:hover { background: #e3edf9; }
.pg-network { flex: 1; min-width: 220px; min-height: 120px; display: flex; flex-direction: column; gap: 4px;
              padding: 6px; border: 1px dashed #aab; border-radius: 6px; background: #fcfcfd; }
.pg-io { color: #555; font-size: 12px; display: flex; justify-content: space-between; }
.pg-clear { border: 1px solid #ccc; border-radius: 3px; background: white; font-size: 11px; cursor: pointer; }
.pg-empty { color: #888; padding: 16px; text-align: center; }
.pg-layer { border: 1px solid #c9d3e0; border-left: 4px solid #4a7fc1; border-radius: 4px; background: white;
            padding: 4px 6px; cursor: grab; }
.pg-layer[data-layer-type="Features"] { border-left-color: #e8a33d; background: #fffaf2; }
.pg-layer.pg-invalid { border-color: #d9534f; border-left-color: #d9534f; background: #fff6f6; }
.pg-head { display: flex; align-items: center; gap: 6px; }
.pg-grip { color: #999; }
.pg-type { font-weight: 600; }
.pg-name { color: #777; font-family: ui-monospace, monospace; font-size: 12px; }
.pg-remove { margin-left: auto; border: none; background: none; font-size: 16px; line-height: 1; cursor: pointer;
             color: #888; }
.pg-remove:hover { color: #d9534f; }
.pg-fields { display: flex; flex-wrap: wrap; gap: 2px 10px; margin: 3px 0; font-size: 12px; color: #333; }
.pg-field input[type=number] { width: 58px; font-size: 12px; }
.pg-info { display: flex; gap: 10px; font-family: ui-monospace, monospace; font-size: 12px; color: #245; }
.pg-params { color: #777; }
.pg-error { color: #b52b27; font-size: 12px; }
.pg-warning { color: #8a6d00; font-size: 12px; }
.pg-marker { height: 0; border-top: 2px solid transparent; }
.pg-marker.active { border-top-color: #4a7fc1; }
"""


class Builder(pn.custom.JSComponent):
    """Drag-and-drop network builder; `layers` is its only output."""

    layers = param.List(default=[], item_type=dict, doc="The network as layer specs (the component's output)")
    report = param.Dict(default={}, doc="Shape analysis to show under each layer (app.layers.Analysis.to_dict)")
    palette = param.List(default=layer_palette(), doc="The palette entries (app.layers.palette), in the page's words")
    words = param.Dict(default={}, doc="The builder's own words, in the page's language (builder.* in app/i18n.py)")

    _esm = _ESM
    _stylesheets = [_CSS]


def network_builder(session):
    """A Builder kept in step with the session: its edits set the network, the session's analysis
    flows back into it."""
    builder = Builder(layers=list(session.network.layers), report=session.analysis, sizing_mode="stretch_width",
                      min_height=300)

    def to_session(event):
        if event.new != session.network.layers:
            session.network.layers = size_new_head(session.network.layers, list(event.new), session.hyper.loss,
                                                   session.dataset.classes)

    def from_session(*_events):
        builder.param.update(layers=list(session.network.layers), report=session.analysis)

    def translate(say):
        words = {key.split(".", 1)[1]: value for key, value in i18n.catalogue(session.language).items()
                 if key.startswith("builder.")}
        builder.param.update(palette=translated_palette(say), words=words)
    i18n.follow(session, translate)
    builder.param.watch(to_session, "layers")
    session.network.param.watch(from_session, "layers")
    session.param.watch(from_session, "analysis")
    return builder


def translated_palette(say):
    """The palette entries with their help in the page's language (say: app/i18n.follow's)."""
    entries = []
    for entry in layer_palette():
        fields = [{**f, "help": say("fields.feature", feature=f["label"]) if entry["type"] == "Features"
                   else say(f"fields.{f['name']}") if f["help"] else ""} for f in entry["fields"]]
        entries.append({**entry, "doc": say(f"palette.{entry['type']}"), "fields": fields})
    return entries


def code_model_note(session):
    """Says, above the builder, that the playground trains the code cell's model instead of the layers below
    (and how to go back); hidden while it trains the builder's network."""
    note = pn.pane.Alert("", alert_type="info", css_classes=["pg-code-model"], margin=(4, 10), visible=False,
                         sizing_mode="stretch_width")

    def update(*_events):
        expression = session.model_expression
        note.visible = expression is not None
        if expression is not None:
            layers = ", ".join(session.layer_names()) or i18n.text("builder.none_yet", session.language)
            note.object = i18n.text("builder.code_model", session.language, expression=html.escape(expression),
                                    layers=html.escape(layers))
    session.param.watch(update, ["structure_version", "language"])
    update()
    return note
