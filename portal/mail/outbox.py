"""The outbox: mail is stored in the database first and sent later.

A feature that wants to mail someone calls :func:`enqueue` inside the same
transaction as the change the mail is about, so a mail exists if and only if
the change was committed. ``portal outbox send`` (see sender.py) delivers it.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.utils import parseaddr

import sqlite_utils
from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..audit import log as audit
from ..db import transaction
from ..errors import Conflict, Invalid, NotFound

MAX_SUBJECT_CHARS = 250

# A pragmatic address check: one local part, one domain with a dot, no spaces.
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
# Headers the sender sets itself; a caller cannot override them.
RESERVED_HEADERS = {"from", "to", "cc", "bcc", "subject", "date", "message-id",
                    "content-type", "content-transfer-encoding", "mime-version"}


def one_line(text: str) -> str:
    """Collapse CR, LF and other line breaks (header injection) into single spaces."""
    return re.sub(r"\s+", " ", str(text or "")).strip()


def clean_address(to: str) -> str:
    """Return the bare address of ``to`` (``a@b`` or ``Name <a@b>``), or raise Invalid."""
    raw = str(to or "")
    if any(ch in raw for ch in "\r\n\0,;"):
        raise Invalid(_("Invalid recipient address."), {"to": _("Enter one e-mail address.")})
    _name, address = parseaddr(raw.strip())
    if not address or not _ADDRESS.match(address) or len(address) > 254:
        raise Invalid(_("Invalid recipient address."), {"to": _("Enter one e-mail address.")})
    return address


def clean_headers(headers: dict | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        name = str(name).strip()
        if not _HEADER_NAME.match(name) or name.lower() in RESERVED_HEADERS:
            raise Invalid(_("Mail header %(name)s cannot be set.", name=name))
        out[name] = one_line(value)
    return out


def clean_attachments(attachments) -> list[dict]:
    """Text attachments (an .ics invitation): filename, content type, optional parameters."""
    out = []
    for item in attachments or ():
        maintype, _slash, subtype = str(item.get("content_type", "")).partition("/")
        filename = one_line(item.get("filename", ""))
        if maintype != "text" or not subtype or not filename or "/" in filename \
                or not isinstance(item.get("content"), str):
            raise Invalid(_("A mail attachment needs a file name, a text/* type and text content."))
        out.append({"filename": filename, "content_type": f"text/{subtype}",
                    "params": {str(k): one_line(v) for k, v in (item.get("params") or {}).items()},
                    "content": item["content"]})
    return out


def enqueue(db: sqlite_utils.Database, *, to: str, subject: str, text: str,
            html: str | None = None, ticket_id: int | None = None,
            headers: dict | None = None, attachments=(), expires_at: str | None = None) -> int:
    """Insert one pending message and return its id.

    Only an INSERT: call it inside the transaction of the change the mail is
    about. ``to`` must be a single address; line breaks in the subject and in
    extra header values are replaced by spaces. ``attachments``: text files as
    dicts (filename, content_type ``text/...``, params, content), e.g. an
    .ics invitation with ``params={"method": "REQUEST"}``.
    ``expires_at`` (ISO): after this moment a temporary failure is no longer retried
    (default OUTBOX_GIVE_UP_HOURS).
    """
    address = clean_address(to)
    subject = one_line(subject)[:MAX_SUBJECT_CHARS]
    if not subject:
        raise Invalid(_("A mail needs a subject."), {"subject": _("Required.")})
    if not (text or "").strip():
        raise Invalid(_("A mail needs a text body."), {"text": _("Required.")})
    stamp = timeutil.iso()
    cursor = db.execute(
        "INSERT INTO outbox (created_at, to_addr, subject, body_text, body_html, headers,"
        " ticket_id, status, attempts, next_attempt_at, attachments, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
        [stamp, address, subject, text, html or None,
         json.dumps(clean_headers(headers), ensure_ascii=False), ticket_id, stamp,
         json.dumps(clean_attachments(attachments), ensure_ascii=False), expires_at],
    )
    return cursor.lastrowid


def requeue(db: sqlite_utils.Database, *, message_id: int | None = None,
            all_failed: bool = False, actor=None) -> int:
    """Make failed (or waiting) messages due now with a fresh attempt budget.

    ``message_id``: one message that is failed or pending; ``all_failed``:
    every failed message. Sent messages are never re-sent. Returns the count.
    """
    now = timeutil.iso()
    hours = float(current_app.config["OUTBOX_GIVE_UP_HOURS"])
    until = timeutil.iso(timeutil.now() + timedelta(hours=hours))
    with transaction(db):
        if message_id is not None:
            row = db.execute("SELECT status FROM outbox WHERE id = ?", [message_id]).fetchone()
            if row is None:
                raise NotFound(_("No outbox message %(id)s.", id=message_id))
            if row["status"] == "sent":
                raise Conflict(_("Message %(id)s has already been sent.", id=message_id))
            where, params = "id = ?", [message_id]
        elif all_failed:
            where, params = "status = 'failed'", []
        else:
            return 0
        cursor = db.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?,"
            f" expires_at = ? WHERE {where}", [now, until, *params])
        audit.record(db, actor, "mail.resend",
                     f"outbox:{message_id}" if message_id is not None else "outbox:all-failed",
                     {"count": cursor.rowcount})
    return cursor.rowcount


def summary(db: sqlite_utils.Database, errors: int = 10) -> dict:
    """Counts per status, the oldest waiting message, how many are due, recent errors."""
    now = timeutil.iso()
    counts = {status: 0 for status in ("pending", "sent", "failed")}
    for row in db.execute("SELECT status, count(*) AS n FROM outbox GROUP BY status"):
        counts[row["status"]] = row["n"]
    oldest = db.execute("SELECT id, created_at, to_addr, attempts FROM outbox"
                        " WHERE status = 'pending' ORDER BY id LIMIT 1").fetchone()
    due = db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'"
                     " AND next_attempt_at <= ?", [now]).fetchone()[0]
    recent = db.execute(
        "SELECT id, status, to_addr, subject, attempts, next_attempt_at, last_error FROM outbox"
        " WHERE status != 'sent' AND last_error IS NOT NULL ORDER BY id DESC LIMIT ?",
        [errors]).fetchall()
    return {"counts": counts, "due": due, "oldest_pending": dict(oldest) if oldest else None,
            "recent_errors": [dict(row) for row in recent]}


def failed_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE status = 'failed'").fetchone()[0]


def failed_messages(db: sqlite_utils.Database, limit: int = 200) -> list[dict]:
    """Messages given up on (refused with 5xx, or no longer relevant), newest first."""
    return [dict(r) for r in db.execute(
        "SELECT id, created_at, to_addr, subject, attempts, last_error FROM outbox"
        " WHERE status = 'failed' ORDER BY id DESC LIMIT ?", [limit])]
