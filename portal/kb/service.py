"""Knowledge base: documents in SQLite (the source of truth) and the folder sync.

Public functions (used by the pages, the CLI, the search engine and the assistant):

- sync_folders(knowledge_dir=None, courses_dir=None) → report dict
- get_document(doc_id) → full document dict (raises NotFound)
- get_documents(ids) → {id: light row} for the ids that exist
- list_documents(type=None, source=None, limit=None, offset=0, order="title") → light rows
- count_documents(type=None, source=None), count_by_type() → {type: count}
- track_modules(track) → the course modules of a learning track, in order
- faq_pairs(doc) → [(question, answer_markdown)]
- documents_for_index(ids=None) → iterator of dicts for the search index
- document_url(doc_id) → "/kennisbank/<id>" (no request context needed)
- can_read(user) → whether this user may read the knowledge base
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..db import get_db, transaction
from ..errors import NotFound
from . import faq, generated, loader

FOLDER_SOURCES = ("knowledge", "courses")
LIGHT_COLUMNS = "id, type, title, summary, tags, team, updated, source, path, meta"
URL_PREFIX = "/kennisbank"


def document_url(doc_id: str, anchor: str | None = None) -> str:
    url = f"{URL_PREFIX}/{quote(doc_id, safe='')}"
    return f"{url}#{anchor}" if anchor else url


def known_types() -> list[str]:
    """The configured document types, in their display order."""
    return list(current_app.config.get("KB_TYPES") or {})


def type_label(doc_type: str, plural: bool = False) -> str:
    """"Handleiding" / "Handleidingen"; unknown types get a readable form of their key."""
    labels = (current_app.config.get("KB_TYPES") or {}).get(doc_type)
    if not labels:
        return doc_type.replace("_", " ").capitalize()
    return str(labels[1] if plural else labels[0])


def can_read(user) -> bool:
    """Knowledge is internal but not personal: public unless KB_PUBLIC is off."""
    if current_app.config.get("KB_PUBLIC", True):
        return True
    return bool(user is not None and getattr(user, "is_authenticated", False))


# --- reading -----------------------------------------------------------------

def _row_to_doc(row) -> dict:
    doc = dict(row)
    doc["tags"] = json.loads(doc.get("tags") or "[]")
    doc["meta"] = json.loads(doc.get("meta") or "{}")
    doc["url"] = document_url(doc["id"])
    return doc


def get_document(doc_id: str) -> dict:
    """A stored document; a generated one (kb/generated.py) is rendered afresh."""
    fresh = generated.build(doc_id) if isinstance(doc_id, str) else None
    if fresh is not None:
        doc = {**fresh, "created_at": None, "modified_at": None}
        doc["url"] = document_url(doc_id)
        return doc
    row = get_db().execute("SELECT * FROM documents WHERE id = ?", [doc_id]).fetchone()
    if row is None:
        raise NotFound(_("This knowledge document does not exist (any more)."))
    return _row_to_doc(row)


def _rows_for(ids, columns: str):
    ids = list(dict.fromkeys(ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        yield from get_db().execute(f"SELECT {columns} FROM documents WHERE id IN ({marks})", chunk)


def get_documents(ids) -> dict[str, dict]:
    """{id: light row} for the ids that exist."""
    return {row["id"]: _row_to_doc(row) for row in _rows_for(ids, LIGHT_COLUMNS)}


def existing_ids(ids) -> set[str]:
    """The ids among ``ids`` that are still documents (cheap: ids only)."""
    return {row["id"] for row in _rows_for(ids, "id")}


def list_documents(type: str | None = None, source: str | None = None,  # noqa: A002
                   limit: int | None = None, offset: int = 0, order: str = "title") -> list[dict]:
    """Light rows (no body), sorted by title or by ``order="updated"`` (newest first)."""
    where, params = _filters(type, source)
    sql = f"SELECT {LIGHT_COLUMNS} FROM documents{where}"
    if order == "updated":
        sql += " ORDER BY updated IS NULL, updated DESC, title COLLATE NOCASE, id"
    else:
        sql += " ORDER BY title COLLATE NOCASE, id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [int(limit), max(0, int(offset))]
    return [_row_to_doc(row) for row in get_db().execute(sql, params)]


def count_documents(type: str | None = None, source: str | None = None) -> int:  # noqa: A002
    where, params = _filters(type, source)
    return get_db().execute(f"SELECT COUNT(*) FROM documents{where}", params).fetchone()[0]


def _filters(doc_type: str | None, source: str | None) -> tuple[str, list]:
    where, params = [], []
    if doc_type:
        where.append("type = ?")
        params.append(doc_type)
    if source:
        where.append("source = ?")
        params.append(source)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def track_modules(track: str) -> list[dict]:
    """The course modules of a learning track, in their ``order``."""
    rows = get_db().execute(
        f"SELECT {LIGHT_COLUMNS} FROM documents WHERE type = 'course' "
        "AND json_extract(meta, '$.track') = ?", [track])
    docs = [_row_to_doc(row) for row in rows]

    def position(doc):
        order = doc["meta"].get("order")
        return (0, float(order)) if isinstance(order, (int, float)) else (1, 0.0), doc["title"]

    return sorted(docs, key=position)


def count_by_type() -> dict[str, int]:
    rows = get_db().execute("SELECT type, COUNT(*) AS n FROM documents GROUP BY type")
    return {row["type"]: row["n"] for row in rows}


def faq_pairs(doc: dict) -> list[tuple[str, str]]:
    return faq.faq_pairs(doc.get("body") or "")


def documents_for_index(ids=None):
    """Every document (or the given ids) as the search engine needs it.

    Yields {id, type, title, summary, body, tags, team, source, url, content_hash,
    updated}. ``url`` is a plain path, usable without a request context.
    """
    sql = ("SELECT id, type, title, summary, body, tags, team, source, content_hash, updated "
           "FROM documents")
    params: list = []
    if ids is not None:
        ids = list(ids)
        if not ids:
            return
        sql += f" WHERE id IN ({','.join('?' * len(ids))})"
        params = ids
    for row in get_db().execute(sql + " ORDER BY id", params):
        doc = dict(row)
        doc["tags"] = json.loads(doc["tags"] or "[]")
        doc["url"] = document_url(doc["id"])
        yield doc


# --- writing -----------------------------------------------------------------

def _store(db, doc: dict, existing: dict | None, now: str) -> None:
    values = {
        "type": doc["type"], "title": doc["title"], "summary": doc.get("summary") or "",
        "body": doc.get("body") or "", "tags": json.dumps(doc.get("tags") or [], ensure_ascii=False),
        "team": doc.get("team"), "updated": doc.get("updated"), "source": doc["source"],
        "path": doc.get("path"), "meta": json.dumps(doc.get("meta") or {}, ensure_ascii=False),
        "content_hash": doc["content_hash"], "modified_at": now,
    }
    if existing is None:
        db.execute(
            "INSERT INTO documents (id, type, title, summary, body, tags, team, updated, source, "
            "path, meta, content_hash, created_at, modified_at) VALUES (:id, :type, :title, "
            ":summary, :body, :tags, :team, :updated, :source, :path, :meta, :content_hash, "
            ":created_at, :modified_at)",
            {**values, "id": doc["id"], "created_at": now},
        )
    else:
        db.execute(
            "UPDATE documents SET type = :type, title = :title, summary = :summary, body = :body, "
            "tags = :tags, team = :team, updated = :updated, source = :source, path = :path, "
            "meta = :meta, content_hash = :content_hash, modified_at = :modified_at "
            "WHERE id = :id",
            {**values, "id": doc["id"]},
        )


def apply_documents(docs: list[dict], sources: tuple[str, ...], keep=lambda row: False,
                    remove=lambda row: True) -> dict:
    """Upsert ``docs`` (each owned by one of ``sources``) in one transaction.

    Existing documents of ``sources`` that are not in ``docs`` are removed when
    ``remove(row)`` is true and ``keep(row)`` is false (row: id, source, path, meta
    as JSON text, content_hash). A document whose id belongs to
    another source is not overwritten but reported as an error.
    Returns {added, updated, removed, unchanged, errors, changed_ids, removed_ids}.
    """
    db = get_db()
    report = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0, "errors": [],
              "changed_ids": [], "removed_ids": []}
    now = timeutil.iso()
    with transaction(db):
        existing = {row["id"]: dict(row) for row in db.execute(
            "SELECT id, source, path, meta, content_hash FROM documents")}
        wanted = set()
        for doc in docs:
            old = existing.get(doc["id"])
            if old is not None and old["source"] not in sources:
                report["errors"].append({
                    "path": f"{doc['source']}/{doc.get('path') or doc['id']}",
                    "message": f"id '{doc['id']}' is already used by {old['source']}/"
                               f"{old['path'] or doc['id']}; skipped",
                })
                continue
            wanted.add(doc["id"])
            if old is None:
                _store(db, doc, None, now)
                report["added"] += 1
                report["changed_ids"].append(doc["id"])
            elif old["content_hash"] != doc["content_hash"]:
                _store(db, doc, old, now)
                report["updated"] += 1
                report["changed_ids"].append(doc["id"])
            else:
                report["unchanged"] += 1
        for row in existing.values():
            if row["source"] in sources and row["id"] not in wanted and remove(row) \
                    and not keep(row):
                db.execute("DELETE FROM documents WHERE id = ?", [row["id"]])
                report["removed"] += 1
                report["removed_ids"].append(row["id"])
    return report


def refresh_generated() -> dict:
    """Store the generated pages again (one changed: a FAQ entry was published), so search
    finds the new text once the worker has indexed it."""
    if not current_app.config.get("KB_GENERATED_PAGES", True):
        return {"changed_ids": []}
    return apply_documents(generated.documents(), (generated.SOURCE,))


def sync_folders(knowledge_dir: str | None = None, courses_dir: str | None = None) -> dict:
    """Load the knowledge and courses folders into the documents table.

    Idempotent: files whose content did not change are left alone. Documents whose
    file vanished are removed; a file that fails to load keeps its previous
    version. A missing folder removes nothing (a wrong path must not empty the
    knowledge base) and is reported as an error.
    Returns {added, updated, removed, unchanged, errors: [{path, message}],
    warnings: [...], changed_ids, removed_ids}.
    """
    config = current_app.config
    folders = {"knowledge": knowledge_dir or config["KNOWLEDGE_DIR"],
               "courses": courses_dir or config["COURSES_DIR"]}
    docs: list[dict] = []
    errors: list[dict] = []
    warnings: list[dict] = []
    protected: set[tuple[str, str]] = set()
    synced_sources: list[str] = []
    seen: dict[str, str] = {}
    for source, folder in folders.items():
        result = loader.load_folder(folder, source)
        warnings += result.warnings
        errors += result.errors
        if not Path(folder).is_dir():
            continue
        synced_sources.append(source)
        protected |= {(source, path) for path in result.failed_paths}
        for doc in result.documents:
            where = f"{source}/{doc['path']}"
            if doc["id"] in seen:  # same id in knowledge/ and courses/
                errors.append({"path": where, "message": f"duplicate id '{doc['id']}': already "
                               f"used by {seen[doc['id']]}; this file was skipped"})
                protected.add((source, doc["path"]))
                continue
            seen[doc["id"]] = where
            docs.append(doc)
    report = apply_documents(
        docs, tuple(synced_sources),
        keep=lambda row: (row["source"], row["path"]) in protected,
    )
    # Pages generated from configuration (kb/generated.py), stored so search finds them;
    # reported on their own so the folder counts stay the folders'.
    pages = generated.documents() if config.get("KB_GENERATED_PAGES", True) else []
    extra = apply_documents(pages, (generated.SOURCE,))
    report["generated"] = {key: extra[key] for key in ("added", "updated", "removed", "unchanged")}
    report["changed_ids"] += extra["changed_ids"]
    report["removed_ids"] += extra["removed_ids"]
    report["errors"] = errors + report["errors"] + extra["errors"]
    report["warnings"] = warnings
    return report
