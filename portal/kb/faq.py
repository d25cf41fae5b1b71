"""FAQ documents: every '## ' heading is a question, the text below it the answer."""

from __future__ import annotations

from .loader import FENCE_RE, HEADING_RE


def faq_pairs(body: str) -> list[tuple[str, str]]:
    """Every '## ' heading of a FAQ body and the Markdown below it, up to the next one."""
    pairs: list[tuple[str, str]] = []
    question, answer = None, []
    in_fence = False
    for line in body.split("\n"):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING_RE.match(line)
        if match and len(match.group(1)) == 2:
            if question is not None:
                pairs.append((question, "\n".join(answer).strip()))
            question, answer = match.group(2).strip(), []
        elif question is not None:
            answer.append(line)
    if question is not None:
        pairs.append((question, "\n".join(answer).strip()))
    return pairs


def faq_intro(body: str) -> str:
    """The Markdown of a FAQ before its first question."""
    lines = []
    in_fence = False
    for line in body.split("\n"):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING_RE.match(line)
        if match and len(match.group(1)) == 2:
            break
        lines.append(line)
    return "\n".join(lines).strip()
