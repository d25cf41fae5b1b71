"""Template globals and filters shared by every feature."""

from __future__ import annotations

from datetime import date

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask_babel import get_locale, get_timezone, lazy_gettext as _l
from flask import current_app

from . import timeutil

ROLE_LABELS = {"employee": _l("Employee"), "staff": _l("Datashop staff"), "admin": _l("Administrator")}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def current_locale() -> str:
    return str(get_locale() or "nl")


# The portal's English is for colleagues in the Netherlands: British conventions (day
# before month, 24-hour clock), not US ones ("12/2/26, 1:23 AM").
FORMAT_LOCALES = {"en": "en_GB"}


def format_locale() -> str:
    lang = current_locale()
    return FORMAT_LOCALES.get(lang, lang)


def datetime_filter(value, fmt: str = "medium") -> str:
    moment = timeutil.parse(value) if isinstance(value, str) else value
    if not moment:
        return ""
    return babel_dates.format_datetime(moment, fmt, tzinfo=get_timezone(), locale=format_locale())


def number_filter(value, digits: int | None = None) -> str:
    """A number as the user's language writes it: 58,0 in Dutch, 58.0 in English."""
    if value is None or value == "":
        return ""
    if digits is not None:
        value = round(float(value), digits)
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return babel_numbers.format_decimal(value, format=pattern, locale=format_locale())
    return babel_numbers.format_decimal(value, locale=format_locale())


def date_filter(value, fmt: str = "medium") -> str:
    """An ISO date (YYYY-MM-DD) or date in the user's language: "27 mrt 2027"."""
    if not value:
        return ""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return babel_dates.format_date(day, fmt, locale=format_locale())


def event_when(value, short: bool = False) -> str:
    """A stored UTC time in local time and the user's language: "woensdag 3 maart 2027 15:00"."""
    moment = timeutil.parse(value) if isinstance(value, str) else value
    if not moment:
        return ""
    local = timeutil.local(moment, current_app.config["TIMEZONE"])
    return f"{babel_dates.format_date(local, 'medium' if short else 'full', locale=format_locale())} {_time(local)}"


def _time(local) -> str:
    return babel_dates.format_time(local, "short", tzinfo=local.tzinfo, locale=format_locale())


def event_range(event: dict) -> str:
    """Start to end of an event in local time: "woensdag 3 maart 2027 15:00–17:00"."""
    tz = current_app.config["TIMEZONE"]
    start = timeutil.local(timeutil.parse(event["starts_at"]), tz)
    end = timeutil.local(timeutil.parse(event["ends_at"]), tz)
    if start.date() == end.date():
        return f"{event_when(start)}–{_time(end)}"
    return f"{event_when(start)} – {event_when(end)}"


def human_size(size: int) -> str:
    """1536 -> "1,5 kB", in the current language."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{number_filter(size / 1024, 1)} kB"
    return f"{number_filter(size / 1024 / 1024, 1)} MB"


def retention_days(kind: str) -> int:
    """Days data of ``kind`` is kept (RETENTION in portal/config.py), for templates."""
    from flask import current_app

    from .config import retention_days as days

    return days(current_app.config, kind)


def init_app(app) -> None:
    app.jinja_env.globals.update(role_label=role_label, current_locale=current_locale,
                                 retention_days=retention_days)
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["filesize"] = human_size
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["number"] = number_filter
    app.jinja_env.filters["event_when"] = event_when
    app.jinja_env.filters["event_range"] = event_range
