"""The code cell: run PyTorch-style code where `import torch` is the engine.

The cell's own `__import__` maps torch, torch.nn, torch.optim, ... to engine, engine.nn, ...; only
code run here sees it (sys.modules is left alone, so real torch keeps working in the same
process). `print` writes to the cell's output. The code runs under `engine.graph.capture()`, so
every tensor it leaves can be shown in the graph view with its values and gradients.
"""
import builtins
import html
import importlib
import io
import sys
import time
import traceback
from dataclasses import dataclass, field

import engine
import engine.graph

CELL_NAME = "<cell>"
TIME_LIMIT_S = 10.0   # a runaway loop would hold the page's Python for good: the cell is stopped instead

TUTORIAL = """\
import torch

x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)
out.backward()
print(x.grad)
"""


def _engine_name(name):
    return "engine" + name[len("torch"):] if name == "torch" or name.startswith("torch.") else None


def _cell_import(name, globals=None, locals=None, fromlist=(), level=0):
    target = _engine_name(name) if level == 0 else None
    if target is None:
        return builtins.__import__(name, globals, locals, fromlist, level)
    module = importlib.import_module(target)
    # `import torch.nn as nn` binds the top package and walks attributes; `from torch.nn import X` wants torch.nn
    return module if fromlist else engine


@dataclass
class CellResult:
    output: str
    error: str = None                  # "line 3: NameError: name 'w' is not defined", or None
    tensors: dict = field(default_factory=dict)    # name -> engine Tensor left in the namespace
    capture: object = None

    def graphable(self):
        """Names of the tensors that have an autograd graph, latest first."""
        return [name for name, t in reversed(self.tensors.items()) if t.grad_fn is not None]


def _short_error(error):
    """The error with the cell line it came from, without the playground's own frames."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == CELL_NAME:
            line = frame.lineno
    if isinstance(error, SyntaxError) and error.filename == CELL_NAME:
        line = error.lineno
        message = error.msg
    else:
        message = str(error)
    where = f"line {line}: " if line else ""
    return f"{where}{type(error).__name__}: {message}" if message else f"{where}{type(error).__name__}"


def _deadline_tracer(limit):
    """A trace function that checks the clock on each line of the cell's own code (only: the engine
    and libraries it calls run untraced, at full speed)."""
    deadline = time.perf_counter() + limit

    def local(frame, event, _arg):
        if event == "line" and time.perf_counter() > deadline:
            raise TimeoutError(f"stopped after {limit:g} s (the playground's limit for one run)")
        return local

    def tracer(frame, event, _arg):
        return local if frame.f_code.co_filename == CELL_NAME else None
    return tracer


def run_cell(source, time_limit=TIME_LIMIT_S):
    """Run `source` as a fresh module; returns its printed output, error and tensors. A run longer
    than `time_limit` seconds is stopped at the next line of the cell."""
    out = io.StringIO()

    def cell_print(*args, sep=" ", end="\n", file=None, flush=False):
        if file is not None:
            return builtins.print(*args, sep=sep, end=end, file=file, flush=flush)
        out.write(sep.join(str(a) for a in args) + end)

    cell_builtins = dict(vars(builtins), __import__=_cell_import, print=cell_print)
    namespace = {"__name__": "__main__", "__builtins__": cell_builtins}
    error = None
    with engine.graph.capture() as capture:
        previous = sys.gettrace()
        try:
            code = compile(source, CELL_NAME, "exec")
            sys.settrace(_deadline_tracer(time_limit))
            exec(code, namespace)
        except Exception as e:   # the user's code: its error is the cell's output, never the page's
            error = _short_error(e)
        finally:
            sys.settrace(previous)
    tensors = {name: value for name, value in namespace.items()
               if isinstance(value, engine.Tensor) and not name.startswith("_")}
    return CellResult(out.getvalue(), error, tensors, capture)


def code_cell(session, on_show=None, source=TUTORIAL):
    """The cell's widgets: an editor (holding `source`), Run, the printed output, and a choice of tensor for
    the graph view. `on_show()` is called when the user asks to see a tensor's graph (the page brings the
    view forward)."""
    import panel as pn   # the cell's logic above runs without Panel (tests, scripts)

    editor = pn.widgets.TextAreaInput(value=source, height=240, sizing_mode="stretch_width",
                                      css_classes=["pg-code"], stylesheets=[
                                          "textarea { font-family: ui-monospace, monospace; font-size: 12px; }"])
    run = pn.widgets.Button(name="Run", button_type="primary", width=80, css_classes=["pg-run"])
    output = pn.pane.HTML("", css_classes=["pg-code-output"], sizing_mode="stretch_width")
    choice = pn.widgets.Select(name="Show in the graph view", options=[], css_classes=["pg-tensor-select"], width=200)
    show = pn.widgets.Button(name="Show graph", css_classes=["pg-show-tensor"], width=110)
    last = {}

    def show_choice(_event=None):
        result = last.get("result")
        if result is not None and choice.value in result.tensors:
            session.show_tensor(result.tensors[choice.value], result.capture, choice.value)

    def on_run(_event):
        result = run_cell(editor.value)
        last["result"] = result
        text = html.escape(result.output)
        if result.error:
            text += f'<span class="pg-code-error">{html.escape(result.error)}</span>'
        output.object = f"<pre style='margin:0;white-space:pre-wrap'>{text}</pre>"
        choice.options = result.graphable()
        if choice.options:
            choice.value = choice.options[0]
            show_choice()

    def on_show_click(_event):
        show_choice()
        if on_show is not None and session.last.get("source") == "code":
            on_show()

    run.on_click(on_run)
    show.on_click(on_show_click)
    return pn.Column(
        pn.pane.Markdown("`import torch` here is the engine. Tensors the code leaves can be shown in the graph view.",
                         margin=(0, 10)),
        editor, pn.Row(run, choice, show, margin=0), output, sizing_mode="stretch_width")
