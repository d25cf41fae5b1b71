"""Loading tickets, who may see them, and writing history: the SQL shared by the desk services."""

from __future__ import annotations

import json

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..accounts.service import User
from ..errors import NotFound
from . import sla
from .labels import priority_label, status_label
from .types import get_type

SELECT = """
SELECT t.*,
       r.name AS requester_name, r.email AS requester_email, r.locale AS requester_locale,
       a.name AS assignee_name, a.email AS assignee_email, a.locale AS assignee_locale,
       (SELECT group_concat(tag, ',') FROM (SELECT tag FROM ticket_tags
          WHERE ticket_id = t.id ORDER BY tag)) AS tags_csv,
       (SELECT score FROM ratings WHERE ticket_id = t.id) AS rating_score
FROM tickets t
JOIN users r ON r.id = t.requester_id
LEFT JOIN users a ON a.id = t.assignee_id
"""

UPDATABLE = {"status", "priority", "team", "assignee_id", "updated_at", "first_response_at",
             "requester_updated_at",
             "resolved_at", "closed_at", "waiting_since", "sla_remaining", *sla.KEYS}


def normalise_number(number) -> str:
    return str(number or "").strip().upper()[:40]


def load_row(db, number: str) -> dict | None:
    rows = list(db.query(SELECT + " WHERE t.number = ?", [normalise_number(number)]))
    return dict(rows[0]) if rows else None


def load_row_by_id(db, ticket_id: int) -> dict | None:
    rows = list(db.query(SELECT + " WHERE t.id = ?", [ticket_id]))
    return dict(rows[0]) if rows else None


def can_see(user: User, row: dict) -> bool:
    return bool(user) and (user.is_staff or row["requester_id"] == user.id)


def load_visible(db, user: User, number: str) -> dict:
    """The ticket row, or NotFound: another employee's ticket does not exist for them."""
    row = load_row(db, number)
    if row is None or not can_see(user, row):
        raise NotFound(_("This request does not exist, or you may not see it."))
    return row


# Triage data: what Datashop staff use to plan their work. The one visibility rule for
# the web pages, the API and the assistant: only staff get these keys at all.
TRIAGE_FIELDS = ("priority", "priority_label", "response_due_at", "resolve_due_at", "sla",
                 "tags", "rating_score")


def to_ticket(row: dict, user: User, moment=None) -> dict:
    """A ticket as services hand it out: plain values, labels and (staff only) triage data."""
    cfg = current_app.config
    moment = moment or timeutil.now()
    rtype = get_type(row["type"])
    ticket = {key: row[key] for key in (
        "id", "number", "type", "subject", "description", "department", "desired_date",
        "personal_data", "status", "priority", "team", "assignee_id", "requester_id",
        "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at",
        "response_due_at", "resolve_due_at", "waiting_since")}
    ticket.update(
        extra=json.loads(row["extra"] or "{}"),
        type_label=str(rtype.label) if rtype else row["type"],
        status_label=status_label(row["status"]),
        priority_label=priority_label(row["priority"]),
        team_label=str(cfg["TEAMS"].get(row["team"], row["team"] or "")),
        department_label=cfg["DEPARTMENTS"].get(row["department"], row["department"]),
        requester={"id": row["requester_id"], "name": row["requester_name"],
                   "email": row["requester_email"]},
        assignee=({"id": row["assignee_id"], "name": row["assignee_name"],
                   "email": row["assignee_email"]} if row["assignee_id"] else None),
        rated=row.get("rating_score") is not None,
        sla=sla.state(row, moment, cfg),
    )
    if not user.is_staff:
        for key in TRIAGE_FIELDS:
            ticket.pop(key, None)
        return ticket
    ticket["tags"] = row["tags_csv"].split(",") if row.get("tags_csv") else []
    ticket["rating_score"] = row.get("rating_score")
    return ticket


def event(db, ticket_id: int, actor_id: int | None, field: str, old=None, new=None,
          at: str | None = None) -> None:
    db.execute("INSERT INTO ticket_events (ticket_id, actor_id, at, field, old, new)"
               " VALUES (?, ?, ?, ?, ?, ?)",
               [ticket_id, actor_id, at or timeutil.iso(), field,
                None if old is None else str(old), None if new is None else str(new)])


def update(db, ticket_id: int, values: dict) -> None:
    """UPDATE tickets with whitelisted column names."""
    bad = set(values) - UPDATABLE
    if bad:
        raise ValueError(f"not updatable: {bad}")
    if not values:
        return
    columns = ", ".join(f"{key} = ?" for key in values)
    db.execute(f"UPDATE tickets SET {columns} WHERE id = ?", [*values.values(), ticket_id])


def dues(row: dict) -> dict:
    return {key: timeutil.parse(row[key]) for key in sla.KEYS if row.get(key)}
