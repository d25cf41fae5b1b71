"""Assignments: a learner hands in a short text (and optionally a file, under the desk's
upload rules); a teacher of that module reviews it: approved or revise, with a comment.

Who sees what: the learner their own; teachers of the module and Datashop staff the ones
of that module; another learner nothing (NotFound). An approved assignment completes the
module's ``assignment`` rule.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from .. import parsing, timeutil
from ..accounts.service import User, get_user
from ..db import get_db, transaction
from ..desk import attachments as upload_rules
from ..errors import Conflict, Forbidden, Invalid, NotFound
from . import content
from .service import refresh, require_enrolled

__all__ = ["submit", "get_assignment", "mine", "for_review", "review", "file_path"]

BODY_MAX = 5000
COMMENT_MAX = 2000
DECISIONS = ("approved", "revise")
FOLDER = "learning"


def _teaches(db, user: User, module_id: str) -> bool:
    return db.execute("SELECT 1 FROM learning_teacher_modules m JOIN learning_teachers t ON"
                      " t.user_id = m.user_id WHERE m.user_id = ? AND m.module_id = ? AND"
                      " t.active = 1", [user.id, module_id]).fetchone() is not None


def _can_review(db, user: User, row) -> bool:
    return row["user_id"] != user.id and (user.is_staff or _teaches(db, user, row["module_id"]))


def _out(row) -> dict:
    return {"id": row["id"], "module_id": row["module_id"], "learner_id": row["user_id"],
            "body": row["body"], "status": row["status"], "submitted_at": row["submitted_at"],
            "file": ({"name": row["file_name"], "type": row["file_type"], "size": row["file_size"]}
                     if row["file_stored"] else None),
            "review_comment": row["review_comment"], "reviewed_at": row["reviewed_at"],
            "learner_name": row["learner_name"] if "learner_name" in row.keys() else None}


SELECT = ("SELECT a.*, u.name AS learner_name FROM learning_assignments a JOIN users u"
          " ON u.id = a.user_id")


def submit(user: User, module_id: str, body, upload=None) -> dict:
    """Hand in (again, after 'revise'); a pending or approved one blocks a new one."""
    module = content.module(module_id)
    if not module["assignment"] or "assignment" not in module["completion"]:
        raise NotFound(_("This module has no assignment."))
    body = parsing.text(body, "body", required=True, max_length=BODY_MAX)
    prepared = upload_rules.prepare([upload] if upload else [])
    if len(prepared) > 1:
        raise Invalid(_("One file at most."), {"file": _("One file at most.")})
    db = get_db()
    written: Path | None = None
    try:
        with transaction(db):
            require_enrolled(db, user, module_id)
            last = db.execute("SELECT status FROM learning_assignments WHERE user_id = ? AND"
                              " module_id = ? ORDER BY id DESC LIMIT 1",
                              [user.id, module_id]).fetchone()
            if last and last["status"] in ("submitted", "approved"):
                raise Conflict(_("Your assignment is already handed in."))
            file_values = [None, None, None, None]
            if prepared:
                item = prepared[0]
                folder = Path(current_app.config["UPLOAD_FOLDER"]) / FOLDER
                folder.mkdir(parents=True, exist_ok=True)
                stored = secrets.token_hex(16)
                written = folder / stored
                fd = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(item.data)
                file_values = [item.filename, stored, item.content_type, len(item.data)]
            new_id = db.execute(
                "INSERT INTO learning_assignments (user_id, module_id, body, file_name,"
                " file_stored, file_type, file_size, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [user.id, module_id, body, *file_values, timeutil.iso()]).lastrowid
    except BaseException:
        if written is not None:
            upload_rules.remove([written])
        raise
    return get_assignment(user, new_id)


def _row(db, user: User, assignment_id: int):
    row = db.execute(SELECT + " WHERE a.id = ?", [assignment_id]).fetchone()
    if row is None or (row["user_id"] != user.id and not _can_review(db, user, row)):
        raise NotFound(_("This assignment does not exist, or you may not see it."))
    return row


def get_assignment(user: User, assignment_id: int) -> dict:
    return _out(_row(get_db(), user, assignment_id))


def file_path(user: User, assignment_id: int) -> tuple[Path, str, str]:
    row = _row(get_db(), user, assignment_id)
    if not row["file_stored"]:
        raise NotFound(_("This assignment has no file."))
    return (Path(current_app.config["UPLOAD_FOLDER"]) / FOLDER / row["file_stored"],
            row["file_name"], row["file_type"])


def mine(user: User, module_id: str) -> list[dict]:
    return [_out(r) for r in get_db().execute(SELECT + " WHERE a.user_id = ? AND a.module_id = ?"
                                              " ORDER BY a.id", [user.id, module_id])]


def for_review(user: User) -> list[dict]:
    """Assignments waiting for review, for the modules the user teaches (staff: all)."""
    db = get_db()
    if user.is_staff:
        rows = db.execute(SELECT + " WHERE a.status = 'submitted' AND a.user_id != ?"
                          " ORDER BY a.submitted_at", [user.id])
    else:
        rows = db.execute(SELECT + " JOIN learning_teacher_modules m ON m.module_id = a.module_id"
                          " AND m.user_id = ? JOIN learning_teachers t ON t.user_id = m.user_id"
                          " AND t.active = 1 WHERE a.status = 'submitted' AND a.user_id != ?"
                          " ORDER BY a.submitted_at", [user.id, user.id])
    return [_out(r) for r in rows]


def review(user: User, assignment_id: int, decision, comment) -> dict:
    """A teacher of the module (or staff): approved or revise, with a comment."""
    db = get_db()
    row = _row(db, user, assignment_id)
    if not _can_review(db, user, row):
        raise Forbidden(_("Only a teacher of this module can review the assignment."))
    errors: dict = {}
    if decision not in DECISIONS:
        errors["decision"] = _("Choose approved or revise.")
    comment = parsing.text(comment, "comment", errors, required=decision == "revise",
                           max_length=COMMENT_MAX)
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    with transaction(db):
        changed = db.execute("UPDATE learning_assignments SET status = ?, review_comment = ?,"
                             " reviewer_id = ?, reviewed_at = ? WHERE id = ? AND status ="
                             " 'submitted'", [decision, comment, user.id, timeutil.iso(),
                                              assignment_id]).rowcount
        if not changed:
            raise Conflict(_("This assignment has already been reviewed."))
        if decision == "approved":
            refresh(get_user(row["user_id"]), row["module_id"])
    return get_assignment(user, assignment_id)
