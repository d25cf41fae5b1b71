""""Maybe this already helps": knowledge articles while an employee writes a request.

A desk form visit gets a random suggestion-session id when the form renders
(:func:`session_id_for`). It is the only key of what is recorded: which articles
were shown, which were opened (links go through ``/zoeken/suggesties/open/<id>``),
and whether a request was still submitted (the desk calls
:func:`record_submitted`). No user, no ticket id and no request text are stored,
so the numbers say how often suggestions help without saying whom they helped.
Times are rounded to the hour.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app

from .. import timeutil
from ..db import get_db, transaction
from ..kb import service as kb
from . import log as search_log
from . import service as engine
from . import text

log = logging.getLogger(__name__)

_SESSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
DEFAULT_LIMIT = 4
MIN_TERMS = 1  # meaningful words needed before suggesting anything
MIN_CHARS = 4


@dataclass
class Suggestions:
    hits: list = field(default_factory=list)
    mode: str = "keyword"
    searched: bool = False  # False: not enough text yet


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


def valid_session(value) -> str | None:
    value = str(value or "")
    return value if _SESSION.fullmatch(value) else None


def session_id_for(existing=None) -> str:
    """The id for a form render: the posted one when valid (re-shown form), else new."""
    return valid_session(existing) or new_session_id()


def _query(subject: str, description: str) -> str:
    limit = int(current_app.config.get("SEARCH_MAX_QUERY_CHARS") or 500)
    combined = " ".join(f"{subject or ''} {description or ''}".split())
    if len(combined) > limit:
        combined = combined[:limit].rsplit(" ", 1)[0]
    return combined


def suggestions(subject: str, description: str = "", *, session_id: str | None = None,
                limit: int | None = None) -> Suggestions:
    """Up to ``limit`` knowledge articles for a request being written."""
    limit = limit or int(current_app.config.get("SUGGEST_LIMIT") or DEFAULT_LIMIT)
    query = _query(str(subject or "")[:1000], str(description or "")[:5000])
    terms = [t for t in text.query_terms(query) if t not in text.STOPWORDS]
    if len(query) < MIN_CHARS or len(terms) < MIN_TERMS:
        return Suggestions()
    try:
        response = engine.search(query, limit=limit)
    except Exception:  # noqa: BLE001 - suggestions are a help, never a blocker
        log.exception("suggestions failed")
        return Suggestions(searched=True)
    result = Suggestions(hits=response.results, mode=response.mode, searched=True)
    if session_id:
        _record_shown(session_id, [hit.id for hit in result.hits], subject, response)
    return result


def _record_shown(session_id: str, doc_ids: list[str], subject: str, response) -> None:
    """Remember what this session was shown; log the subject once per distinct subject."""
    fingerprint = hashlib.sha256(search_log.scrub(subject).encode()).hexdigest()[:32]
    db = get_db()
    try:
        with transaction(db):
            db.execute("INSERT OR IGNORE INTO suggest_sessions (id, created_at) VALUES (?, ?)",
                       [session_id, timeutil.hour_iso()])
            for doc_id in doc_ids:
                db.execute("INSERT OR IGNORE INTO suggest_shown (session_id, document_id) "
                           "VALUES (?, ?)", [session_id, doc_id])
            changed = db.execute(
                "UPDATE suggest_sessions SET logged_query = ? WHERE id = ? "
                "AND logged_query IS NOT ?", [fingerprint, session_id, fingerprint]).rowcount
    except Exception:  # noqa: BLE001
        log.warning("could not record shown suggestions", exc_info=True)
        return
    if changed and search_log.scrub(subject):
        search_log.record(subject, result_count=response.total, source="suggest",
                          mode=response.mode, took_ms=response.took_ms)


def open_document(session_id, doc_id: str) -> str:
    """Record that a suggested article was opened; return the article's URL.

    Raises NotFound for an unknown document. An unknown or missing session is
    not an error: the article still opens, nothing is recorded."""
    kb.get_document(doc_id)  # NotFound for unknown ids: never redirect elsewhere
    session_id = valid_session(session_id)
    if session_id:
        try:
            get_db().execute(
                "INSERT OR IGNORE INTO suggest_opened (session_id, document_id) "
                "SELECT id, ? FROM suggest_sessions WHERE id = ?", [doc_id, session_id])
        except Exception:  # noqa: BLE001
            log.warning("could not record an opened suggestion", exc_info=True)
    return kb.document_url(doc_id)


def record_submitted(session_id) -> None:
    """The desk form was submitted in this session. Never raises. Deliberately no
    ticket id: the session stays unlinked from the person who submitted."""
    session_id = valid_session(session_id)
    if not session_id:
        return
    try:
        get_db().execute(
            "INSERT INTO suggest_sessions (id, created_at, submitted) VALUES (?, ?, 1) "
            "ON CONFLICT (id) DO UPDATE SET submitted = 1", [session_id, timeutil.hour_iso()])
    except Exception:  # noqa: BLE001
        log.warning("could not record a submitted request", exc_info=True)


def deflection_stats(user, days: int = 30) -> dict:
    """Staff only. Sessions in the period that were shown suggestions, opened one,
    still submitted a request, and opened one without submitting ("resolved
    without ticket", which includes forms still being filled in)."""
    search_log.require_staff(user)
    days = max(1, min(int(days), 3660))
    since = timeutil.iso(timeutil.now().replace(minute=0, second=0, microsecond=0)
                         - timedelta(days=days))
    row = get_db().execute(
        """
        SELECT COUNT(*) AS with_suggestions,
               COALESCE(SUM(opened), 0) AS opened,
               COALESCE(SUM(submitted), 0) AS submitted,
               COALESCE(SUM(opened AND NOT submitted), 0) AS resolved_without_ticket
        FROM (SELECT s.id, s.submitted,
                     EXISTS (SELECT 1 FROM suggest_opened o WHERE o.session_id = s.id) AS opened
              FROM suggest_sessions s
              WHERE s.created_at >= ?
                AND EXISTS (SELECT 1 FROM suggest_shown w WHERE w.session_id = s.id))
        """, [since]).fetchone()
    stats = dict(row)
    top = get_db().execute(
        """
        SELECT o.document_id, COUNT(*) AS opened FROM suggest_opened o
        JOIN suggest_sessions s ON s.id = o.session_id
        WHERE s.created_at >= ? GROUP BY o.document_id ORDER BY opened DESC, o.document_id
        LIMIT 10
        """, [since]).fetchall()
    titles = kb.get_documents([r["document_id"] for r in top])
    stats["most_opened"] = [
        {"id": r["document_id"], "opened": r["opened"],
         "title": titles.get(r["document_id"], {}).get("title", r["document_id"]),
         "url": kb.document_url(r["document_id"])} for r in top]
    return stats
