"""FAQ documents: every '## ' heading is a question, the text below it the answer."""

from __future__ import annotations

from .loader import FENCE_RE, HEADING_RE


def _split(body: str) -> tuple[str, list[tuple[str, str]]]:
    """The Markdown before the first '## ' heading, and every '## ' heading with the
    Markdown below it up to the next one (headings inside code fences do not count)."""
    intro: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    current = intro
    in_fence = False
    for line in body.split("\n"):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING_RE.match(line)
        if match and len(match.group(1)) == 2:
            current = []
            sections.append((match.group(2).strip(), current))
        else:
            current.append(line)
    return "\n".join(intro).strip(), [(q, "\n".join(a).strip()) for q, a in sections]


def faq_pairs(body: str) -> list[tuple[str, str]]:
    """Every '## ' heading of a FAQ body (the question) and the Markdown below it."""
    return _split(body)[1]


def faq_intro(body: str) -> str:
    """The Markdown of a FAQ before its first question."""
    return _split(body)[0]
