"""A square canvas to draw a digit on, with a mouse, a pen or a finger (pointer events)."""
import panel as pn
import param

from app import i18n

RESOLUTION = 112   # canvas pixels a side: 4× MNIST's 28, fine enough for the 20×20 box's anti-aliasing


class DrawPad(pn.custom.JSComponent):
    """While a stroke is drawn (at most every `every_ms`) and when it ends, the canvas goes to Python as
    `ink`: base64 of RESOLUTION² bytes, row by row, 0 paper to 255 ink. Clear empties the canvas and `ink`."""

    ink = param.String(default="", doc="page -> Python: the drawing, or empty when there is none")
    clear_label = param.String(default="Clear", doc="Python -> page: the clear button's text")
    resolution = param.Integer(default=RESOLUTION, constant=True)
    every_ms = param.Integer(default=120, constant=True)

    _esm = r"""
export function render({ model, el }) {
  const n = model.resolution;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = n;
  canvas.className = "pg-draw-canvas";
  const pen = canvas.getContext("2d", { willReadFrequently: true });
  const wipe = () => { pen.fillStyle = "#000"; pen.fillRect(0, 0, n, n); };
  wipe();
  // a stroke about as thick, for its size, as an MNIST digit's: 2-3 of its 28 pixels
  Object.assign(pen, { strokeStyle: "#fff", lineWidth: n / 11, lineCap: "round", lineJoin: "round" });
  let last = null, timer = null;
  const at = (e) => {
    const box = canvas.getBoundingClientRect();
    return [(e.clientX - box.left) * n / box.width, (e.clientY - box.top) * n / box.height];
  };
  const send = () => {
    clearTimeout(timer);
    timer = null;
    const rgba = pen.getImageData(0, 0, n, n).data;
    let text = "";
    for (let i = 0; i < n * n; i++) text += String.fromCharCode(rgba[4 * i]);
    model.ink = btoa(text);
  };
  const soon = () => { if (timer === null) timer = setTimeout(send, model.every_ms); };
  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    pen.beginPath();
    pen.arc(last[0], last[1], pen.lineWidth / 2, 0, 2 * Math.PI);
    pen.fillStyle = "#fff";
    pen.fill();
    soon();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (last === null) return;
    for (const event of e.getCoalescedEvents?.() ?? [e]) {   // a fast pen reports several points per frame
      const point = at(event);
      pen.beginPath();
      pen.moveTo(...last);
      pen.lineTo(...point);
      pen.stroke();
      last = point;
    }
    soon();
  });
  const end = () => { if (last !== null) { last = null; send(); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  const clear = document.createElement("button");
  clear.className = "pg-draw-clear";
  const label = () => { clear.textContent = model.clear_label; };
  model.on("clear_label", label);
  label();
  clear.addEventListener("click", () => { wipe(); last = null; clearTimeout(timer); timer = null; model.ink = ""; });
  el.append(canvas, clear);
}
"""
    _stylesheets = [":host { display: flex; flex-direction: column; align-items: flex-start; gap: 4px; } "
                    ".pg-draw-canvas { width: 196px; height: 196px; touch-action: none; cursor: crosshair; "
                    "border: 1px solid #9ca3af; border-radius: 4px; } "
                    ".pg-draw-clear { font-size: 12px; }"]

    def translate(self, language):
        self.clear_label = i18n.text("images.clear", language)
