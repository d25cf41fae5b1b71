"""Lists of tickets: the staff queue with filters and sorting, and "my requests".

Overdue and at-risk are plain SQL on the stored due moments: the clock only
runs in new/in progress, so waiting, resolved and closed tickets are never late.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _

from .. import parsing, timeutil
from ..accounts.service import User
from ..db import get_db
from ..errors import Invalid
from . import store
from .labels import OPEN_STATUSES, PRIORITIES, STATUSES
from .types import request_types

STATUS_FILTERS = ("open", "all", *STATUSES)
SORTS = {
    "created": "t.created_at DESC, t.id DESC",
    "oldest": "t.created_at ASC, t.id ASC",
    "updated": "t.updated_at DESC, t.id DESC",
    "priority": "CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2"
                " ELSE 3 END, t.created_at ASC, t.id ASC",
    "due": "CASE WHEN t.status IN ('new', 'in_progress') THEN 0 ELSE 1 END,"
           " CASE WHEN t.first_response_at IS NULL AND t.response_due_at < t.resolve_due_at"
           " THEN t.response_due_at ELSE t.resolve_due_at END ASC, t.id ASC",
}
FILTER_KEYS = ("status", "type", "team", "assignee", "requester", "department", "priority",
               "overdue", "at_risk", "q", "tag", "sort")
Q_MAX = 200
RUNNING = "t.status IN ('new', 'in_progress')"
OVERDUE = (f"({RUNNING} AND ((t.first_response_at IS NULL AND t.response_due_at <= :now)"
           " OR t.resolve_due_at <= :now))")
AT_RISK = (f"({RUNNING} AND NOT {OVERDUE} AND ((t.first_response_at IS NULL AND"
           " t.response_risk_at <= :now) OR t.resolve_risk_at <= :now))")


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise Invalid(_("Use true or false."), {"flag": _("Use true or false.")})


def clean_filters(raw: dict, *, default_status: str = "open", default_sort: str = "due") -> dict:
    """Validate filter values (from a query string or the API); unknown values are an error."""
    cfg = current_app.config
    errors: dict = {}
    f: dict = {}

    def pick(key, allowed, default=""):
        value = raw.get(key)
        if value in (None, ""):
            return default
        if not isinstance(value, str) or value not in allowed:
            errors[key] = _("Unknown value.")
            return default
        return value

    f["status"] = pick("status", STATUS_FILTERS, default_status)
    f["type"] = pick("type", request_types())
    f["team"] = pick("team", [*cfg["TEAMS"], "none"])
    f["department"] = pick("department", cfg["DEPARTMENTS"])
    f["priority"] = pick("priority", PRIORITIES)
    f["sort"] = pick("sort", SORTS, default_sort)
    assignee = raw.get("assignee") or ""
    if assignee not in ("", "me", "unassigned"):
        if parsing.integer(assignee, "assignee", {}, low=1) is None:
            errors["assignee"] = _("Use me, unassigned or a user id.")
            assignee = ""
        else:
            assignee = str(parsing.integer(assignee, "assignee", low=1))
    f["assignee"] = assignee
    f["requester"] = pick("requester", ("me",))
    for key in ("overdue", "at_risk"):
        try:
            f[key] = _flag(raw.get(key))
        except Invalid:
            errors[key] = _("Use true or false.")
            f[key] = False
    for key in ("q", "tag"):
        f[key] = parsing.text(raw.get(key), key, errors, required=False, max_length=Q_MAX,
                              multiline=False) or ""
    if errors:
        raise Invalid(_("Please check the filters."), errors)
    return f


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(user: User, f: dict, now: str) -> tuple[str, dict]:
    clauses, params = [], {"now": now}
    if not user.is_staff or f["requester"] == "me":
        clauses.append("t.requester_id = :me")
    params["me"] = user.id
    if f["status"] == "open":
        clauses.append("t.status IN ('new', 'in_progress', 'waiting')")
    elif f["status"] != "all":
        clauses.append("t.status = :status")
        params["status"] = f["status"]
    for key in ("type", "department", "priority"):
        if f[key]:
            clauses.append(f"t.{key} = :{key}")
            params[key] = f[key]
    if f["team"] == "none":
        clauses.append("t.team IS NULL")
    elif f["team"]:
        clauses.append("t.team = :team")
        params["team"] = f["team"]
    if f["assignee"] == "me":
        clauses.append("t.assignee_id = :me")
    elif f["assignee"] == "unassigned":
        clauses.append("t.assignee_id IS NULL")
    elif f["assignee"]:
        clauses.append("t.assignee_id = :assignee")
        params["assignee"] = int(f["assignee"])
    if f["overdue"]:
        clauses.append(OVERDUE)
    if f["at_risk"]:
        clauses.append(AT_RISK)
    if f["q"]:
        clauses.append("(t.number LIKE :q ESCAPE '\\' OR t.subject LIKE :q ESCAPE '\\')")
        params["q"] = _like(f["q"])
    if f["tag"]:
        # IN (subquery) drives from the tag index; a correlated EXISTS would scan every ticket.
        clauses.append("t.id IN (SELECT g.ticket_id FROM ticket_tags g WHERE g.tag = :tag)")
        params["tag"] = f["tag"].lower()
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def list_tickets(user: User, filters: dict | None = None, limit: int = 50, offset: int = 0) -> dict:
    """Tickets the user may see, filtered and sorted: {"items", "total", "limit", "offset", "filters"}.

    ``filters`` takes the keys of FILTER_KEYS (strings as from a query string,
    booleans for overdue/at_risk); employees always get only their own tickets.
    """
    f = clean_filters(filters or {})
    if not isinstance(limit, int) or not 1 <= limit <= 500 or not isinstance(offset, int) or offset < 0:
        raise Invalid(_("Invalid page."), {"limit": _("Use 1 to 500."), "offset": _("Zero or more.")})
    db = get_db()
    moment = timeutil.now()
    where, params = _where(user, f, timeutil.iso(moment))
    total = db.execute(f"SELECT COUNT(*) FROM tickets t{where}", params).fetchone()[0]
    rows = db.query(f"{store.SELECT}{where} ORDER BY {SORTS[f['sort']]} LIMIT :limit OFFSET :offset",
                    {**params, "limit": limit, "offset": offset})
    items = [store.to_ticket(dict(r), user, moment) for r in rows]
    if user.is_staff:
        _mark_unseen(db, user, items)
    return {"items": items, "total": total, "limit": limit, "offset": offset, "filters": f}


def _mark_unseen(db, user: User, items: list[dict]) -> None:
    """``unseen``: the requester wrote or reopened since this staff member last looked."""
    if not items:
        return
    ids = [item["id"] for item in items]
    marks = ", ".join("?" * len(ids))
    unseen = {r[0] for r in db.execute(
        f"SELECT t.id FROM tickets t LEFT JOIN ticket_views v ON v.ticket_id = t.id"
        f" AND v.user_id = ? WHERE t.id IN ({marks}) AND t.requester_updated_at IS NOT NULL"
        " AND (v.seen_at IS NULL OR v.seen_at < t.requester_updated_at)", [user.id, *ids])}
    for item in items:
        item["unseen"] = item["id"] in unseen


SEARCH_WORDS = 8


def search_requests(user: User, text: str, limit: int = 5) -> dict:
    """Requests matching every word of ``text`` in number, subject or description:
    employees their own, staff everyone's (the same rule as every list). For the
    search page, next to the knowledge base: {"items", "total"}."""
    words = [w for w in re.findall(r"\w[\w-]*", text or "") if len(w) >= 3][:SEARCH_WORDS]
    if not words:
        return {"items": [], "total": 0}
    clauses = [] if user.is_staff else ["t.requester_id = :me"]
    params: dict = {"me": user.id, "limit": max(1, min(int(limit), 50))}
    for i, word in enumerate(words):
        params[f"w{i}"] = _like(word)
        clauses.append(f"(t.number LIKE :w{i} ESCAPE '\\' OR t.subject LIKE :w{i} ESCAPE '\\'"
                       f" OR t.description LIKE :w{i} ESCAPE '\\')")
    where = " WHERE " + " AND ".join(clauses)
    db = get_db()
    total = db.execute(f"SELECT COUNT(*) FROM tickets t{where}", params).fetchone()[0]
    rows = db.query(f"{store.SELECT}{where} ORDER BY t.updated_at DESC, t.id DESC LIMIT :limit",
                    params)
    return {"items": [store.to_ticket(dict(r), user) for r in rows], "total": total}


def known_tags(limit: int = 200) -> list[str]:
    """Tags in use, most used first (for the queue's tag filter)."""
    return [r[0] for r in get_db().execute(
        "SELECT tag FROM ticket_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag LIMIT ?", [limit])]


def queue_counts(user: User) -> dict:
    """Open, overdue, at-risk, unassigned and my open tickets (staff: all; employee: own).

    Every count is of open tickets, so the status index limits the scan to those.
    """
    db = get_db()
    params = {"now": timeutil.iso(), "me": user.id}
    scope = "" if user.is_staff else " AND t.requester_id = :me"
    row = db.execute(
        f"SELECT COUNT(*), SUM({OVERDUE}), SUM({AT_RISK}),"
        " SUM(t.assignee_id IS NULL), SUM(t.assignee_id = :me), SUM(t.status = 'new')"
        f" FROM tickets t WHERE t.status IN ('new', 'in_progress', 'waiting'){scope}",
        params).fetchone()
    keys = ("open", "overdue", "at_risk", "unassigned", "mine", "new")
    return {key: int(value or 0) for key, value in zip(keys, row)}


def latest_requests(user: User, limit: int = 5) -> list[dict]:
    """The user's own most recent requests (for the start page)."""
    db = get_db()
    rows = db.query(f"{store.SELECT} WHERE t.requester_id = ? ORDER BY t.created_at DESC, t.id DESC"
                    " LIMIT ?", [user.id, limit])
    return [store.to_ticket(dict(r), user) for r in rows]


__all__ = ["list_tickets", "queue_counts", "latest_requests", "clean_filters", "SORTS",
           "STATUS_FILTERS", "OPEN_STATUSES"]
