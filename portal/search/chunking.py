"""Split a document into passages ("chunks") by heading, each small enough for the model.

all-MiniLM-L6-v2 reads at most 256 word pieces; CHUNK_MAX_WORDS (180) words of
Dutch stay close to that. A section longer than that is split at paragraph
boundaries, a paragraph longer than that at sentence boundaries, and a sentence
longer than that (a list without full stops) at word boundaries.

Anchors are the ids Python-Markdown's ``toc`` extension gives headings (same
slugify, same de-duplication), so ``url#anchor`` lands on the section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown.extensions.toc import slugify, unique

from ..kb.sections import sections

CHUNKER_VERSION = "2"
MIN_SECTION_WORDS = 50  # smaller sections are merged with their neighbours

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=\S)")


@dataclass
class Chunk:
    ordinal: int
    heading: str | None
    anchor: str | None
    text: str  # plain text shown in snippets
    embed_text: str  # title and heading prefixed, for the embedding model

    @property
    def words(self) -> int:
        return len(self.text.split())


def plain(markdown_text: str) -> str:
    """Markdown inline syntax removed; paragraphs kept apart by blank lines."""
    text = re.sub(r"<!--.*?-->", " ", markdown_text, flags=re.S)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)  # reference links
    text = re.sub(r"</?[A-Za-z][^>]*>", " ", text)  # html tags
    text = re.sub(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+", "", text, flags=re.M)  # list markers
    text = re.sub(r"^\s{0,3}>\s?", "", text, flags=re.M)  # quotes
    text = re.sub(r"^\s*\|?\s*:?-{3,}.*$", "", text, flags=re.M)  # table rules
    text = text.replace("|", " ")
    text = re.sub(r"(\*\*|__|\*|`+)", "", text)
    text = re.sub(r"(?<!\w)_(\S[^_]*)_(?!\w)", r"\1", text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n\s*\n\s*", "\n\n", text)
    return text.strip()


def _pieces(text: str, max_words: int) -> list[str]:
    """Split plain text into pieces of at most max_words words at the best boundary."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0

    def flush():
        nonlocal current, count
        if current:
            pieces.append(" ".join(current) if count else "")
        current, count = [], 0

    units: list[str] = []
    for paragraph in text.split("\n\n"):
        words = paragraph.split()
        if len(words) <= max_words:
            units.append(paragraph)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            swords = sentence.split()
            for start in range(0, len(swords), max_words):
                units.append(" ".join(swords[start:start + max_words]))
    for unit in units:
        size = len(unit.split())
        if not size:
            continue
        if count + size > max_words:
            flush()
        current.append(" ".join(unit.split()))
        count += size
    flush()
    return [piece for piece in pieces if piece]


def chunk_document(doc: dict, max_words: int = 180) -> list[Chunk]:
    """The chunks of one document: {title, summary, body}. Never empty.

    A section shorter than MIN_SECTION_WORDS is appended to the passage before it
    while that fits in max_words ("Status: In gebruik." is no passage on its own);
    the passage keeps its own heading and anchor, and the appended heading stays
    in its text. A longer section always starts its own passage (and anchor).
    """
    title = (doc.get("title") or "").strip()
    summary = (doc.get("summary") or "").strip()
    body = doc.get("body") or ""
    pieces: list[tuple[str | None, str | None, str]] = []
    used_ids: set[str] = set()
    flat_body = " ".join(plain(body).split())
    if summary and " ".join(plain(summary).split()) not in flat_body:
        pieces.append((None, None, summary))
    for heading, markdown_text in sections(body):
        anchor = unique(slugify(heading, "-"), used_ids) if heading else None
        for piece in _pieces(plain(markdown_text), max_words):
            pieces.append((heading, anchor, piece))
    merged: list[list] = []  # [heading, anchor, text, words]
    for heading, anchor, piece in pieces:
        words = len(piece.split())
        last = merged[-1] if merged else None
        if last is not None and last[3] + words <= max_words and words < MIN_SECTION_WORDS:
            label = f"{heading}: " if heading and heading != last[0] else ""
            last[2] = f"{last[2]}\n\n{label}{piece}"
            last[3] += words
            continue
        merged.append([heading, anchor, piece, words])
    chunks = []
    for heading, anchor, piece, _words in merged:
        prefix = f"{title} — {heading}" if heading else title
        chunks.append(Chunk(len(chunks), heading, anchor, piece, f"{prefix}: {piece}"))
    if not chunks:  # a document with a title only is still findable
        chunks.append(Chunk(0, None, None, summary or title, f"{title}: {summary}".strip(": ")))
    return chunks
