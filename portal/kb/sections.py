"""Markdown split at its headings (headings inside code fences do not count).

The one reading of a document's structure: FAQ pairs (kb.faq) and search passages
(search.chunking) both come from here.
"""

from __future__ import annotations

from .loader import FENCE_RE, HEADING_RE


def sections(body: str, levels=(1, 2, 3, 4, 5, 6)) -> list[tuple[str | None, str]]:
    """[(heading, markdown below it)] in order. The text before the first heading comes
    first, with heading None (possibly empty). Headings of other levels stay in the text."""
    out: list[tuple[str | None, list[str]]] = [(None, [])]
    fenced = False
    for line in body.splitlines():
        if FENCE_RE.match(line):
            fenced = not fenced
        match = None if fenced else HEADING_RE.match(line)
        if match and match.group(2) and len(match.group(1)) in levels:
            out.append((match.group(2).strip(), []))
        else:
            out[-1][1].append(line)
    return [(heading, "\n".join(lines)) for heading, lines in out]
