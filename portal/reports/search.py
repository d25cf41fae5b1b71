"""Search figures: searches per week, top and zero-result queries, and the suggestions
on the request form (deflection).

The search log and the suggestion sessions hold no person (see portal/search/log.py),
so the department filter does not apply here. Times in the log are rounded down to
the hour; a search counts in the period when that hour starts in it.

- Searches: rows of the search log from people searching (sources web, api, cli,
  chat; not the suggestion lookups of the request form).
- Zero-result search: a search that found nothing.
- Suggestion deflection: request forms (sessions) that were shown suggestions, and of
  those the ones where a suggestion was opened and no request was submitted.
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _

from ..db import get_db
from ..search.log import STAT_SOURCES
from .filters import Filters, week_label
from .tables import Chart, Table

TOP = 20


def _where() -> str:
    return f"at >= ? AND at < ? AND source IN ({','.join('?' * len(STAT_SOURCES))})"


def _params(filters: Filters) -> list:
    return [filters.start, filters.end, *STAT_SOURCES]


def searches_per_week(filters: Filters) -> Table:
    counts, zero = Counter(), Counter()
    for row in get_db().execute(f"SELECT at, result_count FROM search_log WHERE {_where()}",
                                _params(filters)):
        week = filters.week_of(row["at"])
        counts[week] += 1
        zero[week] += row["result_count"] == 0
    weeks = filters.weeks()
    rows = [[week_label(w), counts[w], zero[w]] for w in weeks]
    chart = Chart("line", [week_label(w) for w in weeks],
                  [(_("Searches"), [counts[w] for w in weeks]),
                   (_("Without results"), [zero[w] for w in weeks])],
                  description=_("Lines: searches per week and how many of them found nothing."))
    return Table("searches", _("Searches per week"), [_("Week"), _("Searches"),
                                                       _("Without results")], rows, chart)


def top_searches(filters: Filters) -> Table:
    rows = [[r["query"], r["searches"], r["zero"]] for r in get_db().execute(
        f"SELECT query, COUNT(*) AS searches, SUM(result_count = 0) AS zero FROM search_log"
        f" WHERE {_where()} GROUP BY query ORDER BY searches DESC, query LIMIT ?",
        [*_params(filters), TOP])]
    chart = Chart("hbar", [r[0] for r in rows[:10]], [(_("Searches"), [r[1] for r in rows[:10]])],
                  description=_("Horizontal bars: the ten most frequent search terms."))
    return Table("top", _("Top searches"), [_("Search term"), _("Searches"),
                                            _("Without results")], rows, chart)


def zero_result_searches(filters: Filters) -> Table:
    rows = [[r["query"], r["searches"]] for r in get_db().execute(
        f"SELECT query, COUNT(*) AS searches FROM search_log WHERE {_where()}"
        f" AND result_count = 0 GROUP BY query ORDER BY searches DESC, query LIMIT ?",
        [*_params(filters), TOP])]
    return Table("zero", _("Searches without results"), [_("Search term"), _("Searches")], rows,
                 note=_("Candidates for new knowledge articles or synonyms."))


def suggestion_sessions(filters: Filters) -> list[dict]:
    return [dict(r) for r in get_db().execute(
        "SELECT s.created_at, s.submitted,"
        " EXISTS (SELECT 1 FROM suggest_opened o WHERE o.session_id = s.id) AS opened"
        " FROM suggest_sessions s WHERE s.created_at >= ? AND s.created_at < ?"
        " AND EXISTS (SELECT 1 FROM suggest_shown w WHERE w.session_id = s.id)",
        [filters.start, filters.end])]


def suggestions_per_week(filters: Filters) -> Table:
    sessions = suggestion_sessions(filters)
    weeks = filters.weeks()
    shown, opened, submitted, deflected = Counter(), Counter(), Counter(), Counter()
    for s in sessions:
        week = filters.week_of(s["created_at"])
        shown[week] += 1
        opened[week] += bool(s["opened"])
        submitted[week] += bool(s["submitted"])
        deflected[week] += bool(s["opened"] and not s["submitted"])
    rows = [[week_label(w), shown[w], opened[w], submitted[w], deflected[w]] for w in weeks]
    chart = Chart("bar", [week_label(w) for w in weeks],
                  [(_("Shown suggestions"), [shown[w] for w in weeks]),
                   (_("Opened one, no request"), [deflected[w] for w in weeks])],
                  description=_("Bars per week: request forms that showed suggestions, and "
                                "those where a suggestion was opened and no request sent."))
    return Table("suggestions", _("Suggestions on the request form"),
                 [_("Week"), _("Shown suggestions"), _("Opened a suggestion"),
                  _("Request submitted"), _("Opened one, no request")], rows, chart,
                 note=_("A form counts once, in the week it was opened. “Opened one, no "
                        "request” includes forms still being filled in."))


def key_figures(filters: Filters) -> dict:
    row = get_db().execute(f"SELECT COUNT(*), COALESCE(SUM(result_count = 0), 0) FROM search_log"
                           f" WHERE {_where()}", _params(filters)).fetchone()
    sessions = suggestion_sessions(filters)
    return {"searches": row[0], "zero": row[1],
            "zero_rate": round(100 * row[1] / row[0], 1) if row[0] else None,
            "suggestion_forms": len(sessions),
            "suggestion_deflected": sum(1 for s in sessions if s["opened"] and not s["submitted"])}


def tables(filters: Filters) -> list[Table]:
    return [searches_per_week(filters), top_searches(filters), zero_result_searches(filters),
            suggestions_per_week(filters)]
