"""The code cell: run PyTorch-style code where `import torch` is the engine.

The cell's own `__import__` maps torch, torch.nn, torch.optim, ... to engine, engine.nn, ...; only
code run here sees it (sys.modules is left alone, so real torch keeps working in the same
process). What the code prints is the cell's output. The code runs under `engine.graph.capture()`,
so every tensor it leaves can be shown in the graph view with its values and gradients.

`run_cell` runs code in the Python it is called from; the playground never calls it in its own:
the widgets below hand the code to a runner (app/cell_runner.py) that runs it in a Python of its
own, which Stop ends whatever it is doing.
"""
import builtins
import contextlib
import html
import importlib
import io
import sys
import time
import traceback
from dataclasses import dataclass, field

import engine
import engine.graph
from engine._tensor_str import get_printoptions   # (PyTorch keeps it in torch._tensor_str too)
from app import cell_record

CELL_NAME = "<cell>"
MAX_OUTPUT_CHARS = 100_000   # a loop that prints forever must not fill the page
OUTPUT_RATE = 10             # messages a second in which a run passes on what it prints (each redraws the output)

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


class PlaygroundInCell:
    """`playground` in the cell: `playground.use(Net())` sends that model to the playground when the run ends
    (its definitions and the expression that built it: app/model_code.py)."""

    def __init__(self, source):
        self._source, self.expression = source, None

    def use(self, model):
        from app import model_code
        if not isinstance(model, engine.nn.Module):
            raise TypeError(f"playground.use takes an nn.Module, e.g. playground.use(Net()); this is a "
                            f"{type(model).__name__}")
        caller = sys._getframe(1)
        expression = (model_code.used_expression(self._source, caller.f_lineno)
                      if caller.f_code.co_filename == CELL_NAME else None)
        if expression is None:
            raise ValueError("call playground.use(...) in the cell's own code, e.g. playground.use(Net())")
        self.expression = expression


NOTHING_TO_SEND = ("nothing to send to the playground: define a model in the cell (class Net(nn.Module): ...) "
                   "or call playground.use(...) with one")


@dataclass
class CellResult:
    output: str
    error: str = None                  # "line 3: NameError: name 'w' is not defined", or None
    tensors: dict = field(default_factory=dict)    # name -> engine Tensor left in the namespace
    capture: object = None
    use: dict = None                   # the model to send to the playground: {"source", "expression"}, or None
    passed: bool = None                # the lesson check's verdict (None: no check was asked for)
    check_error: str = None            # why the check could not say yes: "NameError: name 'w' is not defined"

    def graphable(self):
        """Names of the tensors that have an autograd graph, latest first."""
        return [name for name, t in reversed(self.tensors.items()) if t.grad_fn is not None]

    def plain(self):
        """The result as plain data for the playground (app/cell_runner.py): output, error and the
        graphs of the graphable tensors (app/cell_record.py)."""
        graphable = {name: self.tensors[name] for name in self.graphable()}
        record, error = None, self.error
        if graphable:
            try:
                record = cell_record.pack(graphable, self.capture)
            except Exception as e:   # the graphs are extra: the output still counts
                error = (error + "\n" if error else "") + f"(the graphs could not be sent to the views: {e})"
        return {"output": self.output, "error": error, "record": record, "use": self.use, "passed": self.passed,
                "check_error": self.check_error}


class _CappedOutput(io.StringIO):
    """Keeps the first MAX_OUTPUT_CHARS characters written and counts the rest. With `on_output`, what
    is written is also passed on as it comes (so that what a run printed before Stop ended it is shown),
    in at most OUTPUT_RATE messages a second: a burst of that many at once, then what the code writes
    waits for the next write after the allowance has grown back."""

    def __init__(self, on_output=None):
        super().__init__()
        self.dropped, self.on_output = 0, on_output
        self.sent, self.allowance, self.checked = 0, OUTPUT_RATE, time.monotonic()

    def write(self, text):
        room = MAX_OUTPUT_CHARS - self.tell()
        if len(text) > room:
            self.dropped += len(text) - max(room, 0)
            text = text[:max(room, 0)]
        written = super().write(text)
        if self.on_output is not None:
            now = time.monotonic()
            self.allowance = min(OUTPUT_RATE, self.allowance + (now - self.checked) * OUTPUT_RATE)
            self.checked = now
            if self.allowance >= 1:
                self.allowance -= 1
                self.pass_on()
        return written

    def pass_on(self):
        new = self.getvalue()[self.sent:]
        if new:
            self.sent += len(new)
            self.on_output(new)

    def text(self):
        more = f"\n… ({self.dropped:,} more characters not shown)\n" if self.dropped else ""
        return self.getvalue() + more


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


@contextlib.contextmanager
def _engine_settings_restored():
    """Each run starts with the engine's defaults, whatever the last run set (dtype, grad mode, printing)."""
    dtype, grad, printing = engine.get_default_dtype(), engine.is_grad_enabled(), get_printoptions()
    try:
        yield
    finally:
        engine.set_default_dtype(dtype)
        engine.set_grad_enabled(grad)
        engine.set_printoptions(**printing)


def run_cell(source, on_output=None, send=False, check=None):
    """Run `source` as a fresh module here; returns its printed output, its error and its tensors. Any
    exception of the code, SystemExit and KeyboardInterrupt included, becomes the result's error.
    `on_output(text)`, when given, receives what the code prints while it runs. The model the code gave
    to `playground.use` is to be sent to the playground; with `send` (the cell's "Use in playground"), the
    last nn.Module class it defined, built as `Name()`, when it gave none. `check`: a lesson's Python
    expression, evaluated over the code's names once it ran (app/lessons): the result says if it held."""
    out = _CappedOutput(on_output)
    playground = PlaygroundInCell(source)
    namespace = {"__name__": "__main__", "__builtins__": dict(vars(builtins), __import__=_cell_import),
                 "playground": playground}
    error = None
    with engine.graph.capture() as capture, _engine_settings_restored(), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            exec(compile(source, CELL_NAME, "exec"), namespace)
            if send and playground.expression is None:
                playground.expression = _last_model(namespace)
        except BaseException as e:   # the user's code: its end, however it came, is the cell's output
            error = _short_error(e)
        passed, check_error = _checked(check, namespace, error)
    tensors = {name: value for name, value in namespace.items()
               if isinstance(value, engine.Tensor) and not name.startswith("_")}
    use = None
    if playground.expression is not None and error is None:
        from app import model_code
        use = {"source": model_code.definitions(source), "expression": playground.expression}
    return CellResult(out.text(), error, tensors, capture, use, passed, check_error)


def _checked(check, namespace, error):
    """(passed, why not) of a lesson's check over the names the code left; (None, None) without one."""
    if not isinstance(check, str):
        return None, None
    if error is not None:
        return False, None      # the code's own error says why
    try:
        return bool(eval(compile(check, "<check>", "eval"), namespace)), None
    except BaseException as e:  # the student's names, not ours: any failure is a "not yet"
        return False, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _last_model(namespace):
    """'Net()' for the last nn.Module class the cell defined, checked to build without arguments here."""
    from app import model_code
    name = model_code.last_module_class(namespace)
    if name is None:
        raise LookupError(NOTHING_TO_SEND)
    try:
        namespace[name]()
    except TypeError as error:
        raise TypeError(f"{name}() cannot be built without arguments ({error}): end the cell with "
                        f"playground.use({name}(...)) to send it") from None
    return f"{name}()"


def sent_text(expression, problem, data, language="en"):
    """What the cell says after it sent a model to the playground."""
    from app import i18n
    if problem:
        return "\n" + i18n.text("cell.sent_problem", language, expression=expression, problem=problem) + "\n"
    return "\n✓ " + i18n.text("cell.sent", language, expression=expression, data=data) + "\n"


def code_cell(session, on_show=None, source=TUTORIAL, runner=None, check=None, on_answer=None):
    """The cell's widgets: an editor (holding `source`), Run, Use in playground and Stop (or ctrl+.) with the
    time the run has taken, the printed output, and a choice of tensor for the graph view. The code runs in
    `runner` (app/cell_runner.py; by default the one for this platform), never in the playground's Python;
    a model it sends (playground.use, or the button) is built and trained by the session (app/model_code.py).
    `on_show()` is called when the user asks to see a tensor's graph or sent a model (the page brings the
    views forward). `check()`, when given, names the lesson check each run evaluates after the code (or None),
    and `on_answer(answer)` receives each finished run's answer (app/cell_runner.py; app/lessons)."""
    import panel as pn   # the cell's logic above runs without Panel (tests, the cell's own worker)

    from app import cell_runner, i18n
    from app.cell_clock import RunClock
    runner = runner or cell_runner.for_this_platform()
    editor = pn.widgets.TextAreaInput(value=source, height=240, sizing_mode="stretch_width",
                                      css_classes=["pg-code"], stylesheets=[
                                          "textarea { font-family: ui-monospace, monospace; font-size: 12px; }"])
    run = pn.widgets.Button(button_type="primary", width=80, css_classes=["pg-run"])
    use = pn.widgets.Button(button_type="success", width=150, css_classes=["pg-use-model"])
    stop = pn.widgets.Button(button_type="danger", width=80, css_classes=["pg-stop"], disabled=True)
    clock = RunClock()
    output = pn.pane.HTML("", css_classes=["pg-code-output"], sizing_mode="stretch_width")
    choice = pn.widgets.Select(options=[], css_classes=["pg-tensor-select"], width=200)
    show = pn.widgets.Button(css_classes=["pg-show-tensor"], width=110)
    intro = pn.pane.Markdown("", margin=(0, 10))
    shown = {}   # name -> the ShownGraph of the last run

    def say(key, **fields):
        return i18n.text(key, session.language, **fields)

    def translate(words):
        run.name, stop.name, choice.name, show.name = (words("cell.run"), words("cell.stop"), words("cell.choice"),
                                                       words("cell.show"))
        use.param.update(name=words("cell.use"), description=words("cell.use_tip"))
        intro.object = words("cell.intro")
        if clock.running:
            clock.label = words("cell.running")
    i18n.follow(session, translate)

    def show_choice():
        if choice.value in shown:
            session.show_graph(shown[choice.value])

    def show_output(text, error=None):
        text = html.escape(text)
        if error:
            text += f'<span class="pg-code-error">{html.escape(error)}</span>'
        output.object = f"<pre style='margin:0;white-space:pre-wrap'>{text}</pre>"

    def set_running(running):
        run.disabled, use.disabled, stop.disabled = running, running, not running
        clock.label = say("cell.running" if runner.warm else "cell.starting") if running else ""
        clock.running = running

    def code_started():
        clock.label = say("cell.running")

    async def on_run(_event, send=False):
        if clock.running:
            return
        set_running(True)
        show_output("")   # the output shown is the current run's
        started, printed = time.monotonic(), []

        def code_printed(text):
            printed.append(text)
            show_output("".join(printed))
        try:
            answer = await runner.run(editor.value, on_ready=code_started, on_output=code_printed, send=send,
                                      check=check() if check is not None else None)
        except Exception as e:   # the runner itself failed (not the code): say so in the cell
            answer = {"output": "", "error": say("cell.could_not_run", error=e), "record": None, "stopped": False,
                      "use": None, "passed": None, "check_error": None}
        finally:
            set_running(False)
        if on_answer is not None:
            on_answer(answer)
        if answer["stopped"]:
            show_output(answer["output"], say("cell.stopped", seconds=f"{time.monotonic() - started:.1f}"))
            return
        graphs = cell_record.unpack(answer["record"]) if answer["record"] else []
        shown.clear()
        shown.update((g.name, g) for g in graphs)
        sent = answer.get("use")
        if sent:
            problem = session.use_model(sent["source"], sent["expression"])
            data = say(f"datasets.{session.data.dataset}")
            show_output(answer["output"] + sent_text(sent["expression"], problem, data, session.language),
                        answer["error"])
            if on_show is not None:
                on_show()
            return
        show_output(answer["output"], answer["error"])
        choice.options = list(shown)
        if choice.options:
            choice.value = choice.options[0]
            show_choice()

    def on_stop(*_events):
        if clock.running:
            runner.stop()

    def on_show_click(_event):
        show_choice()
        if on_show is not None and session.last.get("source") == "code":
            on_show()

    run.on_click(on_run)
    async def on_use(event):
        await on_run(event, send=True)
    use.on_click(on_use)
    stop.on_click(on_stop)
    clock.param.watch(on_stop, "stop_requests")
    show.on_click(on_show_click)
    return pn.Column(
        intro, editor, pn.Row(run, use, stop, clock, choice, show, margin=0, styles={"flex-wrap": "wrap"}), output,
        sizing_mode="stretch_width")
