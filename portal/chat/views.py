"""/assistent: the plain chat page (works without JavaScript) and the htmx chat panel.

Thin: every rule is in service.py / store.py. The panel on every page is a form that
POSTs here; htmx appends the turn to the panel's log, a browser without JavaScript gets
this page with the whole conversation.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import parsing
from ..accounts.access import staff_required
from ..errors import DomainError
from ..htmx import is_htmx, render
from . import faq, service, store

bp = Blueprint("chat", __name__)
FEEDBACK_COMMENT_MAX = 1000


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _page(status: int = 200, turn: dict | None = None, error: str | None = None, message=""):
    user = _user()
    conversation, messages = service.history(user)
    return render("chat/page.html", "chat/_turn.html", status=status, conversation=conversation,
                  messages=messages, turn=turn, error=error, message=message)


@bp.get("/assistent")
def page():
    if request.args.get("nieuw"):  # after "Nieuw gesprek": an empty page, a new conversation
        return render("chat/page.html", "chat/_turn.html", conversation=None, messages=[],
                      turn=None, error=None, message="", fresh=True)
    return _page()


@bp.post("/assistent")
def ask():
    user = _user()
    raw = request.form.get("message")
    conversation_id = None
    if user is not None and not request.form.get("new"):
        conversation_id = parsing.integer(request.form.get("conversation_id") or None,
                                          "conversation_id", {}, low=1)
        if conversation_id is None:  # the panel on a new page
            conversation_id = service.panel_conversation(user)
    try:
        turn = service.handle(user, raw, conversation_id,
                              button_for=request.form.get("step"))  # None when typed
    except DomainError as exc:
        return _page(status=exc.status, error=exc.message, message=(raw or "")[:20000])
    if user is not None and not is_htmx():
        return redirect(url_for("chat.page") + "#chat-end", 303)
    return _page(turn=turn)


@bp.post("/assistent/nieuw")
@login_required
def new():
    """Start afresh: the next message opens a new conversation (then GET, so a reload
    re-posts nothing)."""
    return redirect(url_for("chat.page", nieuw=1), 303)


@bp.post("/assistent/wissen")
@login_required
def clear():
    count = store.clear(current_user.id)
    from flask import flash

    flash(_("Your conversations have been deleted (%(n)d).", n=count), "success")
    return redirect(url_for("chat.page"), 303)


@bp.post("/assistent/antwoord/<int:message_id>/feedback")
@login_required
def feedback(message_id):
    value = {"up": 1, "down": -1}.get(request.form.get("value") or "")
    if value is None:
        abort(400)
    errors: dict = {}
    comment = parsing.text(request.form.get("comment"), "comment", errors, required=False,
                           max_length=FEEDBACK_COMMENT_MAX)
    if errors:
        abort(400)
    store.set_feedback(current_user.id, message_id, value, comment)
    if is_htmx():
        return render("chat/_thanks.html")
    return redirect(url_for("chat.page") + f"#bericht-{message_id}", 303)


@bp.get("/assistent/onbeantwoord")
@staff_required
def backlog():
    return render("chat/backlog.html", groups=service.backlog_groups(),
                  figures=store.figures())


@bp.get("/assistent/onbeantwoord/faq")
@staff_required
def faq_draft():
    """A draft FAQ entry for one group of the backlog (its questions in ?vraag=...)."""
    try:
        entry = faq.draft(current_user, request.args.getlist("vraag"))
    except DomainError as exc:
        return render("chat/faq_draft.html", status=exc.status, entry=None, errors=exc.fields,
                      error=exc.message)
    return render("chat/faq_draft.html", entry=entry, errors={}, error=None)


@bp.post("/assistent/onbeantwoord/faq")
@staff_required
def faq_publish():
    data = {"question": request.form.get("question"), "answer": request.form.get("answer"),
            "asked": request.form.getlist("asked")}
    try:
        published = faq.publish(current_user, data)
    except DomainError as exc:
        entry = {**data, "asked": [q for q in data["asked"] if isinstance(q, str)],
                 "sources": []}
        return render("chat/faq_draft.html", status=exc.status, entry=entry, errors=exc.fields,
                      error=exc.message)
    flash(_("Published in the knowledge base: “%(question)s”. Search and the assistant find "
            "it within a few minutes (the worker indexes it).", question=published["question"]),
          "success")
    return redirect(published["url"], 303)
