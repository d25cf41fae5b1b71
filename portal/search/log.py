"""The search log: what people look for, without who they are.

A row holds the time rounded down to the hour, the query with personal details
replaced by placeholders (e-mail addresses, phone numbers, IBANs, postcodes,
dates, citizen service numbers and other long digit runs), the number of
results, the type filter, where the search came from and how the engine ran.
No user id, no IP address, no session. Rows older than
``RETENTION["search_log"]`` are removed by :func:`purge`
(``portal search-log purge``).

Staff read it through :func:`top_queries`, :func:`zero_result_queries` and
:func:`summary`; everyone else gets Forbidden.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..config import retention_days as configured_days
from ..db import get_db, transaction
from ..errors import Forbidden

log = logging.getLogger(__name__)

SOURCES = ("web", "api", "suggest", "cli", "chat")
# Sources that count as "people searching" in the statistics; suggestion lookups
# are request subjects typed on the desk form and are counted separately.
STAT_SOURCES = ("web", "api", "cli", "chat")
MAX_LOGGED_CHARS = 200

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"\b[a-z]{2}\d{2}\s?[a-z]{4}(?:\s?\d){10}\b", re.IGNORECASE)
_PHONE_INTL = re.compile(r"(?:\+|\b00)\d{2}[\s-]?(?:\(0\)[\s-]?)?\d(?:[\s-]?\d){7,9}\b")
_PHONE_NL = re.compile(r"\b0\d{1,3}[\s-]?\d(?:[\s-]?\d){5,7}\b")
_DATE = re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})\b")
_POSTCODE = re.compile(r"\b([1-9]\d{3})(\s?)([a-z]{2})\b(\s*\d{1,5}(?:\s?[a-z]\b)?)?", re.IGNORECASE)
_BSN_GROUPED = re.compile(r"\b\d{3}[ .]\d{2,3}[ .]\d{3}\b")
_DIGITS = re.compile(r"\d{5,}")
_SPACE = re.compile(r"\s+")
# Two-letter Dutch words that follow a year far more often than a postcode's letters.
_NOT_POSTCODE_LETTERS = frozenset(
    "al de en er ik in is je na of om op te tv uw we ze zo".split())


def _postcode(match: re.Match) -> str:
    _digits, space, letters, _number = match.groups()
    if space and letters.islower() and letters in _NOT_POSTCODE_LETTERS:
        return match.group(0)  # "2024 en 2025", "1990 op school"
    return "<postcode>"


def scrub(query: str) -> str:
    """The query as it is logged: normalised, personal details replaced, shortened.

    >>> scrub("Mail Jan@Example.nl of bel 06-12345678")
    'mail <email> of bel <phone>'
    """
    text = unicodedata.normalize("NFKC", str(query or ""))
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = _EMAIL.sub("<email>", text)
    text = _IBAN.sub("<iban>", text)
    text = _PHONE_INTL.sub("<phone>", text)
    text = _DATE.sub("<date>", text)
    text = _PHONE_NL.sub("<phone>", text)
    text = _POSTCODE.sub(_postcode, text)
    text = _BSN_GROUPED.sub("<number>", text)
    text = _DIGITS.sub("<number>", text)
    text = _SPACE.sub(" ", text).strip().lower()
    if len(text) > MAX_LOGGED_CHARS:
        text = text[:MAX_LOGGED_CHARS].rstrip() + "…"
    return text


def record(query: str, *, result_count: int, source: str, types=(), mode: str = "",
           took_ms: float = 0) -> None:
    """Log one search. Never raises: a search must not fail because of its log."""
    try:
        text = scrub(query)
        if not text or source not in SOURCES:
            return
        get_db().execute(
            "INSERT INTO search_log (at, query, result_count, types, source, mode, took_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [timeutil.hour_iso(), text, max(0, int(result_count or 0)), ",".join(sorted(set(types or ()))),
             source, str(mode or "")[:20], max(0, int(round(took_ms or 0)))])
    except Exception:  # noqa: BLE001 - logged, never shown
        log.warning("Could not write the search log", exc_info=True)


def record_response(response, *, source: str, types=()) -> None:
    """Log a ``service.SearchResponse``."""
    record(response.query, result_count=response.total, source=source, types=types,
           mode=response.mode, took_ms=response.took_ms)


# --- statistics (staff only) -------------------------------------------------

def require_staff(user) -> None:
    if user is None or not getattr(user, "is_authenticated", False) \
            or not getattr(user, "is_staff", False):
        raise Forbidden(_("Only Datashop staff may see the search statistics."))


def _since(days: int) -> str:
    days = max(1, min(int(days), 3660))
    return timeutil.hour_iso(timeutil.now() - timedelta(days=days))


def _sources_clause(sources) -> tuple[str, list]:
    sources = [s for s in (sources or STAT_SOURCES) if s in SOURCES]
    return f"source IN ({','.join('?' * len(sources))})", sources


def top_queries(user, days: int = 30, limit: int = 20, sources=None) -> list[dict]:
    """The most frequent queries: [{query, searches, zero, avg_results, last_seen}]."""
    require_staff(user)
    where, params = _sources_clause(sources)
    return [dict(row) for row in get_db().execute(
        f"SELECT query, COUNT(*) AS searches, SUM(result_count = 0) AS zero, "
        f"ROUND(AVG(result_count), 1) AS avg_results, MAX(at) AS last_seen "
        f"FROM search_log WHERE at >= ? AND {where} "
        f"GROUP BY query ORDER BY searches DESC, last_seen DESC, query LIMIT ?",
        [_since(days), *params, max(1, min(int(limit), 500))])]


def zero_result_queries(user, days: int = 30, limit: int = 20, sources=None) -> list[dict]:
    """Queries that found nothing, most frequent first: [{query, searches, last_seen}]."""
    require_staff(user)
    where, params = _sources_clause(sources)
    return [dict(row) for row in get_db().execute(
        f"SELECT query, COUNT(*) AS searches, MAX(at) AS last_seen FROM search_log "
        f"WHERE at >= ? AND result_count = 0 AND {where} "
        f"GROUP BY query ORDER BY searches DESC, last_seen DESC, query LIMIT ?",
        [_since(days), *params, max(1, min(int(limit), 500))])]


def summary(user, days: int = 30) -> dict:
    """Totals for the period: searches, zero-result searches, by source and by mode."""
    require_staff(user)
    db = get_db()
    since = _since(days)
    where, params = _sources_clause(None)
    row = db.execute(
        f"SELECT COUNT(*) AS searches, COALESCE(SUM(result_count = 0), 0) AS zero, "
        f"COUNT(DISTINCT query) AS distinct_queries FROM search_log WHERE at >= ? AND {where}",
        [since, *params]).fetchone()
    by_source = {r["source"]: r["n"] for r in db.execute(
        "SELECT source, COUNT(*) AS n FROM search_log WHERE at >= ? GROUP BY source", [since])}
    by_mode = {r["mode"] or "-": r["n"] for r in db.execute(
        f"SELECT mode, COUNT(*) AS n FROM search_log WHERE at >= ? AND {where} GROUP BY mode",
        [since, *params])}
    return {"searches": row["searches"], "zero": row["zero"],
            "distinct_queries": row["distinct_queries"], "by_source": by_source,
            "by_mode": by_mode}


# --- retention ---------------------------------------------------------------

def retention_days() -> int:
    return configured_days(current_app.config, "search_log")


def purge(days: int | None = None) -> dict:
    """Delete log rows and suggestion sessions older than the retention period."""
    days = retention_days() if days is None else int(days)
    if days < 1:
        raise ValueError("retention must be at least one day")
    cutoff = timeutil.iso(timeutil.now() - timedelta(days=days))
    db = get_db()
    with transaction(db):
        searches = db.execute("DELETE FROM search_log WHERE at < ?", [cutoff]).rowcount
        sessions = db.execute("DELETE FROM suggest_sessions WHERE created_at < ?",
                              [cutoff]).rowcount
    return {"searches": searches, "suggest_sessions": sessions, "cutoff": cutoff}


def purge_before(db, cutoff: str, dry_run: bool) -> dict:
    """The retention kind "search_log" (portal/privacy): log rows and suggestion sessions
    from before ``cutoff``, inside the caller's transaction."""
    searches = db.execute("SELECT count(*) FROM search_log WHERE at < ?", [cutoff]).fetchone()[0]
    sessions = db.execute("SELECT count(*) FROM suggest_sessions WHERE created_at < ?",
                          [cutoff]).fetchone()[0]
    examples = [f"{r['at'][:10]} “{r['query'][:40]}”" for r in db.execute(
        "SELECT at, query FROM search_log WHERE at < ? ORDER BY at LIMIT 3", [cutoff])]
    if not dry_run:
        db.execute("DELETE FROM search_log WHERE at < ?", [cutoff])
        db.execute("DELETE FROM suggest_sessions WHERE created_at < ?", [cutoff])
    return {"count": searches + sessions, "examples": examples}
