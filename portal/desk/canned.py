"""Canned replies: texts staff pick to prefill a public reply."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..accounts.service import User
from ..db import get_db
from ..errors import Forbidden, Invalid, NotFound
from . import validation

TITLE_MAX = 120


def _staff_only(user: User) -> None:
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can use canned replies."))


def list_canned(user: User, team: str | None = None) -> list[dict]:
    """Canned replies, those for ``team`` and those for every team first."""
    _staff_only(user)
    sql = "SELECT * FROM canned_replies"
    params: list = []
    if team:
        sql += " WHERE team IS NULL OR team = ?"
        params.append(team)
    return [dict(r) for r in get_db().query(sql + " ORDER BY title COLLATE NOCASE, id", params)]


def get_canned(user: User, canned_id: int) -> dict:
    _staff_only(user)
    rows = list(get_db().query("SELECT * FROM canned_replies WHERE id = ?", [canned_id]))
    if not rows:
        raise NotFound(_("This canned reply does not exist."))
    return dict(rows[0])


def create_canned(user: User | None, title: str, body: str, team: str | None = None) -> dict:
    """Add a canned reply (``user`` None from the CLI or the demo loader)."""
    if user is not None:
        _staff_only(user)
    errors: dict = {}
    title = validation.text(title, "title", errors, required=True, max_length=TITLE_MAX)
    body = validation.text(body, "body", errors, required=True, max_length=validation.COMMENT_MAX)
    team = team or None
    if team is not None and team not in current_app.config["TEAMS"]:
        errors["team"] = _("Unknown team.")
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    canned_id = get_db().execute(
        "INSERT INTO canned_replies (title, body, team, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
        [title, body, team, user.id if user else None, timeutil.iso()]).lastrowid
    return {"id": canned_id, "title": title, "body": body, "team": team}


def delete_canned(user: User, canned_id: int) -> None:
    _staff_only(user)
    if not get_db().execute("DELETE FROM canned_replies WHERE id = ?", [canned_id]).rowcount:
        raise NotFound(_("This canned reply does not exist."))


def fill(body: str, ticket: dict, user: User) -> str:
    """Replace {requester}, {number}, {subject} and {me} in a canned text."""
    return (body.replace("{requester}", ticket["requester"]["name"])
                .replace("{number}", ticket["number"])
                .replace("{subject}", ticket["subject"])
                .replace("{me}", user.name))
