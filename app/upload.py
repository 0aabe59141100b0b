"""The "Your data" controls: upload a CSV of 2-D points (app/tables.py), see a preview of what was read,
and train on it. A file that cannot be used is refused beside the upload button (and in the notices at the
top) naming its line and column, and changes nothing. Uploading is a change of data like another: the
network starts afresh, and Undo brings back the data and weights before it.

Stable hooks for browser tests: .pg-csv (its input[type=file]), .pg-csv-message, .pg-csv-preview.
"""
import html

import panel as pn

from app import i18n, tables
from app.datasets import DATASETS, LABELS
from app.file_picker import FilePicker

FILL = {"sizing_mode": "stretch_width"}


def dataset_select(session):
    """The Dataset menu: every data set, and "Your CSV" once a CSV has been uploaded."""
    data = session.data

    def options():
        return {i18n.text(f"datasets.{key}", session.language): key
                for key in DATASETS if key != "csv" or data.table is not None}
    select = pn.widgets.Select(options=options(), value=data.dataset, css_classes=["pg-dataset"], **FILL)
    syncing = {"now": False}

    def chosen(event):
        if not syncing["now"]:
            data.dataset = event.new

    def follow(*_events):       # an upload, a file, undo: the menu shows the data
        syncing["now"] = True
        try:
            select.param.update(options=options(), value=data.dataset)
        finally:
            syncing["now"] = False
    select.param.watch(chosen, "value")
    data.param.watch(follow, ["dataset", "table"])
    i18n.follow(session, lambda say: (setattr(select, "name", say("data.dataset")), follow()))
    return select


def preview_html(table, language=i18n.DEFAULT):
    """What was read: the file's name, a line about it, and its first rows as numbers."""
    names, rows = tables.preview_rows(table)
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = "".join("<tr>" + "".join(f"<td>{v:g}</td>" for v in row) + "</tr>" for row in rows)
    more = len(table["rows"]) - len(rows)
    return (f"<div class='pg-csv-about'><b>{html.escape(table['name'])}</b>: "
            f"{html.escape(tables.describe(table, language))}"
            f"</div><table class='pg-csv-rows'><tr>{head}</tr>{body}"
            + (f"<tr><td colspan='3'>{i18n.text('upload.more_rows', language, n=f'{more:,}')}</td></tr>"
               if more else "") + "</table>")


PREVIEW_CSS = [".pg-csv-about { font-size: 12px; margin-bottom: 4px; } "
               ".pg-csv-rows { border-collapse: collapse; font: 12px ui-monospace, monospace; } "
               ".pg-csv-rows th, .pg-csv-rows td { border: 1px solid #dde; padding: 1px 6px; text-align: right; }"]


def upload_widgets(session, notices):
    """The upload button, its message and the preview of the uploaded table."""
    data = session.data
    file = FilePicker(accept=".csv,.txt,.tsv,text/csv", max_bytes=tables.MAX_BYTES, css_classes=["pg-csv"])
    message = pn.pane.Alert("", alert_type="light", visible=False, css_classes=["pg-csv-message"], margin=(4, 10),
                            **FILL)
    preview = pn.pane.HTML("", css_classes=["pg-csv-preview"], stylesheets=PREVIEW_CSS, margin=(0, 10), **FILL)

    def say(text, kind):
        message.param.update(object=html.escape(text), alert_type=kind, visible=True)
        if kind == "danger":
            notices.show("csv", text, kind)
        else:
            notices.clear("csv")

    def read(event):
        chosen = event.new
        name = chosen["name"]
        try:
            tables.check_size(chosen["size"])
            if chosen["text"] is None:
                raise tables.TableError("not_text")
            table = tables.parse_csv(chosen["text"], name)
        except tables.TableError as error:
            say(i18n.text("upload.refused", session.language, name=name, error=error.say(session.language)), "danger")
            return
        session.configure(data={"table": table, "dataset": "csv"})
        say(i18n.text("upload.loaded", session.language, name=name, rows=f"{len(table['rows']):,}"), "success")

    def show(*_events):
        preview.object = preview_html(data.table, session.language) if data.table is not None else ""
        preview.visible = data.table is not None

    file.param.watch(read, "chosen")
    data.param.watch(show, "table")
    title = pn.pane.Markdown("", margin=(0, 10))
    hint = pn.pane.Markdown("", css_classes=["pg-csv-hint"], styles={"font-size": "12px"}, **FILL)

    def translate(say):
        title.object = say("upload.title")
        file.label = say("upload.choose")
        hint.object = say("upload.hint", rows=f"{tables.MAX_ROWS:,}", link_rows=tables.SHARE_MAX_ROWS)
        show()
    i18n.follow(session, translate)
    return pn.Column(title, file, message, preview, hint, **FILL)
