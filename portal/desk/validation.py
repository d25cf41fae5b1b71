"""Input rules for new requests, comments and tags (shared by the web form and the API)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from .. import parsing, timeutil
from ..errors import Invalid
from .labels import PERSONAL_DATA
from .types import RequestType, get_type, request_types

SUBJECT_MAX = 200
DESCRIPTION_MAX = 10000
COMMENT_MAX = 10000
RATING_COMMENT_MAX = 2000
TAG_MAX = 40
TAGS_MAX = 20
DESIRED_DATE_MAX_YEARS = 5
TICKET_FIELDS = ("type", "subject", "description", "department", "desired_date",
                 "personal_data", "extra")


def text(value, name: str, errors: dict, *, required: bool, max_length: int) -> str | None:
    """A stripped string, or None when empty (see ``parsing.text``)."""
    return parsing.text(value, name, errors, required=required, max_length=max_length)


def choice(value, name: str, allowed, errors: dict, *, required: bool = True) -> str | None:
    if value in (None, ""):
        if required:
            errors[name] = _("Choose one of the options.")
        return None
    if not isinstance(value, str) or value not in allowed:
        errors[name] = _("Choose one of the options.")
        return None
    return value


def desired_date(value, errors: dict) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        errors["desired_date"] = _("Enter a date as YYYY-MM-DD.")
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        errors["desired_date"] = _("This date does not exist.")
        return None
    today = timeutil.local(timeutil.now(), current_app.config["TIMEZONE"]).date()
    if day < today:
        errors["desired_date"] = _("The desired date cannot be in the past.")
    elif day > today + timedelta(days=366 * DESIRED_DATE_MAX_YEARS):
        errors["desired_date"] = _("The desired date is too far in the future.")
    else:
        return day.isoformat()
    return None


def _url(value: str, name: str, errors: dict) -> str | None:
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        errors[name] = _("Enter a full web address starting with https://.")
        return None
    return value


def extra_fields(rtype: RequestType, extra, errors: dict) -> dict:
    """Validate the type's extra fields; unknown keys are an error."""
    if extra is None:
        extra = {}
    if not isinstance(extra, dict):
        errors["extra"] = _("Must be an object with the fields of the request type.")
        return {}
    clean = {}
    for key in extra:
        if rtype.field(key) is None:
            errors[f"extra.{key}"[:80]] = _("Unknown field for this request type.")
    for f in rtype.fields:
        name = f"extra.{f.name}"
        raw = extra.get(f.name)
        if f.kind == "choice":
            value = choice(raw, name, f.values, errors, required=f.required)
        else:
            value = text(raw, name, errors, required=f.required, max_length=f.max_length)
            if value and f.kind == "url":
                value = _url(value, name, errors)
        if value is not None:
            clean[f.name] = value
    return clean


def new_ticket(data: dict) -> dict:
    """Clean the fields of a new request or raise Invalid with every field error."""
    errors: dict[str, str] = {}
    unknown = [k for k in data if k not in TICKET_FIELDS]
    for key in unknown:
        errors[str(key)[:80]] = _("Unknown field.")
    type_key = data.get("type")
    rtype = get_type(type_key) if isinstance(type_key, str) else None
    if rtype is None:
        errors["type"] = _("Choose one of the request types: %(types)s.",
                           types=", ".join(request_types()))
    clean = {
        "type": type_key,
        "subject": text(data.get("subject"), "subject", errors, required=True, max_length=SUBJECT_MAX),
        "description": text(data.get("description"), "description", errors, required=True,
                            max_length=DESCRIPTION_MAX),
        "department": choice(data.get("department"), "department",
                             current_app.config["DEPARTMENTS"], errors),
        "desired_date": desired_date(data.get("desired_date"), errors),
        "personal_data": choice(data.get("personal_data"), "personal_data", PERSONAL_DATA, errors),
        "extra": extra_fields(rtype, data.get("extra"), errors) if rtype else {},
    }
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    return clean


def comment_body(value) -> str:
    errors: dict[str, str] = {}
    body = text(value, "body", errors, required=True, max_length=COMMENT_MAX)
    if errors:
        raise Invalid(errors["body"], errors)
    return body


def tags(value) -> list[str]:
    """Free tags: a list or a comma separated string; lowercase, single spaces, unique."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(_("Tags must be a list of text."), {"tags": _("Must be a list of text.")})
    out: list[str] = []
    for raw in value:
        errors: dict = {}
        tag = parsing.text(raw.replace(",", " "), "tags", errors, required=False,
                           max_length=TAG_MAX * 4)
        if errors:
            raise Invalid(errors["tags"], errors)
        if not tag:
            continue
        tag = re.sub(r"\s+", " ", tag).lower()
        if len(tag) > TAG_MAX:
            raise Invalid(_("A tag has at most %(n)d characters.", n=TAG_MAX),
                          {"tags": _("At most %(n)d characters per tag.", n=TAG_MAX)})
        if tag not in out:
            out.append(tag)
    if len(out) > TAGS_MAX:
        raise Invalid(_("At most %(n)d tags.", n=TAGS_MAX), {"tags": _("At most %(n)d tags.", n=TAGS_MAX)})
    return sorted(out)
