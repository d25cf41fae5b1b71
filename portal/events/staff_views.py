"""Agenda pages for Datashop staff and organisers: create, edit, publish, cancel,
the attendee list with check-in at the door, walk-ins, the CSV export and figures."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import parsing, timeutil
from ..accounts.service import find_by_email, list_users
from ..downloads import csv_download
from ..errors import Conflict, Invalid
from ..htmx import is_htmx, render
from . import attendance, service
from .validation import FIELDS
from .views import bp

FORM_FIELDS = [f for f in FIELDS if f != "module"]


def _local_input(value: str | None) -> str:
    """A stored UTC time as the value of a datetime-local input (local time)."""
    if not value:
        return ""
    return timeutil.local(timeutil.parse(value), current_app.config["TIMEZONE"]).strftime(
        "%Y-%m-%dT%H:%M")


def _form_values() -> dict:
    form = request.form
    return {key: form.get(key, "") for key in FORM_FIELDS}


def _form(event=None, values=None, errors=None, message=None, status=200):
    if values is None:
        values = {"type": "meetup", "capacity": "20"} if event is None else {
            **{k: event.get(k) or "" for k in FORM_FIELDS},
            "starts_at": _local_input(event["starts_at"]), "ends_at": _local_input(event["ends_at"]),
            "signup_deadline": _local_input(event["signup_deadline"]),
            "organiser_id": str(event["organiser"]["id"]) if event["organiser"] else "",
            "tags": ", ".join(event["tags"])}
    organisers = [(str(u.id), u.name) for u in list_users(roles=("staff", "admin"))]
    current = event and event["organiser"]
    if current and str(current["id"]) not in dict(organisers):  # e.g. a teacher
        organisers.append((str(current["id"]), current["name"]))
    return render("events/form.html", status=status, event=event, values=values,
                  errors=errors or {}, message=message, organisers=organisers)


def _require_staff():
    if not current_user.is_staff:
        abort(403)


@bp.route("/agenda/nieuw", methods=["GET", "POST"])
@login_required
def new_event():
    _require_staff()
    if request.method == "GET":
        return _form()
    values = _form_values()
    try:
        event = service.create_event(current_user, values, local_naive=True)
    except Invalid as exc:
        return _form(values=values, errors=exc.fields, message=exc.message, status=400)
    flash(_("The event is saved as a draft. Publish it to open sign-ups."), "success")
    return redirect(url_for("events.detail", event_id=event["id"]), 303)


@bp.route("/agenda/<int:event_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_event(event_id):
    event = service.get_event(current_user, event_id)
    _require_staff()
    if request.method == "GET":
        return _form(event)
    values = _form_values()
    changes = {k: v for k, v in values.items() if k != "organiser_id" or v}  # blank: unchanged
    try:
        service.update_event(current_user, event_id, changes, local_naive=True)
    except Invalid as exc:
        return _form(event, values=values, errors=exc.fields, message=exc.message, status=400)
    flash(_("The event is saved. Everyone signed up hears about a new time or place."), "success")
    return redirect(url_for("events.detail", event_id=event_id), 303)


@bp.post("/agenda/<int:event_id>/publiceren")
@login_required
def publish(event_id):
    service.publish_event(current_user, event_id)
    flash(_("The event is published; sign-ups are open."), "success")
    return redirect(url_for("events.detail", event_id=event_id), 303)


@bp.post("/agenda/<int:event_id>/annuleren")
@login_required
def cancel_event(event_id):
    service.cancel_event(current_user, event_id)
    flash(_("The event is cancelled. Everyone signed up has been told."), "success")
    return redirect(url_for("events.detail", event_id=event_id), 303)


@bp.post("/agenda/<int:event_id>/gastheren")
@login_required
def add_host(event_id):
    """Staff: a colleague (by e-mail address) who, like the organiser, sees the attendee
    list and checks people in."""
    from .views import _detail_context

    _require_staff()
    email = (request.form.get("email") or "").strip().lower()
    person = find_by_email(email) if email else None
    try:
        if person is None:
            raise Invalid(_("Please correct the marked fields."),
                          {"host_email": _("No account with this address.")})
        service.add_host(current_user, event_id, person.id)
    except (Invalid, Conflict) as exc:
        return render("events/detail.html", status=exc.status, **_detail_context(
            event_id, host_message=exc.message, errors=exc.fields,
            host_email=request.form.get("email", "")))
    flash(_("%(name)s now sees the attendee list and can check people in.", name=person.name),
          "success")
    return redirect(url_for("events.detail", event_id=event_id) + "#hosts", 303)


@bp.post("/agenda/<int:event_id>/gastheren/<int:host_id>/verwijderen")
@login_required
def remove_host(event_id, host_id):
    service.remove_host(current_user, event_id, host_id)
    flash(_("The host is removed."), "success")
    return redirect(url_for("events.detail", event_id=event_id) + "#hosts", 303)


def _attendees_page(event_id: int, fragment: str | None = None, status: int = 200, **extra):
    user = current_user._get_current_object()
    context = {"errors": {}, "walk_in": {}, **extra}
    return render("events/attendees.html", fragment, status=status,
                  event=service.get_event(user, event_id),
                  people=attendance.attendees(user, event_id),
                  figures=attendance.event_figures(user, event_id), **context)


@bp.get("/agenda/<int:event_id>/deelnemers")
@login_required
def attendees(event_id):
    return _attendees_page(event_id, "events/_attendee_list.html")


@bp.post("/agenda/<int:event_id>/deelnemers/<int:registration_id>/aanwezig")
@login_required
def toggle_present(event_id, registration_id):
    user = current_user._get_current_object()
    person = attendance.set_attended(user, event_id, registration_id,
                                     request.form.get("present") == "1")
    if not is_htmx():  # a plain form: back to the list (post/redirect/get)
        return redirect(url_for("events.attendees", event_id=event_id) + f"#reg-{person['id']}",
                        303)
    return _attendees_page(event_id, "events/_attendee_row.html", person=person)


@bp.post("/agenda/<int:event_id>/deelnemers/inloop")
@login_required
def walk_in(event_id):
    user = current_user._get_current_object()
    values = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
    try:
        attendance.add_walk_in(user, event_id, values["name"], values["email"] or None)
    except Invalid as exc:
        return _attendees_page(event_id, status=400, errors=exc.fields, walk_in=values,
                               walk_in_message=exc.message)
    flash(_("Walk-in added and marked present."), "success")
    return redirect(url_for("events.attendees", event_id=event_id), 303)


@bp.get("/agenda/<int:event_id>/deelnemers.csv")
@login_required
def attendees_csv(event_id):
    body = attendance.attendees_csv(current_user, event_id)
    return csv_download(body, f"deelnemers-{event_id}.csv")


def _day(value: str, name: str, fallback: date) -> date:
    return parsing.day(value, name) or fallback


@bp.get("/agenda/cijfers")
@login_required
def figures():
    _require_staff()
    today = timeutil.local(timeutil.now(), current_app.config["TIMEZONE"]).date()
    try:
        first = _day(request.args.get("from", ""), "from", today - timedelta(days=365))
        last = _day(request.args.get("to", ""), "to", today)
        if last < first or (last - first).days > 3660:
            raise Invalid(_("The period must end after it starts (at most ten years)."),
                          {"to": _("The period must end after it starts (at most ten years).")})
        error = None
    except Invalid as exc:
        first, last, error = today - timedelta(days=365), today, exc
    start = timeutil.local_midnight(first, current_app.config["TIMEZONE"])
    end = timeutil.local_midnight(last + timedelta(days=1), current_app.config["TIMEZONE"])
    user = current_user._get_current_object()
    result = attendance.period_figures(user, start, end)
    past = service.list_events(user, {"when": "past"}, limit=200)["items"]
    rows = [(event, attendance.event_figures(user, event["id"])) for event in past
            if start <= event["ends_at"] < end and event["status"] == "published"]
    return render("events/figures.html", status=400 if error else 200, result=result, rows=rows,
                  first=first.isoformat(), last=last.isoformat(), error=error)
