"""After sign-up: the attendee list, check-in at the door, walk-ins, feedback, figures.

Attendee lists (names, e-mail addresses) are for Datashop staff, the event's
organiser and its hosts only; everyone else gets Forbidden (or NotFound for a draft they may
not see). Employees only ever see the number of seats left.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from .. import parsing, timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import Conflict, Forbidden, Invalid, NotFound
from . import store
from .registration import new_uid, next_queue_no

__all__ = ["attendees", "set_attended", "add_walk_in", "give_feedback", "event_figures",
           "period_figures", "attendees_csv", "attended_sessions"]

COMMENT_MAX = 2000
NAME_MAX = 120


def _require_attendee_access(db, user: User, event_id: int):
    row = store.load_visible(db, user, event_id)
    if not store.can_see_attendees(user, row):
        raise Forbidden(_("Only Datashop staff, the organiser and the hosts can see who signed up."))
    return row


def _attendee(db, reg) -> dict:
    return {"id": reg["id"], "status": reg["status"], "position": store.position(db, reg),
            "attended": bool(reg["attended"]), "checked_in_at": reg["checked_in_at"],
            "created_at": reg["created_at"],
            "user": ({"id": reg["user_id"], "name": reg["name"], "email": reg["email"]}
                     if reg["user_id"] else None),
            "name": reg["name"] or reg["guest_name"], "walk_in": reg["status"] == "walk_in",
            "feedback_score": reg["feedback_score"]}


def attendees(user: User, event_id: int, include_cancelled: bool = False) -> list[dict]:
    """Everyone signed up: confirmed and walk-ins by name, then the waiting list in order."""
    db = get_db()
    _require_attendee_access(db, user, event_id)
    rows = db.execute(
        "SELECT r.*, u.name AS name, u.email AS email FROM registrations r"
        " LEFT JOIN users u ON u.id = r.user_id WHERE r.event_id = ?"
        + ("" if include_cancelled else " AND r.status != 'cancelled'")
        + " ORDER BY CASE r.status WHEN 'waitlisted' THEN 1 WHEN 'cancelled' THEN 2 ELSE 0 END,"
          " CASE r.status WHEN 'waitlisted' THEN r.queue_no END,"
          " COALESCE(u.name, r.guest_name) COLLATE NOCASE", [event_id]).fetchall()
    return [_attendee(db, reg) for reg in rows]


def _attendee_by_id(db, event_id: int, registration_id: int) -> dict:
    reg = db.execute("SELECT r.*, u.name AS name, u.email AS email FROM registrations r"
                     " LEFT JOIN users u ON u.id = r.user_id WHERE r.id = ? AND r.event_id = ?",
                     [registration_id, event_id]).fetchone()
    if reg is None:
        raise NotFound(_("This registration does not exist, or you may not see it."))
    return reg


def set_attended(user: User, event_id: int, registration_id: int, present: bool) -> dict:
    """Mark a confirmed attendee (or walk-in) present or absent; from the start's day on."""
    db = get_db()
    row = _require_attendee_access(db, user, event_id)
    if row["status"] == "cancelled":
        raise Conflict(_("This event has been cancelled."))
    with transaction(db):
        reg = _attendee_by_id(db, event_id, registration_id)
        if reg["status"] not in ("confirmed", "walk_in"):
            raise Conflict(_("Only people with a seat can be checked in."))
        db.execute("UPDATE registrations SET attended = ?, checked_in_at = ?, updated_at = ?"
                   " WHERE id = ?", [int(present), timeutil.iso() if present else None,
                                     timeutil.iso(), registration_id])
        return _attendee(db, _attendee_by_id(db, event_id, registration_id))


def add_walk_in(user: User, event_id: int, name: str, email: str | None = None) -> dict:
    """Someone at the door without a seat: present at once. With the e-mail address of an
    account, their own registration (waiting list, cancelled) becomes the walk-in."""
    db = get_db()
    row = _require_attendee_access(db, user, event_id)
    if row["status"] == "cancelled":
        raise Conflict(_("This event has been cancelled."))
    errors: dict = {}
    name = parsing.text(name, "name", errors, required=not email, max_length=NAME_MAX,
                        multiline=False)
    email = parsing.text(email, "email", errors, required=False, max_length=254, multiline=False)
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    stamp = timeutil.iso()
    with transaction(db):
        account = db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone() \
            if email else None
        if email and account is None and not name:
            raise Invalid(_("Please correct the marked fields."),
                          {"email": _("No account with this address; give a name instead.")})
        reg = store.registration_row(db, event_id, account["id"]) if account else None
        if reg is not None and reg["status"] in ("confirmed", "walk_in"):
            db.execute("UPDATE registrations SET attended = 1, checked_in_at = ?, updated_at = ?"
                       " WHERE id = ?", [stamp, stamp, reg["id"]])
            reg_id = reg["id"]
        elif reg is not None:
            db.execute("UPDATE registrations SET status = 'walk_in', attended = 1,"
                       " checked_in_at = ?, updated_at = ? WHERE id = ?", [stamp, stamp, reg["id"]])
            reg_id = reg["id"]
        else:
            queue_no = next_queue_no(db, event_id)
            reg_id = db.execute(
                "INSERT INTO registrations (event_id, user_id, guest_name, status, queue_no, uid,"
                " attended, checked_in_at, created_at, updated_at)"
                " VALUES (?, ?, ?, 'walk_in', ?, ?, 1, ?, ?, ?)",
                [event_id, account["id"] if account else None, None if account else name,
                 queue_no, new_uid(), stamp, stamp, stamp]).lastrowid
        return _attendee(db, _attendee_by_id(db, event_id, reg_id))


def give_feedback(user: User, event_id: int, score, comment: str | None = None) -> dict:
    """A score from 1 to 5 and a comment, by someone who attended, after the event ended.
    Giving it again replaces the earlier feedback."""
    db = get_db()
    row = store.load_visible(db, user, event_id)
    errors: dict = {}
    score = parsing.integer(score, "score", errors, low=1, high=5, required=True)
    comment = parsing.text(comment, "comment", errors, required=False, max_length=COMMENT_MAX)
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    if timeutil.parse(row["ends_at"]) > timeutil.now():
        raise Conflict(_("Feedback opens when the event is over."))
    with transaction(db):
        reg = store.registration_row(db, event_id, user.id)
        if reg is None or not reg["attended"]:
            raise Forbidden(_("Only people who attended can give feedback."))
        db.execute("UPDATE registrations SET feedback_score = ?, feedback_comment = ?,"
                   " feedback_at = ?, updated_at = ? WHERE id = ?",
                   [score, comment, timeutil.iso(), timeutil.iso(), reg["id"]])
        return store.to_registration(db, store.registration_row(db, event_id, user.id))


def attended_sessions(user: User, module: str | None = None) -> list[dict]:
    """The user's own attended module sessions (for the learning track: attending a session
    can complete a module), newest first; ``module`` narrows to one module."""
    db = get_db()
    rows = db.execute(
        "SELECT e.id, e.title, e.module, e.starts_at, e.ends_at, r.checked_in_at FROM events e"
        " JOIN registrations r ON r.event_id = e.id WHERE r.user_id = ? AND r.attended = 1"
        " AND e.type = 'module_session' AND e.status = 'published' AND e.module IS NOT NULL"
        + (" AND e.module = ?" if module else "") + " ORDER BY e.starts_at DESC",
        [user.id, module] if module else [user.id]).fetchall()
    return [dict(row) for row in rows]


FIGURES_SQL = (
    "SELECT COUNT(*) FILTER (WHERE r.status IN ('confirmed', 'walk_in')) AS seats_taken,"
    " COUNT(*) FILTER (WHERE r.status = 'confirmed') AS confirmed,"
    " COUNT(*) FILTER (WHERE r.status = 'waitlisted') AS waitlisted,"
    " COUNT(*) FILTER (WHERE r.status = 'cancelled') AS cancelled,"
    " COUNT(*) FILTER (WHERE r.status = 'walk_in') AS walk_ins,"
    " COUNT(*) FILTER (WHERE r.attended = 1) AS attended,"
    " COUNT(*) FILTER (WHERE r.status = 'confirmed' AND r.attended = 1) AS confirmed_attended,"
    " COUNT(r.feedback_score) AS feedback_count, AVG(r.feedback_score) AS feedback_avg"
    " FROM events e LEFT JOIN registrations r ON r.event_id = e.id")


def _figures(row, past: bool) -> dict:
    confirmed = row["confirmed"] or 0
    out = {key: row[key] or 0 for key in ("confirmed", "waitlisted", "cancelled", "walk_ins",
                                          "attended", "feedback_count")}
    out["signups"] = confirmed + out["waitlisted"] + out["cancelled"]
    out["no_shows"] = confirmed - (row["confirmed_attended"] or 0) if past else None
    out["attendance_rate"] = (round((row["confirmed_attended"] or 0) / confirmed, 3)
                              if past and confirmed else None)
    out["feedback_avg"] = round(row["feedback_avg"], 2) if row["feedback_avg"] is not None else None
    return out


def event_figures(user: User, event_id: int) -> dict:
    """Sign-ups, waiting list, attendance rate, no-shows and feedback of one event."""
    db = get_db()
    row = _require_attendee_access(db, user, event_id)
    figures = db.execute(FIGURES_SQL + " WHERE e.id = ?", [event_id]).fetchone()
    return _figures(figures, timeutil.parse(row["ends_at"]) <= timeutil.now())


def period_figures(user: User, start: str, end: str) -> dict:
    """Totals over the published events that ended in [start, end) (UTC ISO), per type."""
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can see figures."))
    db = get_db()
    where = (" WHERE e.status = 'published' AND e.ends_at >= ? AND e.ends_at < ?"
             " AND e.ends_at <= ?")
    params = [start, end, timeutil.iso()]
    total = _figures(db.execute(FIGURES_SQL + where, params).fetchone(), True)
    total["events"] = db.execute("SELECT COUNT(*) FROM events e" + where, params).fetchone()[0]
    by_type = {}
    for kind_row in db.execute("SELECT DISTINCT type FROM events e" + where + " ORDER BY type",
                               params).fetchall():
        kind = kind_row["type"]
        by_type[kind] = _figures(db.execute(FIGURES_SQL + where + " AND e.type = ?",
                                            [*params, kind]).fetchone(), True)
    return {"total": total, "by_type": by_type}


def attendees_csv(user: User, event_id: int) -> str:
    """The attendee list as CSV (semicolons, as Dutch Excel opens it)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Name"), _("E-mail"), _("Status"), _("Waiting list position"),
                     _("Present"), _("Signed up")])
    from .labels import REGISTRATION_STATUSES

    for person in attendees(user, event_id):
        writer.writerow([_safe(person["name"]), _safe(person["user"]["email"] if person["user"]
                                                      else ""),
                         str(REGISTRATION_STATUSES[person["status"]]), person["position"] or "",
                         _("yes") if person["attended"] else _("no"), person["created_at"]])
    return out.getvalue()


def _safe(value: str | None) -> str:
    """Cells that a spreadsheet would run as a formula get a leading quote."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
