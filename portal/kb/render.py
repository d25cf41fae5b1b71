"""Markdown → safe HTML, with heading anchors for a table of contents and deep links.

Knowledge files come from a folder that many people edit, so the HTML is always
cleaned with an allow-list (nh3): no scripts, no event handlers, no
``javascript:`` URLs, no inline styles. Headings get stable ids (the Markdown
``toc`` extension), so search results can link to ``/kennisbank/<id>#<anchor>``;
``outline()`` gives the same anchors without rendering a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

EXTENSIONS = ["tables", "fenced_code", "toc", "sane_lists"]
EXTENSION_CONFIGS = {"toc": {"permalink": False}}

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "a", "em", "strong", "b", "i", "code", "pre", "blockquote", "del", "ins", "sub", "sup",
    "kbd", "mark", "abbr", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "img", "figure", "figcaption", "span", "div", "details", "summary",
}
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
    "ol": {"start"},
    "code": {"class"},  # fenced_code's language-xxx
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


@dataclass
class Rendered:
    html: Markup
    toc: list[dict] = field(default_factory=list)  # [{level, id, name}] in document order


def clean(html: str) -> str:
    """Sanitise an HTML fragment with the allow-list; links get rel=noopener noreferrer."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},  # table column alignment only
        strip_comments=True,
    )


def _flatten(tokens: list[dict]) -> list[dict]:
    out: list[dict] = []
    for token in tokens:
        out.append({"level": token["level"], "id": token["id"], "name": token["name"]})
        out.extend(_flatten(token.get("children") or []))
    return out


@lru_cache(maxsize=512)
def _convert(text: str) -> tuple[str, tuple]:
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                           output_format="html")
    html = md.convert(text or "")
    toc = tuple(tuple(sorted(item.items())) for item in _flatten(md.toc_tokens))
    return clean(html), toc


def render_markdown(text: str) -> Rendered:
    html, toc = _convert(text or "")
    return Rendered(html=Markup(html), toc=[dict(item) for item in toc])


def render_inline(text: str) -> Markup:
    """A short Markdown text (a summary, an answer) as safe HTML."""
    return render_markdown(text).html


def outline(text: str) -> list[dict]:
    """The headings of a Markdown text: [{level, id, name}], ids as on the page."""
    return render_markdown(text).toc
