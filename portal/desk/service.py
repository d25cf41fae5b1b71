"""The desk's rules for requests: create, read, comment, attachments, history.

Status changes, assignment, reopening and ratings live in lifecycle.py, the
queue in queue.py. Every function takes the acting user first and checks
permissions itself, so the web pages, the API and the assistant agree:
an employee sees only their own tickets (others' are NotFound), staff and
admins see and edit all.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import Forbidden, NotFound
from . import attachments, notify, sla, store, validation
from .lifecycle import apply_status, check_transition, reply_state
from .types import get_type

__all__ = ["create_ticket", "get_ticket", "get_thread", "add_comment", "get_attachment",
           "list_events", "ticket_attachments", "mark_seen"]


def _next_number(db, moment) -> str:
    year = timeutil.local(moment, current_app.config["TIMEZONE"]).year
    last = db.execute(
        "INSERT INTO ticket_counters (year, last) VALUES (?, 1)"
        " ON CONFLICT(year) DO UPDATE SET last = last + 1 RETURNING last", [year]).fetchone()[0]
    return f"{current_app.config['TICKET_PREFIX']}-{year}-{last:04d}"


def create_ticket(user: User, data: dict, uploads=()) -> dict:
    """Submit a request. ``data``: type, subject, description, department, desired_date,
    personal_data, extra (dict). ``uploads``: attachments.Upload items.

    Validates everything first; the ticket, its number, attachments, history
    and confirmation mail are stored in one transaction or not at all.
    """
    clean = validation.new_ticket(data)
    prepared = attachments.prepare(uploads)
    cfg = current_app.config
    db = get_db()
    moment = timeutil.now()
    stamp = timeutil.iso(moment)
    rtype = get_type(clean["type"])
    dues = sla.initial_dues(moment, "normal", cfg)
    written: list[Path] = []
    try:
        with transaction(db):
            number = _next_number(db, moment)
            ticket_id = db.execute(
                "INSERT INTO tickets (number, type, subject, description, department, desired_date,"
                " personal_data, extra, status, priority, team, requester_id, created_at, updated_at,"
                " response_due_at, response_risk_at, resolve_due_at, resolve_risk_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'new', 'normal', ?, ?, ?, ?, ?, ?, ?, ?)",
                [number, clean["type"], clean["subject"], clean["description"], clean["department"],
                 clean["desired_date"], clean["personal_data"],
                 json.dumps(clean["extra"], ensure_ascii=False), rtype.team, user.id, stamp, stamp,
                 *(timeutil.iso(dues[key]) for key in sla.KEYS)]).lastrowid
            store.event(db, ticket_id, user.id, "created", None, clean["type"], stamp)
            attachments.save(db, prepared, ticket_id=ticket_id, comment_id=None, user_id=user.id,
                             written=written)
            row = store.load_row_by_id(db, ticket_id)
            notify.ticket_created(db, row)
    except BaseException:
        attachments.remove(written)
        raise
    attachments.publish(written)
    return store.to_ticket(row, user, moment)


def get_ticket(user: User, number: str) -> dict:
    return store.to_ticket(store.load_visible(get_db(), user, number), user)


def _attachments_by_comment(db, ticket_id: int, user: User) -> dict:
    out: dict = {}
    rows = db.query(
        "SELECT a.id, a.comment_id, a.filename, a.content_type, a.size, a.created_at"
        " FROM attachments a LEFT JOIN comments c ON c.id = a.comment_id"
        " WHERE a.ticket_id = ? AND (? OR COALESCE(c.internal, 0) = 0) ORDER BY a.id",
        [ticket_id, int(user.is_staff)])
    for row in rows:
        out.setdefault(row["comment_id"], []).append(dict(row))
    return out


def ticket_attachments(user: User, number: str) -> list[dict]:
    """Attachments sent with the request itself."""
    db = get_db()
    row = store.load_visible(db, user, number)
    return _attachments_by_comment(db, row["id"], user).get(None, [])


def get_thread(user: User, number: str) -> list[dict]:
    """The conversation: public messages for the requester, everything for staff."""
    db = get_db()
    row = store.load_visible(db, user, number)
    files = _attachments_by_comment(db, row["id"], user)
    comments = db.query(
        "SELECT c.id, c.body, c.internal, c.created_at, c.author_id, u.name AS author_name,"
        " u.role AS author_role FROM comments c LEFT JOIN users u ON u.id = c.author_id"
        " WHERE c.ticket_id = ? AND (? OR c.internal = 0) ORDER BY c.created_at, c.id",
        [row["id"], int(user.is_staff)])
    return [{**dict(c), "internal": bool(c["internal"]),
             "from_requester": c["author_id"] == row["requester_id"],
             "attachments": files.get(c["id"], [])} for c in comments]


def add_comment(user: User, number: str, body: str, internal: bool = False, uploads=(),
                status: str | None = None) -> dict:
    """Add a public reply or (staff only) an internal note, optionally with a status change.

    A staff member's first public reply counts as the first response. A
    requester's reply on a ticket waiting for them puts it back in progress.
    """
    db = get_db()
    row = store.load_visible(db, user, number)
    if internal and not user.is_staff:
        raise Forbidden(_("Only Datashop staff can write internal notes."))
    if status and not user.is_staff:
        raise Forbidden(_("Only Datashop staff can change the status with a reply."))
    reply_state(user, row)  # raises when the requester can no longer reply
    if status and status != row["status"]:
        check_transition(user, row, status)  # a clear message before anything is written
    body = validation.comment_body(body)
    prepared = attachments.prepare(uploads)
    moment = timeutil.now()
    stamp = timeutil.iso(moment)
    written: list[Path] = []
    try:
        with transaction(db):
            row = store.load_row_by_id(db, row["id"])  # fresh, inside the write lock
            comment_id = db.execute(
                "INSERT INTO comments (ticket_id, author_id, body, internal, created_at)"
                " VALUES (?, ?, ?, ?, ?)", [row["id"], user.id, body, int(bool(internal)), stamp]
            ).lastrowid
            attachments.save(db, prepared, ticket_id=row["id"], comment_id=comment_id,
                             user_id=user.id, written=written)
            values = {"updated_at": stamp}
            if user.id == row["requester_id"]:
                values["requester_updated_at"] = stamp  # staff see a marker until they look
            if user.is_staff and not internal and user.id != row["requester_id"] \
                    and not row["first_response_at"]:
                values["first_response_at"] = stamp
            store.update(db, row["id"], values)
            new_status = status
            if not new_status and user.id == row["requester_id"] and not user.is_staff:
                new_status = reply_state(user, row)["moves_to"]
            if new_status and new_status != row["status"]:
                apply_status(db, row, user, new_status, moment, notify_change=internal)
            elif new_status == row["status"]:
                new_status = None
            if not internal:
                notify.reply(db, store.load_row_by_id(db, row["id"]), user, body, new_status)
    except BaseException:
        attachments.remove(written)
        raise
    attachments.publish(written)
    return {"id": comment_id, "body": body, "internal": bool(internal), "created_at": stamp,
            "author_id": user.id, "author_name": user.name}


def get_attachment(user: User, attachment_id: int, number: str | None = None) -> tuple[dict, Path]:
    """An attachment's facts and file path, for people who may see it (else NotFound)."""
    db = get_db()
    rows = list(db.query(
        "SELECT a.*, t.number, COALESCE(c.internal, 0) AS internal FROM attachments a"
        " JOIN tickets t ON t.id = a.ticket_id LEFT JOIN comments c ON c.id = a.comment_id"
        " WHERE a.id = ?", [attachment_id]))
    missing = NotFound(_("This file does not exist, or you may not see it."))
    if not rows:
        raise missing
    meta = dict(rows[0])
    if number is not None and store.normalise_number(number) != meta["number"]:
        raise missing
    row = store.load_row(db, meta["number"])
    if not store.can_see(user, row) or (meta["internal"] and not user.is_staff):
        raise missing
    path = attachments.path_of(meta["stored_name"])
    if not path.is_file():
        raise missing
    return meta, path


def list_events(user: User, number: str) -> list[dict]:
    """The ticket's history (staff only)."""
    db = get_db()
    row = store.load_visible(db, user, number)
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can see the history."))
    return [dict(r) for r in db.query(
        "SELECT e.*, u.name AS actor_name FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id"
        " WHERE e.ticket_id = ? ORDER BY e.at, e.id", [row["id"]])]


def mark_seen(user: User, number: str) -> None:
    """Staff looked at the ticket: its "updated by the requester" marker goes off for them."""
    if not user.is_staff:
        return
    db = get_db()
    row = store.load_visible(db, user, number)
    db.execute("INSERT INTO ticket_views (user_id, ticket_id, seen_at) VALUES (?, ?, ?)"
               " ON CONFLICT(user_id, ticket_id) DO UPDATE SET seen_at = excluded.seen_at",
               [user.id, row["id"], timeutil.iso()])


def get_ticket_by_id(user: User, ticket_id: int) -> dict:
    row = store.load_row_by_id(get_db(), ticket_id)
    if row is None or not store.can_see(user, row):
        raise NotFound(_("This request does not exist, or you may not see it."))
    return store.to_ticket(row, user)
