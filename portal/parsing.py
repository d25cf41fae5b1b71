"""One parsing layer for numbers and text, used by every view, the API and the CLI.

Everything a user or a client sends passes through these functions before a
service stores it or SQLite sees it:

- ``integer`` accepts a Python int (not a bool) or ASCII digits only ("²" and other
  Unicode digits pass ``str.isdigit()`` but are refused here) and keeps the value
  inside SQLite's 64-bit range or the caller's tighter bounds;
- ``text`` refuses lone surrogates, NUL and other control characters, and treats a
  value made only of white space or invisible characters (zero-width space, word
  joiner, BOM, soft hyphen) as empty;
- ``json_value`` checks a decoded JSON document once at the boundary: nesting depth
  and lone surrogates anywhere in keys or strings.

Each function either records its message in an ``errors`` dict (forms that report
every field at once) or, without one, raises ``Invalid`` for that field.
"""

from __future__ import annotations

import re

import click
from werkzeug.routing import IntegerConverter
from flask_babel import gettext as _

from .errors import Invalid

SQLITE_MIN = -(2**63)
SQLITE_MAX = 2**63 - 1
JSON_MAX_DEPTH = 20

_ASCII_INT = re.compile(r"[+-]?[0-9]{1,19}")
# Characters that are not visible on their own; a value made only of these is empty.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
_BLANK = re.compile(rf"[\s{_INVISIBLE}]*")
# C0 controls except tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _fail(errors: dict | None, name: str, message: str, summary: str | None = None):
    if errors is not None:
        errors[name] = message
        return None
    raise Invalid(summary or message, {name: message})


def integer(value, name: str, errors: dict | None = None, *, low: int = SQLITE_MIN,
            high: int = SQLITE_MAX, default: int | None = None, required: bool = False) -> int | None:
    """A whole number from ``low`` to ``high``; empty gives ``default`` (or an error when required)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            return _fail(errors, name, _("%(name)s must be a whole number from %(low)s to %(high)s.",
                                         name=name, low=low, high=high))
        return default
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_INT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        number = None
    if number is None or not low <= number <= high:
        return _fail(errors, name, _("%(name)s must be a whole number from %(low)s to %(high)s.",
                                     name=name, low=low, high=high))
    return number


def is_blank(value) -> bool:
    """True for None and for text that shows nothing (white space, zero-width characters)."""
    return value is None or (isinstance(value, str) and _BLANK.fullmatch(value) is not None)


def clean_text(value: str) -> str:
    """Normalise line ends and strip white space and invisible characters at both ends."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip(f" \t\n\x0b\x0c{_INVISIBLE}")


def text(value, name: str, errors: dict | None = None, *, required: bool, max_length: int,
         multiline: bool = True) -> str | None:
    """Stripped text, or None when empty; refuses what cannot be shown or stored."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        return _fail(errors, name, _("Must be text."))
    if _SURROGATE.search(value):
        return _fail(errors, name, _("Contains characters that cannot be stored."))
    value = clean_text(value)
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\t" in value)):
        return _fail(errors, name, _("Contains characters that cannot be stored."))
    if is_blank(value):
        if required:
            return _fail(errors, name, _("This field is required."))
        return None
    if len(value) > max_length:
        return _fail(errors, name, _("At most %(n)d characters.", n=max_length))
    return value


DAY_MIN_YEAR, DAY_MAX_YEAR = 1970, 2999  # far-off dates overflow date arithmetic


def day(value, name: str, errors: dict | None = None, *, required: bool = False):
    """A calendar day written YYYY-MM-DD (a form's date field, a period's van/tot), or None
    when empty; refuses other spellings, days that do not exist and far-off years."""
    from datetime import date

    if value is None or (isinstance(value, str) and is_blank(value)):
        if required:
            return _fail(errors, name, _("This field is required."))
        return None
    text = value.strip() if isinstance(value, str) else None
    try:
        if text is None or len(text) != 10:
            raise ValueError
        parsed = date.fromisoformat(text)
    except ValueError:
        return _fail(errors, name, _("Give a date as YYYY-MM-DD."))
    if not DAY_MIN_YEAR <= parsed.year <= DAY_MAX_YEAR:
        return _fail(errors, name, _("Give a date between %(first)s and %(last)s.",
                                     first=DAY_MIN_YEAR, last=DAY_MAX_YEAR))
    return parsed


def json_value(value, depth: int = 0):
    """Check a decoded JSON document: nesting depth and lone surrogates; return it unchanged."""
    if depth > JSON_MAX_DEPTH:
        raise Invalid(_("The JSON document is nested too deeply (at most %(n)d levels).",
                        n=JSON_MAX_DEPTH))
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise Invalid(_("The JSON document contains characters that cannot be stored "
                            "(a lone surrogate)."))
    elif isinstance(value, dict):
        for key, item in value.items():
            json_value(key, depth + 1)
            json_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            json_value(item, depth + 1)
    return value


class IntParam(click.ParamType):
    """A click option type that parses like ``integer`` (for the CLI)."""

    name = "integer"

    def __init__(self, low: int = SQLITE_MIN, high: int = SQLITE_MAX):
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool) and self.low <= value <= self.high:
            return value
        try:
            return integer(value, param.name if param else "value", low=self.low, high=self.high,
                           required=True)
        except Invalid as exc:
            self.fail(exc.message, param, ctx)


class RouteInt(IntegerConverter):
    """``<int:...>`` in URLs, limited to SQLite's range (a larger number is a 404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", SQLITE_MAX)
        super().__init__(url_map, *args, **kwargs)
