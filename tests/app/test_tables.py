"""Your own data: a CSV read into a table (app/tables.py), refused in words naming line and column, and
the upload controls (app/upload.py): a good file trains, a bad one changes nothing."""
import itertools

import numpy as np
import pytest

from app import datasets, tables
from app.notices import Notices
from app.session import Session
from app.tables import TableError
from app.upload import dataset_select, upload_widgets


def points_csv(n=40, header="x1,x2,label", seed=0, delimiter=","):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 2)).round(3)
    label = (x[:, 0] * x[:, 1] > 0).astype(int)
    lines = ([header] if header else []) + [delimiter.join([f"{a:g}", f"{b:g}", str(c)]) for (a, b), c in zip(x, label)]
    return ("\n".join(lines) + "\n").encode(), x, label


def test_a_csv_with_a_header_is_a_classification_table_and_a_dataset():
    data, x, label = points_csv()
    table = tables.parse_csv(data, "xor.csv")
    assert table["name"] == "xor.csv" and table["columns"] == ["x1", "x2", "label"] and table["header"] is True
    assert np.array_equal(np.asarray(table["rows"]), np.column_stack([x, label]))
    got = datasets.make("csv", test_fraction=0.25, seed=3, table=table)
    assert got.problem == "classification-2d" and got.classes == 2 and got.input_shape == (2,)
    # the split is the seed's permutation, as for every data set
    order = np.random.default_rng(3).permutation(40)
    assert np.array_equal(got.x_test, x[order[:10]].astype(np.float32))
    assert np.array_equal(got.y_train, label[order[10:]]) and got.y_train.dtype == np.int64
    assert tables.describe(table).startswith("40 rows · classification: label 0 is class 0")


def test_no_header_semicolons_and_a_numeric_target_make_a_regression_table():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 2)).round(4)
    target = (x ** 2).sum(1).round(4)
    text = "\n".join(f"{a};{b};{t}" for (a, b), t in zip(x, target))
    table = tables.parse_csv(text.encode(), "bowl.csv")
    assert table["header"] is False and table["delimiter"] == ";" and table["columns"] == ["x1", "x2", "label"]
    got = datasets.make("csv", table=table)
    assert got.problem == "regression" and got.classes == 0 and got.y_train.shape[1] == 1
    assert np.allclose(np.sort(np.concatenate([got.y_train, got.y_test])[:, 0]), np.sort(target.astype(np.float32)))


def test_labels_other_than_0_and_1_become_classes_in_order():
    text = "".join(f"{i / 10},{-i / 10},{'-1' if i % 2 else '1'}\n" for i in range(12))
    table = tables.parse_csv(text.encode())
    x, y, problem, classes = tables.arrays(table)
    assert (problem, classes) == ("classification-2d", 2)
    assert list(y[:4]) == [1, 0, 1, 0]       # -1 is class 0, 1 is class 1
    assert "label -1 is class 0 (6 points), 1 class 1 (6 points)" in tables.describe(table)


GOOD_ROWS = b"0.1,0.2,0\n" * 4
MORE_ROWS = b"0.5,0.1,1\n" * 6


@pytest.mark.parametrize("data, message", [
    (b"", "it is empty; a CSV needs 3 columns: x₁, x₂ and a label or target, one point per row"),
    (b"\n  \n", "it is empty; a CSV needs 3 columns: x₁, x₂ and a label or target, one point per row"),
    (b"a,b,c\n", "it has a header (a, b, c) but no rows of data"),
    (b"x1,x2,label\n" + GOOD_ROWS + b"0.3,abc,1\n" + MORE_ROWS,
     "line 6, column 2 (x2) is “abc”, which is not a number"),
    (GOOD_ROWS + b"0.3,,1\n" + MORE_ROWS,
     "line 5, column 2 (x2) has no value: every row needs all 3 values; fill it in or remove the row"),
    (GOOD_ROWS + b"0.3,0.4,NA\n" + MORE_ROWS,
     "line 5, column 3 (label) has no value (“NA”): every row needs all 3 values; fill it in or remove the row"),
    (GOOD_ROWS + b"inf,0.4,1\n" + MORE_ROWS, "line 5, column 1 (x1) is “inf”, which is not a finite number"),
    (b"1,2,3,4\n" + GOOD_ROWS, "line 1 has 4 columns; the file needs 3 columns: x₁, x₂ and a label or target"),
    (GOOD_ROWS + b"0.3,1\n" + MORE_ROWS,
     "line 5 has 2 columns; every row needs 3 columns: x₁, x₂ and a label or target"),
    (b"x,y,z\n" + b"0.1,0.2,0\n0.5,0.1,1\n" * 10_001,
     "it has 20,002 rows; the playground takes at most 20,000 (it trains in your browser): use a sample of them"),
    (b"0.1,0.2,0\n0.5,0.1,1\n",
     "it has 2 rows of data; the playground needs at least 10 to split them into training and test points"),
    (b"0.1,0.2,1\n" * 12, "every row has the same label (1): there is nothing to learn; a label needs two classes, "
                          "a target different values"),
    (bytes([0x89, 0x50, 0xFF, 0xFE, 0x00]),
     "it is not a text file (perhaps a spreadsheet or an image): save it as CSV (comma-separated values) and "
     "upload that"),
    (b"0" * (tables.MAX_BYTES + 1), "it is 4.2 MB; a CSV of 20,000 rows is far smaller (the playground reads at "
                                    "most 4 MB)"),
], ids=["empty", "blank lines", "header only", "not a number", "missing", "NA", "infinite", "4 columns",
        "short row", "too many rows", "too few rows", "one label", "not text", "too big"])
def test_each_kind_of_bad_file_is_refused_naming_what_and_where(data, message):
    with pytest.raises(TableError) as refused:
        tables.parse_csv(data, "bad.csv")
    assert str(refused.value) == message


def test_exactly_the_row_limit_is_taken():
    data = b"0.1,0.2,0\n0.5,0.1,1\n" * (tables.MAX_ROWS // 2)
    assert len(tables.parse_csv(data)["rows"]) == tables.MAX_ROWS


def test_a_kept_table_is_validated_as_parse_csv_would_make_it():
    table = tables.parse_csv(points_csv()[0], "ok.csv")
    assert tables.table_problem(table) is None
    assert tables.table_problem({**table, "rows": table["rows"][:3]}) == "rows must be a list of 10 to 20,000 rows"
    assert tables.table_problem({**table, "rows": [[1, 2, float("nan")]] * 12}) == "row 1 must be 3 finite numbers"
    assert tables.table_problem({**table, "rows": [[1, 2, True]] * 12}) == "row 1 must be 3 finite numbers"
    assert tables.table_problem({**table, "extra": 1}) == "has an unknown field 'extra'"
    assert tables.table_problem({**table, "delimiter": "|"}).startswith("header must be true or false")


# ---- the upload controls ------------------------------------------------------------------

CHOICES = itertools.count(1)


def upload(widgets, data, name):
    """As the page's FilePicker reports a chosen file: its name, size and text (None when not text)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    widgets[1].chosen = {"name": name, "size": len(data), "text": text, "choice": next(CHOICES)}


def test_uploading_a_csv_trains_on_it_and_shows_a_preview():
    s, notices = Session(), Notices()
    widgets = upload_widgets(s, notices)
    menu = dataset_select(s)
    assert "Your CSV (uploaded)" not in menu.options       # nothing uploaded yet: nothing to choose
    upload(widgets, points_csv()[0], "xor.csv")
    assert s.data.dataset == "csv" and s.dataset.problem == "classification-2d" and len(s.dataset.x_train) == 28
    assert menu.value == "csv" and menu.options["Your CSV (uploaded)"] == "csv"
    message, preview = widgets[2], widgets[3]
    assert message.alert_type == "success" and "Loaded “xor.csv”: 40 rows" in message.object
    assert preview.visible and "<b>xor.csv</b>: 40 rows" in preview.object and preview.object.count("<tr>") == 7
    s.train(20)
    assert s.error is None and s.step == 20
    menu.value = "spiral"                                   # other data; the CSV stays to choose again
    assert s.dataset.name == "spiral" and "Your CSV (uploaded)" in menu.options


def test_a_bad_file_is_refused_beside_the_button_and_in_the_notices_and_changes_nothing():
    s, notices = Session(), Notices()
    widgets = upload_widgets(s, notices)
    upload(widgets, points_csv()[0], "good.csv")
    s.train(5)
    before = {k: v.numpy().copy() for k, v in s.model.state_dict().items()}
    table, step = s.data.table, s.step
    upload(widgets, b"x1,x2,label\n" + GOOD_ROWS + b"0.3,abc,1\n" + MORE_ROWS, "bad.csv")
    expected = "Could not use “bad.csv”: line 6, column 2 (x2) is “abc”, which is not a number. Nothing changed."
    assert widgets[2].alert_type == "danger" and widgets[2].object == expected
    assert notices.text("csv") == expected and notices.kind("csv") == "danger"
    assert s.data.table is table and s.step == step and s.data.dataset == "csv"
    after = {k: v.numpy() for k, v in s.model.state_dict().items()}
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_tabs_and_quoted_names_are_read_too():
    data, x, label = points_csv(header='"east"\t"north"\t"is in"', delimiter="\t")
    table = tables.parse_csv(data, "points.tsv")
    assert table["delimiter"] == "\t" and table["columns"] == ["east", "north", "is in"]
    assert np.array_equal(np.asarray(table["rows"]), np.column_stack([x, label]))
    assert tables.export_code(table)[0].startswith("data = np.loadtxt('points.tsv', delimiter=\"\\t\", skiprows=1")


def test_a_file_too_big_or_not_text_is_refused_as_the_picker_reports_it_unread():
    s, notices = Session(), Notices()
    widgets = upload_widgets(s, notices)
    widgets[1].chosen = {"name": "huge.csv", "size": 50_000_000, "text": None, "choice": next(CHOICES)}
    assert widgets[2].object == ("Could not use “huge.csv”: it is 50.0 MB; a CSV of 20,000 rows is far smaller (the "
                                 "playground reads at most 4 MB). Nothing changed.")
    upload(widgets, bytes([0x89, 0x50, 0xFF, 0xFE]), "photo.png")
    assert widgets[2].object == ("Could not use “photo.png”: it is not a text file (perhaps a spreadsheet or an "
                                 "image): save it as CSV (comma-separated values) and upload that. Nothing changed.")
    assert s.data.dataset == "spiral" and s.data.table is None
