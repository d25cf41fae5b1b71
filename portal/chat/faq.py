"""FAQ entries from the backlog: a draft from the closest passages, edited and published by
staff into the knowledge base.

A group of unanswered questions becomes a draft in one click: its first question, and a
starting answer made of the passages the assistant found closest (each with its source),
for staff to rewrite. Publishing stores the entry and brings the generated knowledge page
*Vragen aan de assistent* (a FAQ document) up to date; the worker's ``kb-index`` job
indexes it within minutes, after which search and the assistant answer from it. The
questions an entry answers leave the backlog.
"""

from __future__ import annotations

import json

from flask import current_app
from flask_babel import gettext as _

from .. import parsing, timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import Forbidden, Invalid
from ..kb import service as kb
from . import answer

DOC_ID = "faq-vragen-aan-de-assistent"
QUESTION_MAX = 200
ANSWER_MAX = 5000
ASKED_MAX = 20  # questions of a group carried along (they leave the backlog)


def _require_staff(user: User | None) -> None:
    if user is None or not user.is_staff:
        raise Forbidden(_("Only Datashop staff can publish FAQ entries."))


def draft(user: User | None, questions: list[str]) -> dict:
    """{question, answer, asked, sources}: the first question and a starting answer from
    the passages closest to it (however unsure the assistant was), each with its source."""
    _require_staff(user)
    asked = _asked(questions)
    if not asked:
        raise Invalid(_("Choose the questions to answer from the list of unanswered "
                        "questions."), {"question": _("This field is required.")})
    retrieval = answer.retrieve(asked[0], limit=5)
    sources, parts = [], []
    for candidate in retrieval.candidates[:2]:
        if not candidate.passage:
            continue
        sources.append({"id": candidate.id, "title": candidate.title, "url": candidate.url})
        parts.append(f"{candidate.passage}\n\nZie ook: [{candidate.title}]({candidate.url})")
    start = "\n\n".join(parts) or _("(Write the answer here.)")
    return {"question": asked[0][:QUESTION_MAX], "answer": start, "asked": asked,
            "sources": sources}


def _asked(questions) -> list[str]:
    out, ignored = [], {}
    for question in questions or []:
        text = parsing.text(question, "asked", ignored, required=False,
                            max_length=QUESTION_MAX * 5, multiline=False)
        if text and text not in out:
            out.append(text)
    return out[:ASKED_MAX]


def publish(user: User | None, data: dict) -> dict:
    """Validate and store one entry; the knowledge page is stored again. Invalid: nothing
    is stored."""
    _require_staff(user)
    errors: dict = {}
    question = parsing.text(data.get("question"), "question", errors, required=True,
                            max_length=QUESTION_MAX, multiline=False)
    body = parsing.text(data.get("answer"), "answer", errors, required=True,
                        max_length=ANSWER_MAX)
    if question and len(question) < 5:
        errors["question"] = _("Write the question as an employee would ask it.")
    if body and body == _("(Write the answer here.)"):
        errors["answer"] = _("This field is required.")
    if errors:
        raise Invalid(_("The FAQ entry was not published: check the fields."), errors)
    if not question.endswith("?"):
        question += "?"
    asked = _asked(data.get("asked"))
    db = get_db()
    with transaction(db):
        entry_id = db.execute(
            "INSERT INTO chat_faq_entries (question, answer, asked, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [question, body, json.dumps(asked, ensure_ascii=False), user.id,
             timeutil.iso()]).lastrowid
    kb.refresh_generated()
    return {"id": entry_id, "question": question, "url": kb.document_url(DOC_ID)}


def answered_questions() -> set[str]:
    """Every question a published entry answers (they leave the backlog)."""
    out: set[str] = set()
    for row in get_db().execute("SELECT question, asked FROM chat_faq_entries"):
        out.add(row["question"].rstrip("?"))
        out |= set(json.loads(row["asked"] or "[]"))
    return out


def document() -> dict | None:
    """The generated FAQ page (Dutch, like the knowledge base); None before the first entry."""
    rows = get_db().execute("SELECT question, answer, created_at FROM chat_faq_entries"
                            " ORDER BY id").fetchall()
    if not rows:
        return None
    name = current_app.config["PORTAL_NAME"]
    intro = (f"Vragen die collega's aan de assistent van de {name} stelden en waarop de "
             f"kennisbank nog geen antwoord had. Medewerkers van de {name} schreven de "
             "antwoorden.")
    body = "\n\n".join([intro] + [f"## {r['question']}\n\n{r['answer']}" for r in rows])
    return {"type": "faq", "title": "FAQ: vragen aan de assistent",
            "summary": f"Antwoorden op vragen die de assistent van de {name} nog niet kon "
                       "beantwoorden.",
            "body": body, "tags": ["faq", "assistent"], "updated": rows[-1]["created_at"][:10]}


def init_app(app) -> None:
    """Register the FAQ page with the knowledge base (which imports nobody)."""
    from ..kb import generated

    generated.register(app, DOC_ID, document)
