"""Building the search index from the documents table, incrementally.

A document is re-chunked and re-embedded only when its fingerprint (content hash,
url, type, chunker settings) changed; a chunk whose vector was made by another
model is re-embedded from its stored text. Vectors are kept in SQLite
(search_chunks.vector, float32), so the faiss file can always be rewritten from
SQLite without embedding anything.

Order of a rebuild: embed everything new *before* writing (no lock held while
the model runs), apply all SQLite changes in one transaction, then write the
faiss file under a temporary name and os.replace it.
"""

from __future__ import annotations

import hashlib
import sys
import time

import numpy as np

from .. import timeutil
from ..db import transaction
from . import chunking, embedder, fts, store

EMBED_BATCH = 256


def fingerprint(doc: dict, max_words: int) -> str:
    raw = "|".join([doc.get("content_hash") or "", doc.get("url") or "", doc.get("type") or "",
                    chunking.CHUNKER_VERSION, str(max_words),
                    "|".join(doc.get("tags") or [])])
    return hashlib.sha256(raw.encode()).hexdigest()


def _state(db) -> dict:
    return {row[0]: row[1] for row in db.execute("SELECT key, value FROM search_state")}


def _set_state(db, **values) -> None:
    for key, value in values.items():
        db.execute("INSERT INTO search_state (key, value) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, str(value)])


def _embed(model, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    if not texts:
        return np.zeros((0, getattr(model, "dim", 0)), dtype=np.float32)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(texts), unit="chunk", desc="Embedding", file=sys.stderr)
    parts = []
    try:
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start:start + EMBED_BATCH]
            parts.append(model.encode(batch, batch_size=batch_size))
            if bar is not None:
                bar.update(len(batch))
    finally:
        if bar is not None:
            bar.close()
    return np.vstack(parts)


def rebuild(db, config, documents, *, progress: bool = False, full: bool = False) -> dict:
    """Bring the index in line with ``documents`` (an iterable of documents_for_index dicts)."""
    started = time.perf_counter()
    max_words = int(config.get("CHUNK_MAX_WORDS") or 180)
    report = {"documents": 0, "added": 0, "updated": 0, "removed": 0, "unchanged": 0,
              "chunks": 0, "embedded": 0, "model": None, "mode": "hybrid", "warning": None}
    indexed = {row[0]: row[1] for row in db.execute(
        "SELECT document_id, content_hash FROM search_documents")}

    changed: list[tuple[dict, str, list[chunking.Chunk]]] = []
    seen: set[str] = set()
    for doc in documents:
        seen.add(doc["id"])
        doc_print = fingerprint(doc, max_words)
        if not full and indexed.get(doc["id"]) == doc_print:
            report["unchanged"] += 1
            continue
        report["updated" if doc["id"] in indexed else "added"] += 1
        changed.append((doc, doc_print, chunking.chunk_document(doc, max_words)))
    removed = [doc_id for doc_id in indexed if doc_id not in seen]
    report["documents"] = len(seen)
    report["removed"] = len(removed)

    # Vectors: new chunks, plus stored chunks made by another model (or none yet).
    # The model is loaded only when there is something to embed.
    name = embedder.model_id(config)
    use_vectors = config.get("SEARCH_ENGINE", "hybrid") != "keyword"
    new_texts = [c.embed_text for _doc, _fp, chunks in changed for c in chunks]
    stale = []
    if use_vectors:
        skip = {doc["id"] for doc, _fp, _chunks in changed} | set(removed)
        stale = [(row[0], row[1]) for row in db.execute(
            "SELECT id, embed_text, document_id FROM search_chunks "
            "WHERE vector IS NULL OR model IS NOT ?", [name]) if row[2] not in skip]
    model = None
    if use_vectors and (new_texts or stale or not store.index_path(config).exists()):
        try:
            model = embedder.get_embedder(config, threads=embedder.build_threads(config))
        except embedder.EmbedderUnavailable as exc:
            report["warning"] = str(exc)
            use_vectors = False
    report["mode"] = "hybrid" if use_vectors else "keyword"
    report["model"] = name if use_vectors else None
    batch_size = int(config.get("EMBEDDING_BATCH_SIZE") or 32)
    vectors = stale_vectors = None
    if model is not None and (new_texts or stale):
        all_vectors = _embed(model, new_texts + [t for _id, t in stale], batch_size, progress)
        vectors, stale_vectors = all_vectors[:len(new_texts)], all_vectors[len(new_texts):]
        report["embedded"] = len(all_vectors)

    now = timeutil.iso()
    with transaction(db):
        for doc_id in removed + [doc["id"] for doc, _fp, _c in changed if doc["id"] in indexed]:
            old = [row[0] for row in db.execute(
                "SELECT id FROM search_chunks WHERE document_id = ?", [doc_id])]
            fts.delete(db, old)
            db.execute("DELETE FROM search_chunks WHERE document_id = ?", [doc_id])
            db.execute("DELETE FROM search_documents WHERE document_id = ?", [doc_id])
        position = 0
        for doc, doc_print, chunks in changed:
            db.execute(
                "INSERT INTO search_documents (document_id, type, title, url, summary, "
                "content_hash, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [doc["id"], doc["type"], doc["title"], doc.get("url") or "",
                 doc.get("summary") or "", doc_print, now])
            for chunk in chunks:
                blob = None
                if vectors is not None:
                    blob = vectors[position].tobytes()
                position += 1
                cursor = db.execute(
                    "INSERT INTO search_chunks (document_id, ordinal, heading, anchor, text, "
                    "embed_text, vector, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [doc["id"], chunk.ordinal, chunk.heading, chunk.anchor, chunk.text,
                     chunk.embed_text, blob, name if blob is not None else None])
                fts.add(db, cursor.lastrowid, doc["title"], doc.get("tags") or [],
                        chunk.heading, chunk.text)
        for (chunk_id, _text), vector in zip(stale, stale_vectors if stale_vectors is not None
                                             else []):
            db.execute("UPDATE search_chunks SET vector = ?, model = ? WHERE id = ?",
                       [vector.tobytes(), name, chunk_id])
        version = int(_state(db).get("version", "0"))
        if changed or removed or report["embedded"]:
            version += 1
        _set_state(db, version=version, built_at=now)

    report["chunks"] = db.execute("SELECT COUNT(*) FROM search_chunks").fetchone()[0]
    report["version"] = version
    if use_vectors:
        dim = model.dim if model is not None else int(_state(db).get("dim", 0))
        if dim:
            _write_vectors(db, config, name, dim, force=bool(changed or removed
                                                             or report["embedded"]))
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def _write_vectors(db, config, name: str, dim: int, force: bool) -> None:
    """Rewrite the faiss file from SQLite when anything changed or it is out of date."""
    path = store.index_path(config)
    state = _state(db)
    count = db.execute("SELECT COUNT(*) FROM search_chunks WHERE model = ? AND vector IS NOT NULL",
                       [name]).fetchone()[0]
    if not force and path.exists() and state.get("vector_count") == str(count) \
            and state.get("model") == name:
        return
    ids = np.empty(count, dtype=np.int64)
    vectors = np.empty((count, dim), dtype=np.float32)
    for i, (chunk_id, blob) in enumerate(db.execute(
            "SELECT id, vector FROM search_chunks WHERE model = ? AND vector IS NOT NULL", [name])):
        if i >= count:
            break
        ids[i] = chunk_id
        vectors[i] = np.frombuffer(blob, dtype=np.float32)
    store.write(path, ids, vectors, dim)
    with transaction(db):
        _set_state(db, model=name, dim=dim, vector_count=count)


def status(db, config) -> dict:
    """What is indexed, compared with the documents table."""
    state = _state(db)
    name = embedder.model_id(config)
    max_words = int(config.get("CHUNK_MAX_WORDS") or 180)
    path = store.index_path(config)
    return {
        "indexed_documents": db.execute("SELECT COUNT(*) FROM search_documents").fetchone()[0],
        "chunks": db.execute("SELECT COUNT(*) FROM search_chunks").fetchone()[0],
        "embedded": db.execute("SELECT COUNT(*) FROM search_chunks WHERE model = ? "
                               "AND vector IS NOT NULL", [name]).fetchone()[0],
        "model": name,
        "index_model": state.get("model"),
        "index_file": str(path),
        "index_file_exists": path.exists(),
        "index_vectors": int(state.get("vector_count", 0)),
        "version": int(state.get("version", 0)),
        "built_at": state.get("built_at"),
        "max_words": max_words,
    }
