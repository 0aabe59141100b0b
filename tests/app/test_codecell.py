"""The code cell: `import torch` is the engine there, and only there (app/codecell.py)."""
import asyncio
import sys
import time

import pytest

import engine
from app import cell_record
from app.cell_runner import ProcessRunner
from app.codecell import MAX_OUTPUT_CHARS, OUTPUT_RATE, TUTORIAL, run_cell
from app.session import Session

TUTORIAL_OUTPUT = """\
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
tensor([[3., 3.],
        [3., 3.]], grad_fn=<AddBackward0>)
<AddBackward0 object at 0x{addr}>
tensor([[27., 27.],
        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)
tensor([[4.5000, 4.5000],
        [4.5000, 4.5000]])
"""


def test_the_tutorial_autograd_example_runs_as_pasted():
    result = run_cell(TUTORIAL)
    assert result.error is None
    addr = result.output.split("object at 0x")[1].split(">")[0]
    assert result.output == TUTORIAL_OUTPUT.format(addr=addr)
    assert result.graphable() == ["out", "z", "y"]
    assert set(result.tensors) == {"x", "y", "z", "out"}


def test_import_forms_resolve_to_the_engine():
    result = run_cell("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
                      "from torch import optim\nfrom torch.nn import Linear\nimport numpy as np\n"
                      "print(torch.__name__, nn.__name__, F.__name__, optim.__name__, Linear.__module__)\n"
                      "m = Linear(2, 1)\nopt = optim.SGD(m.parameters(), lr=0.1)\n"
                      "loss = F.relu(m(torch.tensor(np.ones((1, 2), dtype=np.float32)))).sum()\n")
    assert result.error is None
    assert result.output.split() == ["engine", "engine.nn", "engine.nn.functional", "engine.optim",
                                     "engine.nn.modules.linear"]
    assert "torch" not in sys.modules or sys.modules["torch"].__name__ == "torch"


def test_errors_name_the_cell_line_without_a_traceback():
    assert run_cell("import torch\nx = torch.ones(2)\nprint(w)\n").error == "line 3: NameError: name 'w' is not defined"
    assert run_cell("x = (1,\n").error.startswith("line 1: SyntaxError")
    result = run_cell("print('before')\nraise ValueError('bad value')\n")
    assert result.output == "before\n" and result.error == "line 2: ValueError: bad value"


def test_each_run_starts_fresh():
    run_cell("leftover = 1")
    assert run_cell("print(leftover)").error == "line 1: NameError: name 'leftover' is not defined"


ISSUE_SNIPPET = """\
import torch
x = torch.empty(5, 3)
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
print(y.grad_fn)            # <AddBackward0 object at 0x...>
z = y * y * 3
out = z.mean()
print(z, out)               # tensor([[27., 27.], [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)
out.backward(); print(x.grad)   # tensor([[4.5000, 4.5000], [4.5000, 4.5000]])
"""


def test_the_issue_snippet_as_pasted():
    result = run_cell(ISSUE_SNIPPET)
    assert result.error is None
    lines = result.output.splitlines()
    assert lines[0].startswith("<AddBackward0 object at 0x")
    assert lines[1:] == ["tensor([[27., 27.],", "        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., "
                         "grad_fn=<MeanBackward0>)", "tensor([[4.5000, 4.5000],", "        [4.5000, 4.5000]])"]


@pytest.mark.parametrize("code, error", [
    ("raise SystemExit", "line 1: SystemExit"),
    ("exit()", "line 1: SystemExit: None"),
    ("import sys\nsys.exit(2)", "line 2: SystemExit: 2"),
    ("print('x')\nraise KeyboardInterrupt", "line 2: KeyboardInterrupt"),
    ("def f():\n    raise GeneratorExit('g')\nf()", "line 2: GeneratorExit: g"),
])
def test_every_way_out_of_the_code_is_reported_in_the_cell(code, error):
    assert run_cell(code).error == error


def test_a_run_cannot_change_the_next_runs_engine_defaults():
    result = run_cell("import torch\ntorch.set_default_dtype(torch.float64)\ntorch.set_grad_enabled(False)\n"
                      "torch.set_printoptions(precision=1)\nprint(torch.ones(1).dtype, torch.tensor([1/3]))")
    assert result.output == "torch.float64 tensor([0.3])\n"   # as PyTorch prints the default dtype
    assert engine.get_default_dtype() == engine.float32 and engine.is_grad_enabled()
    assert run_cell("import torch\nprint(torch.tensor([1/3]).dtype, torch.tensor([1/3]))").output == \
        "torch.float32 tensor([0.3333])\n"


def test_output_is_capped_and_says_how_much_was_left_out():
    result = run_cell("print('x' * (MAX + 10), end='')".replace("MAX", str(MAX_OUTPUT_CHARS)))
    assert result.output == "x" * MAX_OUTPUT_CHARS + "\n… (10 more characters not shown)\n"


def test_stdout_and_stderr_writes_are_the_cells_output():
    assert run_cell("import sys\nsys.stdout.write('a')\nprint('b', file=sys.stderr)").output == "ab\n"


# ---- what crosses from the cell's Python to the playground's: plain data ------------------------

def test_graphs_travel_as_plain_data_with_values_and_gradients():
    answer = run_cell(TUTORIAL).plain()
    assert set(answer) == {"output", "error", "record", "use", "passed", "check_error"} and isinstance(answer["record"], bytes)
    graphs = cell_record.unpack(answer["record"])
    assert [g.name for g in graphs] == ["out", "z", "y"]
    out = graphs[0]
    assert out.loss == 27.0 and out.graph.nodes[out.graph.root]["name"] == "MeanBackward0"
    leaf = next(n for n in out.graph.nodes if n["name"] == "AccumulateGrad")
    assert out.grad(leaf["id"]).tolist() == [[4.5, 4.5], [4.5, 4.5]]
    assert out.value(leaf["id"]).tolist() == [[1, 1], [1, 1]]
    mul = next(n for n in out.graph.nodes if n["name"] == "MulBackward0" and n["shape"] == [2, 2])
    assert out.value(mul["id"]).tolist() == [[27, 27], [27, 27]]


def test_tensors_it_leaves_show_in_the_graph_view_with_gradients():
    (out, *_) = cell_record.unpack(run_cell(TUTORIAL).plain()["record"])
    session = Session()
    session.show_graph(out)
    assert session.last["source"] == "code" and session.last["name"] == "out" and session.last["loss"] == 27.0
    names = [n["name"] for n in session.last["graph"].nodes]
    assert names[0] == "MeanBackward0" and "AccumulateGrad" in names
    leaf = next(n for n in session.last["graph"].nodes if n["name"] == "AccumulateGrad")
    assert session.last["capture"].grad(leaf["id"]).tolist() == [[4.5, 4.5], [4.5, 4.5]]


def test_arrays_over_the_budget_are_left_out_not_sent(monkeypatch):
    monkeypatch.setattr(cell_record, "MAX_BYTES", 100)
    (big,) = cell_record.unpack(run_cell("import torch\nx = torch.ones(100, requires_grad=True)\n"
                                         "big = (x * 2).sum()\n").plain()["record"])
    mul = next(n for n in big.graph.nodes if n["name"] == "MulBackward0")
    assert big.value(mul["id"]) is None and big.loss == 200.0


# ---- the runner the app uses natively: a subprocess that Stop kills --------------------------------

def run_async(coroutine):
    return asyncio.run(coroutine)


@pytest.mark.parametrize("code", ["while True: pass", "sum(range(10**11))", "import time\ntime.sleep(60)",
                                  "10**(10**8)", "try:\n    while True: pass\nexcept BaseException: pass\n"
                                  "while True: pass"])
def test_stop_ends_a_run_whatever_it_is_doing(code):
    async def scenario():
        runner = ProcessRunner()
        await runner.run("print('warm')")
        run = asyncio.ensure_future(runner.run(code))
        await asyncio.sleep(0.3)
        assert not run.done(), "the code should still be running"
        started = time.monotonic()
        runner.stop()
        answer = await asyncio.wait_for(run, 2)
        stopped_in = time.monotonic() - started
        again = await runner.run("print('fresh')")
        return answer, stopped_in, again
    answer, stopped_in, again = run_async(scenario())
    assert answer["stopped"] and stopped_in < 2
    assert again == {"output": "fresh\n", "error": None, "record": None, "stopped": False, "use": None, "passed": None,
                     "check_error": None}


def test_what_a_run_printed_before_stop_is_kept_and_passed_on_as_it_comes():
    async def scenario():
        runner, passed = ProcessRunner(), []
        run = asyncio.ensure_future(runner.run("print('epoch 1')\nimport time\ntime.sleep(0.3)\nprint('epoch 2')\n"
                                               "while True: pass", on_output=passed.append))
        while "epoch 2" not in "".join(passed):
            await asyncio.sleep(0.02)
        runner.stop()
        return await asyncio.wait_for(run, 2), passed
    answer, passed = run_async(scenario())
    assert answer["stopped"] and answer["output"] == "epoch 1\nepoch 2\n" == "".join(passed)


def test_printing_fast_is_passed_on_in_few_messages_and_nothing_is_lost():
    passed = []
    started = time.monotonic()
    result = run_cell("for i in range(10000):\n    print(i)", on_output=passed.append)
    took = time.monotonic() - started
    assert result.output == "".join(f"{i}\n" for i in range(10000))
    assert len(passed) <= OUTPUT_RATE * (1 + took) + 1 and result.output.startswith("".join(passed))


def test_the_subprocess_keeps_its_own_engine_and_reports_its_own_end():
    async def scenario():
        runner = ProcessRunner()
        first = await runner.run("import torch\ntorch.set_default_dtype(torch.float64)\nprint('set')")
        ended = await runner.run("import os\nos._exit(3)")
        after = await runner.run(TUTORIAL)
        runner.stop()
        return first, ended, after
    first, ended, after = run_async(scenario())
    assert first["output"] == "set\n" and engine.get_default_dtype() == engine.float32
    assert not ended["stopped"] and ended["error"] == "The cell's Python ended by itself (exit code 3)."
    assert after["error"] is None and "tensor(27., grad_fn=<MeanBackward0>)" in after["output"]
    assert [g.name for g in cell_record.unpack(after["record"])] == ["out", "z", "y"]


# ---- the widgets: Run, the clock, Stop and ctrl+., with the runner the app uses natively --------------

def test_the_cell_shows_its_run_and_stop_or_ctrl_dot_ends_it():
    import panel as pn

    from app.cell_clock import RunClock
    from app.codecell import code_cell

    def find(view, cls, css):
        return next(w for w in view.select(cls) if css in w.css_classes)

    async def until(condition, seconds=30):
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, "waited too long"
            await asyncio.sleep(0.02)

    async def scenario():
        session = Session()
        cell = code_cell(session, runner=ProcessRunner())
        editor = cell.select(pn.widgets.TextAreaInput)[0]
        run, stop = find(cell, pn.widgets.Button, "pg-run"), find(cell, pn.widgets.Button, "pg-stop")
        output, clock = find(cell, pn.pane.HTML, "pg-code-output"), cell.select(RunClock)[0]
        assert stop.disabled and not clock.running
        for code, how in [("print('spinning')\nwhile True: pass", "button"), ("import time\ntime.sleep(60)", "keys")]:
            editor.value = code
            run.clicks += 1   # Panel runs the async callback as a task on this loop
            await until(lambda: clock.label == "Running" and ("spinning" in output.object or "sleep" in code))
            assert clock.running and run.disabled and not stop.disabled
            if how == "button":
                stop.clicks += 1
            else:
                clock.stop_requests += 1   # what ctrl+. in the page sends
            await until(lambda: not clock.running, seconds=2)
            assert "Stopped after" in output.object and stop.disabled and not run.disabled
            assert ("spinning" in output.object) == ("spinning" in code)
            assert editor.value == code
        editor.value = TUTORIAL
        run.clicks += 1
        await until(lambda: "MeanBackward0" in output.object and not clock.running)
        assert session.last["source"] == "code" and session.last["name"] == "out"
    asyncio.run(scenario())
