"""Staff figures per module and period, and the CSV of who completed what (for HR)."""

from __future__ import annotations

import csv
import io
from collections import Counter

from flask_babel import gettext as _

from ..accounts.service import User
from ..db import get_db
from ..errors import Forbidden
from ..events.attendance import _safe as safe_cell
from . import content

__all__ = ["module_figures", "completions_csv", "period_bounds"]


def period_bounds(first, last) -> tuple[str | None, str | None]:
    """UTC ISO bounds of the local days ``first`` to ``last`` (YYYY-MM-DD, both optional,
    inclusive); Invalid for anything else."""
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from flask import current_app

    from .. import timeutil
    from ..errors import Invalid

    tz = ZoneInfo(current_app.config["TIMEZONE"])
    out, errors = [], {}
    for name, value, shift in (("van", first, 0), ("tot", last, 1)):
        if value in (None, ""):
            out.append(None)
            continue
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 \
                else None
        except ValueError:
            day = None
        if day is None:
            errors[name] = _("Give a date as YYYY-MM-DD.")
            out.append(None)
            continue
        moment = datetime.combine(day + timedelta(days=shift), time(0), tzinfo=tz)
        out.append(timeutil.iso(moment))
    if not errors and out[0] and out[1] and out[1] <= out[0]:
        errors["tot"] = _("The end is before the start.")
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    return out[0], out[1]


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can see learning figures."))


def _between(column: str, start: str | None, end: str | None) -> tuple[str, list]:
    sql, params = "", []
    if start:
        sql += f" AND {column} >= ?"
        params.append(start)
    if end:
        sql += f" AND {column} < ?"
        params.append(end)
    return sql, params


def module_figures(user: User, start: str | None = None, end: str | None = None) -> list[dict]:
    """Per module: enrolled, in progress, completed, quiz pass rate and the questions most
    often answered wrong, and sessions attended. ``start``/``end`` (ISO) narrow to
    enrolments, attempts and completions in that period."""
    _require_staff(user)
    db = get_db()
    out = []
    for module in content.modules():
        mid = module["id"]
        where, params = _between("enrolled_at", start, end)
        enrolled = db.execute("SELECT COUNT(*) FROM learning_enrolments WHERE module_id = ?"
                              + where, [mid, *params]).fetchone()[0]
        cwhere, cparams = _between("completed_at", start, end)
        completed = db.execute("SELECT COUNT(*) FROM learning_enrolments WHERE module_id = ?"
                               " AND completed_at IS NOT NULL" + cwhere,
                               [mid, *cparams]).fetchone()[0]
        open_count = db.execute("SELECT COUNT(*) FROM learning_enrolments WHERE module_id = ?"
                                " AND completed_at IS NULL" + where, [mid, *params]).fetchone()[0]
        awhere, aparams = _between("submitted_at", start, end)
        attempts = db.execute("SELECT COUNT(*) AS n, COALESCE(SUM(passed), 0) AS passed FROM"
                              " learning_quiz_attempts WHERE module_id = ? AND submitted_at IS"
                              " NOT NULL" + awhere, [mid, *aparams]).fetchone()
        wrong = Counter()
        for row in db.execute("SELECT a.question_id FROM learning_quiz_answers a JOIN"
                              " learning_quiz_attempts t ON t.id = a.attempt_id WHERE"
                              " t.module_id = ? AND a.correct = 0 AND t.submitted_at IS NOT NULL"
                              + awhere.replace("submitted_at", "t.submitted_at"),
                              [mid, *aparams]):
            wrong[row["question_id"]] += 1
        texts = {q["id"]: q["question"] for q in content.questions(module)}
        swhere, sparams = _between("e.starts_at", start, end)
        attended = db.execute("SELECT COUNT(*) FROM registrations r JOIN events e ON e.id ="
                              " r.event_id WHERE e.type = 'module_session' AND e.module = ?"
                              " AND r.attended = 1" + swhere, [mid, *sparams]).fetchone()[0]
        out.append({"id": mid, "title": module["title"], "enrolled": enrolled,
                    "in_progress": open_count, "completed": completed,
                    "quiz_attempts": attempts["n"],
                    "quiz_pass_rate": (round(attempts["passed"] / attempts["n"], 3)
                                       if attempts["n"] else None),
                    "most_wrong": [{"id": qid, "question": texts.get(qid, qid), "wrong": n}
                                   for qid, n in wrong.most_common(3)],
                    "attended": attended})
    return out


def completions_csv(user: User) -> str:
    """Who completed what and when, with certificate codes (semicolons, for Excel)."""
    _require_staff(user)
    db = get_db()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Name"), _("E-mail"), _("Department"), _("Completed"), _("Date"),
                     _("Certificate"), _("Revoked")])
    for row in db.execute(
            "SELECT u.name, u.email, u.department, c.title, c.issued_at, c.code, c.revoked_at"
            " FROM learning_certificates c JOIN users u ON u.id = c.user_id"
            " ORDER BY u.name COLLATE NOCASE, c.issued_at"):
        writer.writerow([safe_cell(row["name"]), safe_cell(row["email"]),
                         safe_cell(row["department"]), safe_cell(row["title"]),
                         row["issued_at"][:10], row["code"],
                         row["revoked_at"][:10] if row["revoked_at"] else ""])
    return out.getvalue()


