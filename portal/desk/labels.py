"""Labels for the desk's fixed values (English msgids, translated when rendered)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUSES = ("new", "in_progress", "waiting", "resolved", "closed")
OPEN_STATUSES = ("new", "in_progress", "waiting")
PRIORITIES = ("urgent", "high", "normal", "low")  # most urgent first
PERSONAL_DATA = ("yes", "no", "unknown")

STATUS_LABELS = {
    "new": _l("New"),
    "in_progress": _l("In progress"),
    "waiting": _l("Waiting for requester"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
PRIORITY_LABELS = {"urgent": _l("Urgent"), "high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}
PERSONAL_DATA_LABELS = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("I don't know")}
EVENT_LABELS = {
    "created": _l("Request submitted"),
    "status": _l("Status"),
    "reopen": _l("Reopened"),
    "priority": _l("Priority"),
    "team": _l("Team"),
    "assignee": _l("Assignee"),
    "tags": _l("Tags"),
    "rating": _l("Rating"),
}


def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


def priority_label(value: str) -> str:
    return str(PRIORITY_LABELS.get(value, value))
