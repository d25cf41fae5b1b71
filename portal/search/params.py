"""Reading search input from a request's arguments: one place for the page and the API.

Pure functions over a ``MultiDict`` and the config, no ``request`` global, so the
rules (known types, limits, what counts as an empty query) are the same for the
web page, the JSON API and tests.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .. import parsing
from ..kb import service as kb

PAGE_SIZE = 10
MAX_PAGE = 100
API_MAX_LIMIT = 50
API_MAX_OFFSET = 1000
# Something to search for: at least one character that is not whitespace. The
# OpenAPI schema uses the same pattern, so the API rejects exactly what it says.
NON_BLANK = r"\S"
_NON_BLANK = re.compile(NON_BLANK)
_MARK = re.compile(r"(</?mark>)")


def max_query_chars(config) -> int:
    return int(config.get("SEARCH_MAX_QUERY_CHARS") or 500)


def is_blank(query: str | None) -> bool:
    return not query or not _NON_BLANK.search(query)


def split_types(values) -> list[str]:
    """Types from repeated ``type`` arguments, also accepting "a,b" in one argument."""
    out: list[str] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


@dataclass
class PageQuery:
    q: str = ""
    types: list[str] = field(default_factory=list)
    page: int = 1
    shortened: bool = False  # the query was longer than allowed and was cut

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE


def page_query(args, config) -> PageQuery:
    """Lenient: the page never fails on its arguments; odd values fall back to defaults."""
    q = str(args.get("q") or "")
    limit = max_query_chars(config)
    shortened = len(q) > limit
    if shortened:
        q = q[:limit]
    if is_blank(q):
        q = ""
    known = kb.known_types()
    types = [t for t in split_types(args.getlist("type")) if t in known]
    page = parsing.integer(args.get("page"), "page", {}, low=1, high=MAX_PAGE) or 1
    return PageQuery(q=q.strip(), types=types, page=min(max(page, 1), MAX_PAGE),
                     shortened=shortened)


def _int_arg(args, name: str, default: int, low: int, high: int, errors: dict) -> int:
    if args.get(name) is None:
        return default
    value = parsing.integer(args.get(name), name, errors, low=low, high=high, required=True)
    return default if value is None else value


def api_query(args, config) -> tuple[dict, dict]:
    """Strict: ({q, types, limit, offset}, errors). Errors map argument to message."""
    errors: dict[str, str] = {}
    q = args.get("q")
    if q is None or is_blank(q):
        errors["q"] = "q is required: the text to search for."
    elif len(q) > max_query_chars(config):
        errors["q"] = f"q is too long: at most {max_query_chars(config)} characters."
    known = kb.known_types()
    types = []
    for value in args.getlist("type"):
        if value not in known:
            errors["type"] = f"Unknown type {value[:40]!r}. Known types: {', '.join(known)}."
        elif value not in types:
            types.append(value)
    limit = _int_arg(args, "limit", 10, 1, API_MAX_LIMIT, errors)
    offset = _int_arg(args, "offset", 0, 0, API_MAX_OFFSET, errors)
    return {"q": q or "", "types": types, "limit": limit, "offset": offset}, errors


def safe_snippet(snippet: str) -> Markup:
    """The engine's snippet as HTML where only <mark> survives (defence in depth)."""
    parts = _MARK.split(str(snippet or ""))
    return Markup("".join(p if p in ("<mark>", "</mark>") else str(escape(html.unescape(p)))
                          for p in parts))


def plain_snippet(snippet: str) -> str:
    return "".join(html.unescape(p) for p in _MARK.split(str(snippet or ""))
                   if p not in ("<mark>", "</mark>"))
