"""Agenda figures: sign-ups, attendance and feedback of meetups and other events.

- An event counts when it is published and starts in the period.
- Sign-ups: registrations made for it, whatever their status now (confirmed, on the
  waiting list, cancelled), as on the agenda's own figures page; walk-ins are not
  sign-ups. Attended: people checked in (walk-ins included). Feedback: scores of 1-5
  given afterwards. With a department filter only registrations of people of that
  department count (walk-ins have no department and drop out).
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _

from .. import timeutil
from ..db import get_db
from ..events.labels import EVENT_TYPES
from .filters import Filters, week_label
from .tables import Chart, Table


def event_rows(filters: Filters) -> list[dict]:
    join = "LEFT JOIN registrations r ON r.event_id = e.id"
    params: list = []
    if filters.department:
        join = ("LEFT JOIN (SELECT r.* FROM registrations r JOIN users u ON u.id = r.user_id"
                " WHERE u.department = ?) r ON r.event_id = e.id")
        params.append(filters.department)
    sql = (
        "SELECT e.id, e.title, e.type, e.starts_at,"
        " COUNT(r.id) FILTER (WHERE r.status IN ('confirmed', 'waitlisted', 'cancelled'))"
        "   AS signups,"
        " COUNT(r.id) FILTER (WHERE r.status = 'confirmed') AS confirmed,"
        " COUNT(r.id) FILTER (WHERE r.status = 'waitlisted') AS waitlisted,"
        " COUNT(r.id) FILTER (WHERE r.attended = 1) AS attended,"
        " COUNT(r.feedback_score) AS feedback_count, AVG(r.feedback_score) AS feedback_avg"
        f" FROM events e {join} WHERE e.status = 'published' AND e.starts_at >= ?"
        " AND e.starts_at < ? GROUP BY e.id ORDER BY e.starts_at, e.id")
    return [dict(r) for r in get_db().execute(sql, [*params, filters.start, filters.end])]


def per_event(filters: Filters, rows=None) -> Table:
    rows = event_rows(filters) if rows is None else rows
    out = []
    for r in rows:
        day = timeutil.parse(r["starts_at"]).astimezone(filters.tz).date().isoformat()
        out.append([r["title"], str(EVENT_TYPES.get(r["type"], r["type"])), day, r["signups"],
                    r["waitlisted"], r["attended"], r["feedback_count"],
                    round(r["feedback_avg"], 2) if r["feedback_avg"] is not None else None])
    return Table("events", _("Per event"),
                 [_("Event"), _("Type"), _("Date"), _("Sign-ups"), _("Still waiting"),
                  _("Attended"), _("Feedback"), _("Average feedback (1–5)")], out)


def per_week(filters: Filters, rows=None) -> Table:
    rows = event_rows(filters) if rows is None else rows
    weeks = filters.weeks()
    events, signups, attended = Counter(), Counter(), Counter()
    for r in rows:
        week = filters.week_of(r["starts_at"])
        events[week] += 1
        signups[week] += r["signups"]
        attended[week] += r["attended"]
    out = [[week_label(w), events[w], signups[w], attended[w]] for w in weeks]
    chart = Chart("bar", [week_label(w) for w in weeks],
                  [(_("Sign-ups"), [signups[w] for w in weeks]),
                   (_("Attended"), [attended[w] for w in weeks])],
                  description=_("Bars per week: sign-ups for and attendance at the events "
                                "starting that week."))
    return Table("weeks", _("Sign-ups and attendance per week"),
                 [_("Week"), _("Events"), _("Sign-ups"), _("Attended")], out, chart)


def feedback_table(filters: Filters) -> Table:
    scope, params = filters.condition("e.starts_at", "u.department")
    sql = ("SELECT r.feedback_score FROM registrations r JOIN events e ON e.id = r.event_id"
           " LEFT JOIN users u ON u.id = r.user_id WHERE e.status = 'published'"
           f" AND r.feedback_score IS NOT NULL AND {scope}")
    counts = Counter(row[0] for row in get_db().execute(sql, params))
    out = [[str(score), counts[score]] for score in range(1, 6)]
    chart = Chart("bar", [r[0] for r in out], [(_("Feedback"), [r[1] for r in out])],
                  description=_("Bars: how often each feedback score (1 to 5) was given for "
                                "events in the period."))
    return Table("feedback", _("Feedback scores"), [_("Score"), _("Feedback")], out, chart)


def key_figures(filters: Filters) -> dict:
    rows = event_rows(filters)
    count = sum(r["feedback_count"] for r in rows)
    total = sum((r["feedback_avg"] or 0) * r["feedback_count"] for r in rows)
    return {"events": len(rows), "signups": sum(r["signups"] for r in rows),
            "attended": sum(r["attended"] for r in rows),
            "feedback_avg": round(total / count, 2) if count else None}


def tables(filters: Filters) -> list[Table]:
    rows = event_rows(filters)
    return [per_week(filters, rows), per_event(filters, rows), feedback_table(filters)]
