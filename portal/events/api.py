"""Events JSON API: the same services as the agenda pages, as /api/v1/events."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from .. import parsing
from ..api import api_blueprint, api_user, describes, error_responses, json_body
from ..errors import Invalid
from . import attendance, registration, service
from .openapi import paths

bp = api_blueprint("events_api", __name__)


def event_json(event: dict) -> dict:
    out = {key: event[key] for key in (
        "id", "title", "type", "description", "starts_at", "ends_at", "location", "online_url",
        "capacity", "signup_deadline", "status", "organiser", "hosts", "tags", "module", "seats_left",
        "waitlist_count", "signup", "created_at", "updated_at")}
    out["url"] = url_for("events.detail", event_id=event["id"], _external=True)
    if "my_registration" in event:
        mine = event["my_registration"]
        out["my_registration"] = _registration_json(mine) if mine else None
    return out


def _registration_json(reg: dict) -> dict:
    return {"id": reg["id"], "status": reg["status"], "position": reg["position"],
            "attended": reg["attended"]}


def _query_int(name: str, default: int, low: int, high: int) -> int:
    return parsing.integer(request.args.get(name), name, low=low, high=high, default=default)


@bp.get("/events")
def index():
    user = api_user()
    limit = _query_int("limit", 50, 1, service.MAX_LIMIT)
    offset = _query_int("offset", 0, 0, 10**9)
    filters = {key: request.args.get(key) for key in service.FILTER_KEYS if key in request.args}
    result = service.list_events(user, filters, limit=limit, offset=offset)
    return jsonify({"total": result["total"], "limit": limit, "offset": offset,
                    "items": [event_json(e) for e in result["items"]]})


@bp.get("/events/<int:event_id>")
def detail(event_id):
    return jsonify(event_json(service.get_event(api_user(), event_id)))


@bp.post("/events")
def create():
    event = service.create_event(api_user(), json_body())
    response = jsonify(event_json(event))
    response.status_code = 201
    response.headers["Location"] = url_for("events_api.detail", event_id=event["id"])
    return response


@bp.patch("/events/<int:event_id>")
def patch(event_id):
    user = api_user()
    body = json_body()
    status = body.pop("status", None)
    if status is not None and (not isinstance(status, str)
                               or status not in ("published", "cancelled")):
        raise Invalid(_("status can only become published or cancelled."),
                      {"status": _("Use published or cancelled.")})
    service.get_event(user, event_id)  # 404 before anything else
    if body:
        service.update_event(user, event_id, body)
    if status == "published":
        service.publish_event(user, event_id)
    elif status == "cancelled":
        service.cancel_event(user, event_id)
    return jsonify(event_json(service.get_event(user, event_id)))


@bp.post("/events/<int:event_id>/cancel")
def cancel_event(event_id):
    return jsonify(event_json(service.cancel_event(api_user(), event_id)))


@bp.post("/events/<int:event_id>/registration")
def sign_up(event_id):
    result = registration.sign_up(api_user(), event_id)
    reg = result["registration"]
    response = jsonify({"status": reg["status"], "position": reg["position"], "id": reg["id"]})
    response.status_code = 201 if result["created"] else 200
    return response


@bp.delete("/events/<int:event_id>/registration")
def cancel(event_id):
    reg = registration.cancel(api_user(), event_id)
    return jsonify({"status": reg["status"], "position": None, "id": reg["id"]})


@bp.get("/events/<int:event_id>/registrations")
def registrations(event_id):
    people = attendance.attendees(api_user(), event_id)
    return jsonify({"items": [{"id": p["id"], "user": p["user"], "name": p["name"],
                               "status": p["status"], "position": p["position"],
                               "attended": p["attended"]} for p in people]})


@describes(bp)
def _describe() -> dict:
    return paths(error_responses, service.MAX_LIMIT)
