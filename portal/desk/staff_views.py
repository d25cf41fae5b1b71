"""Staff pages: the queue, triage of a ticket, canned replies."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import parsing
from ..accounts.access import staff_required
from ..accounts.service import list_staff
from ..errors import Invalid
from ..htmx import is_htmx, render
from . import canned, lifecycle, queue
from .labels import PRIORITIES, STATUSES
from .types import request_types
from .views import bp, ticket_context


def _page() -> int:
    return parsing.integer(request.args.get("page"), "page", {}, low=1, high=100000) or 1


@bp.get("/behandelen", endpoint="queue")  # desk.queue, used by the navigation
@staff_required
def queue_page():
    size = current_app.config["QUEUE_PAGE_SIZE"]
    page = _page()
    raw = {key: request.args.get(key, "") for key in queue.FILTER_KEYS}
    error, status = None, 200
    try:
        result = queue.list_tickets(current_user, raw, limit=size, offset=(page - 1) * size)
    except Invalid as exc:
        error, status = exc.message, 400
        result = queue.list_tickets(current_user, {}, limit=size)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    context = dict(result=result, filters=result["filters"], page_no=page, size=size,
                   pages=max(1, -(-result["total"] // size)), args=args, error=error)
    context.update(staff=list_staff(), statuses=STATUSES, priorities=PRIORITIES)
    if not is_htmx():  # the live-filter fragment shows only the results
        context.update(counts=queue.queue_counts(current_user), types=request_types(),
                       tags=queue.known_tags())
    return render("desk/queue.html", "desk/_queue_results.html", status=status, **context)


def _back_to_queue():
    """Back where the form came from (a local queue URL with its filters), else the queue."""
    target = request.form.get("next", "")
    if target.startswith("/behandelen") and not target.startswith("//"):
        return redirect(target, 303)
    return redirect(url_for("desk.queue"), 303)


@bp.post("/behandelen/bulk")
@staff_required
def bulk_update():
    form = request.form
    changes = {key: form.get(key) for key in ("assignee", "status", "priority") if form.get(key)}
    if changes.get("assignee") == "me":
        changes["assignee"] = current_user.id
    try:
        result = lifecycle.bulk_update(current_user, form.getlist("numbers"), changes,
                                       add_tag=form.get("add_tag"))
    except Invalid as exc:
        flash(exc.message, "error")
        return _back_to_queue()
    if result["updated"]:
        flash(ngettext("%(num)d request updated.", "%(num)d requests updated.",
                       len(result["updated"])), "success")
    for number, message in result["failed"].items():
        flash(f"{number}: {message}", "error")
    return _back_to_queue()


@bp.post("/aanvragen/<number>/aan-mij")
@staff_required
def assign_to_me(number):
    lifecycle.update_ticket(current_user, number, {"assignee": current_user.id})
    flash(_("%(number)s is assigned to you.", number=number), "success")
    return _back_to_queue()


@bp.post("/aanvragen/<number>/wijzigen")
@staff_required
def update(number):
    form = request.form
    changes = {}
    for key in ("status", "priority", "team", "assignee", "tags"):
        if key in form:
            changes[key] = form.get(key, "")
    if changes.get("status") == "":
        changes.pop("status")
    try:
        lifecycle.update_ticket(current_user, number, changes)
    except Invalid as exc:
        return render("desk/ticket.html", status=400, **ticket_context(
            number, errors=exc.fields, update_message=exc.message))
    flash(_("The request was updated."), "success")
    return redirect(url_for("desk.ticket", number=number), 303)


@bp.route("/behandelen/standaardantwoorden", methods=["GET", "POST"])
@staff_required
def canned_replies():
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("title", "body", "team")}
        try:
            canned.create_canned(current_user, values["title"], values["body"], values["team"])
        except Invalid as exc:
            errors, status = exc.fields, 400
        else:
            flash(_("The canned reply was added."), "success")
            return redirect(url_for("desk.canned_replies"), 303)
    return render("desk/canned.html", status=status, items=canned.list_canned(current_user),
                  errors=errors, values=values)


@bp.post("/behandelen/standaardantwoorden/<int:canned_id>/verwijderen")
@staff_required
def delete_canned(canned_id):
    canned.delete_canned(current_user, canned_id)
    flash(_("The canned reply was deleted."), "success")
    return redirect(url_for("desk.canned_replies"), 303)
