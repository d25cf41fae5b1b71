"""Desk pages for everyone: the start page, request forms, my requests, the ticket page.

Thin: parse the request, call a service, render. Staff pages are in staff_views.py.
"""

from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.service import list_staff
from .. import parsing
from ..errors import Conflict, DomainError, Forbidden, Invalid
from ..htmx import render
from ..search import suggest
from . import attachments, canned, lifecycle, queue, service
from .labels import (EVENT_LABELS, PERSONAL_DATA, PERSONAL_DATA_LABELS, PRIORITY_LABELS,
                     STATUS_LABELS)
from .types import get_type, request_types

bp = Blueprint("desk", __name__)


@bp.app_context_processor
def desk_labels():
    return {"STATUS_LABELS": STATUS_LABELS, "PRIORITY_LABELS": PRIORITY_LABELS,
            "PERSONAL_DATA_LABELS": PERSONAL_DATA_LABELS, "EVENT_LABELS": EVENT_LABELS}


@bp.get("/")
def home():
    context = {"types": request_types()}
    if current_user.is_authenticated:
        context["latest"] = queue.latest_requests(current_user, 5)
        if current_user.is_staff:
            context["counts"] = queue.queue_counts(current_user)
    return render_template("desk/home.html", **context)


@bp.get("/aanvraag")
def new_request():
    return render_template("desk/choose_type.html", types=request_types(),
                           follow_up=_follow_up(request.args.get("vervolg")))


def _follow_up(number: str | None) -> dict | None:
    """The earlier request a new one follows up on (only one the user may see)."""
    if not number or not current_user.is_authenticated:
        return None
    try:
        return service.get_ticket(current_user._get_current_object(), number)
    except DomainError:
        return None


def _form_values(rtype) -> dict:
    form = request.form
    return {
        "type": rtype.key,
        "subject": form.get("subject", ""),
        "description": form.get("description", ""),
        "department": form.get("department", ""),
        "desired_date": form.get("desired_date", ""),
        "personal_data": form.get("personal_data", ""),
        "extra": {f.name: form.get(f"extra.{f.name}", "") for f in rtype.fields},
    }


@bp.route("/aanvraag/<type_key>", methods=["GET", "POST"])
@login_required
def request_form(type_key):
    rtype = get_type(type_key)
    if rtype is None:
        abort(404)
    values = {"department": current_user.department or "", "extra": {}}
    if request.args.get("onderwerp"):  # prefilled, e.g. by the assistant
        values["subject"] = " ".join(request.args["onderwerp"].split())[:200]
    follow_up = _follow_up(request.args.get("vervolg"))
    if follow_up:
        values.update(
            subject=_("Follow-up: %(subject)s", subject=follow_up["subject"])[:200],
            description=_("Follow-up of %(number)s (%(url)s).", number=follow_up["number"],
                          url=url_for("desk.ticket", number=follow_up["number"], _external=True))
            + "\n\n",
            department=follow_up["department"] or values["department"])
    errors, message, status = {}, None, 200
    if request.method == "POST":
        values = _form_values(rtype)
        try:
            uploads = attachments.from_file_storages(request.files.getlist("attachments"))
            ticket = service.create_ticket(current_user, values, uploads)
        except Invalid as exc:
            errors, message, status = exc.fields or {"form": exc.message}, exc.message, 400
        else:
            suggest.record_submitted(request.form.get("suggest_session"))
            return redirect(url_for("desk.submitted", number=ticket["number"]), 303)
    return render_template("desk/request_form.html", rtype=rtype, values=values, errors=errors,
                           message=message, personal_data=PERSONAL_DATA), status


@bp.get("/aanvragen/<number>/verstuurd")
@login_required
def submitted(number):
    ticket = service.get_ticket(current_user, number)
    return render_template("desk/submitted.html", ticket=ticket,
                           files=service.ticket_attachments(current_user, number))


@bp.get("/mijn-aanvragen")
@login_required
def my_requests():
    """Everyone's own requests (staff use the queue for everyone's)."""
    size = 25
    page = parsing.integer(request.args.get("page"), "page", {}, low=1, high=10**6) or 1
    args = {"status": request.args.get("status") or "all", "sort": "created", "requester": "me",
            "q": request.args.get("q", "")}
    error, status = None, 200
    try:
        result = queue.list_tickets(current_user, args, limit=size, offset=(page - 1) * size)
    except Invalid as exc:
        error, status = exc.message, 400
        result = queue.list_tickets(current_user, {"status": "all", "requester": "me"}, limit=size)
    waiting = queue.list_tickets(current_user, {"status": "waiting", "requester": "me"}, limit=1)
    return render_template("desk/my_requests.html", result=result, page=page, size=size,
                           filters=result["filters"], error=error,
                           waiting_total=waiting["total"]), status


def _staff_label(user) -> str:
    teams = current_app.config["TEAMS"]
    names = ", ".join(str(teams.get(t, t)) for t in user.teams)
    return f"{user.name} ({names})" if names else user.name


def ticket_context(number: str, **extra) -> dict:
    user = current_user._get_current_object()
    ticket = service.get_ticket(user, number)
    context = {
        "ticket": ticket,
        "rtype": get_type(ticket["type"]),
        "thread": service.get_thread(user, number),
        "files": service.ticket_attachments(user, number),
        **lifecycle.actions(user, number),
        "errors": {}, "reply_body": "",
    }
    if user.is_staff:
        context.update(
            events=service.list_events(user, number),
            canned=canned.list_canned(user, ticket["team"]),
            staff_options=[(str(u.id), _staff_label(u)) for u in list_staff()],
            status_options=[(s, STATUS_LABELS[s]) for s in
                            [ticket["status"], *context["allowed_statuses"]]])
        canned_id = parsing.integer(request.args.get("canned"), "canned", {}, low=1)
        if canned_id:
            try:
                context["reply_body"] = canned.fill(canned.get_canned(user, canned_id)["body"],
                                                    ticket, user)
            except DomainError:
                pass
    context.update(extra)
    return context


@bp.get("/aanvragen/<number>")
@login_required
def ticket(number):
    context = ticket_context(number)
    service.mark_seen(current_user._get_current_object(), number)
    return render("desk/ticket.html", **context)


@bp.post("/aanvragen/<number>/reactie")
@login_required
def reply(number):
    internal = request.form.get("internal") == "1"
    try:
        uploads = attachments.from_file_storages(request.files.getlist("attachments"))
        service.add_comment(current_user, number, request.form.get("body", ""), internal=internal,
                            uploads=uploads, status=request.form.get("status") or None)
    except (Invalid, Conflict, Forbidden) as exc:
        return render("desk/ticket.html", status=exc.status, **ticket_context(
            number, errors=exc.fields or {"body": exc.message}, reply_body=request.form.get("body", ""),
            reply_message=exc.message))
    flash(_("Your note was saved.") if internal else _("Your reply was sent."), "success")
    return redirect(url_for("desk.ticket", number=number) + "#thread", 303)


@bp.post("/aanvragen/<number>/heropenen")
@login_required
def reopen(number):
    lifecycle.reopen(current_user, number)
    flash(_("The request is open again. Tell us in a reply what is still needed."), "success")
    return redirect(url_for("desk.ticket", number=number), 303)


@bp.post("/aanvragen/<number>/beoordeling")
@login_required
def rate(number):
    try:
        lifecycle.rate_ticket(current_user, number, request.form.get("score", ""),
                              request.form.get("comment", ""))
    except Invalid as exc:
        return render("desk/ticket.html", status=400, **ticket_context(
            number, errors=exc.fields, rating_message=exc.message))
    flash(_("Thank you for your rating."), "success")
    return redirect(url_for("desk.ticket", number=number), 303)


@bp.get("/aanvragen/<number>/bijlagen/<int:attachment_id>")
@login_required
def attachment(number, attachment_id):
    meta, path = service.get_attachment(current_user, attachment_id, number)
    response = send_file(path, mimetype=meta["content_type"], as_attachment=True,
                         download_name=meta["filename"], max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


from . import staff_views  # noqa: E402,F401  (registers the staff routes on bp)
