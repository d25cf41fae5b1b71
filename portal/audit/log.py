"""Audit rows: ``record(db, actor, action, subject, details)``, ``list_entries`` and ``purge``."""

from __future__ import annotations

import json

import sqlite_utils

from .. import timeutil
from ..db import purge_rows

# Known actions (others are allowed; these are offered as a filter on the admin page).
ACTIONS = (
    "user.role", "user.import", "user.password", "user.create",
    "privacy.export", "privacy.erase", "privacy.self_export",
    "mail.resend", "learning.waiver", "retention.run",
)
SUBJECT_MAX = 300
DETAILS_MAX = 4000


def actor_label(actor) -> tuple[int | None, str]:
    """(user id, label) of whoever acted: a User, None/"cli" (the command line) or a string."""
    if actor is None:
        return None, "cli"
    if isinstance(actor, str):
        return None, actor[:200]
    return getattr(actor, "id", None), str(getattr(actor, "email", "") or getattr(actor, "name", ""))


def record(db: sqlite_utils.Database, actor, action: str, subject: str = "",
           details: dict | None = None) -> int:
    """Insert one audit row (call it inside the transaction of the change)."""
    actor_id, label = actor_label(actor)
    text = json.dumps(details or {}, ensure_ascii=False, default=str, sort_keys=True)
    if len(text) > DETAILS_MAX:
        text = json.dumps({"truncated": text[:DETAILS_MAX]}, ensure_ascii=False)
    return db.execute(
        "INSERT INTO audit_log (at, actor_id, actor, action, subject, details)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [timeutil.iso(), actor_id, label, action[:100], str(subject or "")[:SUBJECT_MAX], text],
    ).lastrowid


def list_entries(db: sqlite_utils.Database, actor: str | None = None, action: str | None = None,
                 since: str | None = None, until: str | None = None, limit: int = 200,
                 offset: int = 0) -> tuple[list[dict], int]:
    """Rows newest first, filtered by actor (part of the label), action (prefix) and period
    (``since`` inclusive, ``until`` exclusive, UTC ISO); returns (rows, total)."""
    where, params = ["1 = 1"], []
    if actor:
        where.append("actor LIKE ? ESCAPE '\\'")
        params.append("%" + actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    if action:
        where.append("(action = ? OR action LIKE ?)")
        params += [action, action.rstrip(".") + ".%"]
    if since:
        where.append("at >= ?")
        params.append(since)
    if until:
        where.append("at < ?")
        params.append(until)
    clause = " AND ".join(where)
    total = db.execute(f"SELECT count(*) FROM audit_log WHERE {clause}", params).fetchone()[0]
    rows = []
    for row in db.execute(f"SELECT * FROM audit_log WHERE {clause} ORDER BY at DESC, id DESC"
                          " LIMIT ? OFFSET ?", [*params, limit, offset]):
        item = dict(row)
        item["details"] = json.loads(item["details"] or "{}")
        rows.append(item)
    return rows, total


def purge(db: sqlite_utils.Database, cutoff: str, dry_run: bool = False) -> dict:
    """Delete audit rows from before ``cutoff``; {count, examples}."""
    return purge_rows(db, "FROM audit_log WHERE at < ?", [cutoff], "at, action, subject",
                      lambda r: f"{r['at']} {r['action']} {r['subject']}", "at", dry_run)


def export_person(db: sqlite_utils.Database, user_id: int, include_internal: bool = True) -> dict:
    """Admin actions the person took (their own part of the audit log)."""
    rows = [dict(r) for r in db.execute(
        "SELECT at, action, subject, details FROM audit_log WHERE actor_id = ? ORDER BY at, id",
        [user_id])]
    for row in rows:
        row["details"] = json.loads(row["details"] or "{}")
    return {"data": {"actions": rows}, "files": []}


def erase_person(db: sqlite_utils.Database, user_id: int, dry_run: bool) -> dict:
    """The audit log is kept for its own period (accountability); the actor's account row is
    anonymised elsewhere, the e-mail label in old rows stays until the rows expire."""
    count = db.execute("SELECT count(*) FROM audit_log WHERE actor_id = ?", [user_id]).fetchone()[0]
    return {"counts": {"audit entries kept": count}, "files": []}
