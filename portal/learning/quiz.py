"""Quizzes: attempts with a stored shuffled order, grading by option id, limited retries.

- ``start`` returns the open attempt, or creates one: the order of the questions and of
  each question's options is drawn once and stored, so a reload shows the same order.
  The limit ``max_attempts`` (None = unlimited) is checked and the attempt inserted in
  one BEGIN IMMEDIATE transaction, so two tabs cannot get past it.
- ``submit`` grades by option id, never by position, stores every answer and closes the
  attempt (a second submit of the same attempt is a Conflict).
- A question counts as correct when exactly its correct options are chosen. The score is
  the percentage of correct questions; the module's ``pass_mark`` decides.

A learner sees their own attempts only; explanations are shown after submitting.
"""

from __future__ import annotations

import json
import random
import secrets

from flask_babel import gettext as _

from .. import timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import Conflict, Invalid, NotFound
from . import content
from .service import refresh, require_enrolled

__all__ = ["start", "submit", "get_attempt", "attempts", "grade"]


def _quiz_module(module_id: str) -> tuple[dict, list[dict]]:
    module = content.module(module_id)
    questions = content.questions(module)
    if not module["quiz"] or not questions:
        raise NotFound(_("This module has no quiz."))
    return module, questions


def shuffled_order(questions: list[dict], seed: int) -> list[dict]:
    rng = random.Random(seed)
    order = [{"q": q["id"], "options": [o["id"] for o in q["options"]]} for q in questions]
    rng.shuffle(order)
    for item in order:
        rng.shuffle(item["options"])
    return order


def grade(questions: list[dict], answers: dict[str, list[str]]) -> dict:
    """{"correct": n, "total": n, "score": percent, "per_question": {id: bool}}."""
    per_question = {}
    for q in questions:
        right = {o["id"] for o in q["options"] if o["correct"]}
        per_question[q["id"]] = set(answers.get(q["id"]) or []) == right
    total = len(questions)
    correct = sum(per_question.values())
    return {"correct": correct, "total": total,
            "score": round(100 * correct / total) if total else 0, "per_question": per_question}


def _attempt_row(db, user: User, attempt_id: int):
    row = db.execute("SELECT * FROM learning_quiz_attempts WHERE id = ?", [attempt_id]).fetchone()
    if row is None or row["user_id"] != user.id:
        raise NotFound(_("This quiz attempt does not exist, or you may not see it."))
    return row


def _present(db, row, module: dict, questions: list[dict]) -> dict:
    """The attempt in its stored order; after submitting with answers and explanations."""
    by_id = {q["id"]: q for q in questions}
    submitted = row["submitted_at"] is not None
    chosen = {}
    correct = {}
    if submitted:
        for answer in db.execute("SELECT * FROM learning_quiz_answers WHERE attempt_id = ?",
                                 [row["id"]]):
            chosen[answer["question_id"]] = json.loads(answer["option_ids"])
            correct[answer["question_id"]] = bool(answer["correct"])
    items = []
    for number, entry in enumerate(json.loads(row["question_order"]), start=1):
        q = by_id.get(entry["q"])
        if q is None:  # a question removed from the file after the attempt started
            continue
        options_by_id = {o["id"]: o for o in q["options"]}
        options = []
        for oid in entry["options"]:
            option = options_by_id.get(oid)
            if option is None:
                continue
            shown = {"id": oid, "text": option["text"],
                     "chosen": oid in chosen.get(q["id"], [])}
            if submitted:
                shown.update(correct=option["correct"], explanation=option["explanation"])
            options.append(shown)
        items.append({"number": number, "id": q["id"], "kind": q["kind"],
                      "question": q["question"], "options": options,
                      "answered_correctly": correct.get(q["id"]) if submitted else None})
    return {"id": row["id"], "module_id": row["module_id"], "module_title": module["title"],
            "attempt_no": row["attempt_no"], "started_at": row["started_at"],
            "submitted_at": row["submitted_at"], "score": row["score"],
            "passed": None if row["passed"] is None else bool(row["passed"]),
            "pass_mark": module["quiz"]["pass_mark"],
            "max_attempts": module["quiz"]["max_attempts"], "questions": items}


def attempts(user: User, module_id: str) -> dict:
    """The user's own attempts at a module's quiz and whether another one is allowed."""
    module, _questions = _quiz_module(module_id)
    db = get_db()
    rows = db.execute("SELECT id, attempt_no, started_at, submitted_at, score, passed FROM"
                      " learning_quiz_attempts WHERE user_id = ? AND module_id = ? ORDER BY id",
                      [user.id, module_id]).fetchall()
    limit = module["quiz"]["max_attempts"]
    passed = any(r["passed"] for r in rows)
    used = len(rows)
    open_attempt = next((r["id"] for r in rows if r["submitted_at"] is None), None)
    return {"items": [dict(r) for r in rows], "max_attempts": limit, "used": used,
            "left": None if limit is None else max(0, limit - used), "passed": passed,
            "open_attempt": open_attempt,
            "can_start": open_attempt is not None or (not passed and (limit is None
                                                                      or used < limit))}


def start(user: User, module_id: str, seed: int | None = None) -> dict:
    """The open attempt, or a new one in a fresh shuffled order."""
    module, questions = _quiz_module(module_id)
    db = get_db()
    with transaction(db):
        require_enrolled(db, user, module_id)
        rows = db.execute("SELECT * FROM learning_quiz_attempts WHERE user_id = ? AND"
                          " module_id = ? ORDER BY attempt_no", [user.id, module_id]).fetchall()
        open_row = next((r for r in rows if r["submitted_at"] is None), None)
        if open_row is not None:
            return _present(db, open_row, module, questions)
        if any(r["passed"] for r in rows):
            raise Conflict(_("You have already passed this quiz."))
        limit = module["quiz"]["max_attempts"]
        if limit is not None and len(rows) >= int(limit):
            raise Conflict(_("You have used all %(n)d attempts at this quiz.", n=int(limit)))
        seed = secrets.randbits(32) if seed is None else seed
        attempt_id = db.execute(
            "INSERT INTO learning_quiz_attempts (user_id, module_id, attempt_no, question_order,"
            " started_at) VALUES (?, ?, ?, ?, ?)",
            [user.id, module_id, len(rows) + 1, json.dumps(shuffled_order(questions, seed)),
             timeutil.iso()]).lastrowid
        row = db.execute("SELECT * FROM learning_quiz_attempts WHERE id = ?",
                         [attempt_id]).fetchone()
        return _present(db, row, module, questions)


def get_attempt(user: User, attempt_id: int) -> dict:
    db = get_db()
    row = _attempt_row(db, user, attempt_id)
    module, questions = _quiz_module(row["module_id"])
    return _present(db, row, module, questions)


def clean_answers(questions: list[dict], answers) -> dict[str, list[str]]:
    """{question id: [option ids]}; unknown ids or two options on a single-choice question
    are a 400. An unanswered question simply counts as wrong."""
    if not isinstance(answers, dict):
        raise Invalid(_("Answers must map question ids to option ids."))
    by_id = {q["id"]: q for q in questions}
    out: dict[str, list[str]] = {}
    for qid, chosen in answers.items():
        q = by_id.get(qid) if isinstance(qid, str) else None
        if q is None:
            raise Invalid(_("Unknown question: %(id)s.", id=str(qid)[:40]))
        if isinstance(chosen, str):
            chosen = [chosen]
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            raise Invalid(_("Answers must map question ids to option ids."))
        valid = {o["id"] for o in q["options"]}
        if not set(chosen) <= valid:
            raise Invalid(_("Unknown option for question %(id)s.", id=qid))
        if q["kind"] == "single" and len(set(chosen)) > 1:
            raise Invalid(_("Question %(id)s takes one answer.", id=qid))
        out[qid] = sorted(set(chosen))
    return out


def submit(user: User, attempt_id: int, answers) -> dict:
    """Grade and close an open attempt; every answer is stored."""
    db = get_db()
    row = _attempt_row(db, user, attempt_id)
    module, questions = _quiz_module(row["module_id"])
    clean = clean_answers(questions, answers)
    asked = {entry["q"] for entry in json.loads(row["question_order"])}
    graded_questions = [q for q in questions if q["id"] in asked]
    result = grade(graded_questions, clean)
    passed = result["score"] >= module["quiz"]["pass_mark"]
    with transaction(db):
        closed = db.execute("UPDATE learning_quiz_attempts SET submitted_at = ?, score = ?,"
                            " passed = ? WHERE id = ? AND submitted_at IS NULL",
                            [timeutil.iso(), result["score"], int(passed), attempt_id]).rowcount
        if not closed:
            raise Conflict(_("This attempt has already been submitted."))
        for q in graded_questions:
            db.execute("INSERT INTO learning_quiz_answers (attempt_id, question_id, option_ids,"
                       " correct) VALUES (?, ?, ?, ?)",
                       [attempt_id, q["id"], json.dumps(clean.get(q["id"], [])),
                        int(result["per_question"][q["id"]])])
        if passed:
            refresh(user, row["module_id"])
    return get_attempt(user, attempt_id)

