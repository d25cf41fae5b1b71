"""Hybrid ranking: weighted reciprocal rank fusion of keyword and dense results.

Both result lists are first collapsed from chunks to documents (a document's
rank is that of its best chunk). Then

    score(doc) = KEYWORD_WEIGHT / (K + keyword_rank) + DENSE_WEIGHT / (K + dense_rank)

where a document only gets a dense term when its best chunk's cosine similarity
reaches DENSE_FLOOR. The default model (all-MiniLM-L6-v2) is an English model
and weak on Dutch, so the keyword weight is larger: a dense match can reorder
documents that keywords rank close together and can add documents keywords
missed, but cannot push a strong keyword match down far: with K=10 the dense
term of the best dense match (0.2/11 = 0.018) is worth about two keyword places
near the top (1/11 - 1/13 = 0.014). The constants are tuned on
benchmarks/eval/queries.jsonl (`benchmarks/search_quality.py --tune`); the grid
is flat around them (K 5-10, dense weight 0.2-0.35, floor 0.2-0.35).
"""

from __future__ import annotations

from dataclasses import dataclass

K = 10
KEYWORD_WEIGHT = 1.0
DENSE_WEIGHT = 0.2
DENSE_FLOOR = 0.25


@dataclass
class Ranked:
    document_id: str
    score: float
    chunk_id: int  # best chunk: keyword's when there is one, else dense's
    keyword_rank: int | None = None
    dense_rank: int | None = None


def collapse(chunk_hits) -> list[tuple[str, int, float]]:
    """[(chunk_id, document_id, score)] best first → [(document_id, best chunk, score)]."""
    seen: dict[str, tuple[str, int, float]] = {}
    for chunk_id, document_id, score in chunk_hits:
        if document_id not in seen:
            seen[document_id] = (document_id, chunk_id, score)
    return list(seen.values())


def fuse(keyword_docs, dense_docs, *, k: int = K, keyword_weight: float = KEYWORD_WEIGHT,
         dense_weight: float = DENSE_WEIGHT, floor: float = DENSE_FLOOR) -> list[Ranked]:
    """Fuse collapsed lists [(document_id, chunk_id, score)] into one ranking."""
    ranked: dict[str, Ranked] = {}
    for rank, (doc_id, chunk_id, _score) in enumerate(keyword_docs, start=1):
        ranked[doc_id] = Ranked(doc_id, keyword_weight / (k + rank), chunk_id, keyword_rank=rank)
    rank = 0
    for doc_id, chunk_id, similarity in dense_docs:
        if similarity < floor:
            break  # dense lists are sorted by similarity
        rank += 1
        entry = ranked.get(doc_id)
        if entry is None:
            entry = ranked[doc_id] = Ranked(doc_id, 0.0, chunk_id)
        entry.dense_rank = rank
        entry.score += dense_weight / (k + rank)
    return sorted(ranked.values(), key=lambda r: (-r.score, r.keyword_rank or 10**9,
                                                  r.document_id))
