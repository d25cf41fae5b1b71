"""Which document (and type) each passage belongs to, remembered per process.

A keyword query ranks up to a thousand passages and needs each one's document to
collapse them; looking those up row by row in ``search_chunks`` (wide rows: text and
vector) cost more than the ranking of a typical query. Chunk ids are never reused
(AUTOINCREMENT) and a passage never changes document or type (a changed document gets
new passages), so an owner once read stays true. The map is read with one scan of the
covering index ``idx_search_chunks_document`` whenever the index state changes
(database file, ``search_state`` version and build time: a rebuild or a restored backup
reads it again), and ids it does not know yet (a rebuild that committed a moment ago)
are looked up in SQL. Memory: about 12 bytes per passage plus the document ids.
"""

from __future__ import annotations

import threading

import numpy as np

_lock = threading.Lock()
_maps: dict[str, tuple[tuple, _Map]] = {}  # database file -> (index state, map)


class _Map:
    def __init__(self, rows):
        """``rows``: (chunk_id, document_id, type) in any order, streamed (not kept)."""
        owners: dict[tuple[str, str], int] = {}
        ids, owner = [], []
        for chunk_id, document_id, doc_type in rows:
            ids.append(chunk_id)
            owner.append(owners.setdefault((document_id, doc_type), len(owners)))
        order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
        self.ids = np.asarray(ids, dtype=np.int64)[order]
        self.owner = np.asarray(owner, dtype=np.int32)[order]
        self.documents = list(owners)  # [(document_id, type)]

    def find(self, chunk_ids: list[int]) -> list[tuple[str, str] | None]:
        if not len(self.ids) or not chunk_ids:
            return [None] * len(chunk_ids)
        wanted = np.asarray(chunk_ids, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        found = (self.ids[pos] == wanted).tolist()
        owner = self.owner[pos].tolist()
        documents = self.documents
        return [documents[o] if ok else None for o, ok in zip(owner, found)]


def _database_file(db) -> str:
    for row in db.execute("PRAGMA database_list"):
        if row[1] == "main":
            return row[2] or ":memory:"
    return ":memory:"


def index_state(db) -> tuple:
    """(database file, index version, build time): changes with every rebuild that changed
    something, and with a restored backup."""
    state = dict(db.execute(
        "SELECT key, value FROM search_state WHERE key IN ('version', 'built_at')").fetchall())
    return (_database_file(db), state.get("version"), state.get("built_at"))


def _load(db) -> _Map:
    return _Map(db.execute(  # streamed: rows are not kept
        "SELECT c.id, c.document_id, d.type FROM search_chunks c "
        "JOIN search_documents d ON d.document_id = c.document_id"))


def _current(db, state: tuple) -> _Map:
    cached = _maps.get(state[0])
    if cached is not None and cached[0] == state:
        return cached[1]
    with _lock:
        cached = _maps.get(state[0])
        if cached is not None and cached[0] == state:
            return cached[1]
        if state[0] == ":memory:":
            return _Map([])  # nothing to remember: every id goes to SQL
        mapping = _load(db)
        if len(_maps) >= 8:  # a server has one database; tests make many
            _maps.clear()
        _maps[state[0]] = (state, mapping)
        return mapping


def warm(db) -> None:
    """Read the map now (the engine loader does this, so no user pays it)."""
    _current(db, index_state(db))


def find(db, chunk_ids: list[int], state: tuple | None = None) -> dict[int, tuple[str, str]]:
    """{chunk_id: (document_id, type)} for the ids that are (or were) passages."""
    if not chunk_ids:
        return {}
    mapping = _current(db, state or index_state(db))
    out, missing = {}, []
    for chunk_id, owner in zip(chunk_ids, mapping.find(chunk_ids)):
        if owner is None:
            missing.append(chunk_id)
        else:
            out[chunk_id] = owner
    for start in range(0, len(missing), 900):
        part = missing[start:start + 900]
        out.update((row[0], (row[1], row[2])) for row in db.execute(
            "SELECT c.id, c.document_id, d.type FROM search_chunks c JOIN search_documents d "
            f"ON d.document_id = c.document_id WHERE c.id IN ({','.join('?' * len(part))})",
            part))
    return out


def reset() -> None:
    """Forget every map (tests)."""
    with _lock:
        _maps.clear()
