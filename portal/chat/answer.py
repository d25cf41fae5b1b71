"""Answering from the knowledge base: retrieve, score, trim, cite.

The search engine ranks (portal.search.service.search); its fused scores are ranks, not
probabilities, so the confidence is the assistant's own: the share of the message's
content words (weighted by how rare they are among the hits) that the best document
contains. Below ASSISTANT_ANSWER_THRESHOLD nothing is answered. A short keyword message
whose two best documents both fit asks "Bedoel je A of B?".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from flask import current_app

from ..kb import service as kb
from ..kb.sections import sections
from ..search import service as search
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
SHORT_PASSAGE = 5  # sentences; a passage this short is shown whole
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


def _tokens(text: str) -> set[str]:
    out = set()
    for word in re.findall(r"[a-z0-9]+", normalise(text)):
        out.add(word)
        out.add(_stem(word))
    return out


def _matches(word: str, tokens: set[str], joined: str) -> bool:
    if word in tokens or _stem(word) in tokens:
        return True
    return len(word) >= 5 and word in joined  # parts of compounds: "sleutel" in "sleutelbestand"


def _plain(markdown_text: str) -> str:
    text = re.sub(r"```.*?```", " ", markdown_text, flags=re.S)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*([#>]+|[-*+]|\d+\.)\s*", "", text, flags=re.M)
    text = re.sub(r"[*_`|]", "", text)
    return text


def _section(body: str, heading: str | None) -> str:
    if heading:
        for head, text in sections(body):
            if head == heading:
                return text
    return body


def _sentences(markdown_text: str) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)", _plain(markdown_text)):
        block = " ".join(block.split())
        if block:
            out += [s for s in SENTENCE_END.split(block) if s.strip()]
    return out


def trim(passage_markdown: str, words: list[str], best_of: int = 2) -> str:
    """The passage trimmed to what answers: a short passage whole, else the ``best_of`` sentences sharing the rarest
    words with the question, each with the sentence after it (answers often follow the
    sentence that restates the question), in their order; the first ones when none match."""
    sentences = _sentences(passage_markdown)
    if len(sentences) <= SHORT_PASSAGE:
        return " ".join(sentences)
    tokens = [(_tokens(s), normalise(s)) for s in sentences]
    found = {w: sum(_matches(w, *t) for t in tokens) for w in words}
    scores = [sum(math.log(1 + len(sentences) / found[w]) for w in words
                  if found[w] and _matches(w, *t)) for t in tokens]
    best = sorted(range(len(sentences)), key=lambda k: (-scores[k], k))[:best_of]
    if not best or scores[best[0]] == 0:
        best = [0]
    chosen = sorted({j for k in best for j in (k, k + 1) if j < len(sentences)})
    return " ".join(sentences[i] for i in chosen)


def retrieve(message: str, limit: int = 5) -> Retrieval:
    """Search, then score the best documents against the message's content words."""
    words = content_words(message)
    response = search.search(message, limit=limit)
    result = Retrieval(mode=response.mode)
    hits = response.results
    if not hits or not words:
        return result
    docs = {hit.id: kb.get_document(hit.id) for hit in hits}
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
    for hit in hits:
        tokens, joined = token_sets[hit.id]
        confidence = sum(weights[w] for w in words if _matches(w, tokens, joined)) / total
        doc = docs[hit.id]
        passage = trim(_section(doc.get("body") or "", hit.heading), words) or doc.get("summary", "")
        result.candidates.append(Candidate(hit.id, hit.title, hit.url, round(confidence, 3),
                                           passage, hit.heading))
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
