"""A model written in the code cell, trained by the playground: its source, built in the playground's Python.

The code cell runs in a Python of its own (app/cell_runner.py), so its objects cannot cross into the
playground. What crosses is text: `playground.use(Net())` in the cell sends the cell's definitions (its
top-level imports, functions, classes and constant assignments, verbatim: `definitions`) and the expression
that built the model ("Net()": `used_expression`). The playground runs that text here in a fresh namespace
where `import torch` is the engine (as in the cell), seeded as the exported script seeds torch, and trains
the module it gets.

The model's code runs in the playground's own Python, which nothing can interrupt from outside (the page
gives Pyodide no interrupt without cross-origin isolation). So it is compiled with a check at the top of
every loop body and every comprehension step: while `time_limit` is active, code that runs past its time
raises ModelCodeError (a loop that never ends in `forward` stops there instead of freezing the
playground). A single engine op cannot be cut short this way, but it ends.
"""
import ast
import builtins
import contextlib
import hashlib
import linecache
import math
import time
import traceback

import engine
import engine.nn as nn
from app.codecell import _cell_import, _engine_settings_restored

MODEL_FILE = "<model {}>"       # the file name of a model's code in tracebacks (one per source text)
SECONDS = 5.0                 # one forward, backward or construction of the model's code
MAX_SOURCE_CHARS = 200_000
MAX_EXPRESSION_CHARS = 1_000
_TICK, _EACH = "__playground_tick__", "__playground_each__"
_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class ModelCodeError(Exception):
    """The model's code cannot be used, or failed while it ran; the message is for the student."""


class _TooLong(BaseException):
    """Raised inside the model's code at its time limit (not an Exception: its own `except Exception`
    must not swallow it)."""


# ---- from the cell's source ----------------------------------------------------------------------

def _is_constant(node):
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return False
    try:
        ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _first_line(node):
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def definitions(source):
    """The cell's top-level imports, functions, classes and constant assignments, verbatim, in order: what a
    model needs to be built elsewhere (the rest of the cell, its prints and loops, stays in the cell). Kept
    statements that follow one another keep the lines between them (blank lines, comments)."""
    lines, runs, run = source.splitlines(), [], None
    for node in ast.parse(source).body:
        if isinstance(node, _KEPT) or _is_constant(node):
            run = run or [_first_line(node)]
            run[1:] = [node.end_lineno]
        elif run:
            runs.append(run)
            run = None
    runs += [run] if run else []
    return "\n\n".join("\n".join(lines[first - 1:last]) for first, last in runs)


def _is_use_call(node):
    f = node.func if isinstance(node, ast.Call) else None
    return isinstance(f, ast.Attribute) and f.attr == "use" and isinstance(f.value, ast.Name) \
        and f.value.id == "playground"


def used_expression(source, line):
    """The expression given to `playground.use(...)` on `line` of the cell ("Net()"); a variable is followed
    to the last top-level assignment of it before that line (`model = Net(4)` gives "Net(4)")."""
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if _is_use_call(n) and n.lineno <= line <= n.end_lineno and n.args]
    if not calls:
        return None
    argument = calls[0].args[0]
    if isinstance(argument, ast.Name):
        assigned = [n.value for n in tree.body if isinstance(n, ast.Assign) and n.lineno < calls[0].lineno
                    and any(isinstance(t, ast.Name) and t.id == argument.id for t in n.targets)]
        if assigned:
            argument = assigned[-1]
    return ast.get_source_segment(source, argument)


def last_module_class(namespace):
    """The name of the last nn.Module subclass the cell defined, or None."""
    defined = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, nn.Module)
               and v.__module__ == "__main__"]
    return defined[-1].__name__ if defined else None


# ---- the time limit ------------------------------------------------------------------------------

_deadline = [math.inf]


def _tick():
    if time.monotonic() > _deadline[0]:
        raise _TooLong()


def _each(iterable):
    for item in iterable:
        _tick()
        yield item


class _Checks(ast.NodeTransformer):
    """A tick at the top of every loop body; comprehensions tick on each item they take."""

    def _loop(self, node):
        self.generic_visit(node)
        tick = ast.Expr(ast.Call(ast.Name(_TICK, ast.Load()), [], []))
        node.body.insert(0, ast.copy_location(tick, node))   # (a traceback then quotes the loop)
        return node
    visit_For = visit_AsyncFor = visit_While = _loop

    def visit_comprehension(self, node):
        self.generic_visit(node)
        node.iter = ast.copy_location(ast.Call(ast.Name(_EACH, ast.Load()), [node.iter], []), node.iter)
        return node


@contextlib.contextmanager
def time_limit(what, seconds=None):
    """Run the model's code for at most `seconds` (SECONDS) in here (a limit already running stays the nearer
    one); past it the code stops with a ModelCodeError that names `what` was running and where."""
    seconds = SECONDS if seconds is None else seconds
    before = _deadline[0]
    _deadline[0] = min(before, time.monotonic() + seconds)
    try:
        yield
    except _TooLong as stopped:
        raise ModelCodeError(f"{what} ran for more than {seconds:g} s{_where(stopped)} and was stopped: a loop "
                             "that never ends? Fix the model in the code cell and send it again") from None
    finally:
        _deadline[0] = before


def _where(error):
    """' (in Net.forward: `while True:`)' for the innermost frame of the model's code in the traceback."""
    frames = [(f.f_code, line) for f, line in traceback.walk_tb(error.__traceback__)
              if f.f_code.co_filename.startswith(MODEL_FILE[:7])]
    if not frames:
        return ""
    code, line = frames[-1]
    text = linecache.getline(code.co_filename, line).strip()
    return f" (in {code.co_qualname}: `{text}`)" if text else f" (in {code.co_qualname})"


# ---- building ------------------------------------------------------------------------------------

def _run_source(source):
    """The namespace of `source`, run as a fresh module with `import torch` meaning the engine."""
    filename = MODEL_FILE.format(hashlib.sha1(source.encode()).hexdigest()[:10])
    # tracebacks and messages quote the model's own lines
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__", _TICK: _tick, _EACH: _each,
                 "__builtins__": dict(vars(builtins), __import__=_cell_import)}
    exec(_checked(source, filename, "exec"), namespace)
    return namespace


def _checked(source, filename, mode):
    """`source` compiled with the time limit's checks in its loops."""
    tree = ast.fix_missing_locations(_Checks().visit(ast.parse(source, filename, mode)))
    return compile(tree, filename, mode)


def build(source, expression):
    """The module `expression` builds from `source` (the engine's random generator seeded by the caller).
    ModelCodeError says why when it cannot: a syntax error, an exception, a time limit, not a Module."""
    name = expression
    try:
        with time_limit(f"Building {name}"), _engine_settings_restored():
            model = eval(_checked(expression, "<expression>", "eval"), _run_source(source))
    except ModelCodeError:
        raise
    except SyntaxError as error:
        raise ModelCodeError(f"{name} could not be built: line {error.lineno} of the model's code: {error.msg}") \
            from None
    except Exception as error:
        raise ModelCodeError(f"{name} could not be built in the playground: {type(error).__name__}: {error}"
                             f"{_where(error)}. The playground takes the cell's imports, functions, classes and "
                             "constants (its top level) and builds the model from them") from None
    if not isinstance(model, nn.Module):
        raise ModelCodeError(f"{name} gives a {type(model).__name__}, not an nn.Module: send a model, "
                             "e.g. playground.use(Net())")
    if not any(True for _ in model.parameters()):
        raise ModelCodeError(f"{name} has no parameters: there is nothing to train")
    return model


# ---- does it fit the data? -----------------------------------------------------------------------

def _failing_module(model, error):
    """(path, module, its input's shape) of the innermost of `model`'s modules whose forward raised."""
    paths = {id(m): (path, m) for path, m in model.named_modules()}
    found = None
    for frame, _line in traceback.walk_tb(error.__traceback__):
        me = frame.f_locals.get("self")
        if frame.f_code.co_name == "forward" and id(me) in paths:
            code = frame.f_code
            given = frame.f_locals.get(code.co_varnames[1]) if code.co_argcount > 1 else None
            found = (*paths[id(me)], tuple(given.shape) if isinstance(given, engine.Tensor) else None)
    return found


def _takes(module):
    if isinstance(module, nn.Linear):
        return f", which takes {module.in_features} features per sample"
    if isinstance(module, nn.Conv2d):
        return f", which takes images N×C×H×W with C = {module.in_channels}"
    return ""


def fit_problem(model, name, inputs, loss, classes, data):
    """Why `model` (built by the expression `name`) cannot train on `data` ("the Spiral data", its inputs a
    small numpy batch `inputs`) with `loss` and `classes` (0: regression), in words; None when it can. One
    forward in eval mode, without a graph; the engine's random generator is left as it was."""
    from app.layers import LOSSES, head_problem, shape_text
    rng = engine.get_rng_state()
    model.eval()
    try:
        with time_limit(f"{name}'s forward"), engine.no_grad():
            out = model(engine.tensor(inputs))
    except ModelCodeError:
        raise
    except Exception as error:
        where = f"{name}'s forward{_where(error)} fails"
        failing = _failing_module(model, error)
        if failing is not None and failing[0]:
            path, module, given = failing
            gets = f" gets {shape_text(given)}" if given else " fails"
            where = f"{path} ({type(module).__name__}{_takes(module)}){gets}"
        return (f"{name} cannot take {data}: the data gives inputs of shape {shape_text(inputs.shape)} "
                f"(N×{shape_text(inputs.shape[1:])}); {where} — {type(error).__name__}: {error}. Change the model "
                "in the code cell and send it again, or choose data it fits")
    finally:
        model.train()
        engine.set_rng_state(rng)
    if not isinstance(out, engine.Tensor):
        return f"{name} returns a {type(out).__name__}; the playground needs one tensor of outputs N×k"
    problem = head_problem(tuple(out.shape[1:]), loss, classes)
    if problem:
        return (f"{name} gives outputs of shape {shape_text(out.shape)} for {len(inputs)} samples of {data}, which "
                f"do not fit the loss {LOSSES[loss]}: {problem.replace('the network', 'it')}")
    return None
