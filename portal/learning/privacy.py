"""Privacy of the learning track: quiz answers and assignment work go after a while (the
outcome stays, so completions and certificates hold), and one person's learning record
for an export or an erasure (conventions in portal/accounts/privacy.py)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from .. import timeutil
from ..templating import date_filter
from . import certificates
from .assignments import FOLDER

REMOVED = "[verwijderd na de bewaartermijn]"
ERASED_REASON = "Persoon verwijderd op verzoek (AVG)"


def _file(stored: str) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / FOLDER / stored


def purge_quiz_answers(db, cutoff: str, dry_run: bool) -> dict:
    """The chosen options of attempts submitted before ``cutoff``; score and pass stay."""
    where = (" FROM learning_quiz_answers WHERE attempt_id IN (SELECT id FROM"
             " learning_quiz_attempts WHERE submitted_at < ?)")
    count = db.execute("SELECT count(*)" + where, [cutoff]).fetchone()[0]
    examples = [f"{r['module_id']} #{r['attempt_no']} ({r['submitted_at'][:10]})" for r in db.execute(
        "SELECT module_id, attempt_no, submitted_at FROM learning_quiz_attempts WHERE"
        " submitted_at < ? AND id IN (SELECT attempt_id FROM learning_quiz_answers)"
        " ORDER BY submitted_at LIMIT 3", [cutoff])]
    if not dry_run and count:
        db.execute("DELETE" + where, [cutoff])
    return {"count": count, "examples": examples}


def purge_assignments(db, cutoff: str, dry_run: bool) -> dict:
    """Text, file and review comment of assignments reviewed (or, never reviewed, handed
    in) before ``cutoff``; the status (approved) stays, so the module stays completed."""
    where = (" FROM learning_assignments WHERE COALESCE(reviewed_at, submitted_at) < ?"
             " AND (body != ? OR file_stored IS NOT NULL OR review_comment IS NOT NULL)")
    params = [cutoff, REMOVED]
    rows = [dict(r) for r in db.execute("SELECT id, module_id, status, file_stored,"
                                        " submitted_at" + where + " ORDER BY id", params)]
    examples = [f"{r['module_id']} ({r['status']}, {r['submitted_at'][:10]})" for r in rows[:3]]
    files = []
    if not dry_run and rows:
        files = [_file(r["file_stored"]) for r in rows if r["file_stored"]]
        db.execute("UPDATE learning_assignments SET body = ?, file_name = NULL, file_stored = NULL,"
                   " file_type = NULL, file_size = NULL, review_comment = NULL"
                   " WHERE id IN (SELECT id" + where + ")", [REMOVED, *params])
    return {"count": len(rows), "examples": examples, "files": files}


def learning_record(db, user_id: int) -> dict:
    """Everything the track stores about a learner: enrolments, waivers, reading, quiz
    attempts with their answers, assignments and certificates (the page "Mijn gegevens" of
    the track shows it; the export adds the files and the teacher record)."""

    def rows(sql):
        return [dict(r) for r in db.execute(sql, [user_id])]

    attempts = rows("SELECT id, module_id, attempt_no, started_at, submitted_at, score, passed"
                    " FROM learning_quiz_attempts WHERE user_id = ? ORDER BY id")
    for attempt in attempts:
        attempt["answers"] = [dict(r) for r in db.execute(
            "SELECT question_id, option_ids, correct FROM learning_quiz_answers"
            " WHERE attempt_id = ? ORDER BY question_id", [attempt["id"]])]
    return {
        "enrolments": rows("SELECT module_id, enrolled_at, completed_at FROM learning_enrolments"
                           " WHERE user_id = ? ORDER BY enrolled_at"),
        "waivers": rows("SELECT module_id, prerequisite_id, reason, waived_at FROM"
                        " learning_waivers WHERE user_id = ?"),
        "reading": rows("SELECT module_id, section, read_at FROM learning_reading"
                        " WHERE user_id = ? ORDER BY read_at"),
        "quiz_attempts": attempts,
        "assignments": rows("SELECT id, module_id, body, file_name, status, submitted_at,"
                            " review_comment, reviewed_at FROM learning_assignments"
                            " WHERE user_id = ? ORDER BY id"),
        "certificates": certificates.for_learner(db, user_id),
    }


def export_person(db, user_id: int, include_internal: bool = True) -> dict:
    from ..mail.render import absolute_url

    def rows(sql):
        return [dict(r) for r in db.execute(sql, [user_id])]

    record = learning_record(db, user_id)
    files = []
    stored_files = dict(db.execute("SELECT id, file_stored FROM learning_assignments"
                                   " WHERE user_id = ?", [user_id]).fetchall())
    for item in record["assignments"]:
        stored = stored_files.get(item["id"])
        if stored:
            item["file"] = f"learning/assignment-{item['id']}-{item['file_name']}"
            files.append((item["file"], _file(stored)))
    name = db.execute("SELECT name FROM users WHERE id = ?", [user_id]).fetchone()["name"]
    certs = record["certificates"]
    for cert in certs:
        cert["file"] = f"learning/certificaat-{cert['code']}.pdf"
        cert["revoked_reason"] = db.execute(
            "SELECT revoked_reason FROM learning_certificates WHERE code = ?",
            [cert["code"]]).fetchone()[0]
        files.append((cert["file"], certificates.pdf(
            {**cert, "name": name}, absolute_url("learning.verify", code=cert["code"]),
            current_app.config["PORTAL_NAME"], current_app.config["MUNICIPALITY"],
            date_filter(cert["issued_at"], "long"))))
    teacher = db.execute("SELECT max_per_quarter, active FROM learning_teachers WHERE user_id = ?",
                         [user_id]).fetchone()
    return {"data": {
        **record,
        "teacher": ({**dict(teacher),
                     "modules": [r["module_id"] for r in db.execute(
                         "SELECT module_id FROM learning_teacher_modules WHERE user_id = ?",
                         [user_id])],
                     "unavailable": rows("SELECT starts_on, ends_on, reason FROM"
                                         " learning_teacher_unavailable WHERE user_id = ?"),
                     "sessions": rows("SELECT e.title, e.starts_at FROM learning_session_teachers"
                                      " s JOIN events e ON e.id = s.event_id WHERE s.user_id = ?"
                                      " ORDER BY e.starts_at")}
                    if teacher else None),
    }, "files": files}


def erase_person(db, user_id: int, dry_run: bool) -> dict:
    """The learning record goes; certificates stay verifiable by their code but are revoked
    (an employer may hold a copy: the code then says "revoked", without a name)."""
    def count(sql):
        return db.execute(sql, [user_id]).fetchone()[0]

    counts = {
        "enrolments": count("SELECT count(*) FROM learning_enrolments WHERE user_id = ?"),
        "quiz attempts": count("SELECT count(*) FROM learning_quiz_attempts WHERE user_id = ?"),
        "assignments": count("SELECT count(*) FROM learning_assignments WHERE user_id = ?"),
        "certificates revoked": count("SELECT count(*) FROM learning_certificates"
                                      " WHERE user_id = ? AND revoked_at IS NULL"),
        "teacher sessions": count("SELECT count(*) FROM learning_session_teachers WHERE user_id = ?"),
    }
    files = []
    if not dry_run:
        files = [_file(r["file_stored"]) for r in db.execute(
            "SELECT file_stored FROM learning_assignments WHERE user_id = ?"
            " AND file_stored IS NOT NULL", [user_id])]
        for table in ("learning_enrolments", "learning_reading", "learning_quiz_attempts",
                      "learning_assignments", "learning_waivers", "learning_teachers"):
            db.execute(f"DELETE FROM {table} WHERE user_id = ?", [user_id])
        db.execute("UPDATE learning_certificates SET revoked_at = ?, revoked_reason = ?,"
                   " revoked_by = NULL WHERE user_id = ? AND revoked_at IS NULL",
                   [timeutil.iso(), ERASED_REASON, user_id])
    return {"counts": counts, "files": files}
