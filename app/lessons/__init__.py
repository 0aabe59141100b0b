"""The lessons: a short path through the PyTorch tutorial, written as plain Markdown files a teacher can edit.

One file per lesson and language, app/lessons/<language>/NN-<name>.md (NN: the lesson's number). The format:

    # The lesson's title

    ## A step's title
    view: graph
    check: out.item() == 48

    A few sentences of Markdown that explain the step.

    > The "try this" task, in one or more quoted lines.

    ```python
    the code put into the code cell (the student edits and runs it)
    ```

    ```python solution
    the code with the task done (the tests prove the check passes with it and fails with the code above)
    ```

`view` is the view the step opens after a run (VIEWS), `check` a Python expression over the names the code
leaves, evaluated in the cell's own Python after the code ran (app/codecell.run_cell). An optional
`preset: lenet` line sets the playground's data to a preset's (app/state.PRESETS; the tests check the name)
when the step opens, for steps that train their model in the playground. (This module needs the standard
library only: the lessons are checked inside Pyodide too, tests/browser.) Every language has the same steps with the same code, view,
check and solution; only the words differ (tests/app/test_lessons.py).
"""
import functools
import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
VIEWS = ("code", "graph", "inspector", "stepthrough", "curves", "gradflow", "images", "boundary")
FIELDS = ("view", "check", "preset")
FILE_NAME = re.compile(r"(\d\d)-[a-z0-9-]+\.md")
FIELD_LINE = re.compile(r"(\w+):\s*(.*)")


class LessonFileError(ValueError):
    """A lesson file that does not follow the format, with its file and line."""


@dataclass(frozen=True)
class Step:
    id: str          # "2.3": lesson 2, step 3
    title: str
    text: str        # Markdown
    task: str        # Markdown
    code: str
    solution: str
    view: str
    check: str
    preset: str = None


@dataclass(frozen=True)
class Lesson:
    number: int
    title: str
    intro: str
    steps: tuple

    def step(self, index):
        return self.steps[index]


def parse(text, number, where):
    """A Lesson from one file's text; `where` names the file in errors."""
    lines = text.splitlines()
    title, intro, steps = None, [], []
    step, fence, fenced = None, None, []

    def fail(line_number, problem):
        raise LessonFileError(f"{where}, line {line_number}: {problem}")

    for n, line in enumerate(lines, 1):
        if fence is not None:
            if line.strip() == "```":
                step[fence] = "\n".join(fenced) + "\n"
                fence, fenced = None, []
            else:
                fenced.append(line)
            continue
        if line.startswith("## "):
            step = {"title": line[3:].strip(), "text": [], "task": [], "line": n}
            steps.append(step)
        elif line.startswith("# "):
            if title is not None:
                fail(n, "a lesson has one title (# ...); steps start with ## ...")
            title = line[2:].strip()
        elif step is None:
            if title is None and line.strip():
                fail(n, "the file must start with the lesson's title: # ...")
            intro.append(line)
        elif line.startswith("```"):
            info = line[3:].split()
            if info == ["python"]:
                fence = "code"
            elif info == ["python", "solution"]:
                fence = "solution"
            else:
                fail(n, "a code block is ```python (the step's code) or ```python solution (the task done)")
            if fence in step:
                fail(n, f"this step already has its {fence}")
        elif line.startswith(">"):
            step["task"].append(line[1:].strip())
        elif (field := FIELD_LINE.fullmatch(line.strip())) and field.group(1) in FIELDS:
            step[field.group(1)] = field.group(2).strip()
        else:
            step["text"].append(line)
    if fence is not None:
        fail(len(lines), "a code block is not closed with ```")
    if title is None:
        fail(1, "the file must start with the lesson's title: # ...")
    if not steps:
        fail(len(lines), "a lesson needs at least one step (## ...)")
    return Lesson(number, title, "\n".join(intro).strip(),
                  tuple(_step(s, f"{number}.{i}", fail) for i, s in enumerate(steps, 1)))


def _step(fields, step_id, fail):
    for name in ("code", "solution", "view", "check"):
        if not fields.get(name):
            fail(fields["line"], f"the step “{fields['title']}” has no {name}")
    if not fields["task"]:
        fail(fields["line"], f"the step “{fields['title']}” has no task (a line starting with >)")
    if fields["view"] not in VIEWS:
        fail(fields["line"], f"the step “{fields['title']}” opens the view “{fields['view']}”; "
                             f"the views are {', '.join(VIEWS)}")
    try:
        compile(fields["check"], "<check>", "eval")
    except SyntaxError as error:
        fail(fields["line"], f"the check of “{fields['title']}” is not a Python expression ({error.msg})")
    return Step(step_id, fields["title"], "\n".join(fields["text"]).strip(), "\n".join(fields["task"]).strip(),
                fields["code"], fields["solution"], fields["view"], fields["check"], fields.get("preset"))


@functools.cache
def load(language):
    """Every lesson in `language`, in order (a tuple of Lesson)."""
    folder = HERE / language
    if not folder.is_dir():
        raise LessonFileError(f"there are no lessons in the language {language!r} ({folder} is missing)")
    lessons = []
    for path in sorted(folder.glob("*.md")):
        name = FILE_NAME.fullmatch(path.name)
        if name is None:
            raise LessonFileError(f"{path}: a lesson file is named NN-name.md (e.g. 02-autograd.md)")
        lessons.append(parse(path.read_text(encoding="utf-8"), int(name.group(1)), str(path)))
    numbers = [lesson.number for lesson in lessons]
    if numbers != list(range(1, len(lessons) + 1)):
        raise LessonFileError(f"{folder}: the lessons are numbered {numbers}; they must be 1, 2, 3, ... in order")
    return tuple(lessons)


def find(lessons, step_id):
    """(lesson index, step index) of "2.3" in `lessons`, or None when there is no such step."""
    match = re.fullmatch(r"(\d{1,3})\.(\d{1,3})", step_id or "")
    if match is None:
        return None
    lesson, step = int(match.group(1)) - 1, int(match.group(2)) - 1
    if 0 <= lesson < len(lessons) and 0 <= step < len(lessons[lesson].steps):
        return lesson, step
    return None
