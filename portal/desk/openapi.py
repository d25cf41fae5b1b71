"""The OpenAPI description of /api/v1/tickets, built from the configured request types.

The schema is as strict as the code: types, enums, lengths, required fields and
``additionalProperties: false`` wherever the API rejects unknown fields.
"""

from __future__ import annotations

from . import validation
from .labels import PERSONAL_DATA, PRIORITIES, STATUSES
from .queue import Q_MAX, SORTS, STATUS_FILTERS

# Required text must contain something besides white space (as Python and JSON Schema see it).
NON_BLANK = "[^\\s\\x1c-\\x1f\\x85]"


def _text(max_length: int, required: bool = True) -> dict:
    schema = {"type": "string", "maxLength": max_length}
    if required:
        schema.update(minLength=1, pattern=NON_BLANK)
    return schema


def _extra_schema(rtype) -> dict:
    props, required = {}, []
    for f in rtype.fields:
        if f.kind == "choice":
            props[f.name] = {"type": "string", "enum": list(f.values)}
        elif f.kind == "url":
            props[f.name] = {"type": "string", "maxLength": f.max_length, "format": "uri",
                             "pattern": "^https?://[^\\s/]+[^\\s]*$"}
            if not f.required:
                props[f.name]["pattern"] = "^(https?://[^\\s/]+[^\\s]*)?$"
        else:
            props[f.name] = _text(f.max_length, f.required)
        if f.required:
            required.append(f.name)
    schema = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def new_ticket_schema(types: dict, departments) -> dict:
    variants = []
    for key, rtype in types.items():
        variant = {
            "type": "object",
            "title": key,
            "additionalProperties": False,
            "required": ["type", "subject", "description", "department", "personal_data"]
                        + (["extra"] if any(f.required for f in rtype.fields) else []),
            "properties": {
                "type": {"type": "string", "enum": [key]},
                "subject": _text(validation.SUBJECT_MAX),
                "description": _text(validation.DESCRIPTION_MAX),
                "department": {"type": "string", "enum": list(departments)},
                "desired_date": {"type": "string", "format": "date", "nullable": True,
                                 "description": "YYYY-MM-DD, today or later (local time)."},
                "personal_data": {"type": "string", "enum": list(PERSONAL_DATA)},
                "extra": _extra_schema(rtype),
            },
        }
        variants.append(variant)
    return {"oneOf": variants, "discriminator": {"propertyName": "type"}}


PERSON = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                           "email": {"type": "string"}}}
NULLABLE_PERSON = {**PERSON, "nullable": True}
FILE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "filename": {"type": "string"}, "content_type": {"type": "string"},
    "size": {"type": "integer"}, "created_at": {"type": "string"}, "url": {"type": "string"}}}
TS = {"type": "string", "nullable": True, "description": "UTC, ISO 8601"}


def ticket_schema(types: dict, full: bool) -> dict:
    props = {
        "number": {"type": "string", "example": "DS-2026-0042"},
        "type": {"type": "string", "enum": list(types)},
        "subject": {"type": "string"}, "description": {"type": "string"},
        "department": {"type": "string"}, "desired_date": {"type": "string", "nullable": True},
        "personal_data": {"type": "string", "enum": list(PERSONAL_DATA)},
        "extra": {"type": "object", "additionalProperties": {"type": "string"}},
        "status": {"type": "string", "enum": list(STATUSES)},
        "priority": {"type": "string", "enum": list(PRIORITIES), "description": "Staff only."},
        "team": {"type": "string", "nullable": True},
        "created_at": {"type": "string"}, "updated_at": {"type": "string"},
        "first_response_at": TS, "resolved_at": TS, "closed_at": TS,
        "requester": PERSON, "assignee": NULLABLE_PERSON, "url": {"type": "string"},
        "sla": {"type": "object", "description": "Staff only.", "properties": {
            "response_due_at": TS, "resolve_due_at": TS, "overdue": {"type": "boolean"},
            "at_risk": {"type": "boolean"}, "paused": {"type": "boolean"}}},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "Staff only."},
    }
    required = ["number", "type", "subject", "status", "requester", "created_at"]
    if full:
        props["attachments"] = {"type": "array", "items": FILE}
        props["comments"] = {"type": "array", "description": "Employees see public messages only; "
                             "staff also see internal notes (internal: true).", "items": {
            "type": "object", "properties": {
                "id": {"type": "integer"}, "body": {"type": "string"}, "internal": {"type": "boolean"},
                "created_at": {"type": "string"}, "attachments": {"type": "array", "items": FILE},
                "author": {"type": "object", "properties": {"id": {"type": "integer", "nullable": True},
                                                            "name": {"type": "string", "nullable": True}}}}}}
        required += ["comments", "attachments"]
    return {"type": "object", "required": required, "properties": props}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def paths(errors, types: dict, departments, teams, max_limit: int) -> dict:
    number = {"name": "number", "in": "path", "required": True,
              "schema": {"type": "string", "maxLength": 40}, "example": "DS-2026-0001"}
    enum = lambda values: {"type": "string", "enum": list(values)}  # noqa: E731
    query = [
        {"name": "status", "in": "query", "schema": {**enum(STATUS_FILTERS), "default": "all"},
         "description": "open = new, in progress or waiting"},
        {"name": "type", "in": "query", "schema": enum(types)},
        {"name": "team", "in": "query", "schema": enum([*teams, "none"])},
        {"name": "assignee", "in": "query", "schema": {"type": "string", "pattern": "^(me|unassigned|[0-9]{1,11})?$"},
         "description": "me, unassigned or a user id; empty means anyone"},
        {"name": "department", "in": "query", "schema": enum(departments)},
        {"name": "priority", "in": "query", "schema": enum(PRIORITIES)},
        {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
        {"name": "at_risk", "in": "query", "schema": {"type": "boolean"}},
        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": Q_MAX},
         "description": "text in the number or subject"},
        {"name": "tag", "in": "query", "schema": {"type": "string", "maxLength": Q_MAX}},
        {"name": "sort", "in": "query", "schema": {**enum(SORTS), "default": "created"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": max_limit,
                                                    "default": 50}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                     "maximum": 10**9, "default": 0}},
    ]
    summary_ticket, full_ticket = ticket_schema(types, False), ticket_schema(types, True)
    patch_body = {"type": "object", "additionalProperties": False, "properties": {
        "status": {**enum(STATUSES), "description": "Employees may only send in_progress, to reopen "
                   "a resolved ticket within the reopen window."},
        "priority": enum(PRIORITIES),
        "team": {"type": "string", "enum": list(teams), "nullable": True},
        "assignee": {"nullable": True, "description": "A staff member's id or email; null unassigns.",
                     "oneOf": [{"type": "integer", "minimum": 1},
                               {"type": "string", "maxLength": 254}]},
        "tags": {"type": "array", "maxItems": validation.TAGS_MAX,
                 "items": {"type": "string", "maxLength": validation.TAG_MAX}},
    }}
    comment_body = {"type": "object", "additionalProperties": False, "required": ["body"], "properties": {
        "body": _text(validation.COMMENT_MAX),
        "internal": {"type": "boolean", "default": False,
                     "description": "An internal note, staff only (403 for employees)."}}}
    return {
        "/tickets": {
            "get": {"summary": "List tickets (employees: their own; staff: all)", "tags": ["desk"],
                    "operationId": "listTickets", "parameters": query,
                    "responses": {"200": _json({"type": "object", "required": ["items", "total"], "properties": {
                        "total": {"type": "integer"}, "limit": {"type": "integer"},
                        "offset": {"type": "integer"}, "items": {"type": "array", "items": summary_ticket}}},
                        "A page of tickets"), **errors(400, 401)}},
            "post": {"summary": "Submit a request", "tags": ["desk"], "operationId": "createTicket",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": new_ticket_schema(types, departments)}}},
                     "responses": {"201": _json(full_ticket, "The new ticket"), **errors(400, 401)}},
        },
        "/tickets/{number}": {
            "get": {"parameters": [number], "summary": "One ticket with its messages", "tags": ["desk"], "operationId": "getTicket",
                    "responses": {"200": _json(full_ticket, "The ticket"), **errors(401, 404)}},
            "patch": {"parameters": [number], "summary": "Triage a ticket (staff) or reopen it (requester)", "tags": ["desk"],
                      "operationId": "updateTicket",
                      "requestBody": {"required": True, "content": {"application/json": {"schema": patch_body}}},
                      "responses": {"200": _json(full_ticket, "The updated ticket"),
                                    **errors(400, 401, 403, 404, 409)}},
        },
        "/tickets/{number}/comments": {
            "post": {"parameters": [number], "summary": "Reply, or add an internal note (staff)", "tags": ["desk"],
                     "operationId": "addComment",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": comment_body}}},
                     "responses": {"201": _json({"type": "object", "properties": {
                         "id": {"type": "integer"}, "body": {"type": "string"}, "internal": {"type": "boolean"},
                         "created_at": {"type": "string"}, "author": PERSON}}, "The new message"),
                         **errors(400, 401, 403, 404, 409)}},
        },
    }
