"""Keyword index: SQLite FTS5 over stemmed Dutch tokens (see text.py).

The FTS rowid is the chunk id. Columns: title, tags, heading, body; bm25 weighs
the title highest. Queries are built only from our own quoted stems, so nothing a
user types can reach FTS5's query syntax.
"""

from __future__ import annotations

from . import text

# bm25 column weights: title, tags, heading, body (tuned on benchmarks/eval).
WEIGHTS = (8.0, 4.0, 3.0, 1.0)


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


def search(db, terms: list[str], types: list[str] | None = None,
           limit: int = 1000) -> list[tuple[int, str, float]]:
    """(chunk_id, document_id, score) best first; score = -bm25 (higher is better).

    Without a type filter the FTS table is ranked on its own and the few hundred
    best rows are joined afterwards: joining first makes SQLite look up every
    matching row (5x slower at 100,000 chunks for common words).
    """
    if not terms:
        return []
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
    owners = {}
    ids = [row[0] for row in ranked]
    for start in range(0, len(ids), 900):
        part = ids[start:start + 900]
        owners.update(db.execute(
            f"SELECT id, document_id FROM search_chunks WHERE id IN ({','.join('?' * len(part))})",
            part).fetchall())
    return [(row[0], owners[row[0]], -row[1]) for row in ranked if row[0] in owners]
