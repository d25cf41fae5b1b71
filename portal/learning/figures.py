"""Staff figures per module and period, and the CSV of who completed what (for HR)."""

from __future__ import annotations

import csv
import io
from collections import Counter

from flask import current_app
from flask_babel import force_locale, gettext as _

from .. import parsing, timeutil
from ..accounts.service import User
from ..db import get_db
from ..errors import Forbidden, Invalid
from ..events.attendance import _safe as safe_cell
from . import content

__all__ = ["module_figures", "completions", "completions_csv", "period_bounds"]


def period_bounds(first, last) -> tuple[str | None, str | None]:
    """UTC ISO bounds of the local days ``first`` to ``last`` (YYYY-MM-DD, both optional,
    inclusive); Invalid for anything else."""
    from datetime import timedelta

    tz = current_app.config["TIMEZONE"]
    errors: dict = {}
    out = []
    for name, value, shift in (("van", first, 0), ("tot", last, 1)):
        day = parsing.day(value, name, errors)
        out.append(timeutil.local_midnight(day + timedelta(days=shift), tz) if day else None)
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


def completions(user: User, start: str | None = None, end: str | None = None,
                module_id: str | None = None) -> list[dict]:
    """Staff: who completed what, for HR: one row per completed module (completion date
    in [start, end), UTC ISO bounds from ``period_bounds``) and per completed track
    (the track certificate's date), with the certificate's code and whether it was
    revoked. ``module_id`` narrows to one module, or to the track with the track's id."""
    _require_staff(user)
    track = content.track()
    known = {m["id"]: m for m in content.modules()}
    if module_id and module_id not in known and module_id != track["id"]:
        raise Invalid(_("Please correct the marked fields."), {"module": _("Unknown module.")})
    db = get_db()
    rows = []
    if module_id != track["id"]:
        where, params = _between("e.completed_at", start, end)
        if module_id:
            where += " AND e.module_id = ?"
            params.append(module_id)
        rows += [dict(r) for r in db.execute(
            "SELECT u.name, u.email, u.department, e.module_id, e.completed_at,"
            " c.code, c.revoked_at FROM learning_enrolments e JOIN users u ON u.id = e.user_id"
            " LEFT JOIN learning_certificates c ON c.user_id = e.user_id AND c.track = ?"
            " AND c.module_id = e.module_id WHERE e.completed_at IS NOT NULL" + where,
            [track["id"], *params])]
        for row in rows:
            row["title"] = known[row["module_id"]]["title"] if row["module_id"] in known \
                else row["module_id"]
    if not module_id or module_id == track["id"]:
        where, params = _between("c.issued_at", start, end)
        rows += [{**dict(r), "title": track["title"], "module_id": None} for r in db.execute(
            "SELECT u.name, u.email, u.department, c.issued_at AS completed_at, c.code,"
            " c.revoked_at FROM learning_certificates c JOIN users u ON u.id = c.user_id"
            " WHERE c.track = ? AND c.module_id IS NULL" + where, [track["id"], *params])]
    departments = current_app.config["DEPARTMENTS"]
    for row in rows:
        row["department_name"] = departments.get(row["department"], row["department"] or "")
    rows.sort(key=lambda r: (r["completed_at"], r["name"].lower()))
    return rows


def _local_day(value: str | None) -> str:
    if not value:
        return ""
    return timeutil.local(timeutil.parse(value), current_app.config["TIMEZONE"]).date().isoformat()


def completions_csv(user: User, start: str | None = None, end: str | None = None,
                    module_id: str | None = None) -> str:
    """``completions`` as CSV for HR: semicolons (as Dutch Excel opens them), Dutch column
    names whoever downloads it (HR's imports expect the same columns), local dates, and
    every text cell guarded against formula injection."""
    rows = completions(user, start, end, module_id)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    with force_locale("nl"):
        writer.writerow([_("Name"), _("E-mail"), _("Department"), _("Module or track"),
                         _("Completed on"), _("Certificate code"), _("Certificate revoked on")])
    for row in rows:
        writer.writerow([safe_cell(row["name"]), safe_cell(row["email"]),
                         safe_cell(row["department_name"]), safe_cell(row["title"]),
                         _local_day(row["completed_at"]), safe_cell(row["code"]),
                         _local_day(row["revoked_at"])])
    return out.getvalue()
