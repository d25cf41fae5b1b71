"""Snippets: the best window of a passage, escaped, with <mark> around matched words."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from . import text

WINDOW_WORDS = 36


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> frozenset[str]:
    """Every stem a written word matches: its own and those of its compound parts."""
    terms = set()
    for token in text.tokens(word):
        terms.add(text.stem(token))
        terms.update(text.stem(part) for part in text.split_compound(token))
    return frozenset(terms)


def _matches(word: str, terms: set[str]) -> bool:
    return not terms.isdisjoint(_word_terms(word))


def _window(words: list[str], flags: list[bool], size: int) -> int:
    """Start of the window of ``size`` words with the most matches (earliest on ties)."""
    if len(words) <= size:
        return 0
    best_start, best = 0, -1
    current = sum(flags[:size])
    for start in range(0, len(words) - size + 1):
        if start:
            current += flags[start + size - 1] - flags[start - 1]
        if current > best:
            best_start, best = start, current
    # Start a little before the first match so it has some context.
    first = next((i for i in range(best_start, best_start + size) if flags[i]), best_start)
    return max(0, min(best_start, first - 4))


def make(passage: str, terms: list[str], size: int = WINDOW_WORDS) -> tuple[Markup, str]:
    """(HTML snippet with <mark>, plain snippet) for ``passage`` and query stems ``terms``."""
    words = passage.split()
    wanted = set(terms)
    flags = [_matches(w, wanted) if wanted else False for w in words]
    start = _window(words, flags, size)
    end = min(len(words), start + size)
    html_parts, plain_parts = [], []
    for word, flag in zip(words[start:end], flags[start:end]):
        plain_parts.append(word)
        html_parts.append(Markup("<mark>%s</mark>") % word if flag else escape(word))
    lead = "… " if start > 0 else ""
    tail = " …" if end < len(words) else ""
    html = Markup(lead) + Markup(" ").join(html_parts) + Markup(tail)
    return html, lead + " ".join(plain_parts) + tail
