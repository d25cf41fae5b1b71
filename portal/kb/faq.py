"""FAQ documents: every '## ' heading is a question, the text below it the answer."""

from __future__ import annotations

from .sections import sections


def faq_pairs(body: str) -> list[tuple[str, str]]:
    """Every '## ' heading of a FAQ body (the question) and the Markdown below it."""
    return [(question, answer.strip()) for question, answer in sections(body, levels=(2,))[1:]]


def faq_intro(body: str) -> str:
    """The Markdown of a FAQ before its first question."""
    return sections(body, levels=(2,))[0][1].strip()
