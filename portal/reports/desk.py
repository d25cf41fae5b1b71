"""Desk figures: requests per week, SLA compliance and times, satisfaction.

Definitions (also in the README, "Dashboards"):

- A request counts in the week (local, Monday to Sunday) it was submitted, if that
  moment lies in the period and, with a department filter, it is for that department.
- First-response time: business hours (``portal.desk.sla``: BUSINESS_HOURS,
  BUSINESS_DAYS, HOLIDAYS, TIMEZONE) from submission to ``first_response_at``, the
  first public reply or status change to waiting/resolved by staff. Resolution time:
  business hours from submission to ``resolved_at`` (the latest resolution). Both
  leave out the time the request waited on the requester, as the SLA clock does.
- SLA met: that time is within the target of the request's priority (SLA_HOURS).
  A request without a first response (resolution) yet counts as missed once its
  business hours so far exceed the target, and is not counted while it is still
  within target.
- Satisfaction: ratings (1-5) given in the period on requests of the department.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..db import get_db
from ..desk import sla
from ..desk.types import request_types
from .filters import Filters, week_label
from .tables import Chart, Table

PRIORITIES = ("urgent", "high", "normal", "low")


def _tickets(filters: Filters) -> list[dict]:
    scope, params = filters.condition("created_at", "department")
    sql = ("SELECT id, number, type, team, department, priority, status, created_at,"
           " first_response_at, resolved_at FROM tickets WHERE " + scope)
    return [dict(row) for row in get_db().execute(sql + " ORDER BY created_at, id", params)]


def _per_week(filters: Filters, tickets, key, labels: dict, title: str, table_key: str,
              description: str) -> Table:
    weeks = filters.weeks()
    counts = Counter((filters.week_of(t["created_at"]), t[key] or "") for t in tickets)
    used = [k for k in labels if any(counts[(w, k)] for w in weeks)]
    if any(counts[(w, "")] for w in weeks) and "" not in used:
        used.append("")
    rows = [[week_label(w), *[counts[(w, k)] for k in used], sum(counts[(w, k)] for k in used)]
            for w in weeks]
    names = [str(labels.get(k) or _("(none)")) for k in used]
    chart = Chart("stacked", [week_label(w) for w in weeks],
                  [(name, [counts[(w, k)] for w in weeks]) for name, k in zip(names, used)],
                  description=description)
    return Table(table_key, title, [_("Week"), *names, _("Total")], rows, chart)


def requests_per_week_by_type(filters: Filters, tickets=None) -> Table:
    tickets = _tickets(filters) if tickets is None else tickets
    labels = {k: t.label for k, t in request_types().items()}
    return _per_week(filters, tickets, "type", labels, _("Requests per week by type"), "types",
                     _("Stacked bars: the number of requests submitted per week, split by type."))


def requests_per_week_by_team(filters: Filters, tickets=None) -> Table:
    tickets = _tickets(filters) if tickets is None else tickets
    labels = dict(current_app.config["TEAMS"])
    return _per_week(filters, tickets, "team", labels, _("Requests per week by team"), "teams",
                     _("Stacked bars: the number of requests submitted per week, split by the "
                       "team handling them; “(none)” is not yet assigned to a team."))


def requests_per_week_by_department(filters: Filters, tickets=None) -> Table:
    tickets = _tickets(filters) if tickets is None else tickets
    labels = dict(current_app.config["DEPARTMENTS"])
    return _per_week(filters, tickets, "department", labels,
                     _("Requests per week by department"), "department_weeks",
                     _("Stacked bars: the number of requests submitted per week, split by the "
                       "department they are for."))


def requests_by_department(filters: Filters, tickets=None) -> Table:
    tickets = _tickets(filters) if tickets is None else tickets
    departments = current_app.config["DEPARTMENTS"]
    counts = Counter(t["department"] for t in tickets)
    rows = [[str(name), counts[code]] for code, name in departments.items() if counts[code]]
    chart = Chart("hbar", [r[0] for r in rows], [(_("Requests"), [r[1] for r in rows])],
                  description=_("Horizontal bars: the number of requests in the period per "
                                "department."))
    return Table("departments", _("Requests by department"), [_("Department"), _("Requests")],
                 rows, chart)


# --- SLA ---------------------------------------------------------------------------

def _waiting_intervals(filters: Filters) -> dict[int, list]:
    """Per ticket of the period, the [start, end) moments it waited on the requester (end
    None: still waiting)."""
    out: dict[int, list] = defaultdict(list)
    scope, params = filters.condition("t.created_at", "t.department")
    sql = ("SELECT ev.ticket_id, ev.at, ev.new FROM ticket_events ev JOIN tickets t"
           " ON t.id = ev.ticket_id WHERE ev.field IN ('status', 'reopen')"
           " AND " + scope)
    rows = get_db().execute(sql + " ORDER BY ev.ticket_id, ev.at, ev.id", params)
    since: dict[int, object] = {}
    for row in rows:
        tid, at = row["ticket_id"], timeutil.parse(row["at"])
        if tid in since:
            out[tid].append((since.pop(tid), at))
        if row["new"] == "waiting":
            since[tid] = at
    for tid, start in since.items():
        out[tid].append((start, None))
    return out


def business_hours(ticket: dict, until, waiting: list, cfg) -> float:
    """Business hours from submission to ``until``, less the time waiting on the requester."""
    created = timeutil.parse(ticket["created_at"])
    seconds = sla.business_seconds_between(created, until, cfg)
    for start, end in waiting:
        end = until if end is None or end > until else end
        if end > start:
            seconds -= sla.business_seconds_between(start, end, cfg)
    return max(0, seconds) / 3600


def sla_facts(filters: Filters, tickets: list[dict]) -> list[dict]:
    """Per ticket of the period: first-response and resolution hours (None: not yet) and
    whether each target was met (None: still within target)."""
    cfg = current_app.config
    waiting = _waiting_intervals(filters)
    now = timeutil.now()
    out = []
    for t in tickets:
        response_h, resolve_h = cfg["SLA_HOURS"][t["priority"]]
        facts = {"ticket": t}
        for name, column, target in (("response", "first_response_at", response_h),
                                     ("resolution", "resolved_at", resolve_h)):
            done = timeutil.parse(t[column])
            hours = business_hours(t, done or now, waiting[t["id"]], cfg)
            facts[f"{name}_hours"] = hours if done else None
            facts[f"{name}_met"] = (hours <= target) if done else (False if hours > target
                                                                    else None)
        out.append(facts)
    return out


def _rate(values) -> float | None:
    decided = [v for v in values if v is not None]
    return round(100 * sum(decided) / len(decided), 1) if decided else None


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def sla_table(filters: Filters, tickets=None) -> Table:
    tickets = _tickets(filters) if tickets is None else tickets
    facts = sla_facts(filters, tickets)
    labels = {"urgent": _("Urgent"), "high": _("High"), "normal": _("Normal"), "low": _("Low")}
    rows = []
    for priority in (*PRIORITIES, None):
        group = [f for f in facts if priority is None or f["ticket"]["priority"] == priority]
        if priority is not None and not group:
            continue
        rows.append([labels[priority] if priority else _("All priorities"), len(group),
                     _rate(f["response_met"] for f in group),
                     _median(f["response_hours"] for f in group),
                     _rate(f["resolution_met"] for f in group),
                     _median(f["resolution_hours"] for f in group)])
    chart = Chart("bar", [r[0] for r in rows],
                  [(_("First response within target (%)"), [r[2] for r in rows]),
                   (_("Resolved within target (%)"), [r[4] for r in rows])],
                  description=_("Bars per priority: the share of requests whose first response "
                                "and whose resolution came within the service level target."))
    return Table("sla", _("Service levels"),
                 [_("Priority"), _("Requests"), _("First response within target (%)"),
                  _("Median first response (business hours)"), _("Resolved within target (%)"),
                  _("Median resolution (business hours)")], rows, chart,
                 note=_("Business hours, without the time a request waited on the requester. "
                        "Requests still within their target are not counted yet."))


# --- satisfaction ------------------------------------------------------------------

def ratings(filters: Filters) -> list[int]:
    scope, params = filters.condition("r.created_at", "t.department")
    sql = ("SELECT r.score FROM ratings r JOIN tickets t ON t.id = r.ticket_id"
           " WHERE " + scope)
    return [row[0] for row in get_db().execute(sql, params)]


def satisfaction_table(filters: Filters) -> Table:
    scores = ratings(filters)
    counts = Counter(scores)
    rows = [[str(score), counts[score]] for score in range(1, 6)]
    average = round(sum(scores) / len(scores), 2) if scores else None
    chart = Chart("bar", [r[0] for r in rows], [(_("Ratings"), [r[1] for r in rows])],
                  description=_("Bars: how many ratings of each score (1 to 5) were given in "
                                "the period."))
    return Table("satisfaction", _("Satisfaction ratings"), [_("Score"), _("Ratings")], rows,
                 chart, extra={"count": len(scores), "average": average},
                 note=_("Ratings the requester gave a resolved request in the period."))


def key_figures(filters: Filters) -> dict:
    tickets = _tickets(filters)
    facts = sla_facts(filters, tickets)
    scores = ratings(filters)
    return {"requests": len(tickets),
            "response_met": _rate(f["response_met"] for f in facts),
            "resolution_met": _rate(f["resolution_met"] for f in facts),
            "median_response": _median(f["response_hours"] for f in facts),
            "rating": round(sum(scores) / len(scores), 2) if scores else None,
            "ratings": len(scores)}


def tables(filters: Filters) -> list[Table]:
    tickets = _tickets(filters)
    return [requests_per_week_by_type(filters, tickets),
            requests_per_week_by_team(filters, tickets),
            requests_per_week_by_department(filters, tickets),
            requests_by_department(filters, tickets),
            sla_table(filters, tickets), satisfaction_table(filters)]
