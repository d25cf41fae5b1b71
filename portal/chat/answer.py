"""Answering from the knowledge base: retrieve, score, trim, cite.

The search engine ranks (portal.search.service.search); its fused scores are ranks, not
probabilities, so the confidence is the assistant's own: the share of the message's
content words (weighted by how rare they are among the hits) that the best document
contains. Below ASSISTANT_ANSWER_THRESHOLD nothing is answered. A short keyword message
whose two best documents both fit asks "Bedoel je A of B?".
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

from flask import current_app
from markdown.extensions.toc import slugify, unique

from ..kb import service as kb
from ..kb.sections import sections
from ..search import service as search
from ..search import text as words_text
from . import cues
from .intents import normalise

STOPWORDS = set("""
de het een en of in op aan van voor met bij naar over uit om te tot is zijn was wordt worden
word kan kun kunnen mag mogen moet moeten wil willen ik je jij u we wij jullie ze zij hij mijn
jouw ons onze hun die dat dit deze er hier daar wat wie waar wanneer hoe hoeveel hoelang welke
welk waarom waarmee ook nog al niet geen wel dan als maar want dus even graag heb hebben heeft
zo iets info informatie vraag vragen weet weten iemand alles meer veel mee doen gaat gaan
the a an of to for and is are how what can do i my me we our you your it in on n eigenlijk
precies gewoon zit staat terecht vind krijg krijgen ben bent jullie hoi hallo
""".split())
QUESTION_WORDS = re.compile(r"\b(hoe|wat|wanneer|waar|wie|welke|welk|waarom|mag|mogen|kan|kun|"
                            r"kunnen|moet|moeten|hoeveel|hoelang|is|zijn|heb|hebben|waarvoor|wordt|worden|krijg|how|what|"
                            r"when|where|who|which|can|do|does)\b|\?")
SHORT_PASSAGE = 6  # sentences; a section this short is shown whole
MAX_STEPS = 8  # a numbered procedure up to this long is shown with all its steps
MAX_LIST = 12  # items (or table rows) shown after the sentence that opens their list
# How a section is scored (choose_passage): its share of the question's rare words counts
# 1; these weigh the rest. Tuned on the even lines of benchmarks/eval/assistant.jsonl
# (`assistant_eval.py --tune-passages`); the held-out set checks them.
PASSAGE_WEIGHTS = {"heading": 0.5, "similarity": 0.25, "engine": 0.5, "length": 0.5,
                   "type": 0.5, "cue": 1.0}

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass
class Candidate:
    id: str
    title: str
    url: str
    confidence: float
    passage: str
    heading: str | None = None


@dataclass
class Retrieval:
    candidates: list[Candidate] = field(default_factory=list)
    mode: str = "keyword"
    short: bool = False  # a few keywords without a question: may be ambiguous

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def content_words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", normalise(text))
    return list(dict.fromkeys(w for w in words if len(w) > 1 and w not in STOPWORDS))


def _stem(word: str) -> str:
    return word[:6] if len(word) > 6 else word


@functools.lru_cache(maxsize=65536)
def _forms(word: str) -> frozenset[str]:
    """The forms a word of a text is found by: itself, its first six letters, its Dutch stem
    (the search's, so "datasets" is "dataset") and the stems of its parts when it is a
    compound ("toegangsniveaus": toegang, niveau)."""
    forms = {word, _stem(word), words_text.stem(word)}
    forms.update(words_text.stem(part) for part in words_text.split_compound(word))
    return frozenset(forms)


def _tokens(value: str) -> set[str]:
    out = set()
    for word in re.findall(r"[a-z0-9]+", normalise(value)):
        out |= _forms(word)
    return out


def _matches(word: str, tokens: set[str], joined: str) -> bool:
    if word in tokens or _stem(word) in tokens or words_text.stem(word) in tokens:
        return True
    return len(word) >= 5 and word in joined  # parts of compounds: "sleutel" in "sleutelbestand"


def _plain(markdown_text: str) -> str:
    text = re.sub(r"```.*?```", " ", markdown_text, flags=re.S)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*([#>]+|[-*+]|\d+\.)\s*", "", text, flags=re.M)
    text = re.sub(r"[*_`|]", "", text)
    return text


def _table_rows(block: str) -> list[str] | None:
    """A Markdown table as one line per row ("BSD: Bestuursdienst"; with more columns
    "2024: woningen 3.100, gereed 2.450"), or None when the block is no table."""
    lines = [line.strip() for line in block.strip().splitlines()]
    if len(lines) < 3 or not all(line.startswith("|") for line in lines) or \
            not re.fullmatch(r"\|?[\s:|-]+\|?", lines[1]):
        return None

    def cells(line):
        return [c.strip() for c in line.strip("|").split("|")]

    head = cells(lines[0])
    rows = []
    for line in lines[2:]:
        row = cells(line)
        if len(row) == 2:
            rows.append(f"{row[0]}: {row[1]}")
        else:
            rows.append(f"{row[0]}: " + ", ".join(
                f"{h.lower()} {c}" for h, c in zip(head[1:], row[1:]) if c))
    # read as the items of a list: "BSD: Bestuursdienst; OCW: ...; IBD: ...."
    return [row + (";" if k < len(rows) - 1 else ".") for k, row in enumerate(rows)]


def _units(markdown_text: str) -> list[tuple[str, str | bool]]:
    """(sentence, False | "item" | "step") in order: a list item (a "step" when the list is
    numbered) is one unit however many full stops, and so is a table row."""
    out = []
    for chunk in re.split(r"\n\s*\n", markdown_text):
        rows = _table_rows(chunk)
        if rows is None:
            out += _text_units(chunk)
        else:
            out += [(text, "item") for text in (" ".join(_plain(r).split()) for r in rows) if text]
    return out


def _text_units(paragraph: str) -> list[tuple[str, str | bool]]:
    out = []
    for block in re.split(r"\n(?=\s*(?:[-*+]|\d+\.)\s)", paragraph):
        item = bool(re.match(r"\s*(?:[-*+]|\d+\.)\s", block)) and \
            ("step" if re.match(r"\s*\d+\.\s", block) else "item")
        block = " ".join(_plain(block).split())
        if not block:
            continue
        if item:
            out.append((block, item))
        else:
            out += [(s, False) for s in SENTENCE_END.split(block) if s.strip()]
    return out


def _sentences(markdown_text: str) -> list[str]:
    return [text for text, _item in _units(markdown_text)]


@dataclass
class Section:
    heading: str | None
    anchor: str | None
    units: list[tuple[str, bool]]
    similarity: float | None = None  # the engine's: question against this passage
    passage: str | None = None  # heading of the indexed passage it is part of


def doc_sections(doc: dict, passages: list | None = None) -> list[Section]:
    """The document's sections (text before the first heading included when not empty),
    each with the similarity of its indexed passage: the best of the passages under its
    heading, or of the passage it was merged into."""
    by_heading: dict = {}
    for p in passages or []:
        similarity = -1.0 if p.similarity is None else p.similarity
        by_heading[p.heading] = max(similarity, by_heading.get(p.heading, -1.0))
    used: set = set()
    out, last, group = [], None, None
    for heading, text in sections(doc.get("body") or ""):
        anchor = unique(slugify(heading, "-"), used) if heading else None
        if heading in by_heading:  # a passage of its own; else merged into the one before
            group, last = heading, by_heading[heading]
        units = _units(text)
        if units:
            out.append(Section(heading, anchor, units, None if last is None or last < -0.5
                               else last, group))
    return out


def _idf(words: list[str], texts: list[tuple[set, str]]) -> dict[str, float]:
    found = {w: sum(_matches(w, *t) for t in texts) for w in words}
    return {w: math.log(1 + len(texts) / found[w]) for w in words if found[w]}


def _keyword(words, idf, tokens) -> float:
    """The rarity of the question's words found; half for a stem or a part of a compound."""
    return sum(idf[w] * (1.0 if w in tokens[0] else 0.5) for w in words
               if w in idf and _matches(w, *tokens))


def choose_passage(doc: dict, words: list[str], passages: list | None = None,
                   hit_heading: str | None = None, weights: dict | None = None,
                   types: list[re.Pattern] | None = None, asked: list[re.Pattern] | None = None):
    """(text, anchor, score): the part of the document that answers the question.

    First the section: every section of the document is scored against the question by
    the question's content words it contains (weighted by how rare they are among the
    document's sections), the words its heading shares with the question (double in an
    FAQ, whose headings are its questions), the engine's similarity of its passage to the
    question, a little for the passage the search ranked first, a sentence that states the
    kind of fact asked for (cues.answer_types) and a heading of the kind the question asks about
    (cues.asked_headings). Then the sentences: an FAQ answer or a short section is given
    whole, else the sentences that answer (trim)."""
    w = {**PASSAGE_WEIGHTS, **(weights or {})}
    types, asked = types or [], asked or []
    secs = doc_sections(doc, passages)
    if not secs:
        return doc.get("summary") or "", None, 0.0
    bodies = [(set().union(*(_tokens(u) for u, _item in sec.units)),
               " ".join(normalise(u) for u, _item in sec.units)) for sec in secs]
    heads = [(_tokens(sec.heading or ""), normalise(sec.heading or "")) for sec in secs]
    idf = _idf(words, [(b[0] | h[0], b[1] + " " + h[1]) for b, h in zip(bodies, heads)])
    top = max(sum(idf.values()), 1e-9)
    sizes = [len(sec.units) for sec in secs]
    average = sum(sizes) / len(sizes)
    sims = [sec.similarity for sec in secs if sec.similarity is not None]
    low, spread = (min(sims), max(sims) - min(sims)) if sims else (0.0, 0.0)
    heading = w["heading"] * (2 if doc.get("type") == "faq" else 1)
    scores = []
    for k, sec in enumerate(secs):
        length = 1 - w["length"] + w["length"] * sizes[k] / average  # long sections share more words
        score = (_keyword(words, idf, bodies[k]) / length
                 + heading * _keyword(words, idf, heads[k])) / top
        if sec.similarity is not None and spread > 0:  # the engine's order of the sections
            score += w["similarity"] * (sec.similarity - low) / spread
        if passages and sec.passage == hit_heading:  # the passage the search ranked first
            score += w["engine"]
        if types and cues.states(bodies[k][1], types):
            score += w["type"]
        if cues.cued(sec.heading, asked):
            score += w["cue"]
        scores.append(score)
    k = max(range(len(secs)), key=lambda i: (scores[i], -i))
    sec = secs[k]
    if doc.get("type") == "faq":
        text = " ".join(u for u, _item in sec.units)
    else:
        text = trim(sec.units, words, types=types)
    return text, sec.anchor, round(scores[k], 3)


def trim(units: list[tuple[str, str | bool]], words: list[str], best_of: int = 3,
         types: list[re.Pattern] | None = None) -> str:
    """A short section whole, else the ``best_of`` sentences sharing the rarest words with
    the question (the first ones when none does; when none of them states the kind of fact
    asked for, the best one that does takes the last place), each with the sentence after
    it (answers often follow the sentence that restates the question); a list item with the
    sentence that opens its list, a step of a numbered procedure with all its steps."""
    if len(units) <= SHORT_PASSAGE:
        return " ".join(u for u, _item in units)
    tokens = [(_tokens(u), normalise(u)) for u, _item in units]
    idf = _idf(words, tokens)
    scores = [_keyword(words, idf, t) for t in tokens]
    best = sorted(range(len(units)), key=lambda i: (-scores[i], i))[:best_of]
    if scores[best[0]] == 0:
        best = [0]
    typed = [i for i, t in enumerate(tokens) if types and cues.states(t[1], types)]
    if typed and not set(best) & set(typed):  # the sentence stating what is asked for
        best = best[:best_of - 1] + [max(typed, key=lambda i: (scores[i], -i))]
    chosen = set()
    for j in best:
        chosen |= {j, j + 1} if j + 1 < len(units) else {j}
        if units[j][1]:  # a list item: with the sentence that opens the list
            lead, end = j, j
            while lead > 0 and units[lead - 1][1] == units[j][1]:
                lead -= 1
            while end + 1 < len(units) and units[end + 1][1] == units[j][1]:
                end += 1
            if units[j][1] == "step" and end - lead < MAX_STEPS:  # a procedure: every step
                chosen |= set(range(lead, end + 1))
            if lead > 0 and units[lead - 1][0].endswith(":"):
                chosen.add(lead - 1)
    for i in sorted(chosen):  # a sentence that opens a list comes with the list
        if units[i][0].endswith(":") and i + 1 < len(units) and units[i + 1][1]:
            end = i + 1
            while end + 1 < len(units) and units[end + 1][1] == units[i + 1][1] \
                    and end - i < MAX_LIST:
                end += 1
            chosen |= set(range(i + 1, end + 1))
    return " ".join(units[i][0] for i in sorted(chosen))


def retrieve(message: str, limit: int = 5) -> Retrieval:
    """Search, then score the best documents against the message's content words."""
    words = content_words(message)
    response = search.search(message, limit=limit)
    result = Retrieval(mode=response.mode)
    hits = response.results
    if not hits or not words:
        return result
    docs = {hit.id: kb.get_document(hit.id) for hit in hits}
    passages = search.passages(message, [hit.id for hit in hits])
    token_sets = {}
    for hit in hits:
        doc = docs[hit.id]
        text = " ".join([doc["title"], doc.get("summary") or "", " ".join(doc["tags"]),
                         doc.get("body") or ""])
        token_sets[hit.id] = (_tokens(text), normalise(text))
    # Rare words weigh more: a word in every hit says little about which one answers.
    weights = {}
    for word in words:
        found = sum(_matches(word, *token_sets[hit.id]) for hit in hits)
        weights[word] = math.log(1 + (len(hits) + 1) / (found + 0.5))
    total = sum(weights.values()) or 1.0
    types, asked = cues.answer_types(message), cues.asked_headings(message)
    for hit in hits:
        tokens, joined = token_sets[hit.id]
        confidence = sum(weights[w] for w in words if _matches(w, tokens, joined)) / total
        doc = docs[hit.id]
        passage, anchor, _score = choose_passage(doc, words, passages.get(hit.id), hit.heading,
                                                 types=types, asked=asked)
        url = kb.document_url(hit.id, anchor)
        result.candidates.append(Candidate(hit.id, hit.title, url, round(confidence, 3),
                                           passage or doc.get("summary", ""), hit.heading))
    result.short = len(words) <= 3 and not QUESTION_WORDS.search(normalise(message))
    # A document's exact title (a choice of "Bedoel je A of B?") is that document.
    exact = [c for c in result.candidates if normalise(c.title) == normalise(message)]
    if exact:
        result.candidates.remove(exact[0])
        result.candidates.insert(0, exact[0])
        exact[0].confidence = max(exact[0].confidence, 1.0)
        result.short = False
    return result


def decide(retrieval: Retrieval) -> str:
    """answer | clarify | fallback, from the thresholds in the configuration."""
    cfg = current_app.config
    threshold = float(cfg["ASSISTANT_ANSWER_THRESHOLD"])
    best = retrieval.best
    if best is None or best.confidence < threshold:
        return "fallback"
    if retrieval.short and len(retrieval.candidates) > 1:
        second = retrieval.candidates[1]
        if second.confidence >= threshold and \
                best.confidence - second.confidence <= float(cfg["ASSISTANT_CLARIFY_MARGIN"]):
            return "clarify"
    return "answer"
