"""The search engine's interface. Everything else in portal/search/ is behind it.

    search(query, types=None, limit=10, offset=0) -> SearchResponse
    rebuild_index(progress=False, full=False) -> report dict
    index_status() -> dict
    similar(text, types=None, limit=5) -> SearchResponse   (e.g. tickets → articles)
    passages(query, document_ids) -> {document_id: [Passage]}  (each with its similarity)
    embed(texts) -> array | None         (normalised vectors; None while meaning search is off)
    start_engine(app) -> thread | None   (servers: load the model in the background)
    engine_state() -> dict               (ready | loading | keyword-only | not-loaded)

Needs an app context (config + database). Never raises for any query text:
empty, huge, FTS syntax, emoji or HTML all give a normal (possibly empty) response.
When the model or the vector index is unavailable, results are keyword-only with
mode "keyword" and a translated notice.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from flask import current_app
from flask_babel import gettext as _

from ..db import connect, get_db
from ..kb import service as kb
from . import embedder, fts, fusion, indexer, owners, snippets, store, text

log = logging.getLogger(__name__)
KEYWORD_CHUNKS = 1000  # keyword passages considered per query
DENSE_CHUNKS = 100  # nearest passages considered per query (x4 with a type filter)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


@dataclass
class Hit:
    id: str
    title: str
    type: str
    url: str  # the document, with "#anchor" of the best passage when it has one
    score: float
    summary: str
    heading: str | None = None
    anchor: str | None = None
    passage: str = field(default="", repr=False)  # the best passage, for the snippet
    terms: tuple[str, ...] = field(default=(), repr=False)  # query stems to mark in it

    @cached_property
    def _snippets(self) -> tuple[str, str]:
        """Made on first use: a page that asks for 100 hits to count types shows 10."""
        html, plain = snippets.make(self.passage, list(self.terms))
        return str(html), plain

    @property
    def snippet(self) -> str:
        """Safe HTML: escaped text with <mark> around matched words."""
        return self._snippets[0]

    @property
    def snippet_text(self) -> str:
        """The same snippet as plain text (CLI, JSON)."""
        return self._snippets[1]


@dataclass
class SearchResponse:
    query: str
    results: list[Hit] = field(default_factory=list)
    total: int = 0
    mode: str = "keyword"  # "hybrid" | "keyword"
    notice: str | None = None
    took_ms: float = 0.0


def clean_query(query) -> str:
    query = _CONTROL.sub(" ", str(query or ""))
    limit = int(current_app.config.get("SEARCH_MAX_QUERY_CHARS") or 500)
    return " ".join(query[:limit].split())


def _nearest(config, query: str, k: int):
    """Nearest chunks [(chunk_id, similarity)], or None when meaning search is unavailable.
    Touches no database, so it can run beside the keyword query."""
    if config.get("SEARCH_MODEL_LOAD") == "background":
        model = embedder.loaded(config)  # a server never waits for the model
        if model is None:
            _load_in_background(config)  # no-op while loading; retries after a failure
            return None
    else:
        try:
            model = embedder.get_embedder(config)
        except embedder.EmbedderUnavailable:
            return None
    index = store.load(store.index_path(config))
    if index is None or index.ntotal == 0 or index.d != model.dim:
        return None
    return store.search(index, embedder.encode_query(model, query), k)


def _dense_docs(db, hits, types) -> list:
    """Nearest chunks → collapsed [(document_id, chunk_id, similarity)], type-filtered."""
    if not hits:
        return []
    found = owners.find(db, [chunk_id for chunk_id, _ in hits])
    wanted = set(types or ())
    chunk_hits = [(cid, found[cid][0], sim) for cid, sim in hits
                  if cid in found and (not wanted or found[cid][1] in wanted)]
    return fusion.collapse(chunk_hits)


def _dense(db, config, query: str, types) -> list | None:
    """Collapsed dense results, or None when meaning search is unavailable."""
    hits = _nearest(config, query, DENSE_CHUNKS * (4 if types else 1))
    return None if hits is None else _dense_docs(db, hits, types)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="search-embed")
    return _pool


def search(query: str, *, types: list[str] | None = None, limit: int = 10,
           offset: int = 0) -> SearchResponse:
    started = time.perf_counter()
    config = current_app.config
    db = get_db()
    query = clean_query(query)
    types = [t for t in (types or []) if t] or None
    limit = max(0, min(int(limit), 100))
    offset = max(0, int(offset))
    response = SearchResponse(query=query, mode="keyword")
    if not query:
        response.took_ms = (time.perf_counter() - started) * 1000
        return response

    terms = text.query_terms(query)
    nearest = None
    if config.get("SEARCH_ENGINE", "hybrid") != "keyword":
        # Embed the query and search faiss on another core while SQLite ranks keywords.
        nearest = _executor().submit(_nearest, config, query,
                                     DENSE_CHUNKS * (4 if types else 1))
    keyword_docs = fusion.collapse(fts.search(db, terms, types, KEYWORD_CHUNKS))
    dense_docs = None
    if nearest is not None:
        hits = nearest.result()
        dense_docs = None if hits is None else _dense_docs(db, hits, types)
        if dense_docs is None:
            response.notice = _("Search by meaning is not available right now; "
                                "showing keyword results.")
        else:
            response.mode = "hybrid"
    ranked = fusion.fuse(keyword_docs, dense_docs or [])

    # Documents removed since the last rebuild are left out.
    existing = kb.existing_ids([r.document_id for r in ranked])
    ranked = [r for r in ranked if r.document_id in existing]
    response.total = len(ranked)
    page = ranked[offset:offset + limit]
    response.results = _hits(db, page, kb.get_documents([r.document_id for r in page]), terms)
    response.took_ms = (time.perf_counter() - started) * 1000
    return response


def _hits(db, page, documents: dict, terms: list[str]) -> list[Hit]:
    if not page:
        return []
    ids = [r.chunk_id for r in page]
    chunks = {row["id"]: row for row in db.execute(
        f"SELECT id, heading, anchor, text FROM search_chunks WHERE id IN "
        f"({','.join('?' * len(ids))})", ids)}
    hits = []
    for r in page:
        doc = documents.get(r.document_id)
        if doc is None:  # deleted this very moment
            continue
        chunk = chunks.get(r.chunk_id)
        passage = chunk["text"] if chunk else (doc.get("summary") or "")
        anchor = chunk["anchor"] if chunk else None
        url = doc["url"] + (f"#{anchor}" if anchor else "")
        hits.append(Hit(id=r.document_id, title=doc["title"], type=doc["type"], url=url,
                        score=round(r.score * 1000, 3), summary=doc.get("summary") or "",
                        heading=chunk["heading"] if chunk else None, anchor=anchor,
                        passage=passage, terms=tuple(terms if r.keyword_rank else ())))
    return hits


def warm_up() -> None:
    """Load the model and the vector index now, e.g. before a batch of timed queries."""
    config = current_app.config
    if config.get("SEARCH_ENGINE", "hybrid") == "keyword":
        return
    try:
        embedder.get_embedder(config).encode(["warm-up"])
    except embedder.EmbedderUnavailable:
        return
    store.load(store.index_path(config))


def start_engine(app):
    """Load the model and the vector index in a background thread, now.

    For servers: `portal run`, every gunicorn worker (gunicorn.conf.py), live test
    servers. From then on this app's searches never wait for the model: they answer
    by keyword, with the notice, until it is ready. Returns the thread (or None)."""
    app.config["SEARCH_MODEL_LOAD"] = "background"
    return _load_in_background(app.config)


def _load_in_background(config):
    if config.get("SEARCH_ENGINE", "hybrid") == "keyword":
        return None

    def then():
        store.load(store.index_path(config))
        _warm_owners(config)

    return embedder.load_in_background(config, then=then)


def _warm_owners(config) -> None:
    """Read the passage -> document map before the first query needs it."""
    if not os.path.exists(config["DATABASE"]):  # nothing indexed yet; do not create it
        return
    try:
        db = connect(config["DATABASE"])
    except Exception:  # noqa: BLE001 - the first query reads it instead
        return
    try:
        owners.warm(db)
    except Exception:  # e.g. no search tables yet
        log.debug("passage map not read in advance", exc_info=True)
    finally:
        db.conn.close()


def engine_state() -> dict:
    """{"state": ready | loading | keyword-only | not-loaded, "runtime", "reason"} (/healthz)."""
    return embedder.state(current_app.config)


def similar(text_value: str, *, types: list[str] | None = None, limit: int = 5) -> SearchResponse:
    """Documents related to a longer text (a ticket's subject and description)."""
    return search(text_value, types=types, limit=limit)


def rebuild_index(progress: bool = False, full: bool = False) -> dict:
    """Bring the index up to date with the documents table (see indexer.rebuild)."""
    config = current_app.config
    try:  # set-up is where torch may run: export the ONNX model now, not in a server
        export = embedder.export_onnx(config)
    except Exception as exc:  # noqa: BLE001 - the embedder falls back and says why
        log.warning("ONNX export failed: %s", exc)
        export = {"error": str(exc)}
    report = indexer.rebuild(get_db(), config, kb.documents_for_index(), progress=progress,
                             full=full)
    report["onnx_export"] = export
    return report


def index_status() -> dict:
    """Counts, model, index file and version, and documents changed since the last build."""
    config = current_app.config
    db = get_db()
    report = indexer.status(db, config)
    max_words = report["max_words"]
    indexed = {row[0]: row[1] for row in db.execute(
        "SELECT document_id, content_hash FROM search_documents")}
    stale, current = [], set()
    for doc in kb.documents_for_index():
        current.add(doc["id"])
        if indexed.get(doc["id"]) != indexer.fingerprint(doc, max_words):
            stale.append(doc["id"])
    stale += [doc_id for doc_id in indexed if doc_id not in current]
    report["documents"] = len(current)
    report["stale_documents"] = sorted(stale)
    report["engine"] = config.get("SEARCH_ENGINE", "hybrid")
    return report


@dataclass
class Passage:
    """One indexed passage of a document, in document order."""

    document_id: str
    ordinal: int
    heading: str | None
    anchor: str | None
    text: str  # plain text, paragraphs and list items on lines of their own
    similarity: float | None = None  # cosine with the query; None without meaning search


def _model_now(config):
    """The embedder if meaning search can answer now (a server never waits), else None."""
    if config.get("SEARCH_ENGINE", "hybrid") == "keyword":
        return None
    if config.get("SEARCH_MODEL_LOAD") == "background":
        model = embedder.loaded(config)
        if model is None:
            _load_in_background(config)
        return model
    try:
        return embedder.get_embedder(config)
    except embedder.EmbedderUnavailable:
        return None


def passages(query: str, document_ids: list[str]) -> dict[str, list[Passage]]:
    """Every indexed passage of these documents, with its similarity to ``query``.

    The vectors are the ones the index was built with (``search_chunks.vector``), and the
    query vector is the one ``search`` just made (cached), so this costs no forward pass
    after a search. Similarities are None when meaning search is unavailable or the
    passage was embedded by another model."""
    ids = list(dict.fromkeys(document_ids))
    out: dict[str, list[Passage]] = {doc_id: [] for doc_id in ids}
    if not ids:
        return out
    config = current_app.config
    model = _model_now(config)
    query_vector = None
    if model is not None and clean_query(query):
        query_vector = embedder.encode_query(model, clean_query(query))
    rows = get_db().execute(
        f"SELECT document_id, ordinal, heading, anchor, text, vector, model FROM search_chunks "
        f"WHERE document_id IN ({','.join('?' * len(ids))}) ORDER BY document_id, ordinal",
        ids).fetchall()
    name = embedder.model_id(config)
    for row in rows:
        similarity = None
        if query_vector is not None and row["vector"] and row["model"] == name:
            vector = np.frombuffer(row["vector"], dtype=np.float32)
            if vector.shape == query_vector.shape:
                similarity = float(vector @ query_vector)
        out[row["document_id"]].append(Passage(row["document_id"], row["ordinal"], row["heading"],
                                               row["anchor"], row["text"], similarity))
    return out


_EMBED_CACHE_SIZE = 4096
_embedded: dict[tuple, np.ndarray] = {}
_embedded_lock = threading.Lock()


def embed(texts: list[str]) -> np.ndarray | None:
    """Normalised vectors of short texts (one row each), or None when meaning search is
    unavailable right now (keyword-only, model loading or failed). Remembered per text,
    so asking again for the same texts costs no forward pass."""
    config = current_app.config
    model = _model_now(config)
    if model is None:
        return None
    texts = [clean_query(t) for t in texts]
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    key = (model.name, getattr(model, "runtime", ""))
    with _embedded_lock:
        missing = list(dict.fromkeys(t for t in texts if (key, t) not in _embedded))
    if missing:
        vectors = model.encode(missing, batch_size=8)
        with _embedded_lock:
            if len(_embedded) + len(missing) > _EMBED_CACHE_SIZE:
                _embedded.clear()
            _embedded.update({(key, t): v for t, v in zip(missing, vectors)})
            found = {t: _embedded[(key, t)] for t in texts}
    else:
        with _embedded_lock:
            found = {t: _embedded[(key, t)] for t in texts}
    return np.vstack([found[t] for t in texts]).astype(np.float32)


def vector_for(query: str) -> np.ndarray:
    """The query embedding (benchmarks)."""
    return embedder.encode_query(embedder.get_embedder(current_app.config), clean_query(query))
