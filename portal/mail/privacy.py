"""Privacy of the outbox: sent and failed mail goes after RETENTION["outbox"] days, and
the mail sent to one person for an export or an erasure (see portal/accounts/privacy.py)."""

from __future__ import annotations

import json

from ..db import purge_rows


def purge_outbox(db, cutoff: str, dry_run: bool) -> dict:
    """Sent or failed messages queued before ``cutoff`` (pending mail is never touched)."""
    return purge_rows(db, "FROM outbox WHERE status IN ('sent', 'failed') AND created_at < ?",
                      [cutoff], "id, created_at, status",
                      lambda r: f"#{r['id']} {r['created_at'][:10]} {r['status']}", "id", dry_run)


def _address(db, user_id: int) -> str:
    return db.execute("SELECT email FROM users WHERE id = ?", [user_id]).fetchone()["email"]


def export_person(db, user_id: int, include_internal: bool = True) -> dict:
    mails = []
    for row in db.execute("SELECT created_at, to_addr, subject, body_text, status, sent_at,"
                          " attachments FROM outbox WHERE to_addr = ? COLLATE NOCASE ORDER BY id",
                          [_address(db, user_id)]):
        mail = dict(row)
        mail["attachments"] = [a.get("filename") for a in json.loads(mail["attachments"] or "[]")]
        mails.append(mail)
    return {"data": {"mails": mails}, "files": []}


def erase_person(db, user_id: int, dry_run: bool) -> dict:
    """Every message to the person goes, also one still waiting to be sent."""
    address = _address(db, user_id)
    count = db.execute("SELECT count(*) FROM outbox WHERE to_addr = ? COLLATE NOCASE",
                       [address]).fetchone()[0]
    if not dry_run:
        db.execute("DELETE FROM outbox WHERE to_addr = ? COLLATE NOCASE", [address])
    return {"counts": {"mails": count}, "files": []}
