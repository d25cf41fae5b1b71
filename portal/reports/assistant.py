"""Assistant figures: conversations answered, clarified and handed over.

Read from the assistant's tables directly: nothing imports ``portal.chat`` (it sits on
top of every feature), and these are read-only counts over its log.

- A conversation counts in the week it was started, if that lies in the period and,
  with a department filter, the person talking is of that department.
- Its outcome, the first that applies: handed over (a request was made for the
  Datashop team), answered (at least one answer from the knowledge base), clarified
  (the assistant only asked what was meant), other (greetings, tasks such as signing
  up, or "I don't know").
- Deflection by the assistant: answered conversations that ended without a request.
- Replies: the assistant's messages per kind, with thumbs up and down.
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _

from ..db import get_db
from .filters import Filters, week_label
from .tables import Chart, Table

OUTCOMES = ("handed_over", "answered", "clarified", "other")


def _labels() -> dict:
    return {"handed_over": _("Handed over"), "answered": _("Answered"),
            "clarified": _("Clarified only"), "other": _("Other")}


def conversations(filters: Filters) -> list[dict]:
    scope, params = filters.condition("c.created_at", "u.department")
    sql = (
        "SELECT c.id, c.created_at, c.status,"
        " EXISTS (SELECT 1 FROM chat_messages m WHERE m.conversation_id = c.id"
        "   AND m.role = 'assistant' AND m.action = 'answer') AS answered,"
        " EXISTS (SELECT 1 FROM chat_messages m WHERE m.conversation_id = c.id"
        "   AND m.role = 'assistant' AND m.action = 'clarify') AS clarified"
        " FROM chat_conversations c JOIN users u ON u.id = c.user_id WHERE " + scope)
    out = []
    for row in get_db().execute(sql, params):
        row = dict(row)
        row["outcome"] = ("handed_over" if row["status"] == "handed_over" else
                          "answered" if row["answered"] else
                          "clarified" if row["clarified"] else "other")
        out.append(row)
    return out


def per_week(filters: Filters, rows=None) -> Table:
    rows = conversations(filters) if rows is None else rows
    weeks = filters.weeks()
    counts = Counter((filters.week_of(r["created_at"]), r["outcome"]) for r in rows)
    labels = _labels()
    table_rows = [[week_label(w), *[counts[(w, o)] for o in OUTCOMES],
                   sum(counts[(w, o)] for o in OUTCOMES)] for w in weeks]
    chart = Chart("stacked", [week_label(w) for w in weeks],
                  [(labels[o], [counts[(w, o)] for w in weeks]) for o in OUTCOMES],
                  description=_("Stacked bars: conversations started per week, by how they "
                                "ended."))
    return Table("conversations", _("Conversations per week by outcome"),
                 [_("Week"), *[labels[o] for o in OUTCOMES], _("Total")], table_rows, chart)


def replies(filters: Filters) -> Table:
    scope, params = filters.condition("m.created_at", "u.department")
    sql = ("SELECT m.action, COUNT(*) AS n, COALESCE(SUM(m.feedback = 1), 0) AS up,"
           " COALESCE(SUM(m.feedback = -1), 0) AS down FROM chat_messages m"
           " JOIN chat_conversations c ON c.id = m.conversation_id JOIN users u ON u.id = c.user_id"
           " WHERE m.role = 'assistant' AND " + scope)
    rows = [[r["action"] or "-", r["n"], r["up"], r["down"]] for r in get_db().execute(
        sql + " GROUP BY m.action ORDER BY n DESC, m.action", params)]
    return Table("replies", _("Replies by kind"),
                 [_("Kind of reply"), _("Replies"), _("Thumbs up"), _("Thumbs down")], rows,
                 note=_("The kind is the assistant's action: answer, clarify, fallback, "
                        "handover, or a task such as event_signup."))


def key_figures(filters: Filters) -> dict:
    rows = conversations(filters)
    outcomes = Counter(r["outcome"] for r in rows)
    return {"conversations": len(rows), **{o: outcomes[o] for o in OUTCOMES},
            "deflection_rate": round(100 * outcomes["answered"] / len(rows), 1) if rows else None}


def tables(filters: Filters) -> list[Table]:
    rows = conversations(filters)
    return [per_week(filters, rows), replies(filters)]
