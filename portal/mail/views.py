"""Admins see mail that could not be delivered, and send it again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import parsing
from ..accounts.access import admin_required
from ..db import get_db
from ..errors import DomainError
from . import outbox

bp = Blueprint("mail_admin", __name__, url_prefix="/beheer/mail")


@bp.app_context_processor
def failed_mail():
    """Admins see a count of undelivered mail in the navigation."""
    if getattr(current_user, "is_authenticated", False) and current_user.is_admin:  # no user: a mail
        return {"failed_mail_count": outbox.failed_count(get_db())}
    return {}


@bp.get("/", endpoint="index")
@admin_required
def index():
    db = get_db()
    return render_template("mail/admin.html", summary=outbox.summary(db, errors=50),
                           failed=outbox.failed_messages(db))


@bp.post("/opnieuw")
@admin_required
def retry():
    message_id = parsing.integer(request.form.get("id"), "id", {}, low=1)
    try:
        if message_id:
            count = outbox.requeue(get_db(), message_id=message_id, actor=current_user)
        else:
            count = outbox.requeue(get_db(), all_failed=True, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("%(n)d message(s) will be sent again.", n=count), "success")
    return redirect(url_for("mail_admin.index"), 303)
