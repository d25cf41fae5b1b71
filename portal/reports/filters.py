"""The filters every dashboard takes: a period of local days and a department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from .. import parsing, timeutil
from ..errors import Invalid

DEFAULT_WEEKS = 12
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Filters:
    first: date  # first local day, inclusive
    last: date  # last local day, inclusive
    department: str | None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(current_app.config["TIMEZONE"])

    @property
    def start(self) -> str:
        """UTC ISO of the first moment of ``first`` (local midnight)."""
        return timeutil.local_midnight(self.first, current_app.config["TIMEZONE"])

    @property
    def end(self) -> str:
        """UTC ISO of the local midnight after ``last`` (exclusive)."""
        return timeutil.local_midnight(self.last + timedelta(days=1),
                                       current_app.config["TIMEZONE"])

    def condition(self, moment: str, department: str) -> tuple[str, list]:
        """SQL for "``moment`` in the period, and ``department`` the chosen one (if any)",
        with its parameters: every figure of the dashboards is scoped through this."""
        sql, params = f"{moment} >= ? AND {moment} < ?", [self.start, self.end]
        if self.department:
            sql += f" AND {department} = ?"
            params.append(self.department)
        return sql, params

    def weeks(self) -> list[date]:
        """The Mondays of every week the period touches, in order."""
        monday = self.first - timedelta(days=self.first.weekday())
        out = []
        while monday <= self.last:
            out.append(monday)
            monday += timedelta(days=7)
        return out

    def week_of(self, stamp: str) -> date:
        """The Monday (local) of the week a UTC ISO moment falls in."""
        day = timeutil.parse(stamp).astimezone(self.tz).date()
        return day - timedelta(days=day.weekday())

    def query(self) -> dict:
        """The filters as URL parameters (for links and the CSV URL)."""
        out = {"van": self.first.isoformat(), "tot": self.last.isoformat()}
        if self.department:
            out["afdeling"] = self.department
        return out


def week_label(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def today() -> date:
    return timeutil.local(timeutil.now(), current_app.config["TIMEZONE"]).date()


def default_filters() -> Filters:
    last = today()
    first = last - timedelta(days=last.weekday()) - timedelta(weeks=DEFAULT_WEEKS - 1)
    return Filters(first, last, None)


def parse(args) -> Filters:
    """Filters from URL parameters ``van``, ``tot`` (YYYY-MM-DD, local days, inclusive) and
    ``afdeling`` (a department code); Invalid with a message per field otherwise."""
    default = default_filters()
    errors: dict = {}
    first = parsing.day(args.get("van"), "van", errors) or default.first
    last = parsing.day(args.get("tot"), "tot", errors) or default.last
    department = parsing.text(args.get("afdeling"), "afdeling", errors, required=False,
                              max_length=40, multiline=False) or None
    if department and department not in current_app.config["DEPARTMENTS"]:
        errors["afdeling"] = _("Choose a department from the list.")
    if not errors and last < first:
        errors["tot"] = _("The end is before the start.")
    if not errors and (last - first).days > MAX_DAYS:
        errors["tot"] = _("Choose a period of at most three years.")
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    return Filters(first, last, department)
