"""Checking an event's fields: every value through portal.parsing, every rule here.

``event_fields`` returns clean values or raises Invalid with a message per field,
so a form shows every problem at once and nothing is stored half.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from .. import parsing, timeutil
from ..errors import Invalid
from .labels import EVENT_TYPES

TITLE_MAX = 160
DESCRIPTION_MAX = 10_000
LOCATION_MAX = 200
URL_MAX = 500
TAG_MAX = 40
TAGS_MAX = 10
CAPACITY_MAX = 10_000
MODULE_MAX = 120
MAX_DURATION = timedelta(days=14)
MAX_AHEAD = timedelta(days=5 * 366)
_URL = re.compile(r"^https?://[^\s/]+[^\s]*$")
FIELDS = ("title", "type", "description", "starts_at", "ends_at", "location", "online_url",
          "capacity", "signup_deadline", "organiser_id", "tags", "module")


def moment(value, name: str, errors: dict, *, local_naive: bool, required: bool):
    """A datetime from ISO 8601. With an offset it is exact; without one it is local time
    (web forms' datetime-local) when ``local_naive``, else an error (the API)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = _("This field is required.")
        return None
    if not isinstance(value, str) or len(value) > 40:
        errors[name] = _("Enter a date and time in ISO 8601, e.g. 2027-03-04T15:00:00+01:00.")
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        errors[name] = _("Enter a date and time in ISO 8601, e.g. 2027-03-04T15:00:00+01:00.")
        return None
    if parsed.tzinfo is None:
        if not local_naive:
            errors[name] = _("Give the time with its UTC offset, e.g. 2027-03-04T15:00:00+01:00.")
            return None
        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    if not 2000 <= parsed.year <= 2200:
        errors[name] = _("This date is out of range.")
        return None
    return parsed.astimezone(timezone.utc).replace(microsecond=0)


def tags(value, errors: dict) -> list[str]:
    if value is None or value == "":
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        errors["tags"] = _("Give the tags as a list of words.")
        return []
    out: list[str] = []
    for item in items:
        tag = parsing.text(item, "tags", errors, required=False, max_length=TAG_MAX, multiline=False)
        if "tags" in errors:
            return []
        if tag and tag.lower() not in out:
            out.append(tag.lower())
    if len(out) > TAGS_MAX:
        errors["tags"] = _("At most %(n)d tags.", n=TAGS_MAX)
    return out


def event_fields(data: dict, current: dict | None = None, *, local_naive: bool = False) -> dict:
    """Clean the fields in ``data``. ``current``: the stored event when editing (only the
    keys given change; the rules are checked on the combination)."""
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        raise Invalid(_("Unknown field: %(f)s.", f=", ".join(map(str, unknown))[:200]),
                      {str(k)[:80]: _("Unknown field.") for k in unknown})
    errors: dict = {}
    out: dict = {}
    given = (lambda key: key in data) if current else (lambda key: True)
    if given("title"):
        out["title"] = parsing.text(data.get("title"), "title", errors, required=True,
                                    max_length=TITLE_MAX, multiline=False)
    if given("type"):
        kind = data.get("type")
        if not isinstance(kind, str) or kind not in EVENT_TYPES:
            errors["type"] = _("Choose one of: %(types)s.", types=", ".join(EVENT_TYPES))
        out["type"] = kind
    if given("description"):
        out["description"] = parsing.text(data.get("description"), "description", errors,
                                          required=False, max_length=DESCRIPTION_MAX) or ""
    for key in ("starts_at", "ends_at"):
        if given(key):
            out[key] = moment(data.get(key), key, errors, local_naive=local_naive, required=True)
    if given("signup_deadline"):
        out["signup_deadline"] = moment(data.get("signup_deadline"), "signup_deadline", errors,
                                        local_naive=local_naive, required=False)
    if given("location"):
        out["location"] = parsing.text(data.get("location"), "location", errors, required=False,
                                       max_length=LOCATION_MAX, multiline=False)
    if given("online_url"):
        url = parsing.text(data.get("online_url"), "online_url", errors, required=False,
                           max_length=URL_MAX, multiline=False)
        if url and not _URL.match(url):
            errors["online_url"] = _("Enter a web address starting with https://.")
        out["online_url"] = url
    if given("capacity"):
        out["capacity"] = parsing.integer(data.get("capacity"), "capacity", errors, low=1,
                                          high=CAPACITY_MAX, required=True)
    if given("organiser_id"):
        out["organiser_id"] = parsing.integer(data.get("organiser_id"), "organiser_id", errors,
                                              low=1, high=parsing.SQLITE_MAX)
    if given("tags"):
        out["tags"] = tags(data.get("tags"), errors)
    if given("module"):
        out["module"] = parsing.text(data.get("module"), "module", errors, required=False,
                                     max_length=MODULE_MAX, multiline=False)
    _check_combination(out, current, errors)
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    return out


def _check_combination(out: dict, current: dict | None, errors: dict) -> None:
    merged = {**(current or {}), **out}
    start = timeutil.parse(merged["starts_at"]) if isinstance(merged.get("starts_at"), str) \
        else merged.get("starts_at")
    end = timeutil.parse(merged["ends_at"]) if isinstance(merged.get("ends_at"), str) \
        else merged.get("ends_at")
    deadline = merged.get("signup_deadline")
    deadline = timeutil.parse(deadline) if isinstance(deadline, str) else deadline
    now = timeutil.now()
    if start and "starts_at" not in errors:
        unchanged = current is not None and current.get("starts_at") == timeutil.iso(start)
        if "starts_at" in out and not unchanged and start <= now:
            errors["starts_at"] = _("The start must be in the future.")
        elif start > now + MAX_AHEAD:
            errors["starts_at"] = _("The start is too far ahead (at most five years).")
    if start and end and "starts_at" not in errors and "ends_at" not in errors:
        if end <= start:
            errors["ends_at"] = _("The end must be after the start.")
        elif end - start > MAX_DURATION:
            errors["ends_at"] = _("An event lasts at most 14 days.")
    if deadline and start and "signup_deadline" not in errors and deadline > start:
        errors["signup_deadline"] = _("The sign-up deadline must be before the start.")
    if not (merged.get("location") or merged.get("online_url")) \
            and "location" not in errors and "online_url" not in errors:
        errors["location"] = _("Give a location or an online link.")
