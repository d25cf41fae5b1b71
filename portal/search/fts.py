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
    """(chunk_id, document_id, score) best first; score = -bm25 (higher is better)."""
    if not terms:
        return []
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = (f"SELECT f.rowid AS id, c.document_id, bm25(chunks_fts, {weights}) AS rank "
           "FROM chunks_fts f JOIN search_chunks c ON c.id = f.rowid ")
    params: list = [text.fts_match(terms)]
    where = "WHERE chunks_fts MATCH ?"
    if types:
        sql += "JOIN search_documents d ON d.document_id = c.document_id "
        where += f" AND d.type IN ({','.join('?' * len(types))})"
        params += list(types)
    sql += where + " ORDER BY rank LIMIT ?"
    params.append(limit)
    return [(row[0], row[1], -row[2]) for row in db.execute(sql, params)]
