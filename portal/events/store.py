"""Rows to dicts, counts and visibility for events; SQL shared by the event modules."""

from __future__ import annotations

import json

from flask_babel import gettext as _

from .. import timeutil
from ..accounts.service import User
from ..errors import NotFound

EVENT_SELECT = (
    "SELECT e.*, u.name AS organiser_name, u.email AS organiser_email,"
    " (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id"
    "  AND r.status = 'confirmed') AS confirmed_count,"
    " (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id"
    "  AND r.status = 'waitlisted') AS waitlist_count,"
    " (SELECT group_concat(tag, ',') FROM (SELECT tag FROM event_tags t WHERE t.event_id = e.id"
    "  ORDER BY tag)) AS tag_list,"
    " (SELECT json_group_array(json_object('id', hu.id, 'name', hu.name)) FROM"
    "  (SELECT x.id, x.name FROM event_hosts h JOIN users x ON x.id = h.user_id"
    "   WHERE h.event_id = e.id ORDER BY h.added_at, x.name) hu) AS host_list"
    " FROM events e LEFT JOIN users u ON u.id = e.organiser_id")


def can_manage(user: User) -> bool:
    """Datashop staff and admins create, edit, publish and cancel events."""
    return user.is_staff


def is_organiser(user: User, row) -> bool:
    return row["organiser_id"] is not None and row["organiser_id"] == user.id


def hosts_of(row) -> list[dict]:
    """The event's hosts besides the organiser (e.g. the teachers of a module session),
    as {id, name}, in the order they were added."""
    return json.loads(row["host_list"]) if row["host_list"] else []


def is_host(user: User, row) -> bool:
    return any(host["id"] == user.id for host in hosts_of(row))


def can_see_attendees(user: User, row) -> bool:
    """Attendee lists and check-in at the door: staff, the organiser and the hosts."""
    return user.is_staff or is_organiser(user, row) or is_host(user, row)


def can_see(user: User, row) -> bool:
    return row["status"] != "draft" or can_see_attendees(user, row)


def load_row(db, event_id: int):
    return db.execute(EVENT_SELECT + " WHERE e.id = ?", [event_id]).fetchone()


def load_visible(db, user: User, event_id: int):
    row = load_row(db, event_id)
    if row is None or not can_see(user, row):
        raise NotFound(_("This event does not exist, or you may not see it."))
    return row


def registration_row(db, event_id: int, user_id: int):
    return db.execute("SELECT * FROM registrations WHERE event_id = ? AND user_id = ?",
                      [event_id, user_id]).fetchone()


def position(db, reg) -> int | None:
    """Place on the waiting list (1 = next to get a seat), or None."""
    if reg is None or reg["status"] != "waitlisted":
        return None
    return db.execute("SELECT COUNT(*) FROM registrations WHERE event_id = ?"
                      " AND status = 'waitlisted' AND queue_no <= ?",
                      [reg["event_id"], reg["queue_no"]]).fetchone()[0]


def to_registration(db, reg) -> dict | None:
    if reg is None:
        return None
    return {"id": reg["id"], "event_id": reg["event_id"], "status": reg["status"],
            "position": position(db, reg), "attended": bool(reg["attended"]),
            "feedback_score": reg["feedback_score"], "feedback_comment": reg["feedback_comment"],
            "created_at": reg["created_at"], "updated_at": reg["updated_at"]}


def signup_state(row, now=None) -> str:
    """open | full (waiting list) | closed (deadline or start passed) | cancelled | draft."""
    now = now or timeutil.now()
    if row["status"] != "published":
        return row["status"]
    deadline = timeutil.parse(row["signup_deadline"]) if row["signup_deadline"] else None
    if timeutil.parse(row["starts_at"]) <= now or (deadline and deadline < now):
        return "closed"
    return "open" if row["confirmed_count"] < row["capacity"] else "full"


def to_event(db, row, user: User | None = None, now=None) -> dict:
    now = now or timeutil.now()
    event = {key: row[key] for key in (
        "id", "title", "type", "description", "starts_at", "ends_at", "location", "online_url",
        "capacity", "signup_deadline", "status", "module", "created_at", "updated_at",
        "published_at", "cancelled_at")}
    event["organiser"] = ({"id": row["organiser_id"], "name": row["organiser_name"]}
                          if row["organiser_id"] else None)
    event["tags"] = row["tag_list"].split(",") if row["tag_list"] else []
    event["hosts"] = hosts_of(row)
    event["seats_left"] = max(0, row["capacity"] - row["confirmed_count"])
    event["waitlist_count"] = row["waitlist_count"]
    event["signup"] = signup_state(row, now)
    event["is_past"] = timeutil.parse(row["ends_at"]) <= now
    event["has_started"] = timeutil.parse(row["starts_at"]) <= now
    if user is not None:
        event["my_registration"] = to_registration(db, registration_row(db, row["id"], user.id))
        event["can_manage"] = can_manage(user)
        event["can_see_attendees"] = can_see_attendees(user, row)
        if event["can_see_attendees"]:
            event["confirmed_count"] = row["confirmed_count"]
    return event
