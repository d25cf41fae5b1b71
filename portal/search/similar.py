"""Similar earlier tickets, for the ticket page.

Design: a small FTS5 table (``similar_tickets_fts``, rowid = ticket id) holds the
stemmed Dutch terms of each ticket's subject and description (text.py, the same
stemming as the knowledge search). It is brought up to date lazily before each
lookup: tickets whose ``updated_at`` differs from ``similar_tickets_state`` (or
that are new) are re-indexed, rows of deleted tickets dropped. That needs no
hook in the desk's write paths and cannot drift: any change the desk makes
bumps ``updated_at``. The check is one indexed join, cheap for the tens of
thousands of tickets a municipality has.

Candidates are ranked by bm25 over the OR of the ticket's terms and must share
at least two terms with it. Who may see what is the desk's rule: every
candidate goes through ``desk.service.get_ticket_by_id`` (staff: all tickets;
employees: their own), and the resolution shown is the last public staff reply
from ``desk.service.get_thread``.
"""

from __future__ import annotations

import logging

from ..db import get_db, transaction
from ..desk import service as desk
from ..errors import NotFound
from . import text

log = logging.getLogger(__name__)

MAX_TERMS = 64
BATCH = 50
MAX_CANDIDATES = 500
MIN_SHARED = 2
SNIPPET_CHARS = 240


def _terms_of(subject: str, description: str) -> list[str]:
    terms = text.query_terms(f"{subject or ''}\n{description or ''}")
    return [t for t in terms if t not in text.STOPWORDS][:MAX_TERMS]


def forget(db, ticket_id: int) -> None:
    """Drop a ticket's terms (its text was anonymised); the next sync indexes it afresh."""
    db.execute("DELETE FROM similar_tickets_fts WHERE rowid = ?", [ticket_id])
    db.execute("DELETE FROM similar_tickets_state WHERE ticket_id = ?", [ticket_id])


def sync(db=None) -> int:
    """Re-index tickets changed since the last sync; returns how many changed."""
    db = db or get_db()
    stale = "SELECT t.id FROM tickets t LEFT JOIN similar_tickets_state s ON s.ticket_id = t.id " \
            "WHERE s.ticket_id IS NULL OR s.updated_at IS NOT t.updated_at"
    gone = "SELECT s.ticket_id FROM similar_tickets_state s LEFT JOIN tickets t " \
           "ON t.id = s.ticket_id WHERE t.id IS NULL"
    if db.execute(f"SELECT EXISTS ({stale}) OR EXISTS ({gone})").fetchone()[0] == 0:
        return 0
    changed = 0
    with transaction(db):  # re-checked under the write lock: concurrent syncs agree
        for (ticket_id,) in db.execute(gone).fetchall():
            db.execute("DELETE FROM similar_tickets_fts WHERE rowid = ?", [ticket_id])
            db.execute("DELETE FROM similar_tickets_state WHERE ticket_id = ?", [ticket_id])
        rows = db.execute(
            "SELECT id, subject, description, updated_at FROM tickets WHERE id IN "
            f"({stale})").fetchall()
        for row in rows:
            db.execute("DELETE FROM similar_tickets_fts WHERE rowid = ?", [row["id"]])
            db.execute("INSERT INTO similar_tickets_fts (rowid, terms) VALUES (?, ?)",
                       [row["id"], " ".join(text.index_terms(
                           f"{row['subject']}\n{row['description']}"))])
            db.execute("INSERT OR REPLACE INTO similar_tickets_state (ticket_id, updated_at) "
                       "VALUES (?, ?)", [row["id"], row["updated_at"]])
            changed += 1
    return changed


def _resolution(user, number: str) -> dict | None:
    """The last public reply by Datashop staff: how the ticket was answered."""
    replies = [c for c in desk.get_thread(user, number)
               if not c["internal"] and c.get("author_role") in ("staff", "admin")]
    if not replies:
        return None
    body = " ".join(replies[-1]["body"].split())
    if len(body) > SNIPPET_CHARS:
        body = body[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return {"text": body, "at": replies[-1]["created_at"]}


def _similar(user, ticket: dict, limit: int) -> list[dict]:
    db = get_db()
    sync(db)
    terms = _terms_of(ticket["subject"], ticket["description"])
    if not terms:
        return []
    needed = min(MIN_SHARED, len(terms))
    wanted = set(terms)
    out: list[dict] = []
    for offset in range(0, MAX_CANDIDATES, BATCH):
        rows = db.execute(
            "SELECT rowid AS id, terms FROM similar_tickets_fts WHERE similar_tickets_fts "
            "MATCH ? AND rowid != ? ORDER BY bm25(similar_tickets_fts) LIMIT ? OFFSET ?",
            [text.fts_match(terms), ticket["id"], BATCH, offset]).fetchall()
        for row in rows:
            if len(wanted & set(row["terms"].split())) < needed:
                continue
            try:
                other = desk.get_ticket_by_id(user, row["id"])
            except NotFound:
                continue
            out.append({
                "number": other["number"], "subject": other["subject"],
                "status": other["status"], "status_label": other["status_label"],
                "created_at": other["created_at"], "resolved_at": other.get("resolved_at"),
                "type_label": other.get("type_label"), "resolution": _resolution(user, other["number"]),
            })
            if len(out) >= limit:
                return out
        if len(rows) < BATCH:
            break
    return out


def similar_tickets(user, ticket_id: int, limit: int = 5) -> list[dict]:
    """Tickets like ``ticket_id`` that ``user`` may see, most similar first.

    Raises NotFound when the user may not see the ticket itself."""
    ticket = desk.get_ticket_by_id(user, ticket_id)
    return _similar(user, ticket, max(1, min(int(limit), 20)))


def similar_to_number(user, number: str, limit: int = 5) -> tuple[dict, list[dict]]:
    """(the ticket, similar tickets) for a ticket number; NotFound when not visible."""
    ticket = desk.get_ticket(user, number)
    return ticket, _similar(user, ticket, max(1, min(int(limit), 20)))
