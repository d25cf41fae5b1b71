"""Sign-ups, the waiting list and cancellations.

Every check of a limit and the write it guards happen in one BEGIN IMMEDIATE
transaction, so concurrent sign-ups can never give out more seats than the
event has: the seat count is read after the write lock is taken.

- Signing up twice returns the existing registration (``created`` False).
- A full event puts you on the waiting list; ``queue_no`` (sign-up order) gives
  your position. When a seat frees up, the first on the list gets it and a mail
  with the invitation, in the same transaction as the cancellation.
- You can cancel until the event starts; someone else's registration is NotFound
  (staff and the organiser may cancel any registration of their event).
- A cancelled registration keeps its row and calendar UID; signing up again
  reuses it with a higher SEQUENCE.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import Conflict, NotFound
from ..mail.sender import mail_domain
from . import notify, store

__all__ = ["sign_up", "cancel", "cancel_registration", "promote"]

ACTIVE = ("confirmed", "waitlisted", "walk_in")

# Rules of other features that may refuse a sign-up, e.g. the learning track: a module
# session is for learners who may take that module. Each is ``check(db, user, event_row)``,
# called inside the sign-up's write transaction; it raises Conflict to refuse. The feature
# adds its check at start-up (create_app): events never imports the features that use it.
SIGNUP_CHECKS: list = []


def add_signup_check(check) -> None:
    if check not in SIGNUP_CHECKS:
        SIGNUP_CHECKS.append(check)


def new_uid() -> str:
    """A calendar UID for a new registration, stable for its whole life."""
    return f"reg-{secrets.token_hex(12)}@{mail_domain(current_app.config)}"


def _closed_reason(row, now) -> str | None:
    if row["status"] == "cancelled":
        return _("This event has been cancelled.")
    if row["status"] != "published":
        return _("Sign-ups for this event are not open yet.")
    if timeutil.parse(row["starts_at"]) <= now:
        return _("This event has already started; sign-ups are closed.")
    if row["signup_deadline"] and timeutil.parse(row["signup_deadline"]) < now:
        return _("The sign-up deadline has passed.")
    return None


def next_queue_no(db, event_id: int) -> int:
    return db.execute("SELECT COALESCE(MAX(queue_no), 0) + 1 FROM registrations WHERE event_id = ?",
                      [event_id]).fetchone()[0]


def _in_reminder_window(row, now) -> bool:
    """A seat confirmed this close to the start needs no separate reminder."""
    hours = float(current_app.config["EVENTS_REMINDER_HOURS"])
    return timeutil.parse(row["starts_at"]) - now <= timedelta(hours=hours)


def _confirm(db, reg_id: int, event_row, now, kind: str) -> None:
    """Give ``reg_id`` a seat and mail the invitation (inside the caller's transaction)."""
    reg = db.execute("SELECT * FROM registrations WHERE id = ?", [reg_id]).fetchone()
    stamp = timeutil.iso(now)
    bump = 1 if reg["confirmed_at"] else 0  # an invitation went out before: raise SEQUENCE
    db.execute("UPDATE registrations SET status = 'confirmed', sequence = sequence + ?,"
               " confirmed_at = ?, updated_at = ?, cancelled_at = NULL, reminded_at = ?"
               " WHERE id = ?", [bump, stamp, stamp,
                                 stamp if _in_reminder_window(event_row, now) else None, reg_id])
    reg = db.execute("SELECT * FROM registrations WHERE id = ?", [reg_id]).fetchone()
    notify.send(db, kind, store.to_event(db, store.load_row(db, event_row["id"])), reg)


def promote(db, event_id: int) -> list[int]:
    """Fill free seats from the waiting list, first come first served (in a transaction)."""
    promoted = []
    now = timeutil.now()
    while True:
        row = store.load_row(db, event_id)
        if row["status"] != "published" or timeutil.parse(row["starts_at"]) <= now \
                or row["confirmed_count"] >= row["capacity"]:
            return promoted
        first = db.execute("SELECT id FROM registrations WHERE event_id = ? AND status = 'waitlisted'"
                           " ORDER BY queue_no LIMIT 1", [event_id]).fetchone()
        if first is None:
            return promoted
        _confirm(db, first["id"], row, now, "promoted")
        promoted.append(first["id"])


def sign_up(user: User, event_id: int) -> dict:
    """Sign ``user`` up: a seat when there is one, else the waiting list.

    Returns ``{"registration": {...status, position...}, "created": bool}``;
    ``created`` is False when the user was already signed up (nothing changes).
    """
    db = get_db()
    store.load_visible(db, user, event_id)
    now = timeutil.now()
    stamp = timeutil.iso(now)
    with transaction(db):
        row = store.load_row(db, event_id)  # counted inside the write lock
        reg = store.registration_row(db, event_id, user.id)
        if reg is not None and reg["status"] in ACTIVE:
            return {"registration": store.to_registration(db, reg), "created": False}
        reason = _closed_reason(row, now)
        if reason:
            raise Conflict(reason)
        for check in SIGNUP_CHECKS:
            check(db, user, row)
        queue_no = next_queue_no(db, event_id)
        if reg is None:
            reg_id = db.execute(
                "INSERT INTO registrations (event_id, user_id, status, queue_no, uid, created_at,"
                " updated_at) VALUES (?, ?, 'waitlisted', ?, ?, ?, ?)",
                [event_id, user.id, queue_no, new_uid(), stamp, stamp]
            ).lastrowid
        else:
            reg_id = reg["id"]
            db.execute("UPDATE registrations SET status = 'waitlisted', queue_no = ?,"
                       " updated_at = ?, cancelled_at = NULL, attended = 0 WHERE id = ?",
                       [queue_no, stamp, reg_id])
        if row["confirmed_count"] < row["capacity"] and row["waitlist_count"] == 0:
            _confirm(db, reg_id, row, now, "confirmed")
        else:
            reg = db.execute("SELECT * FROM registrations WHERE id = ?", [reg_id]).fetchone()
            notify.send(db, "waitlisted", store.to_event(db, row), reg,
                        position=store.position(db, reg))
        reg = db.execute("SELECT * FROM registrations WHERE id = ?", [reg_id]).fetchone()
        return {"registration": store.to_registration(db, reg), "created": True}


def _cancel_row(db, reg, now) -> None:
    row = store.load_row(db, reg["event_id"])
    if timeutil.parse(row["starts_at"]) <= now:
        raise Conflict(_("This event has already started; the registration can no longer be "
                         "cancelled."))
    if row["status"] == "cancelled":
        raise Conflict(_("This event has been cancelled."))
    stamp = timeutil.iso(now)
    was_confirmed = reg["status"] == "confirmed"
    db.execute("UPDATE registrations SET status = 'cancelled', cancelled_at = ?, updated_at = ?,"
               " sequence = sequence + ? WHERE id = ?",
               [stamp, stamp, 1 if was_confirmed else 0, reg["id"]])
    fresh = db.execute("SELECT * FROM registrations WHERE id = ?", [reg["id"]]).fetchone()
    notify.send(db, "cancelled" if was_confirmed else "waitlist_left",
                store.to_event(db, row), fresh)
    if was_confirmed:
        promote(db, reg["event_id"])


def cancel(user: User, event_id: int) -> dict | None:
    """Cancel the user's own registration for ``event_id``; NotFound when there is none."""
    db = get_db()
    store.load_visible(db, user, event_id)
    now = timeutil.now()
    with transaction(db):
        reg = store.registration_row(db, event_id, user.id)
        if reg is None or reg["status"] not in ("confirmed", "waitlisted"):
            raise NotFound(_("You are not signed up for this event."))
        _cancel_row(db, reg, now)
        return store.to_registration(db, store.registration_row(db, event_id, user.id))


def cancel_registration(user: User, registration_id: int) -> dict:
    """Cancel a registration by id: its owner, staff or the event's organiser; anyone else
    gets NotFound (the registration's existence is not revealed)."""
    db = get_db()
    now = timeutil.now()
    missing = NotFound(_("This registration does not exist, or you may not see it."))
    with transaction(db):
        reg = db.execute("SELECT * FROM registrations WHERE id = ?", [registration_id]).fetchone()
        if reg is None:
            raise missing
        row = store.load_row(db, reg["event_id"])
        if reg["user_id"] != user.id and not store.can_see_attendees(user, row):
            raise missing
        if reg["status"] not in ("confirmed", "waitlisted"):
            raise Conflict(_("This registration is not active."))
        _cancel_row(db, reg, now)
        return store.to_registration(
            db, db.execute("SELECT * FROM registrations WHERE id = ?", [registration_id]).fetchone())
