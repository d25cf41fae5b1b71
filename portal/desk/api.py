"""Desk JSON API: the same services as the web pages, as /api/v1/tickets.

Employees see and create their own tickets; staff see all and triage them.
Internal notes appear (flagged ``internal``) only in staff responses.
"""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _

from .. import parsing
from ..api import api_blueprint, api_user, describes, error_responses, json_body
from ..errors import Forbidden, Invalid
from . import lifecycle, queue, service
from .openapi import paths

bp = api_blueprint("desk_api", __name__)

MAX_LIMIT = 200


def _person(value: dict | None) -> dict | None:
    return {"id": value["id"], "name": value["name"], "email": value["email"]} if value else None


def _file(number: str, f: dict) -> dict:
    return {"id": f["id"], "filename": f["filename"], "content_type": f["content_type"],
            "size": f["size"], "created_at": f["created_at"],
            "url": url_for("desk.attachment", number=number, attachment_id=f["id"], _external=True)}


def ticket_json(ticket: dict, user, full: bool = False) -> dict:
    """The service's ticket as JSON; triage data only where the service handed it out."""
    out = {key: ticket[key] for key in (
        "number", "type", "subject", "description", "department", "desired_date",
        "personal_data", "extra", "status", "team", "created_at", "updated_at",
        "first_response_at", "resolved_at", "closed_at")}
    out["requester"] = _person(ticket["requester"])
    out["assignee"] = _person(ticket["assignee"])
    out["url"] = url_for("desk.ticket", number=ticket["number"], _external=True)
    if "sla" in ticket:  # staff: see store.TRIAGE_FIELDS
        sla = ticket["sla"]
        out["priority"] = ticket["priority"]
        out["sla"] = {"response_due_at": ticket["response_due_at"],
                      "resolve_due_at": ticket["resolve_due_at"],
                      "overdue": sla["overdue"], "at_risk": sla["at_risk"], "paused": sla["paused"]}
        out["tags"] = ticket["tags"]
    if full:
        number = ticket["number"]
        out["attachments"] = [_file(number, f) for f in service.ticket_attachments(user, number)]
        out["comments"] = [{
            "id": c["id"], "author": {"id": c["author_id"], "name": c["author_name"]},
            "body": c["body"], "internal": c["internal"], "created_at": c["created_at"],
            "attachments": [_file(number, f) for f in c["attachments"]],
        } for c in service.get_thread(user, number)]
    return out


def _full(user, number: str) -> dict:
    return ticket_json(service.get_ticket(user, number), user, full=True)


@bp.post("/tickets")
def create():
    user = api_user()
    ticket = service.create_ticket(user, json_body())
    response = jsonify(_full(user, ticket["number"]))
    response.status_code = 201
    response.headers["Location"] = url_for("desk_api.detail", number=ticket["number"])
    return response


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    return parsing.integer(request.args.get(name), name, low=low, high=high, default=default)


@bp.get("/tickets")
def index():
    user = api_user()
    limit = _int_arg("limit", 50, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    filters = {key: request.args.get(key) for key in queue.FILTER_KEYS if key in request.args}
    filters.setdefault("status", "all")
    filters.setdefault("sort", "created")
    result = queue.list_tickets(user, filters, limit=limit, offset=offset)
    return jsonify({"total": result["total"], "limit": limit, "offset": offset,
                    "items": [ticket_json(t, user) for t in result["items"]]})


@bp.get("/tickets/<number>")
def detail(number):
    user = api_user()
    return jsonify(_full(user, number))


@bp.post("/tickets/<number>/comments")
def comment(number):
    user = api_user()
    body = json_body()
    unknown = [k for k in body if k not in ("body", "internal")]
    if unknown:
        raise Invalid(_("Unknown field: %(f)s.", f=", ".join(unknown)[:200]),
                      {k[:80]: _("Unknown field.") for k in unknown})
    internal = body.get("internal", False)
    if not isinstance(internal, bool):
        raise Invalid(_("internal must be true or false."), {"internal": _("Must be a boolean.")})
    service.get_ticket(user, number)  # 404 before 403 for others' tickets
    if internal and not user.is_staff:
        raise Forbidden(_("Only Datashop staff can write internal notes."))
    created = service.add_comment(user, number, body.get("body"), internal=internal)
    response = jsonify({"id": created["id"], "body": created["body"], "internal": created["internal"],
                        "created_at": created["created_at"],
                        "author": {"id": user.id, "name": user.name}})
    response.status_code = 201
    return response


@bp.patch("/tickets/<number>")
def patch(number):
    user = api_user()
    body = json_body()
    checks = {"status": (str,), "priority": (str,), "team": (str, type(None)),
              "assignee": (str, int, type(None)), "tags": (list,)}
    for key, kinds in checks.items():
        if key in body and (not isinstance(body[key], kinds) or isinstance(body[key], bool)):
            raise Invalid(_("%(f)s has the wrong type.", f=key), {key: _("Wrong type.")})
    if isinstance(body.get("assignee"), str) and len(body["assignee"]) > 254:
        raise Invalid(_("assignee is too long."), {"assignee": _("Too long.")})
    lifecycle.update_ticket(user, number, body)
    return jsonify(_full(user, number))


@describes(bp)
def _describe() -> dict:
    """Describe the routes with this app's request types, departments and teams."""
    from .types import request_types

    cfg = current_app.config
    return paths(error_responses, request_types(), cfg["DEPARTMENTS"], cfg["TEAMS"], MAX_LIMIT)
