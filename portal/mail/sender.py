"""Deliver pending outbox messages: claim, send, record the outcome.

Each message is claimed on its own inside BEGIN IMMEDIATE: the claim counts
the attempt and pushes ``next_attempt_at`` past a lease, so a second sender
running at the same time (overlapping cron runs, two workers) skips it. The
outcome is recorded afterwards: ``sent``, a retry with exponential backoff,
or ``failed`` once it is no longer relevant (OUTBOX_GIVE_UP_HOURS, or its own
``expires_at``), or at once for a permanent refusal (5xx).
Rows are never deleted. A sender that dies mid-send leaves the row pending;
it is tried again once the lease has expired (at-least-once delivery).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import sqlite_utils
from flask import current_app

from .. import timeutil
from ..db import get_db, transaction
from .backends import DeliveryError, make_backend


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0  # failed this time, scheduled again
    failed: int = 0  # gave up: status 'failed'
    stopped: str | None = None  # why the run ended early (server down...)
    errors: list[str] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.sent + self.retried + self.failed


def lease_seconds(config) -> int:
    """How long a claimed message is hidden from other senders."""
    return max(120, 3 * int(config["SMTP_TIMEOUT"]))


def retry_delay(config, attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base ... capped."""
    base = int(config.get("OUTBOX_RETRY_BASE_SECONDS", 60))
    cap = int(config.get("OUTBOX_RETRY_MAX_SECONDS", 6 * 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def mail_domain(config) -> str:
    address = parseaddr(config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "portal"


def thread_id(config, ticket_id: int) -> str:
    """The stable id every mail about one ticket refers to, so clients thread them."""
    return f"<ticket-{ticket_id}@{mail_domain(config)}>"


def build_message(config, row: dict) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = row["to_addr"]
    message["Subject"] = row["subject"]
    moment = timeutil.local(timeutil.now(), config.get("TIMEZONE", "Europe/Amsterdam"))
    message["Date"] = format_datetime(moment)
    # Stable across retries, so a server that saw a half-failed attempt can de-duplicate.
    created = row["created_at"].replace(":", "").replace("-", "").replace("+", "")
    message["Message-ID"] = f"<outbox-{row['id']}.{created}@{mail_domain(config)}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    extra = json.loads(row["headers"] or "{}")
    if config.get("MAIL_REPLY_TO"):  # unless the message names its own
        extra.setdefault("Reply-To", config["MAIL_REPLY_TO"])
    if row["ticket_id"] is not None:
        thread = thread_id(config, row["ticket_id"])
        extra.setdefault("References", thread)
        extra.setdefault("In-Reply-To", thread)
    for name, value in extra.items():
        message[name] = value
    message.set_content(row["body_text"])
    if row["body_html"]:
        message.add_alternative(row["body_html"], subtype="html")
    for item in json.loads(row.get("attachments") or "[]"):
        message.add_attachment(item["content"], subtype=item["content_type"].partition("/")[2],
                               filename=item["filename"], params=item.get("params") or {})
    return message


def claim_next(db: sqlite_utils.Database, config) -> dict | None:
    """Take the oldest due message for this sender, or None."""
    now = timeutil.now()
    with transaction(db):
        row = db.execute(
            "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
            " ORDER BY id LIMIT 1", [timeutil.iso(now)]).fetchone()
        if row is None:
            return None
        lease_until = timeutil.iso(now + timedelta(seconds=lease_seconds(config)))
        db.execute("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?"
                   " WHERE id = ? AND status = 'pending'", [lease_until, row["id"]])
    claimed = dict(row)
    claimed["attempts"] += 1
    return claimed


def _mark_sent(db, row: dict) -> None:
    with transaction(db):
        db.execute("UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ?",
                   [timeutil.iso(), row["id"]])


def expires(config, row: dict):
    """Until when a temporary failure is retried: the message's own ``expires_at`` (a
    reminder is worthless after its event) or OUTBOX_GIVE_UP_HOURS after it was queued."""
    own = timeutil.parse(row.get("expires_at"))
    if own is not None:
        return own
    return timeutil.parse(row["created_at"]) + timedelta(hours=float(config["OUTBOX_GIVE_UP_HOURS"]))


def _mark_failure(db, config, row: dict, error: DeliveryError) -> bool:
    """Record a failed attempt; True when the message is given up.

    A permanent refusal (5xx) fails at once. A temporary one (server down, 4xx) is
    retried with capped backoff for as long as the message is relevant, so a long
    outage does not use up a message: it goes out once the server is back.
    """
    now = timeutil.now()
    next_at = now + retry_delay(config, row["attempts"])
    give_up = error.permanent or now >= expires(config, row)
    with transaction(db):
        db.execute(
            "UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
            ["failed" if give_up else "pending", str(error)[:1000], timeutil.iso(next_at),
             row["id"]])
    return give_up


def send_pending(limit: int = 100, db: sqlite_utils.Database | None = None,
                 should_stop: Callable[[], bool] | None = None) -> SendReport:
    """Send up to ``limit`` due messages in id order; needs an app context.

    ``should_stop`` is asked before each message (the worker's shutdown flag).
    """
    config = current_app.config
    db = db if db is not None else get_db()
    backend = make_backend(config)  # a bad MAIL_BACKEND fails before anything is claimed
    sender = parseaddr(config["MAIL_FROM"])[1]
    report = SendReport()
    # Anything unexpected (a bug, Ctrl+C) propagates; the claimed row stays
    # pending and is tried again after its lease, so nothing is lost.
    try:
        while report.processed < limit and not (should_stop and should_stop()):
            row = claim_next(db, config)
            if row is None:
                break
            try:
                try:
                    message = build_message(config, row)
                except (ValueError, TypeError) as exc:  # a malformed stored row
                    raise DeliveryError(f"cannot build message: {exc}", permanent=True) from exc
                backend.send(message, sender, row["to_addr"], row["id"])
            except DeliveryError as error:
                gave_up = _mark_failure(db, config, row, error)
                report.failed += gave_up
                report.retried += not gave_up
                report.errors.append(f"#{row['id']} {row['to_addr']}: {error}")
                current_app.logger.warning("outbox #%s to %s: %s%s", row["id"], row["to_addr"],
                                           error, " (gave up)" if gave_up else "")
                if error.stop:
                    report.stopped = str(error)
                    break
            else:
                _mark_sent(db, row)
                report.sent += 1
    finally:
        backend.close()
    return report
