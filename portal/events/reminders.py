"""Reminder mails: once per confirmed seat, EVENTS_REMINDER_HOURS before the start.

``send_due_reminders`` runs from ``portal events remind`` (cron) and from the
``portal outbox send --loop`` worker. In one BEGIN IMMEDIATE transaction it
claims each due registration (``reminded_at`` set only where it is still NULL)
and queues its mail, so two overlapping runs never send a reminder twice. A
change of the start time clears ``reminded_at``: the new time gets its own
reminder. Seats confirmed inside the window are marked as reminded at once (the
confirmation itself is the reminder).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from .. import timeutil
from ..db import get_db, transaction
from . import notify, store


def send_due_reminders(db=None) -> int:
    """Queue the reminders that are due; return how many."""
    db = db if db is not None else get_db()
    now = timeutil.now()
    horizon = now + timedelta(hours=float(current_app.config["EVENTS_REMINDER_HOURS"]))
    stamp = timeutil.iso(now)
    sent = 0
    with transaction(db):
        due = db.execute(
            "SELECT r.* FROM registrations r JOIN events e ON e.id = r.event_id"
            " WHERE r.status = 'confirmed' AND r.reminded_at IS NULL AND e.status = 'published'"
            " AND e.starts_at > ? AND e.starts_at <= ? ORDER BY e.starts_at, r.id",
            [stamp, timeutil.iso(horizon)]).fetchall()
        events: dict[int, dict] = {}
        for reg in due:
            claimed = db.execute("UPDATE registrations SET reminded_at = ? WHERE id = ?"
                                 " AND reminded_at IS NULL", [stamp, reg["id"]]).rowcount
            if not claimed:
                continue
            if reg["event_id"] not in events:
                events[reg["event_id"]] = store.to_event(db, store.load_row(db, reg["event_id"]))
            notify.send(db, "reminder", events[reg["event_id"]], reg)
            sent += 1
    return sent
