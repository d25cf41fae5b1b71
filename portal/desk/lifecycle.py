"""The ticket lifecycle: statuses, triage (priority, team, assignee, tags), reopening, ratings.

    new ──> in_progress <──> waiting (on the requester)
      \\         │               │
       └──────> resolved <──────┘ ──> closed
                   │  (reopen within REOPEN_DAYS)
                   └──> in_progress

Staff may move a ticket along TRANSITIONS. A requester may only reopen a
resolved ticket within REOPEN_DAYS (and rate it); their reply on a waiting
ticket moves it back to in progress (see service.add_comment). Closed is
final for requesters; staff can still reopen it.
"""

from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from .. import parsing, timeutil
from ..accounts.service import User, find_by_email, get_user
from ..db import get_db, transaction
from ..errors import Conflict, Forbidden, Invalid, NotFound
from . import notify, sla, store, validation
from .labels import PRIORITIES, STATUSES, status_label

TRANSITIONS = {
    "new": ("in_progress", "waiting", "resolved"),
    "in_progress": ("waiting", "resolved"),
    "waiting": ("in_progress", "resolved"),
    "resolved": ("in_progress", "closed"),
    "closed": ("in_progress",),
}
EDITABLE = ("status", "priority", "team", "assignee", "tags")


def _sla_values(row: dict, new: str, moment) -> dict:
    """Pause the clock when leaving new/in progress, resume it when coming back."""
    cfg = current_app.config
    was, will = row["status"] in sla.RUNNING_STATUSES, new in sla.RUNNING_STATUSES
    values: dict = {}
    if was and not will:
        values["sla_remaining"] = json.dumps(sla.remaining_at(store.dues(row), moment, cfg))
    elif will and not was:
        remaining = json.loads(row["sla_remaining"] or "{}")
        for key, due in sla.resumed_dues(remaining, moment, cfg).items():
            values[key] = timeutil.iso(due)
        values["sla_remaining"] = "{}"
    values["waiting_since"] = timeutil.iso(moment) if new == "waiting" else None
    return values


def apply_status(db, row: dict, actor: User | None, new: str, moment,
                 notify_change: bool = True) -> None:
    """Change the status inside the caller's transaction.

    Every status change passes here (triage form, reply form, API, the daily close
    job and later the assistant), so the transition table is checked here too:
    for a person by ``check_transition``, for the system (``actor`` None) against
    ``TRANSITIONS`` alone.
    """
    if actor is not None:
        check_transition(actor, row, new)
    elif new not in TRANSITIONS.get(row["status"], ()):
        raise Conflict(_("A request cannot go from “%(old)s” to “%(new)s”.",
                         old=status_label(row["status"]), new=status_label(new)))
    old, stamp = row["status"], timeutil.iso(moment)
    values = {"status": new, "updated_at": stamp, **_sla_values(row, new, moment)}
    if new == "resolved":
        values["resolved_at"] = stamp
    elif old in ("resolved", "closed") and new != "closed":
        values["resolved_at"] = None
    values["closed_at"] = stamp if new == "closed" else None
    if actor and actor.is_staff and actor.id != row["requester_id"] \
            and new in ("waiting", "resolved") and not row["first_response_at"]:
        values["first_response_at"] = stamp
    if actor is not None and actor.id == row["requester_id"] and not actor.is_staff:
        values["requester_updated_at"] = stamp
    store.update(db, row["id"], values)
    reopened = old in ("resolved", "closed") and new == "in_progress"
    store.event(db, row["id"], actor.id if actor else None, "reopen" if reopened else "status",
                old, new, stamp)
    if notify_change:
        notify.status_changed(db, store.load_row_by_id(db, row["id"]), actor, old, new)


def reopen_deadline(row: dict):
    resolved = timeutil.parse(row.get("resolved_at"))
    return resolved + timedelta(days=current_app.config["REOPEN_DAYS"]) if resolved else None


def can_reopen(user: User, row: dict) -> bool:
    if user.is_staff:
        return row["status"] in ("resolved", "closed")
    deadline = reopen_deadline(row)
    return (row["requester_id"] == user.id and row["status"] == "resolved"
            and deadline is not None and timeutil.now() <= deadline)


def allowed_statuses(user: User, row: dict) -> list[str]:
    """The statuses ``user`` may move the ticket to: staff along TRANSITIONS; the
    requester back to in progress when the ticket waits for them (their reply does
    this) or to reopen it within the reopen window."""
    if user.is_staff:
        return list(TRANSITIONS[row["status"]])
    if row["requester_id"] == user.id and row["status"] == "waiting":
        return ["in_progress"]
    return ["in_progress"] if can_reopen(user, row) else []


def reply_state(user: User, row: dict, strict: bool = True) -> dict:
    """Whether ``user`` may reply on the ticket now, and which status a reply moves it to.

    A requester's reply on a ticket waiting for them puts it back in progress; on a
    resolved ticket inside the reopen window it reopens the ticket. After that
    window, and on a closed ticket, the requester starts a new request instead
    (raises Conflict, so no reply is silently lost; ``strict=False`` reports it instead).
    """
    if user.is_staff:
        return {"can_reply": True, "moves_to": None}
    if row["status"] == "waiting":
        return {"can_reply": True, "moves_to": "in_progress"}
    if row["status"] == "resolved" and can_reopen(user, row):
        return {"can_reply": True, "moves_to": "in_progress"}
    if row["status"] in ("resolved", "closed"):
        if not strict:
            return {"can_reply": False, "moves_to": None}
        raise Conflict(_("This request can no longer be reopened. Submit a new request if you "
                         "need more help; it will refer to this one."))
    return {"can_reply": True, "moves_to": None}


def actions(user: User, number: str) -> dict:
    """What ``user`` may do with the ticket now: for buttons and forms."""
    row = store.load_visible(get_db(), user, number)
    is_requester = row["requester_id"] == user.id
    rating = get_rating(user, number)
    return {
        "allowed_statuses": allowed_statuses(user, row),
        "can_reopen": is_requester and can_reopen(user, row),
        "reopen_deadline": reopen_deadline(row),
        "is_requester": is_requester,
        "can_reply": reply_state(user, row, strict=False)["can_reply"],
        "rating": rating,
        "can_rate": is_requester and row["status"] in ("resolved", "closed") and rating is None,
    }


def check_transition(user: User, row: dict, new) -> None:
    """Raise unless ``user`` may move ``row`` to status ``new`` now (the one rule for every path)."""
    if not isinstance(new, str) or new not in STATUSES:
        raise Invalid(_("Unknown status."), {"status": _("Choose one of: %(s)s.", s=", ".join(STATUSES))})
    if new in allowed_statuses(user, row):
        return
    if not user.is_staff:
        if row["status"] == "closed":
            raise Forbidden(_("This request is closed and cannot be reopened."))
        if row["status"] == "resolved" and new == "in_progress":
            raise Forbidden(_("This request was resolved more than %(n)d days ago and can no "
                              "longer be reopened. Please submit a new request.",
                              n=current_app.config["REOPEN_DAYS"]))
        raise Forbidden(_("Only Datashop staff can change the status."))
    raise Conflict(_("A request cannot go from “%(old)s” to “%(new)s”.",
                     old=status_label(row["status"]), new=status_label(new)),
                   {"status": _("Not allowed from the current status.")})


def _resolve_assignee(value) -> User | None:
    if value in (None, "", 0):
        return None
    user = None
    number = parsing.integer(value, "assignee", {}, low=1) if not isinstance(value, bool) else None
    if number is not None:
        try:
            user = get_user(number)
        except NotFound:
            user = None
    elif isinstance(value, str) and "@" in value and len(value) <= 254:
        user = find_by_email(value)
    if user is None or not user.active or not user.is_staff:
        raise Invalid(_("The assignee must be an active Datashop staff member."),
                      {"assignee": _("Choose a staff member.")})
    return user


def _clean_changes(user: User, row: dict, changes: dict) -> dict:
    unknown = [k for k in changes if k not in EDITABLE]
    if unknown:
        raise Invalid(_("Unknown field: %(f)s.", f=", ".join(map(str, unknown))[:200]),
                      {str(k)[:80]: _("Unknown field.") for k in unknown})
    if not user.is_staff and (set(changes) - {"status"} or changes.get("status") != "in_progress"):
        raise Forbidden(_("You can only reopen your request; Datashop staff handle the rest."))
    clean: dict = {}
    if "status" in changes and changes["status"] != row["status"]:
        check_transition(user, row, changes["status"])
        clean["status"] = changes["status"]
    if "priority" in changes:
        if changes["priority"] not in PRIORITIES:
            raise Invalid(_("Unknown priority."), {"priority": _("Choose one of: %(p)s.",
                                                                 p=", ".join(PRIORITIES))})
        clean["priority"] = changes["priority"]
    if "team" in changes:
        team = changes["team"] or None
        if team is not None and (not isinstance(team, str) or team not in current_app.config["TEAMS"]):
            raise Invalid(_("Unknown team."), {"team": _("Choose one of the teams.")})
        clean["team"] = team
    if "assignee" in changes:
        clean["assignee"] = _resolve_assignee(changes["assignee"])
    if "tags" in changes:
        clean["tags"] = validation.tags(changes["tags"])
    return clean


def update_ticket(user: User, number: str, changes: dict) -> dict:
    """Change status, priority, team, assignee (id, email or None) and/or tags.

    Staff may change everything; a requester only ``{"status": "in_progress"}``
    to reopen. Every change gets a history entry; mails go out in the same
    transaction (status to the requester, assignment to the assignee).
    """
    db = get_db()
    row = store.load_visible(db, user, number)
    clean = _clean_changes(user, row, changes)
    moment = timeutil.now()
    stamp = timeutil.iso(moment)
    cfg = current_app.config
    with transaction(db):
        row = store.load_row_by_id(db, row["id"])
        clean = _clean_changes(user, row, changes)  # again, under the write lock
        tid = row["id"]
        if "priority" in clean and clean["priority"] != row["priority"]:
            old, new = row["priority"], clean["priority"]
            values = {"priority": new, "updated_at": stamp}
            if row["status"] in sla.RUNNING_STATUSES:
                left = sla.reprioritised_remaining(sla.remaining_at(store.dues(row), moment, cfg),
                                                   old, new, cfg)
                values.update({k: timeutil.iso(v) for k, v in sla.resumed_dues(left, moment, cfg).items()})
            else:
                paused = json.loads(row["sla_remaining"] or "{}")
                values["sla_remaining"] = json.dumps(sla.reprioritised_remaining(paused, old, new, cfg))
            store.update(db, tid, values)
            store.event(db, tid, user.id, "priority", old, new, stamp)
        if "team" in clean and clean["team"] != row["team"]:
            store.update(db, tid, {"team": clean["team"], "updated_at": stamp})
            store.event(db, tid, user.id, "team", row["team"], clean["team"], stamp)
        if "assignee" in clean:
            assignee = clean["assignee"]
            new_id = assignee.id if assignee else None
            if new_id != row["assignee_id"]:
                store.update(db, tid, {"assignee_id": new_id, "updated_at": stamp})
                store.event(db, tid, user.id, "assignee", row["assignee_name"],
                            assignee.name if assignee else None, stamp)
                if assignee:
                    notify.assigned(db, store.load_row_by_id(db, tid), user, assignee)
        if "tags" in clean:
            old_tags = row["tags_csv"].split(",") if row["tags_csv"] else []
            if clean["tags"] != old_tags:
                db.execute("DELETE FROM ticket_tags WHERE ticket_id = ?", [tid])
                for tag in clean["tags"]:
                    db.execute("INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", [tid, tag])
                store.update(db, tid, {"updated_at": stamp})
                store.event(db, tid, user.id, "tags", ", ".join(old_tags), ", ".join(clean["tags"]), stamp)
        if "status" in clean:
            apply_status(db, store.load_row_by_id(db, tid), user, clean["status"], moment)
        row = store.load_row_by_id(db, tid)
    return store.to_ticket(row, user, moment)


BULK_MAX = 100


def bulk_update(user: User, numbers, changes: dict, add_tag: str | None = None) -> dict:
    """Apply the same change to several tickets, each through ``update_ticket`` (its
    rules, history and mails, in its own transaction); ``add_tag`` adds one tag to
    each ticket's own tags. Returns {"updated": [numbers], "failed": {number: message}};
    one ticket that may not change does not stop the rest."""
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can change several requests at once."))
    numbers = list(dict.fromkeys(store.normalise_number(n) for n in (numbers or []) if n))
    if not numbers:
        raise Invalid(_("Select at least one request."), {"numbers": _("Select at least one request.")})
    if len(numbers) > BULK_MAX:
        raise Invalid(_("At most %(n)d requests at a time.", n=BULK_MAX))
    new_tags = validation.tags([add_tag] if add_tag else [])
    if not changes and not new_tags:
        raise Invalid(_("Choose what to change."), {"action": _("Choose what to change.")})
    updated, failed = [], {}
    for number in numbers:
        try:
            these = dict(changes)
            if new_tags:
                row = store.load_visible(get_db(), user, number)
                old_tags = row["tags_csv"].split(",") if row["tags_csv"] else []
                these["tags"] = sorted({*old_tags, *new_tags})
            update_ticket(user, number, these)
        except (Invalid, Conflict, Forbidden, NotFound) as exc:
            failed[number] = exc.message
        else:
            updated.append(number)
    return {"updated": updated, "failed": failed}


def change_status(user: User, number: str, status: str) -> dict:
    return update_ticket(user, number, {"status": status})


def reopen(user: User, number: str) -> dict:
    """The requester (or staff) puts a resolved ticket back in progress."""
    return update_ticket(user, number, {"status": "in_progress"})


def rate_ticket(user: User, number: str, score, comment: str | None = None) -> dict:
    """The requester rates a resolved or closed ticket once (1-5, optional comment)."""
    db = get_db()
    row = store.load_visible(db, user, number)
    if row["requester_id"] != user.id:
        raise Forbidden(_("Only the requester can rate a request."))
    if row["status"] not in ("resolved", "closed"):
        raise Conflict(_("You can rate a request once it is resolved."))
    score = parsing.integer(score, "score", {}, low=1, high=5)
    if score is None:
        raise Invalid(_("Choose a score from 1 to 5."), {"score": _("Choose a score from 1 to 5.")})
    errors: dict = {}
    comment = validation.text(comment, "comment", errors, required=False,
                              max_length=validation.RATING_COMMENT_MAX)
    if errors:
        raise Invalid(errors["comment"], errors)
    stamp = timeutil.iso()
    with transaction(db):
        if db.execute("SELECT 1 FROM ratings WHERE ticket_id = ?", [row["id"]]).fetchone():
            raise Conflict(_("You have already rated this request. Thank you!"))
        db.execute("INSERT INTO ratings (ticket_id, score, comment, created_at) VALUES (?, ?, ?, ?)",
                   [row["id"], score, comment, stamp])
        store.event(db, row["id"], user.id, "rating", None, score, stamp)
    return {"score": score, "comment": comment, "created_at": stamp}


def get_rating(user: User, number: str) -> dict | None:
    db = get_db()
    row = store.load_visible(db, user, number)
    rows = list(db.query("SELECT score, comment, created_at FROM ratings WHERE ticket_id = ?",
                         [row["id"]]))
    return dict(rows[0]) if rows else None


def close_resolved(moment=None) -> list[str]:
    """Close tickets resolved more than REOPEN_DAYS ago (for a daily cron); returns their numbers."""
    db = get_db()
    moment = moment or timeutil.now()
    cutoff = timeutil.iso(moment - timedelta(days=current_app.config["REOPEN_DAYS"]))
    numbers = []
    ids = [r["id"] for r in db.query(
        "SELECT id FROM tickets WHERE status = 'resolved' AND resolved_at <= ? ORDER BY id", [cutoff])]
    for tid in ids:
        with transaction(db):
            row = store.load_row_by_id(db, tid)
            if row["status"] == "resolved":
                apply_status(db, row, None, "closed", moment)
                numbers.append(row["number"])
    return numbers
