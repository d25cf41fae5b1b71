"""Learning figures: enrolments and completions per week and per module.

The same definitions as the learning track's own staff page
(``portal.learning.figures.module_figures``): an enrolment counts in the period when
it was made in it, a completion when the module was completed in it (whenever the
enrolment was made). With a department filter, only learners of that department.
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _

from ..db import get_db
from ..learning import content
from .filters import Filters, week_label
from .tables import Chart, Table


def _stamps(filters: Filters, column: str) -> list[dict]:
    scope, params = filters.condition(f"e.{column}", "u.department")
    sql = (f"SELECT e.module_id, e.{column} AS at FROM learning_enrolments e"
           f" JOIN users u ON u.id = e.user_id WHERE {scope}")
    return [dict(r) for r in get_db().execute(sql, params)]


def per_week(filters: Filters) -> Table:
    weeks = filters.weeks()
    enrolled = Counter(filters.week_of(r["at"]) for r in _stamps(filters, "enrolled_at"))
    completed = Counter(filters.week_of(r["at"]) for r in _stamps(filters, "completed_at"))
    rows = [[week_label(w), enrolled[w], completed[w]] for w in weeks]
    chart = Chart("bar", [week_label(w) for w in weeks],
                  [(_("Enrolments"), [enrolled[w] for w in weeks]),
                   (_("Completions"), [completed[w] for w in weeks])],
                  description=_("Bars per week: new enrolments in modules and modules "
                                "completed."))
    return Table("weeks", _("Enrolments and completions per week"),
                 [_("Week"), _("Enrolments"), _("Completions")], rows, chart)


def per_module(filters: Filters) -> Table:
    enrolled = Counter(r["module_id"] for r in _stamps(filters, "enrolled_at"))
    completed = Counter(r["module_id"] for r in _stamps(filters, "completed_at"))
    rows = [[m["title"], enrolled[m["id"]], completed[m["id"]]] for m in content.modules()]
    chart = Chart("hbar", [r[0] for r in rows],
                  [(_("Enrolments"), [r[1] for r in rows]),
                   (_("Completions"), [r[2] for r in rows])],
                  description=_("Horizontal bars per module: enrolments and completions in the "
                                "period."))
    return Table("modules", _("Per module"), [_("Module"), _("Enrolments"), _("Completions")],
                 rows, chart)


def key_figures(filters: Filters) -> dict:
    return {"enrolments": len(_stamps(filters, "enrolled_at")),
            "completions": len(_stamps(filters, "completed_at"))}


def tables(filters: Filters) -> list[Table]:
    return [per_week(filters), per_module(filters)]
