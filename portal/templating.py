"""Template globals and filters shared by every feature."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import (format_date, format_datetime, format_decimal, format_time, get_locale,
                         lazy_gettext as _l)

from . import timeutil

ROLE_LABELS = {"employee": _l("Employee"), "staff": _l("Datashop staff"), "admin": _l("Administrator")}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def current_locale() -> str:
    return str(get_locale() or "nl")


def datetime_filter(value, fmt: str = "medium") -> str:
    moment = timeutil.parse(value) if isinstance(value, str) else value
    return format_datetime(moment, fmt) if moment else ""


def date_filter(value, fmt: str = "medium") -> str:
    """An ISO date (YYYY-MM-DD) or date in the user's language: "27 mrt 2027"."""
    if not value:
        return ""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return format_date(day, fmt)


def event_when(value, short: bool = False) -> str:
    """A stored UTC time in local time and the user's language: "woensdag 3 maart 2027 15:00"."""
    moment = timeutil.parse(value) if isinstance(value, str) else value
    if not moment:
        return ""
    local = timeutil.local(moment, current_app.config["TIMEZONE"])
    return f"{format_date(local, 'medium' if short else 'full')} {format_time(local, 'short')}"


def event_range(event: dict) -> str:
    """Start to end of an event in local time: "woensdag 3 maart 2027 15:00–17:00"."""
    tz = current_app.config["TIMEZONE"]
    start = timeutil.local(timeutil.parse(event["starts_at"]), tz)
    end = timeutil.local(timeutil.parse(event["ends_at"]), tz)
    if start.date() == end.date():
        return f"{event_when(start)}–{format_time(end, 'short')}"
    return f"{event_when(start)} – {event_when(end)}"


def human_size(size: int) -> str:
    """1536 -> "1,5 kB", in the current language."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{format_decimal(round(size / 1024, 1))} kB"
    return f"{format_decimal(round(size / 1024 / 1024, 1))} MB"


def init_app(app) -> None:
    app.jinja_env.globals.update(role_label=role_label, current_locale=current_locale)
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["filesize"] = human_size
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["event_when"] = event_when
    app.jinja_env.filters["event_range"] = event_range
