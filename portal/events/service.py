"""Events: list, read, create, edit, publish, cancel. Rules and SQL, no request.

Every function takes the acting user first and checks permissions itself, so
the web pages, the API, the learning track and the assistant agree:

- everyone logged in sees published (and cancelled) events; drafts are seen by
  staff, the event's organiser and its hosts only (others get NotFound);
- Datashop staff and admins create, edit, publish and cancel events and choose its
  hosts: people besides the organiser (the teachers of a module session) who, like the
  organiser, see the attendee list and check people in at the door;
- sign-ups, the waiting list and cancellations are in registration.py,
  attendance, check-in, feedback and figures in attendance.py.

Editing the time or place of a published event raises every confirmed
registration's SEQUENCE and mails the updated invitation; cancelling mails a
CANCEL to everyone signed up. Both in the transaction of the change.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from flask import current_app

from flask_babel import gettext as _

from .. import parsing, timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import Conflict, Forbidden, Invalid
from ..mail.sender import mail_domain
from . import notify, store, validation
from .labels import EVENT_TYPES

__all__ = ["list_events", "get_event", "create_event", "update_event", "publish_event",
           "cancel_event", "my_registrations", "announce_update", "notify_host", "hosts",
           "add_host", "remove_host", "FILTER_KEYS"]

FILTER_KEYS = ("type", "month", "mode", "has_seats", "when", "status", "q")
MAX_LIMIT = 200
_MONTH = re.compile(r"^(20\d\d|21\d\d)-(0[1-9]|1[0-2])$")
TIME_OR_PLACE = ("starts_at", "ends_at", "location", "online_url")


def _require_manager(user: User) -> None:
    if not store.can_manage(user):
        raise Forbidden(_("Only Datashop staff can create and change events."))


@contextmanager
def _managed(user: User, event_id: int):
    """A staff change of an event: NotFound for events the user may not see, then Forbidden
    for non-staff; yields (db, the row read inside the write transaction)."""
    db = get_db()
    store.load_visible(db, user, event_id)
    _require_manager(user)
    with transaction(db):
        yield db, store.load_row(db, event_id)


def _flag(value) -> bool | None:
    if value in (None, ""):
        return None
    if value in (True, "1", "true", "yes", "on"):
        return True
    if value in (False, "0", "false", "no", "off"):
        return False
    raise Invalid(_("Use true or false."), {"has_seats": _("Use true or false.")})


def clean_filters(filters: dict) -> dict:
    """Check list filters; unknown values are a 400, never a silent 'all'."""
    out: dict = {}
    kind = filters.get("type") or None
    if kind and (not isinstance(kind, str) or kind not in EVENT_TYPES):
        raise Invalid(_("Unknown event type."), {"type": _("Unknown event type.")})
    out["type"] = kind
    month = filters.get("month") or None
    if month and not (isinstance(month, str) and _MONTH.match(month)):
        raise Invalid(_("Give the month as YYYY-MM."), {"month": _("Give the month as YYYY-MM.")})
    out["month"] = month
    mode = filters.get("mode") or None
    if mode and (not isinstance(mode, str) or mode not in ("online", "onsite")):
        raise Invalid(_("mode is online or onsite."), {"mode": _("Choose online or on site.")})
    out["mode"] = mode
    out["has_seats"] = _flag(filters.get("has_seats"))
    when = filters.get("when") or "upcoming"
    if not isinstance(when, str) or when not in ("upcoming", "past", "all"):
        raise Invalid(_("when is upcoming, past or all."), {"when": _("Unknown value.")})
    out["when"] = when
    status = filters.get("status") or None
    if status and (not isinstance(status, str)
                   or status not in ("draft", "published", "cancelled")):
        raise Invalid(_("Unknown status."), {"status": _("Unknown status.")})
    out["status"] = status
    out["q"] = parsing.text(filters.get("q"), "q", required=False, max_length=200,
                            multiline=False)
    return out


def list_events(user: User, filters: dict | None = None, limit: int = 50, offset: int = 0) -> dict:
    """Events in time order (upcoming by default), with seats left and the user's registration.
    Drafts appear for staff only (and for an organiser, their own)."""
    f = clean_filters(filters or {})
    db = get_db()
    now = timeutil.iso()
    where, params = [], []
    if not user.is_staff:
        where.append("(e.status != 'draft' OR e.organiser_id = ? OR EXISTS (SELECT 1 FROM"
                     " event_hosts h WHERE h.event_id = e.id AND h.user_id = ?))")
        params += [user.id, user.id]
    if f["status"]:
        where.append("e.status = ?")
        params.append(f["status"])
    if f["when"] == "upcoming":
        where.append("e.ends_at > ?")
        params.append(now)
    elif f["when"] == "past":
        where.append("e.ends_at <= ?")
        params.append(now)
    if f["type"]:
        where.append("e.type = ?")
        params.append(f["type"])
    if f["month"]:
        # Months are local months; compare on the local start converted back to UTC bounds.
        start, end = _month_bounds(f["month"])
        where.append("e.starts_at >= ? AND e.starts_at < ?")
        params += [start, end]
    if f["mode"] == "online":
        where.append("e.online_url IS NOT NULL")
    elif f["mode"] == "onsite":
        where.append("e.location IS NOT NULL")
    if f["has_seats"] is not None:
        where.append(("" if f["has_seats"] else "NOT ") + "(e.status = 'published' AND e.capacity >"
                     " (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id"
                     " AND r.status = 'confirmed'))")
    if f["q"]:
        where.append("e.title LIKE ? ESCAPE '\\'")
        params.append("%" + re.sub(r"([%_\\])", r"\\\1", f["q"]) + "%")
    sql_where = (" WHERE " + " AND ".join(where)) if where else ""
    order = "DESC" if f["when"] == "past" else "ASC"
    total = db.execute(f"SELECT COUNT(*) FROM events e{sql_where}", params).fetchone()[0]
    rows = db.execute(store.EVENT_SELECT + sql_where + f" ORDER BY e.starts_at {order}, e.id"
                      " LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
    moment = timeutil.now()
    return {"total": total, "filters": f,
            "items": [store.to_event(db, row, user, moment) for row in rows]}


def _month_bounds(month: str) -> tuple[str, str]:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from flask import current_app

    tz = ZoneInfo(current_app.config["TIMEZONE"])
    year, mon = int(month[:4]), int(month[5:])
    first = datetime(year, mon, 1, tzinfo=tz)
    following = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return timeutil.iso(first), timeutil.iso(following)


def get_event(user: User, event_id: int) -> dict:
    db = get_db()
    return store.to_event(db, store.load_visible(db, user, event_id), user)


def _organiser(db, organiser_id: int | None) -> None:
    if organiser_id is None:
        return
    row = db.execute("SELECT id FROM users WHERE id = ? AND active = 1", [organiser_id]).fetchone()
    if row is None:
        raise Invalid(_("Please correct the marked fields."),
                      {"organiser_id": _("No active user with this id.")})


def _store_tags(db, event_id: int, tags: list[str]) -> None:
    db.execute("DELETE FROM event_tags WHERE event_id = ?", [event_id])
    for tag in tags:
        db.execute("INSERT INTO event_tags (event_id, tag) VALUES (?, ?)", [event_id, tag])


def create_event(user: User, data: dict, *, local_naive: bool = False) -> dict:
    """A new event, as a draft (``publish_event`` opens it). ``data``: see validation.FIELDS;
    the organiser defaults to the creator."""
    _require_manager(user)
    clean = validation.event_fields(data, local_naive=local_naive)
    db = get_db()
    organiser_id = clean.get("organiser_id") or user.id
    _organiser(db, organiser_id)
    stamp = timeutil.iso()
    with transaction(db):
        event_id = db.execute(
            "INSERT INTO events (title, type, description, starts_at, ends_at, location, online_url,"
            " capacity, signup_deadline, organiser_id, module, status, created_by, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
            [clean["title"], clean["type"], clean["description"], timeutil.iso(clean["starts_at"]),
             timeutil.iso(clean["ends_at"]), clean["location"], clean["online_url"],
             clean["capacity"],
             timeutil.iso(clean["signup_deadline"]) if clean["signup_deadline"] else None,
             organiser_id, clean["module"], user.id, stamp, stamp]).lastrowid
        _store_tags(db, event_id, clean["tags"])
    return get_event(user, event_id)


def update_event(user: User, event_id: int, data: dict, *, local_naive: bool = False) -> dict:
    """Change fields of an event. A change of time or place on a published event sends
    everyone signed up the news (confirmed seats with the updated invitation)."""
    with _managed(user, event_id) as (db, row):
        if row["status"] == "cancelled":
            raise Conflict(_("This event is cancelled and can no longer be changed."))
        clean = validation.event_fields(data, dict(row), local_naive=local_naive)
        for key in ("starts_at", "ends_at", "signup_deadline"):
            if key in clean:
                clean[key] = timeutil.iso(clean[key]) if clean[key] else None
        if "organiser_id" in clean:
            _organiser(db, clean["organiser_id"])
        if "capacity" in clean and clean["capacity"] < row["confirmed_count"]:
            raise Invalid(_("Please correct the marked fields."), {"capacity": _(
                "%(n)d people already have a seat; the capacity cannot be lower.",
                n=row["confirmed_count"])})
        tags = clean.pop("tags", None)
        changed = {k: v for k, v in clean.items() if row[k] != v}
        if changed:
            sets = ", ".join(f"{key} = ?" for key in changed)
            db.execute(f"UPDATE events SET {sets}, updated_at = ? WHERE id = ?",
                       [*changed.values(), timeutil.iso(), event_id])
        if tags is not None:
            _store_tags(db, event_id, tags)
        moved = row["status"] == "published" and any(k in changed for k in TIME_OR_PLACE)
        if moved:
            _announce_change(db, event_id, reset_reminder="starts_at" in changed)
        if row["status"] == "published" and "capacity" in changed:
            from .registration import promote

            promote(db, event_id)
    return get_event(user, event_id)


def _announce_change(db, event_id: int, reset_reminder: bool) -> None:
    stamp = timeutil.iso()
    db.execute("UPDATE registrations SET sequence = sequence + 1, updated_at = ?"
               + (", reminded_at = NULL" if reset_reminder else "")
               + " WHERE event_id = ? AND status = 'confirmed'", [stamp, event_id])
    event = store.to_event(db, store.load_row(db, event_id))
    for reg in db.execute("SELECT * FROM registrations WHERE event_id = ? AND status IN"
                          " ('confirmed', 'waitlisted') ORDER BY queue_no", [event_id]).fetchall():
        if reg["status"] == "confirmed":
            notify.send(db, "changed", event, reg)
        else:
            notify.send(db, "changed_waitlisted", event, reg, position=store.position(db, reg))


def announce_update(user: User, event_id: int) -> int:
    """Staff: tell everyone with a seat that the event's details changed (a new teacher,
    say), with the updated invitation. Returns the number of people told."""
    with _managed(user, event_id) as (db, row):
        if row["status"] != "published" or timeutil.parse(row["ends_at"]) <= timeutil.now():
            return 0
        stamp = timeutil.iso()
        db.execute("UPDATE registrations SET sequence = sequence + 1, updated_at = ?"
                   " WHERE event_id = ? AND status = 'confirmed'", [stamp, event_id])
        event = store.to_event(db, store.load_row(db, event_id))
        regs = db.execute("SELECT * FROM registrations WHERE event_id = ? AND status ="
                          " 'confirmed'", [event_id]).fetchall()
        for reg in regs:
            notify.send(db, "updated", event, reg)
        return len(regs)


def notify_host(user: User, event_id: int, host_id: int, added: bool) -> None:
    """Staff: mail a host (a teacher of a session) that they now host the event, or no
    longer, with an invitation (or cancellation) for their calendar."""
    with _managed(user, event_id) as (db, row):
        event = store.to_event(db, row)
        host = {"user_id": host_id, "uid": f"host-{event_id}-{host_id}@"
                f"{mail_domain(current_app.config)}", "sequence": int(timeutil.now().timestamp())}
        notify.send(db, "hosting" if added else "hosting_ended", event, host)


def hosts(user: User, event_id: int) -> list[dict]:
    """The event's hosts (id, name, email), in the order they were added."""
    db = get_db()
    store.load_visible(db, user, event_id)
    return [dict(r) for r in db.execute(
        "SELECT u.id, u.name, u.email FROM event_hosts h JOIN users u ON u.id = h.user_id"
        " WHERE h.event_id = ? ORDER BY h.added_at, u.name COLLATE NOCASE", [event_id])]


def add_host(user: User, event_id: int, host_id: int) -> list[dict]:
    """Staff: ``host_id`` sees the attendee list and checks people in. Adding a host
    twice is a no-op."""
    with _managed(user, event_id) as (db, row):
        if row["status"] == "cancelled":
            raise Conflict(_("This event is cancelled and can no longer be changed."))
        if db.execute("SELECT 1 FROM users WHERE id = ? AND active = 1",
                      [host_id]).fetchone() is None:
            raise Invalid(_("Please correct the marked fields."),
                          {"host_id": _("No active user with this id.")})
        db.execute("INSERT INTO event_hosts (event_id, user_id, added_at) VALUES (?, ?, ?)"
                   " ON CONFLICT DO NOTHING", [event_id, host_id, timeutil.iso()])
    return hosts(user, event_id)


def remove_host(user: User, event_id: int, host_id: int) -> list[dict]:
    """Staff: ``host_id`` no longer hosts the event (and loses the attendee list, unless
    they are its organiser). Removing someone who is no host is a no-op."""
    with _managed(user, event_id) as (db, _row):
        db.execute("DELETE FROM event_hosts WHERE event_id = ? AND user_id = ?",
                   [event_id, host_id])
    return hosts(user, event_id)


def publish_event(user: User, event_id: int) -> dict:
    """draft -> published: the event appears in the agenda and sign-ups open."""
    with _managed(user, event_id) as (db, row):
        if row["status"] != "draft":
            raise Conflict(_("Only a draft can be published."))
        if timeutil.parse(row["starts_at"]) <= timeutil.now():
            raise Conflict(_("This event has already started; it can no longer be published."))
        stamp = timeutil.iso()
        db.execute("UPDATE events SET status = 'published', published_at = ?, updated_at = ?"
                   " WHERE id = ?", [stamp, stamp, event_id])
    return get_event(user, event_id)


def cancel_event(user: User, event_id: int) -> dict:
    """Cancel an event: everyone signed up is told, confirmed seats get a CANCEL invitation."""
    with _managed(user, event_id) as (db, row):
        if row["status"] == "cancelled":
            raise Conflict(_("This event is already cancelled."))
        stamp = timeutil.iso()
        db.execute("UPDATE events SET status = 'cancelled', cancelled_at = ?, updated_at = ?"
                   " WHERE id = ?", [stamp, stamp, event_id])
        if row["status"] == "published" and timeutil.parse(row["ends_at"]) > timeutil.now():
            db.execute("UPDATE registrations SET sequence = sequence + 1, updated_at = ?"
                       " WHERE event_id = ? AND status = 'confirmed'", [stamp, event_id])
            event = store.to_event(db, store.load_row(db, event_id))
            for reg in db.execute("SELECT * FROM registrations WHERE event_id = ? AND status IN"
                                  " ('confirmed', 'waitlisted')", [event_id]).fetchall():
                notify.send(db, "event_cancelled" if reg["status"] == "confirmed"
                            else "event_cancelled_waitlisted", event, reg)
    return get_event(user, event_id)


def my_registrations(user: User, when: str = "upcoming") -> list[dict]:
    """The user's own registrations (not cancelled ones), with their events."""
    if when not in ("upcoming", "past"):
        raise Invalid(_("when is upcoming or past."))
    db = get_db()
    now = timeutil.iso()
    op, order = (">", "ASC") if when == "upcoming" else ("<=", "DESC")
    rows = db.execute(store.EVENT_SELECT + " JOIN registrations m ON m.event_id = e.id"
                      " WHERE m.user_id = ? AND m.status != 'cancelled' AND e.status != 'draft'"
                      f" AND e.ends_at {op} ? ORDER BY e.starts_at {order}",
                      [user.id, now]).fetchall()
    moment = timeutil.now()
    return [store.to_event(db, row, user, moment) for row in rows]

