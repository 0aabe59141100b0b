"""Where a student is in the lessons, kept with the playground (app/autosave.py): the step open now, the steps
whose check has passed, and the code the student wrote for a step (so Back and Next lose no edit)."""
import param

from app.lessons import find

MAX_DRAFT_CHARS = 20_000    # a step's code is a few hundred characters; the kept playground has a budget
MAX_DRAFTS = 40


class Progress(param.Parameterized):
    at = param.String(default="", doc="The step open now, '2.3', or '' before any is opened")
    passed = param.List(default=[], item_type=str, doc="The steps whose check has passed, in the order they did")
    drafts = param.Dict(default={}, doc="Step id -> the student's code for it, where it differs from the lesson's")

    def kept(self):
        return {"at": self.at, "passed": list(self.passed), "drafts": dict(self.drafts)}

    def take_kept(self, kept, lessons):
        """What a kept playground held, checked against `lessons`: a step that no longer exists, or a value of
        the wrong kind, is left out (the rest of the progress still counts)."""
        if not isinstance(kept, dict):
            return
        known = lambda step: isinstance(step, str) and find(lessons, step) is not None
        passed = kept.get("passed")
        drafts = kept.get("drafts")
        self.param.update(
            at=kept["at"] if known(kept.get("at")) else "",
            passed=list(dict.fromkeys(s for s in passed if known(s))) if isinstance(passed, list) else [],
            drafts={s: code for s, code in list(drafts.items())[:MAX_DRAFTS]
                    if known(s) and isinstance(code, str) and len(code) <= MAX_DRAFT_CHARS}
            if isinstance(drafts, dict) else {})

    def mark_passed(self, step):
        if step not in self.passed:
            self.passed = [*self.passed, step]

    def keep_draft(self, step, code, original):
        """Remember the student's `code` for `step` (forgotten when it is the lesson's `original` again)."""
        drafts = {s: c for s, c in self.drafts.items() if s != step}
        if code != original and len(code) <= MAX_DRAFT_CHARS:
            drafts[step] = code
        if drafts != self.drafts:
            self.drafts = dict(list(drafts.items())[-MAX_DRAFTS:])
