"""Service levels in business hours: pure functions, no database, no Flask.

``cfg`` is any mapping with BUSINESS_HOURS ([start, end] local hours, may be
fractional), BUSINESS_DAYS (weekday numbers, Monday = 0), HOLIDAYS (ISO dates)
and TIMEZONE. Each day's business window is built from local wall-clock time
and converted to UTC, so daylight saving changes are handled by zoneinfo.
All datetimes in and out are timezone-aware; results are in UTC.

The ticket clock: due moments are stored on the ticket; while the ticket is
paused (waiting on the requester, resolved, closed) the remaining business
seconds are kept in ``sla_remaining`` and the dues are recomputed on resume.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

PRIORITIES = ("low", "normal", "high", "urgent")
RUNNING_STATUSES = ("new", "in_progress")  # the clock runs only in these
_MAX_DAYS = 366 * 20  # a safety net against a calendar without business days


def _calendar(cfg):
    start_h, end_h = cfg.get("BUSINESS_HOURS", (9, 17))
    days = set(cfg.get("BUSINESS_DAYS", (0, 1, 2, 3, 4)))
    holidays = {date.fromisoformat(d) if isinstance(d, str) else d for d in cfg.get("HOLIDAYS", ())}
    tz = ZoneInfo(cfg.get("TIMEZONE", "Europe/Amsterdam"))
    if not days or end_h <= start_h:
        raise ValueError("the business calendar has no business hours")
    return float(start_h), float(end_h), days, holidays, tz


def _at(day: date, hours: float, tz) -> datetime:
    minutes = round(hours * 60)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(timezone.utc)


def _window(day: date, cal):
    """The business window of a local date as UTC datetimes, or None."""
    start_h, end_h, days, holidays, tz = cal
    if day.weekday() not in days or day in holidays:
        return None
    return _at(day, start_h, tz), _at(day, end_h, tz)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime; pass an aware one")
    return moment.astimezone(timezone.utc)


def add_business_seconds(start: datetime, seconds: float, cfg) -> datetime:
    """The moment ``seconds`` business seconds after ``start`` (before it when negative)."""
    cal = _calendar(cfg)
    cursor = _utc(start)
    if seconds == 0:
        return cursor
    remaining = timedelta(seconds=abs(seconds))
    day = cursor.astimezone(cal[4]).date()
    step = timedelta(days=1 if seconds > 0 else -1)
    for _ in range(_MAX_DAYS):
        window = _window(day, cal)
        if window:
            w_start, w_end = window
            if seconds > 0:
                begin = max(w_start, cursor)
                if begin < w_end:
                    if remaining <= w_end - begin:
                        return begin + remaining
                    remaining -= w_end - begin
            else:
                end = min(w_end, cursor)
                if end > w_start:
                    if remaining <= end - w_start:
                        return end - remaining
                    remaining -= end - w_start
        day += step
    raise ValueError("no business hours found within twenty years")


def business_seconds_between(a: datetime, b: datetime, cfg) -> int:
    """Business seconds from ``a`` to ``b``; negative when ``b`` is before ``a``."""
    a, b = _utc(a), _utc(b)
    if b < a:
        return -business_seconds_between(b, a, cfg)
    cal = _calendar(cfg)
    tz = cal[4]
    day, last = a.astimezone(tz).date(), b.astimezone(tz).date()
    total = timedelta()
    while day <= last:
        window = _window(day, cal)
        if window:
            begin, end = max(window[0], a), min(window[1], b)
            if end > begin:
                total += end - begin
        day += timedelta(days=1)
    return int(total.total_seconds())


# --- The ticket clock ------------------------------------------------------

KEYS = ("response_due_at", "response_risk_at", "resolve_due_at", "resolve_risk_at")


def targets(priority: str, cfg) -> dict[str, int]:
    """Business seconds per due column for a priority."""
    response_h, resolve_h = cfg["SLA_HOURS"][priority]
    fraction = float(cfg.get("SLA_AT_RISK_FRACTION", 0.75))
    return {
        "response_due_at": int(response_h * 3600),
        "response_risk_at": int(response_h * 3600 * fraction),
        "resolve_due_at": int(resolve_h * 3600),
        "resolve_risk_at": int(resolve_h * 3600 * fraction),
    }


def initial_dues(created: datetime, priority: str, cfg) -> dict[str, datetime]:
    return {key: add_business_seconds(created, secs, cfg)
            for key, secs in targets(priority, cfg).items()}


def remaining_at(dues: dict[str, datetime | None], moment: datetime, cfg) -> dict[str, int]:
    """Business seconds left per due column at ``moment`` (negative when overdue)."""
    return {key: business_seconds_between(moment, due, cfg)
            for key, due in dues.items() if due is not None}


def resumed_dues(remaining: dict[str, int], moment: datetime, cfg) -> dict[str, datetime]:
    """Due moments when the clock restarts at ``moment`` with ``remaining`` seconds."""
    return {key: add_business_seconds(moment, secs, cfg) for key, secs in remaining.items()}


def reprioritised_remaining(remaining: dict[str, int], old: str, new: str, cfg) -> dict[str, int]:
    """Remaining seconds after a priority change: the elapsed time counts against the new target."""
    old_t, new_t = targets(old, cfg), targets(new, cfg)
    return {key: secs + new_t[key] - old_t[key] for key, secs in remaining.items()}


def state(ticket: dict, moment: datetime, cfg) -> dict:
    """SLA facts for display: overdue, at risk, paused, the next due moment and time left."""
    status = ticket["status"]
    paused = status not in RUNNING_STATUSES
    responded = bool(ticket.get("first_response_at"))

    def due(key):
        value = ticket.get(key)
        return datetime.fromisoformat(value) if isinstance(value, str) and value else value

    watch = [("resolve_due_at", "resolve_risk_at")]
    if not responded:
        watch.insert(0, ("response_due_at", "response_risk_at"))
    overdue = at_risk = False
    next_due = None
    for due_key, risk_key in watch:
        d, r = due(due_key), due(risk_key)
        if d is None:
            continue
        if next_due is None or d < next_due:
            next_due = d
        if not paused and d <= moment:
            overdue = True
        elif not paused and r is not None and r <= moment:
            at_risk = True
    left = None
    if next_due is not None and not paused:
        left = business_seconds_between(moment, next_due, cfg)
    return {"paused": paused, "overdue": overdue, "at_risk": at_risk and not overdue,
            "next_due": next_due, "seconds_left": left,
            "kind": "response" if not responded else "resolution"}
