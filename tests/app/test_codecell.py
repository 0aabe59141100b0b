"""The code cell: `import torch` is the engine there, and only there (app/codecell.py)."""
import re
import sys

from app.codecell import TUTORIAL, run_cell
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


def test_tensors_it_leaves_show_in_the_graph_view_with_gradients():
    result = run_cell(TUTORIAL)
    session = Session()
    assert session.show_tensor(result.tensors["out"], result.capture, "out") is None
    graph = session.last["graph"]
    names = [n["name"] for n in graph.nodes]
    assert names[0] == "MeanBackward0" and "AccumulateGrad" in names
    mul = next(n for n in graph.nodes if n["name"] == "MulBackward0" and n["shape"] == [2, 2])
    assert session.last["capture"].value(mul["id"]) is not None
    leaf = next(n for n in graph.nodes if n["name"] == "AccumulateGrad")
    assert session.last["capture"].grad(leaf["id"]).tolist() == [[4.5, 4.5], [4.5, 4.5]]


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


def test_a_runaway_loop_is_stopped_and_the_cell_reports_it():
    result = run_cell("import torch\nprint('started')\nwhile True:\n    x = torch.ones(1) + 1\n", time_limit=0.3)
    assert result.output == "started\n"
    assert re.match(r"line [34]: TimeoutError: stopped after 0.3 s", result.error)
    assert sys.gettrace() is None or "coverage" in type(sys.gettrace()).__module__
