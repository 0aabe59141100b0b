"""Every word a student reads, in the student's language: English and 简体中文.

The words live in plain files a teacher can edit, app/messages/<language>.toml, grouped in tables
(`[actions]`, `[notices]`, ...) and read here by dotted key: `text("actions.forward", "zh")`. Values
may name fields in braces, `"{layer}: {field} must be a whole number"`, filled from keyword
arguments. Both files must hold the same keys with the same fields (tests/app/test_i18n.py checks it);
a key missing in one language is a bug, never a silent fallback.

PyTorch's own printed output and error messages are never translated: they are what a learner
searches for later. Only our explanation beside them is.
"""
import functools
import re
import string
import tomllib
from pathlib import Path

MESSAGES = Path(__file__).resolve().parent / "messages"
LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT = "en"


@functools.cache
def catalogue(language):
    """{dotted key: text} of one language's file."""
    if language not in LANGUAGES:
        raise ValueError(f"no messages for language {language!r}; there are {', '.join(LANGUAGES)}")
    with open(MESSAGES / f"{language}.toml", "rb") as file:
        return dict(_flatten(tomllib.load(file)))


def _flatten(table, prefix=""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def text(key, language, **fields):
    """The message `key` in `language`, its {fields} filled in."""
    message = catalogue(language)[key]
    return message.format(**fields) if fields else message


def follow(owner, apply):
    """Call `apply(say)` now and again whenever `owner.language` changes (owner: a Session), where
    `say(key, **fields)` is `text` in the language of the moment: a label set this way is switched in place,
    with the widget and everything it holds kept."""
    def again(*_events):
        apply(functools.partial(_say, owner.language))
    owner.param.watch(again, "language")
    again()


def _say(language, key, **fields):
    return text(key, language, **fields)


def fields(message):
    """The names a message fills in: "{layer} has {n}" → {"layer", "n"}."""
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def preferred(accepted):
    """The first of the browser's languages (navigator.languages: "zh-CN", "en-GB", ...) that we have."""
    for tag in accepted:
        base = re.split("[-_]", str(tag).lower())[0]
        if base in LANGUAGES:
            return base
    return DEFAULT
