"""Agenda pages for everyone: the list, an event, sign up and cancel, my registrations,
feedback and the personal calendar feed. Staff pages are in staff_views.py.

Thin: parse the request, call a service, render. Sign up and cancel are plain
POST forms (they work without JavaScript); htmx swaps only the sign-up box.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import parsing
from ..errors import Conflict, Invalid
from ..htmx import is_htmx, render
from ..kb.render import render_markdown
from ..mail.render import absolute_url
from . import attendance, feed, registration, service
from .labels import ATTENDANCE_MODES, EVENT_STATUSES, EVENT_TYPES, REGISTRATION_STATUSES

bp = Blueprint("events", __name__)


@bp.app_context_processor
def event_labels():
    return {"EVENT_TYPES": EVENT_TYPES, "EVENT_STATUSES": EVENT_STATUSES,
            "REGISTRATION_STATUSES": REGISTRATION_STATUSES, "ATTENDANCE_MODES": ATTENDANCE_MODES}


def page_number() -> int:
    return parsing.integer(request.args.get("page"), "page", {}, low=1, high=100_000,
                           default=1) or 1


@bp.get("/agenda")
@login_required
def index():
    filters = {key: request.args.get(key, "") for key in ("type", "month", "mode", "has_seats",
                                                          "when", "q")}
    size = current_app.config["EVENTS_PAGE_SIZE"]
    page = page_number()
    try:
        result = service.list_events(current_user, filters, limit=size, offset=(page - 1) * size)
        error = None
    except Invalid as exc:
        result, error = {"items": [], "total": 0, "filters": {}}, exc
    response = render("events/index.html", "events/_list.html", status=400 if error else 200,
                      result=result, filters=filters, error=error, page_no=page, size=size)
    return response


def _detail_context(event_id: int, **extra) -> dict:
    user = current_user._get_current_object()
    event = service.get_event(user, event_id)
    context = {"event": event, "description_html": render_markdown(event["description"]).html,
               "errors": {}, "feedback_message": None}
    if event["can_see_attendees"]:
        context["figures"] = attendance.event_figures(user, event_id)
    context.update(extra)
    return context


@bp.get("/agenda/<int:event_id>")
@login_required
def detail(event_id):
    return render("events/detail.html", **_detail_context(event_id))


def _signup_response(event_id: int, message: str, category: str = "success", status: int = 200):
    """htmx: the sign-up box again; without JavaScript: back to the event page."""
    if is_htmx():
        return render("events/detail.html", "events/_signup.html", status=status,
                      **_detail_context(event_id, signup_message=message,
                                        signup_category=category))
    flash(message, category)
    return redirect(url_for("events.detail", event_id=event_id), 303)


@bp.post("/agenda/<int:event_id>/aanmelden")
@login_required
def sign_up(event_id):
    try:
        result = registration.sign_up(current_user, event_id)
    except Conflict as exc:
        return _signup_response(event_id, exc.message, "error", 409)
    reg = result["registration"]
    if not result["created"]:
        message = _("You were already signed up.")
    elif reg["status"] == "confirmed":
        message = _("You are signed up. The invitation is on its way to your mailbox.")
    else:
        message = _("The event is full: you are number %(n)d on the waiting list.",
                    n=reg["position"])
    return _signup_response(event_id, message)


@bp.post("/agenda/<int:event_id>/afmelden")
@login_required
def cancel(event_id):
    try:
        registration.cancel(current_user, event_id)
    except Conflict as exc:
        return _signup_response(event_id, exc.message, "error", 409)
    return _signup_response(event_id, _("Your registration is cancelled."))


@bp.post("/agenda/<int:event_id>/feedback")
@login_required
def feedback(event_id):
    try:
        attendance.give_feedback(current_user, event_id, request.form.get("score"),
                                 request.form.get("comment"))
    except Invalid as exc:
        return render("events/detail.html", status=400, **_detail_context(
            event_id, errors=exc.fields, feedback_message=exc.message))
    flash(_("Thank you for your feedback."), "success")
    return redirect(url_for("events.detail", event_id=event_id), 303)


def _mine_page(feed_url: str | None = None):
    user = current_user._get_current_object()
    return render("events/mine.html", upcoming=service.my_registrations(user, "upcoming"),
                  past=service.my_registrations(user, "past"), feed=feed.feed_info(user),
                  feed_url=feed_url)


@bp.get("/mijn-aanmeldingen")
@login_required
def mine():
    return _mine_page()


@bp.post("/mijn-aanmeldingen/<int:registration_id>/annuleren")
@login_required
def cancel_registration(registration_id):
    registration.cancel_registration(current_user, registration_id)
    flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("events.mine"), 303)


@bp.post("/mijn-aanmeldingen/agenda-link")
@login_required
def create_feed():
    token = feed.create_feed(current_user)
    # Shown once, on this response only (only its hash is stored).
    return _mine_page(absolute_url("events.feed_ics", token=token))  # on BASE_URL


@bp.post("/mijn-aanmeldingen/agenda-link/intrekken")
@login_required
def revoke_feed():
    feed.revoke_feed(current_user)
    flash(_("The calendar link is switched off; calendars using it no longer update."), "success")
    return redirect(url_for("events.mine"), 303)


@bp.get("/agenda/feed/<token>.ics")
def feed_ics(token):
    response = make_response(feed.feed_ics(token))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


from . import staff_views  # noqa: E402,F401  (registers the staff routes on bp)
