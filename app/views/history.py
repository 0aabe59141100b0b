"""Reading the session's history (capped, occasionally thinned) into plots by streaming only new rows."""


class HistoryReader:
    """Remembers how much of a history a view has drawn. The session bumps `history_version` when it
    thins or clears the history: then the view reloads it whole instead of streaming."""

    def __init__(self):
        self._version, self._seen = None, 0

    def unread(self, history, version):
        """(first row not drawn yet, whether the view must redraw from scratch)."""
        n = len(history.get("step", ()))
        reload = version != self._version or n < self._seen
        start = 0 if reload else self._seen
        self._version, self._seen = version, n
        return start, reload

