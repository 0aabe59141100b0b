"""The lessons (app/lessons): the files parse, both languages hold the same steps with the same code, every
step's code runs in the code cell and its check fails as the lesson starts and passes with the task done; and
the Lessons panel runs a step in the cell's own Python, says the verdict, moves on and keeps the progress.

tests/browser runs this file inside the site's Pyodide too, where the lessons' code runs for students: there
the tests that need the UI stack (param, Panel) or a subprocess are skipped."""
import asyncio
import json
import re
import sys
import time

import pytest

from app import lessons
from app.codecell import run_cell
from app.i18n import LANGUAGES, text

ENGLISH = lessons.load("en")
STEPS = [step for lesson in ENGLISH for step in lesson.steps]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_language_has_the_four_lessons_with_the_same_steps_and_identical_code():
    assert [lesson.number for lesson in ENGLISH] == [1, 2, 3, 4]
    for language in LANGUAGES:
        translated = lessons.load(language)
        assert len(translated) == len(ENGLISH)
        for ours, theirs in zip(ENGLISH, translated):
            assert [s.id for s in theirs.steps] == [s.id for s in ours.steps]
            for a, b in zip(ours.steps, theirs.steps):
                assert (a.code, a.solution, a.view, a.check, a.preset) == (b.code, b.solution, b.view, b.check, b.preset)
                assert b.title and b.text and b.task
    chinese = lessons.load("zh")
    words = [s.title + s.text + s.task for lesson in chinese for s in lesson.steps]
    assert all(CJK.search(w) for w in words), "every Chinese step is written in Chinese"
    assert [lesson.title for lesson in chinese][:2] == ["张量", "自动微分"]


def test_the_lessons_follow_the_tutorial():
    code = {step.id: step.code for step in STEPS}
    assert "torch.empty(5, 3)" in code["1.1"] and "dtype=torch.long" in code["1.1"] and "torch.rand(" in code["1.1"]
    assert any('"webgpu"' in c for c in code.values())
    assert "x = torch.ones(2, 2, requires_grad=True)" in code["2.2"] and "z = y * y * 3" in code["2.2"]
    assert {step.view for step in STEPS} >= {"code", "graph", "stepthrough", "inspector", "images", "gradflow"}
    assert "class Net(nn.Module)" in code["3.1"] and "print(net)" in code["3.1"]
    assert "optimizer.step()" in code["4.3"] and "playground.use(Net())" in code["4.4"]


@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_each_check_fails_as_the_step_starts_and_passes_with_the_task_done(step):
    start = run_cell(step.code, check=step.check)
    assert start.error is None, f"{step.id}'s code does not run: {start.error}"
    assert start.passed is False, f"{step.id}'s check holds before the task is done"
    done = run_cell(step.solution, check=step.check)
    assert done.error is None, f"{step.id}'s solution does not run: {done.error}"
    assert done.passed is True, f"{step.id}'s check fails with the task done: {done.check_error}"


def test_a_check_says_why_it_could_not_hold():
    assert run_cell("x = 1", check="x == 1").passed is True
    missing = run_cell("x = 1", check="w == 1")
    assert missing.passed is False and missing.check_error == "NameError: name 'w' is not defined"
    broken = run_cell("x = 1\nraise ValueError('no')", check="x == 1")
    assert broken.passed is False and broken.error == "line 2: ValueError: no"
    assert run_cell("x = 1").passed is None


@pytest.mark.skipif(sys.platform == "emscripten", reason="natively the cell's own Python is a subprocess")
def test_the_cells_own_python_evaluates_the_check():
    from app.cell_runner import ProcessRunner

    async def scenario():
        runner = ProcessRunner()
        try:
            step = STEPS[7]   # 2.2: out == 48
            return (await runner.run(step.code, check=step.check), await runner.run(step.solution, check=step.check),
                    await runner.run(step.code))
        finally:
            runner.stop()
    start, done, unchecked = asyncio.run(scenario())
    assert start["passed"] is False and done["passed"] is True and unchecked["passed"] is None
    assert "tensor(48., grad_fn=<MeanBackward0>)" in done["output"]


@pytest.mark.parametrize("text_, problem", [
    ("no title\n", "line 1: the file must start with the lesson's title"),
    ("# T\n\n## S\nview: graph\ncheck: x == 1\n\n> task\n\n```python\nx = 1\n```\n", "line 3: the step “S” has no solution"),
    ("# T\n## S\nview: nowhere\ncheck: x\n> t\n```python\nx = 1\n```\n```python solution\nx = 2\n```\n",
     "line 2: the step “S” opens the view “nowhere”"),
    ("# T\n## S\nview: code\ncheck: x ==\n> t\n```python\nx = 1\n```\n```python solution\nx = 2\n```\n",
     "line 2: the check of “S” is not a Python expression"),
    ("# T\n## S\n```python\nx = 1\n", "line 4: a code block is not closed"),
    ("# T\n## S\nview: code\ncheck: x\n> t\n```python\nx = 1\n```\n```python solution\nx = 2\n```\n## U\n```js\n```\n",
     "line 13: a code block is ```python"),
])
def test_a_malformed_lesson_file_is_refused_naming_its_line(text_, problem):
    with pytest.raises(lessons.LessonFileError) as error:
        lessons.parse(text_, 1, "01-x.md")
    assert f"01-x.md, {problem}" in str(error.value)


def test_kept_progress_is_checked_as_it_is_taken():
    pytest.importorskip("param")
    from app.lessons.progress import Progress
    progress = Progress()
    progress.take_kept({"at": "2.3", "passed": ["1.1", "9.9", 3, "1.1", "2.2"], "drafts": {"2.3": "x = 1", "8.1": "y",
                                                                                         "1.1": 5}}, ENGLISH)
    assert progress.kept() == {"at": "2.3", "passed": ["1.1", "2.2"], "drafts": {"2.3": "x = 1"}}
    progress.take_kept({"at": "0.0", "passed": "all", "drafts": []}, ENGLISH)
    assert progress.kept() == {"at": "", "passed": [], "drafts": {}}


# ---- the panel over a real code cell (its own Python, as the page runs it natively) ----------------------

def _until(condition, seconds=60):
    async def wait():
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, "waited too long"
            await asyncio.sleep(0.02)
    return wait()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_panel_runs_a_step_in_the_cell_says_the_verdict_and_keeps_the_progress(language):
    pn = pytest.importorskip("panel")

    from app.playground import Playground

    async def scenario():
        playground = Playground(languages=[language])
        page = playground.view()
        lessons_panel = playground.lessons
        tabs = page.select(pn.Tabs)[0]
        cell_runs = next(b for b in page.select(pn.widgets.Button) if "pg-run" in b.css_classes)
        editor = lessons_panel.editor
        assert lessons_panel.card.collapsed and lessons_panel.progress.at == ""
        lessons_panel.select.value = 1                     # lesson 2: its first step opens in the cell
        assert lessons_panel.progress.at == "2.1" and editor.value == ENGLISH[1].steps[0].code
        assert tabs.active == 1                            # the code cell, forward
        lessons_panel.steps.value = 1                      # step 2.2
        assert editor.value == ENGLISH[1].steps[1].code
        assert "48" in lessons_panel.task.object and lessons_panel.step.title in lessons_panel.text.object
        lessons_panel.run.clicks += 1
        await _until(lambda: lessons_panel.verdict.object.startswith("✗"))
        assert lessons_panel.verdict.object == text("lessons.not_yet", language, check="out.item() == 48")
        assert tabs.active == 0                            # ran without an error: its view (the graph)
        assert lessons_panel.opener.target == "pg-view-graph" and lessons_panel.opener.requests == 1
        assert any("pg-view-graph" in column.css_classes for column in page.select(pn.Column))   # what it scrolls to
        assert playground.session.last.get("name") == "out"
        editor.value = editor.value.replace("x + 2", "x + 3")   # the task, done
        cell_runs.clicks += 1                              # the cell's own Run checks too
        await _until(lambda: lessons_panel.verdict.object.startswith("✓"))
        assert lessons_panel.progress.passed == ["2.2"]
        assert "2 ✓" in lessons_panel.steps.options
        lessons_panel.next.clicks += 1
        assert lessons_panel.progress.at == "2.3" and editor.value == ENGLISH[1].steps[2].code
        lessons_panel.back.clicks += 1                     # the student's edit of 2.2 is back
        assert "x + 3" in editor.value
        editor.value = "raise ValueError('oops')\n"
        lessons_panel.run.clicks += 1
        await _until(lambda: "oops" in lessons_panel.verdict.object)
        assert lessons_panel.verdict.object.startswith("✗") and tabs.active == 1
        lessons_panel.address.incoming = "4.9"                # a link to a step that does not exist
        assert lessons_panel.verdict.object == text("lessons.bad_link", language, step="4.9", lessons=4)
        assert lessons_panel.progress.at == "2.2"
        lessons_panel.address.incoming = "3.2"                # a teacher's link
        assert lessons_panel.progress.at == "3.2" and not lessons_panel.card.collapsed
        assert 'href="#lesson=3.2"' in lessons_panel.link.object and lessons_panel.address.incoming == ""
        kept = playground.autosave.document()
        again = Playground(kept=kept, languages=[language])
        again.view()
        assert again.lessons.progress.at == "3.2" and again.lessons.progress.passed == ["2.2"]
        assert again.lessons.step.id == "3.2" and not again.lessons.card.collapsed
        assert again.lessons.progress.drafts["2.2"] == "raise ValueError('oops')\n"   # the student's last edit
        assert json.loads(kept)["lessons"]["at"] == "3.2"
    asyncio.run(scenario())


def test_a_lesson_over_the_students_own_code_and_a_step_that_trains_start_new_playgrounds():
    pytest.importorskip("panel")
    from app.playground import Playground
    from app.state import PRESETS
    assert {step.preset for step in STEPS} - {None} <= set(PRESETS)

    async def scenario():   # (the autosave's timers need a running loop)
        playground = Playground()
        playground.view()
        playground.lessons.editor.value = "my_own = 1\n"          # the student's own code, before any lesson
        first = playground.autosave.id
        playground.lessons.open(0, 0)
        assert playground.autosave.id != first                     # it stays in Recent, in the playground before
        assert json.loads(playground.autosave.storage.text)["code"] == "my_own = 1\n"
        before = playground.autosave.id
        playground.lessons.open(3, 3)                              # 4.4: LeNet learns the digits
        assert playground.session.data.dataset == "digits" and playground.autosave.id != before
        assert playground.session.model is not None
        after = playground.autosave.id
        playground.lessons.open(3, 4)                              # 4.5: the same data, nothing changes
        assert playground.autosave.id == after
    asyncio.run(scenario())


def test_the_panel_changes_language_at_the_same_step_with_the_same_progress():
    pytest.importorskip("panel")
    from app.lessons.panel import LessonsPanel
    from app.session import Session
    session = Session()
    panel = LessonsPanel(session)
    panel.open(1, 1)
    panel.progress.mark_passed("2.1")
    assert panel.card.collapsed
    session.language = "zh"          # the page's switch, the card collapsed: only its title changes now (its
    assert panel.card.title == "课程：一步一步学 PyTorch"                     # widgets are not drawn in the page)
    assert "2. Autograd · 1/5" in panel.select.options
    panel.card.collapsed = False     # opened: the rest follows
    assert panel.step.id == "2.2" and panel.progress.passed == ["2.1"]
    assert panel.task.object == f"**试一试：** {lessons.load('zh')[1].steps[1].task}"
    assert panel.run.name == "▶ 运行并检查" and panel.card.title == "课程：一步一步学 PyTorch"
    assert "2. 自动微分 · 1/5" in panel.select.options and "1 ✓" in panel.steps.options
    assert panel.text.object.startswith("#### 第 2 步（共 5 步）：计算图")
    session.language = "en"          # the card open: at once
    assert panel.run.name == "▶ Run and check" and "2. Autograd · 1/5" in panel.select.options
