"""Your own data: a CSV file of 2-D points, read into a table the playground trains on.

A CSV holds three columns: two features (x₁, x₂) and a label or target; a first row of names is
optional. A target with exactly two values is a class label (the smaller value is class 0, the larger
class 1); any other numbers are a regression target. Everything is checked before anything changes, and
a refusal names the line and column of the first bad cell in a student's words.

The table is plain JSON data (Data.table): the file's name, its column names, whether it had a header,
its delimiter (so the exported script can read the same file with numpy) and the rows as numbers. Files,
links and the kept playground carry it, and `table_problem` validates it when it comes back.
"""
import csv
import math

import numpy as np

from app import i18n

MAX_ROWS = 20_000          # it trains in a browser tab; also what the boundary view can draw
MIN_ROWS = 10              # a train/test split needs a few of each
MAX_BYTES = 4 * 1024 * 1024   # 20,000 rows of three long numbers take about 1.2 MB
SHARE_MAX_ROWS = 500       # a share link holds the rows too: beyond this it would be too long to paste
COLUMNS = 3
DELIMITERS = (",", ";", "\t")
DEFAULT_NAMES = ("x1", "x2", "label")
MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-"}
MAX_NAME_CHARS = 120


class TableError(ValueError):
    """A CSV that cannot be used: the message tables.<key> (app/i18n.py) with its fields, saying where and why.
    str() is the message in English."""

    def __init__(self, key, **fields):
        self.key, self.fields = key, fields
        super().__init__(self.say())

    def say(self, language=i18n.DEFAULT):
        return i18n.text(f"tables.{self.key}", language, needs=i18n.text("tables.needs", language), **self.fields)


def check_size(size):
    """Refuse a file of `size` bytes before reading it, when it is too big to be a CSV the playground takes."""
    if size > MAX_BYTES:
        raise TableError("too_big", size=f"{size / 1e6:.1f}", rows=f"{MAX_ROWS:,}", limit=f"{MAX_BYTES / 1e6:.0f}")


def _number(text):
    """The cell as a finite float, or None (not a number, or not finite)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _delimiter(first_line):
    """The delimiter of the first line: the one of , ; tab it holds most of (a comma when none)."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_csv(data, name="the file"):
    """The table of a CSV file's bytes (or text). Raises TableError naming the first problem."""
    check_size(len(data))
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise TableError("not_text") from None
    data = data.removeprefix("\ufeff")    # the byte-order mark some spreadsheets write first
    lines = [(number, line) for number, line in enumerate(data.splitlines(), 1) if line.strip()]
    if not lines:
        raise TableError("empty")
    delimiter = _delimiter(lines[0][1])
    rows = [(number, [cell.strip() for cell in cells])
            for (number, _), cells in zip(lines, csv.reader((line for _, line in lines), delimiter=delimiter))]
    header = all(_number(cell) is None and cell.lower() not in MISSING for cell in rows[0][1])
    names = rows[0][1] if header else list(DEFAULT_NAMES)
    body = rows[1:] if header else rows
    if len(rows[0][1]) != COLUMNS:
        raise TableError("first_line_columns" if len(rows[0][1]) != 1 else "first_line_column", line=rows[0][0],
                         n=len(rows[0][1]))
    if not body:
        raise TableError("header_only", names=", ".join(names))
    if len(body) > MAX_ROWS:
        raise TableError("too_many_rows", n=f"{len(body):,}", limit=f"{MAX_ROWS:,}")
    if len(body) < MIN_ROWS:
        raise TableError("too_few_rows" if len(body) != 1 else "one_row", n=len(body), least=MIN_ROWS)
    values = []
    for number, cells in body:
        if len(cells) != COLUMNS:
            raise TableError("line_columns" if len(cells) != 1 else "line_column", line=number, n=len(cells))
        row = [_number(cell) for cell in cells]
        if None in row:
            column = row.index(None) + 1
            _refuse_cell({"line": number, "column": column, "name": names[column - 1][:MAX_NAME_CHARS]},
                         cells[column - 1])
        values.append(row)
    table = {"name": str(name)[:MAX_NAME_CHARS], "columns": [n[:MAX_NAME_CHARS] for n in names],
             "header": header, "delimiter": delimiter, "rows": values}
    _check_targets(table)
    return table


def _refuse_cell(where, cell):
    if cell.lower() in MISSING:
        raise TableError("missing_shown" if cell else "missing", cell=cell, columns=COLUMNS, **where)
    raise TableError("not_finite" if _is_float(cell) else "not_a_number", cell=cell[:40], **where)


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_targets(table):
    targets = {row[2] for row in table["rows"]}
    if len(targets) == 1:
        raise TableError("same_target", name=table["columns"][2], value=_g(targets.pop()))


def _g(value):
    return f"{value:g}"


def table_problem(table):
    """Why a kept table (from a file, a link, the kept playground) is not one parse_csv makes, or None."""
    if not isinstance(table, dict):
        return "must be a table {name, columns, header, delimiter, rows}"
    keys = {"name", "columns", "header", "delimiter", "rows"}
    if set(table) != keys:
        odd = sorted(set(table) ^ keys)[0]
        return f"has {'an unknown' if odd in table else 'no'} field {odd[:40]!r}"
    if not isinstance(table["name"], str) or len(table["name"]) > MAX_NAME_CHARS:
        return f"name must be text of at most {MAX_NAME_CHARS} characters"
    columns = table["columns"]
    if (not isinstance(columns, list) or len(columns) != COLUMNS
            or not all(isinstance(c, str) and len(c) <= MAX_NAME_CHARS for c in columns)):
        return f"columns must be {COLUMNS} names"
    if not isinstance(table["header"], bool) or table["delimiter"] not in DELIMITERS:
        return "header must be true or false, and delimiter one of , ; or a tab"
    rows = table["rows"]
    if not isinstance(rows, list) or not MIN_ROWS <= len(rows) <= MAX_ROWS:
        return f"rows must be a list of {MIN_ROWS} to {MAX_ROWS:,} rows"
    for i, row in enumerate(rows):
        if (not isinstance(row, list) or len(row) != COLUMNS
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in row)):
            return f"row {i + 1} must be {COLUMNS} finite numbers"
    try:
        _check_targets(table)
    except TableError as error:
        return str(error)
    return None


def arrays(table):
    """(x (N, 2) float32, y, problem, classes) of a valid table: y holds classes 0/1 (int64) when the
    target has two values, else the target as (N, 1) float32 for regression."""
    rows = np.asarray(table["rows"], dtype=np.float64)
    x = rows[:, :2].astype(np.float32)
    labels = classes_of(table)
    if labels is not None:
        return x, (rows[:, 2] == labels[1]).astype(np.int64), "classification-2d", 2
    return x, rows[:, 2:3].astype(np.float32), "regression", 0


def classes_of(table):
    """The two label values (class 0's, class 1's) when the target is a class label, else None."""
    values = sorted({row[2] for row in table["rows"]})
    return values if len(values) == 2 else None


def describe(table, language=i18n.DEFAULT):
    """One line about the table for the preview: rows, what is learnt, the range of the features."""
    def say(key, **fields):
        return i18n.text(f"tables.{key}", language, **fields)
    rows = np.asarray(table["rows"], dtype=np.float64)
    names = table["columns"]
    labels = classes_of(table)
    if labels is not None:
        counts = [int((rows[:, 2] == v).sum()) for v in labels]
        task = say("classification", name=names[2], first=_g(labels[0]), first_count=counts[0],
                   second=_g(labels[1]), second_count=counts[1])
    else:
        task = say("regression", name=names[2], low=_g(rows[:, 2].min()), high=_g(rows[:, 2].max()),
                   n=len(set(rows[:, 2])))
    spans = ", ".join(say("span", name=n, low=_g(rows[:, i].min()), high=_g(rows[:, i].max()))
                      for i, n in enumerate(names[:2]))
    return say("described", rows=f"{len(rows):,}", task=task, spans=spans)


def preview_rows(table, count=5):
    """The first `count` rows, as the file's column names and the numbers read."""
    return table["columns"], [list(row) for row in table["rows"][:count]]


def export_code(table):
    """Script lines that read the same file with numpy and make x, y as `arrays` does."""
    delimiter = {"\t": "\\t"}.get(table["delimiter"], table["delimiter"])
    skip = ", skiprows=1" if table["header"] else ""
    labels = classes_of(table)
    lines = [f'data = np.loadtxt({table["name"]!r}, delimiter="{delimiter}"{skip}, ndmin=2)  '
             "# your uploaded CSV: put it beside this script",
             "x = data[:, :2].astype(np.float32)"]
    if labels is not None:
        lines.append(f"y = (data[:, 2] == {labels[1]!r}).astype(np.int64)  "
                     f"# {table['columns'][2]} {_g(labels[1])} is class 1, {_g(labels[0])} class 0")
    else:
        lines.append("y = data[:, 2:3].astype(np.float32)  # the regression target, (N, 1)")
    return lines
