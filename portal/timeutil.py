"""Time in one place: UTC ISO strings in the database, local time on screen."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

# Tests and the demo seeder may move the clock; everything reads it through now().
_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def set_now(moment: datetime | None) -> None:
    global _frozen
    _frozen = moment


def iso(moment: datetime | None = None) -> str:
    return (moment or now()).astimezone(timezone.utc).isoformat(timespec="seconds")


def hour_iso(moment: datetime | None = None) -> str:
    """The start of the hour, as stored where exact times would say too much (logs)."""
    return iso((moment or now()).replace(minute=0, second=0, microsecond=0))


def parse(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def local_midnight(day, tz: str) -> str:
    """UTC ISO of the first moment of a local calendar day (bounds of a period of days)."""
    return iso(datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(tz)))


def local(moment: datetime, tz: str = "Europe/Amsterdam") -> datetime:
    return moment.astimezone(ZoneInfo(tz))
