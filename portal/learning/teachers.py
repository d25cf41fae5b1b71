"""The teacher pool: who may teach which module, their load per quarter, unavailable
periods, the teachers of each classroom session and substitutes when one drops out.

Rules:

- Datashop staff and admins manage the pool and assign teachers; a teacher sees their own
  sessions; everyone else gets Forbidden.
- A session (an event of type module session) has one or two teachers. A teacher is
  assigned only for a module they may teach, when they are not unavailable at that time,
  not teaching another session at the same time and below their maximum for the quarter.
  Checked and written in one BEGIN IMMEDIATE transaction.
- Every teacher of a session is one of the event's hosts (events.service.add_host), so
  both teachers see the attendee list and check people in at the door; the lead (first)
  teacher is also the event's organiser. A substitute takes over the host (and, for the
  lead, the organiser) of the teacher who dropped out.
- Substitutes: teachers who may teach the module and are free at that time, lowest load
  in the quarter first (then fewest sessions overall, then name). Staff confirm; the old
  and the new teacher and everyone with a seat are mailed the updated invitation.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from .. import parsing, timeutil
from ..accounts.service import User, get_user
from ..db import get_db, transaction
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..events import service as events
from . import content

__all__ = ["set_teacher", "my_profile", "list_teachers", "session_teachers", "assign",
           "remove", "substitutes", "replace", "my_sessions", "quarter_of", "MAX_TEACHERS"]

MAX_TEACHERS = 2
MAX_PER_QUARTER = 50


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can manage the teacher pool."))


def _local(value: str):
    return timeutil.parse(value).astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def quarter_of(value: str) -> str:
    """"2027-Q1" for a stored UTC time, in the portal's time zone."""
    moment = _local(value)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _check_quarter(quarter: str | None) -> str:
    if quarter is None:
        return quarter_of(timeutil.iso())
    if not (isinstance(quarter, str) and len(quarter) == 7 and quarter[4:6] == "-Q"
            and quarter[:4].isascii() and quarter[:4].isdigit() and quarter[6] in "1234"):
        raise Invalid(_("Give the quarter as YYYY-Qn, e.g. 2027-Q1."),
                      {"quarter": _("Give the quarter as YYYY-Qn, e.g. 2027-Q1.")})
    return quarter


def _sessions(user: User) -> dict[int, dict]:
    """Every module session the user may see (staff: all), by id, via the events service."""
    out: dict[int, dict] = {}
    offset = 0
    while True:
        page = events.list_events(user, {"type": "module_session", "when": "all"},
                                  limit=events.MAX_LIMIT, offset=offset)
        out.update({e["id"]: e for e in page["items"]})
        offset += events.MAX_LIMIT
        if offset >= page["total"]:
            return out


def _hours(event: dict) -> float:
    return (timeutil.parse(event["ends_at"]) - timeutil.parse(event["starts_at"])
            ).total_seconds() / 3600


def _teacher_row(db, teacher_id: int):
    row = db.execute("SELECT t.*, u.name, u.email, u.department FROM learning_teachers t"
                     " JOIN users u ON u.id = t.user_id WHERE t.user_id = ?",
                     [teacher_id]).fetchone()
    if row is None:
        raise NotFound(_("This person is not in the teacher pool."))
    return row


def set_teacher(user: User, teacher_id: int, modules, max_per_quarter, active: bool = True) -> dict:
    """Staff: mark an employee as teacher with the modules they may teach and a maximum."""
    _require_staff(user)
    errors: dict = {}
    maximum = parsing.integer(max_per_quarter, "max_per_quarter", errors, low=0,
                              high=MAX_PER_QUARTER, required=True)
    known = {m["id"] for m in content.modules()}
    if not isinstance(modules, (list, tuple)) or not all(isinstance(m, str) for m in modules):
        errors["modules"] = _("Choose modules from the track.")
    elif not set(modules) <= known:
        errors["modules"] = _("Unknown module.")
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    person = get_user(teacher_id)
    db = get_db()
    with transaction(db):
        db.execute("INSERT INTO learning_teachers (user_id, max_per_quarter, active, updated_at)"
                   " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET max_per_quarter ="
                   " excluded.max_per_quarter, active = excluded.active, updated_at ="
                   " excluded.updated_at", [person.id, maximum, int(bool(active)), timeutil.iso()])
        db.execute("DELETE FROM learning_teacher_modules WHERE user_id = ?", [person.id])
        for module_id in dict.fromkeys(modules):
            db.execute("INSERT INTO learning_teacher_modules (user_id, module_id) VALUES (?, ?)",
                       [person.id, module_id])
    return _teacher(db, _teacher_row(db, person.id))


def my_profile(user: User) -> dict | None:
    """The teacher's own pool record (modules, maximum, unavailable periods, load this
    quarter), or None for someone outside the pool."""
    db = get_db()
    row = db.execute("SELECT t.*, u.name, u.email, u.department FROM learning_teachers t"
                     " JOIN users u ON u.id = t.user_id WHERE t.user_id = ?",
                     [user.id]).fetchone()
    if row is None:
        return None
    return _teacher(db, row, _my_session_rows(user), quarter_of(timeutil.iso()))


def _my_session_rows(user: User) -> dict[int, dict]:
    db = get_db()
    out = {}
    for event_id in _assigned(db, user.id):
        try:
            out[event_id] = events.get_event(user, event_id)
        except NotFound:
            continue
    return out


def _teacher(db, row, sessions: dict[int, dict] | None = None, quarter: str | None = None) -> dict:
    out = {"id": row["user_id"], "name": row["name"], "email": row["email"],
           "department": row["department"], "max_per_quarter": row["max_per_quarter"],
           "active": bool(row["active"]),
           "modules": [r["module_id"] for r in db.execute(
               "SELECT module_id FROM learning_teacher_modules WHERE user_id = ?"
               " ORDER BY module_id", [row["user_id"]])],
           "unavailable": [dict(r) for r in db.execute(
               "SELECT id, starts_on, ends_on, reason FROM learning_teacher_unavailable"
               " WHERE user_id = ? ORDER BY starts_on", [row["user_id"]])]}
    if sessions is not None:
        out.update(_load(db, row["user_id"], sessions, quarter))
    return out


def _assigned(db, teacher_id: int) -> list[int]:
    return [r["event_id"] for r in db.execute(
        "SELECT event_id FROM learning_session_teachers WHERE user_id = ?", [teacher_id])]


def _load(db, teacher_id: int, sessions: dict[int, dict], quarter: str) -> dict:
    mine = [sessions[i] for i in _assigned(db, teacher_id)
            if i in sessions and sessions[i]["status"] != "cancelled"]
    in_quarter = [e for e in mine if quarter_of(e["starts_at"]) == quarter]
    return {"quarter": quarter, "sessions": len(in_quarter),
            "hours": round(sum(_hours(e) for e in in_quarter), 1), "sessions_total": len(mine)}


def list_teachers(user: User, quarter: str | None = None) -> dict:
    """Staff: the pool with each teacher's load in ``quarter`` (default: this quarter)."""
    _require_staff(user)
    quarter = _check_quarter(quarter)
    db = get_db()
    sessions = _sessions(user)
    rows = db.execute("SELECT t.*, u.name, u.email, u.department FROM learning_teachers t"
                      " JOIN users u ON u.id = t.user_id ORDER BY u.name COLLATE NOCASE").fetchall()
    items = [_teacher(db, row, sessions, quarter) for row in rows]
    for item in items:
        item["over_max"] = item["sessions"] > item["max_per_quarter"]
    return {"quarter": quarter, "items": items}


def session_teachers(event_id: int) -> list[dict]:
    db = get_db()
    return [dict(r) for r in db.execute(
        "SELECT u.id, u.name FROM learning_session_teachers s JOIN users u ON u.id = s.user_id"
        " WHERE s.event_id = ? ORDER BY s.assigned_at, u.name", [event_id])]


def _module_session(user: User, event_id: int) -> dict:
    event = events.get_event(user, event_id)
    if event["type"] != "module_session" or not event["module"]:
        raise Conflict(_("Only module sessions have teachers."))
    return event


def _blocked(db, row, event: dict, sessions: dict[int, dict], ignore: int | None = None):
    """Why this teacher cannot teach ``event`` (a translated reason), or None."""
    teacher_id = row["user_id"]
    if not row["active"]:
        return _("not active in the pool")
    if db.execute("SELECT 1 FROM learning_teacher_modules WHERE user_id = ? AND module_id = ?",
                  [teacher_id, event["module"]]).fetchone() is None:
        return _("does not teach this module")
    first, last = _local(event["starts_at"]).date(), _local(event["ends_at"]).date()
    if db.execute("SELECT 1 FROM learning_teacher_unavailable WHERE user_id = ? AND"
                  " starts_on <= ? AND ends_on >= ?",
                  [teacher_id, last.isoformat(), first.isoformat()]).fetchone():
        return _("unavailable at that time")
    start, end = timeutil.parse(event["starts_at"]), timeutil.parse(event["ends_at"])
    for other_id in _assigned(db, teacher_id):
        other = sessions.get(other_id)
        if other_id in (event["id"], ignore) or other is None or other["status"] == "cancelled":
            continue
        if timeutil.parse(other["starts_at"]) < end and timeutil.parse(other["ends_at"]) > start:
            return _("teaches another session at that time")
    load = _load(db, teacher_id, sessions, quarter_of(event["starts_at"]))
    if load["sessions"] >= row["max_per_quarter"]:
        return _("has reached the maximum for the quarter")
    return None


def _check_candidate(db, event: dict, teacher_id: int, current: list[dict],
                     sessions: dict[int, dict]) -> None:
    """Conflict unless ``teacher_id`` (in the pool) may join ``event`` now."""
    row = _teacher_row(db, teacher_id)
    if any(t["id"] == teacher_id for t in current):
        raise Conflict(_("This teacher already teaches this session."))
    reason = _blocked(db, row, event, sessions)
    if reason:
        raise Conflict(_("%(name)s cannot teach this session: %(reason)s.", name=row["name"],
                         reason=reason))


def assign(user: User, event_id: int, teacher_id: int) -> list[dict]:
    """Staff: add a teacher to a module session (at most two)."""
    _require_staff(user)
    event = _module_session(user, event_id)
    db = get_db()
    sessions = _sessions(user)
    with transaction(db):
        current = session_teachers(event_id)
        if len(current) >= MAX_TEACHERS:
            raise Conflict(_("A session has at most two teachers."))
        _check_candidate(db, event, teacher_id, current, sessions)
        _insert(db, user, event, teacher_id, lead=not current)
    return session_teachers(event_id)


def _insert(db, user: User, event: dict, teacher_id: int, lead: bool) -> None:
    db.execute("INSERT INTO learning_session_teachers (event_id, user_id, assigned_at)"
               " VALUES (?, ?, ?)", [event["id"], teacher_id, timeutil.iso()])
    events.add_host(user, event["id"], teacher_id)
    if lead:
        events.update_event(user, event["id"], {"organiser_id": teacher_id})
    if event["status"] == "published" and not event["is_past"]:
        events.notify_host(user, event["id"], teacher_id, True)


def remove(user: User, event_id: int, teacher_id: int) -> list[dict]:
    """Staff: take a teacher off a session without a substitute (they are told)."""
    _require_staff(user)
    event = _module_session(user, event_id)
    db = get_db()
    with transaction(db):
        _drop(db, user, event, teacher_id)
        rest = session_teachers(event_id)
        if (event["organiser"] and event["organiser"]["id"] == teacher_id
                and event["status"] != "cancelled"):
            # The remaining teacher leads; without one, the staff member who took the
            # teacher off organises until a new teacher is assigned.
            events.update_event(user, event_id,
                                {"organiser_id": rest[0]["id"] if rest else user.id})
    return session_teachers(event_id)


def _drop(db, user: User, event: dict, teacher_id: int) -> None:
    gone = db.execute("DELETE FROM learning_session_teachers WHERE event_id = ? AND user_id = ?",
                      [event["id"], teacher_id]).rowcount
    if not gone:
        raise NotFound(_("This teacher does not teach this session."))
    events.remove_host(user, event["id"], teacher_id)
    if event["status"] == "published" and not event["is_past"]:
        events.notify_host(user, event["id"], teacher_id, False)


def substitutes(user: User, event_id: int, teacher_id: int, limit: int = 5) -> dict:
    """Staff: who could take over from ``teacher_id``: may teach the module, free at that
    time, below their maximum; lowest load in the quarter first."""
    _require_staff(user)
    event = _module_session(user, event_id)
    db = get_db()
    if not any(t["id"] == teacher_id for t in session_teachers(event_id)):
        raise NotFound(_("This teacher does not teach this session."))
    sessions = _sessions(user)
    quarter = quarter_of(event["starts_at"])
    teaching = {t["id"] for t in session_teachers(event_id)}
    candidates = []
    for row in db.execute("SELECT t.*, u.name, u.email, u.department FROM learning_teachers t"
                          " JOIN users u ON u.id = t.user_id WHERE u.active = 1").fetchall():
        if row["user_id"] in teaching or _blocked(db, row, event, sessions):
            continue
        candidates.append(_teacher(db, row, sessions, quarter))
    candidates.sort(key=lambda t: (t["sessions"], t["hours"], t["sessions_total"],
                                   t["name"].lower()))
    return {"event": {"id": event["id"], "title": event["title"], "module": event["module"],
                      "starts_at": event["starts_at"]},
            "quarter": quarter, "items": candidates[:limit]}


def replace(user: User, event_id: int, teacher_id: int, substitute_id: int) -> list[dict]:
    """Staff confirm a substitute: the old teacher off, the new one on; both teachers and
    everyone with a seat get mail with the updated invitation."""
    _require_staff(user)
    event = _module_session(user, event_id)
    db = get_db()
    sessions = _sessions(user)
    with transaction(db):
        current = session_teachers(event_id)
        if not any(t["id"] == teacher_id for t in current):
            raise NotFound(_("This teacher does not teach this session."))
        _check_candidate(db, event, substitute_id, current, sessions)
        was_lead = bool(event["organiser"] and event["organiser"]["id"] == teacher_id)
        _drop(db, user, event, teacher_id)
        _insert(db, user, event, substitute_id, lead=was_lead or len(current) == 1)
        events.announce_update(user, event_id)
    return session_teachers(event_id)


def is_teacher(user: User) -> bool:
    return get_db().execute("SELECT 1 FROM learning_teachers WHERE user_id = ? AND active = 1",
                            [user.id]).fetchone() is not None


RECENT_DAYS = 30


def my_sessions(user: User, when: str = "upcoming") -> list[dict]:
    """A teacher's own sessions (not cancelled) with their co-teachers and, where they may
    see it (staff, organiser, host), the attendee list. ``upcoming`` (soonest first) or
    ``recent``: ended in the last RECENT_DAYS days, latest first, for checking people in
    afterwards."""
    if when not in ("upcoming", "recent"):
        raise Invalid(_("when is upcoming or recent."))
    from datetime import timedelta

    from ..events import attendance

    since = timeutil.now() - timedelta(days=RECENT_DAYS)
    out = []
    for event in _my_session_rows(user).values():
        if event["status"] == "cancelled":
            continue
        if (when == "upcoming") == event["is_past"]:
            continue
        if when == "recent" and timeutil.parse(event["ends_at"]) < since:
            continue
        event["teachers"] = session_teachers(event["id"])
        event["attendees"] = (attendance.attendees(user, event["id"])
                              if event["can_see_attendees"] else None)
        out.append(event)
    return sorted(out, key=lambda e: e["starts_at"], reverse=when == "recent")


def upcoming_sessions(user: User) -> list[dict]:
    """Staff: upcoming module sessions with their teachers (none = needs a teacher)."""
    _require_staff(user)
    out = []
    for event in _sessions(user).values():
        if event["is_past"] or event["status"] == "cancelled":
            continue
        event["teachers"] = _flag_unavailable(session_teachers(event["id"]), event)
        out.append(event)
    return sorted(out, key=lambda e: e["starts_at"])


def _flag_unavailable(people: list[dict], event: dict) -> list[dict]:
    """Mark the teachers who are unavailable at the session (a period added after they
    were assigned): staff should find a substitute."""
    db = get_db()
    first, last = _local(event["starts_at"]).date(), _local(event["ends_at"]).date()
    for person in people:
        person["unavailable"] = db.execute(
            "SELECT 1 FROM learning_teacher_unavailable WHERE user_id = ? AND starts_on <= ?"
            " AND ends_on >= ?", [person["id"], last.isoformat(), first.isoformat()]
        ).fetchone() is not None
    return people


def session_detail(user: User, event_id: int) -> dict:
    """Staff: one module session with its teachers and the pool members who could join."""
    _require_staff(user)
    event = _module_session(user, event_id)
    db = get_db()
    sessions = _sessions(user)
    current = {t["id"] for t in session_teachers(event_id)}
    available = []
    for row in db.execute("SELECT t.*, u.name, u.email, u.department FROM learning_teachers t"
                          " JOIN users u ON u.id = t.user_id WHERE u.active = 1"
                          " ORDER BY u.name COLLATE NOCASE").fetchall():
        if row["user_id"] not in current and not _blocked(db, row, event, sessions):
            available.append({"id": row["user_id"], "name": row["name"]})
    event["teachers"] = _flag_unavailable(session_teachers(event_id), event)
    return {"event": event, "available": available}
