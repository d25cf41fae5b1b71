"""Keyword index: SQLite FTS5 over stemmed Dutch tokens (see text.py).

The FTS rowid is the chunk id. Columns: title, tags, heading, body; bm25 weighs
the title highest. Queries are built only from our own quoted stems, so nothing a
user types can reach FTS5's query syntax.
"""

from __future__ import annotations

import threading

from . import owners, text

# bm25 column weights: title, tags, heading, body (tuned on benchmarks/eval).
WEIGHTS = (8.0, 4.0, 3.0, 1.0)
# A query term found in more than this share of all passages is left out of the MATCH
# (unless every term of the query is that common). FTS5's bm25 gives such a term an idf
# of log((N - n + 0.5) / (n + 0.5)) <= 0, which it clamps to 1e-6: it adds nothing to
# any score, but every row it matches must still be scored ("gemeente" in a municipal
# register is in 70% of the passages). See README, Figures, Search.
COMMON_SHARE = 0.5
_frequencies: dict[tuple, dict[str, int]] = {}  # index state -> {term: passages}
_frequencies_lock = threading.Lock()


def add(db, chunk_id: int, title: str, tags: list[str], heading: str | None, body: str) -> None:
    db.execute(
        "INSERT INTO chunks_fts (rowid, title, tags, heading, body) VALUES (?, ?, ?, ?, ?)",
        [chunk_id, text.index_text(title), text.index_text(" ".join(tags or [])),
         text.index_text(heading or ""), text.index_text(body)],
    )


def delete(db, chunk_ids: list[int]) -> None:
    for start in range(0, len(chunk_ids), 500):
        part = chunk_ids[start:start + 500]
        db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({','.join('?' * len(part))})", part)


def _document_frequencies(db, state: tuple, terms: list[str]) -> tuple[int, dict[str, int]]:
    """(passages in the index, {term: passages containing it}), remembered per index state.

    A term's count costs one pass over its doclist (a few ms for the commonest words
    at 100,000 passages), once per term and index state."""
    with _frequencies_lock:
        known = _frequencies.get(state)
        if known is None:
            _frequencies.clear()  # only the current state is worth keeping
            known = _frequencies[state] = {}
        if len(known) > 50_000:
            known.clear()
        wanted = [t for t in [""] + terms if t not in known]
    found = {}
    for term in wanted:
        if term == "":  # the number of passages
            found[term] = db.execute("SELECT count(*) FROM search_chunks").fetchone()[0]
        else:
            found[term] = db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                                     [text.fts_match([term])]).fetchone()[0]
    with _frequencies_lock:
        known.update(found)
        return known.get("", found.get("", 0)), {t: known.get(t, found.get(t, 0)) for t in terms}


def informative_terms(db, terms: list[str], state: tuple | None = None) -> list[str]:
    """``terms`` without those found in more than COMMON_SHARE of all passages, unless
    that would leave none (then bm25 ranks by all of them, as before)."""
    if len(terms) < 2:
        return terms
    total, frequency = _document_frequencies(db, state or owners.index_state(db), terms)
    kept = [t for t in terms if frequency[t] <= COMMON_SHARE * total]
    return kept or terms


def search(db, terms: list[str], types: list[str] | None = None,
           limit: int = 1000) -> list[tuple[int, str, float]]:
    """(chunk_id, document_id, score) best first; score = -bm25 (higher is better).

    Without a type filter the FTS table is ranked on its own and the passages'
    documents come from owners.py afterwards: joining first makes SQLite look up
    every matching row (5x slower at 100,000 chunks for common words), and even
    looking up the best thousand in ``search_chunks`` cost more than most rankings.
    """
    if not terms:
        return []
    state = owners.index_state(db)
    terms = informative_terms(db, terms, state)
    weights = ", ".join(str(w) for w in WEIGHTS)
    match = text.fts_match(terms)
    if types:
        sql = (f"SELECT f.rowid, c.document_id, bm25(chunks_fts, {weights}) AS rank "
               "FROM chunks_fts f JOIN search_chunks c ON c.id = f.rowid "
               "JOIN search_documents d ON d.document_id = c.document_id "
               f"WHERE chunks_fts MATCH ? AND d.type IN ({','.join('?' * len(types))}) "
               "ORDER BY rank LIMIT ?")
        return [(row[0], row[1], -row[2])
                for row in db.execute(sql, [match, *types, limit])]
    ranked = db.execute(f"SELECT rowid, bm25(chunks_fts, {weights}) AS rank FROM chunks_fts "
                        "WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?", [match, limit]).fetchall()
    if not ranked:
        return []
    found = owners.find(db, [row[0] for row in ranked], state)
    return [(row[0], found[row[0]][0], -row[1]) for row in ranked if row[0] in found]
