"""The OpenAPI description of /api/v1/events, as strict as the code."""

from __future__ import annotations

from . import validation
from .labels import EVENT_TYPES

NON_BLANK = "[^\\s\\x1c-\\x1f\\x85]"
TS = {"type": "string", "format": "date-time",
      "description": "ISO 8601 with a UTC offset, e.g. 2027-03-04T15:00:00+01:00"}
STORED_TS = {"type": "string", "description": "UTC, ISO 8601"}


def _text(max_length: int, required: bool = False) -> dict:
    schema = {"type": "string", "maxLength": max_length}
    if required:
        schema.update(minLength=1, pattern=NON_BLANK)
    else:
        schema["nullable"] = True
    return schema


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


REGISTRATION = {"type": "object", "nullable": True, "properties": {
    "id": {"type": "integer"}, "status": {"type": "string",
                                          "enum": ["confirmed", "waitlisted", "cancelled", "walk_in"]},
    "position": {"type": "integer", "nullable": True}, "attended": {"type": "boolean"}}}


def event_schema() -> dict:
    return {"type": "object", "required": ["id", "title", "type", "starts_at", "ends_at",
                                           "capacity", "seats_left", "status"], "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "type": {"type": "string", "enum": list(EVENT_TYPES)},
        "description": {"type": "string", "description": "Markdown"},
        "starts_at": STORED_TS, "ends_at": STORED_TS,
        "location": {"type": "string", "nullable": True},
        "online_url": {"type": "string", "nullable": True},
        "capacity": {"type": "integer"}, "seats_left": {"type": "integer"},
        "waitlist_count": {"type": "integer"},
        "signup_deadline": {**STORED_TS, "nullable": True},
        "signup": {"type": "string", "enum": ["open", "full", "closed", "draft", "cancelled"],
                   "description": "full: new sign-ups go on the waiting list"},
        "status": {"type": "string", "enum": ["draft", "published", "cancelled"]},
        "organiser": {"type": "object", "nullable": True, "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}}},
        "hosts": {"type": "array", "description": "besides the organiser, they see the attendee"
                  " list and check people in (e.g. the teachers of a module session)",
                  "items": {"type": "object", "properties": {
                      "id": {"type": "integer"}, "name": {"type": "string"}}}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "module": {"type": "string", "nullable": True},
        "created_at": STORED_TS, "updated_at": STORED_TS, "url": {"type": "string"},
        "my_registration": REGISTRATION}}


def event_body(required: bool) -> dict:
    props = {
        "title": _text(validation.TITLE_MAX, True),
        "type": {"type": "string", "enum": list(EVENT_TYPES)},
        "description": _text(validation.DESCRIPTION_MAX),
        "starts_at": TS, "ends_at": TS, "signup_deadline": {**TS, "nullable": True},
        "location": _text(validation.LOCATION_MAX),
        "online_url": {**_text(validation.URL_MAX), "pattern": "^https?://[^\\s/]+[^\\s]*$"},
        "capacity": {"type": "integer", "minimum": 1, "maximum": validation.CAPACITY_MAX},
        "organiser_id": {"type": "integer", "minimum": 1, "nullable": True,
                         "description": "A user id; default: the creator"},
        "tags": {"type": "array", "maxItems": validation.TAGS_MAX,
                 "items": {"type": "string", "maxLength": validation.TAG_MAX}},
        "module": _text(validation.MODULE_MAX),
    }
    schema = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        schema["required"] = ["title", "type", "starts_at", "ends_at", "capacity"]
        schema["description"] = "A location or an online link is required. The event starts as a draft."
    else:
        props["status"] = {"type": "string", "enum": ["published", "cancelled"],
                           "description": "Publish a draft, or cancel the event"}
    return schema


def paths(errors, max_limit: int) -> dict:
    event_id = {"name": "event_id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}}
    enum = lambda values: {"type": "string", "enum": list(values)}  # noqa: E731
    query = [
        {"name": "type", "in": "query", "schema": enum(EVENT_TYPES)},
        {"name": "month", "in": "query", "schema": {"type": "string",
                                                    "pattern": "^(20|21)[0-9]{2}-(0[1-9]|1[0-2])$"},
         "description": "YYYY-MM, local time"},
        {"name": "mode", "in": "query", "schema": enum(["online", "onsite"])},
        {"name": "has_seats", "in": "query", "schema": {"type": "boolean"}},
        {"name": "when", "in": "query", "schema": {**enum(["upcoming", "past", "all"]),
                                                   "default": "upcoming"}},
        {"name": "status", "in": "query", "schema": enum(["draft", "published", "cancelled"])},
        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
         "description": "text in the title"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                    "maximum": max_limit, "default": 50}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                     "maximum": 10**9, "default": 0}},
    ]
    event = event_schema()
    signup = _json({"type": "object", "required": ["status", "position"], "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["confirmed", "waitlisted", "cancelled", "walk_in"]},
        "position": {"type": "integer", "nullable": True,
                     "description": "Place on the waiting list"}}}, "Your registration")
    person = {"type": "object", "nullable": True, "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}}
    tag = ["events"]
    return {
        "/events": {
            "get": {"summary": "Upcoming events (filters: type, month, mode, has_seats)", "tags": tag,
                    "operationId": "listEvents", "parameters": query,
                    "responses": {"200": _json({"type": "object", "properties": {
                        "total": {"type": "integer"}, "limit": {"type": "integer"},
                        "offset": {"type": "integer"}, "items": {"type": "array", "items": event}}},
                        "A page of events"), **errors(400, 401)}},
            "post": {"summary": "Create an event as a draft (staff)", "tags": tag,
                     "operationId": "createEvent",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": event_body(True)}}},
                     "responses": {"201": _json(event, "The new event"),
                                   **errors(400, 401, 403)}},
        },
        "/events/{event_id}": {
            "get": {"summary": "One event with seats left and your own registration", "tags": tag,
                    "operationId": "getEvent", "parameters": [event_id],
                    "responses": {"200": _json(event, "The event"), **errors(401, 404)}},
            "patch": {"summary": "Change, publish or cancel an event (staff)", "tags": tag,
                      "operationId": "updateEvent", "parameters": [event_id],
                      "description": "A new time or place mails everyone signed up an updated invitation.",
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": event_body(False)}}},
                      "responses": {"200": _json(event, "The event"),
                                    **errors(400, 401, 403, 404, 409)}},
        },
        "/events/{event_id}/cancel": {
            "post": {"summary": "Cancel an event (staff); everyone signed up gets a cancellation",
                     "tags": tag, "operationId": "cancelEvent", "parameters": [event_id],
                     "responses": {"200": _json(event, "The cancelled event"),
                                   **errors(401, 403, 404, 409)}},
        },
        "/events/{event_id}/registration": {
            "post": {"summary": "Sign yourself up (a seat, or the waiting list)", "tags": tag,
                     "operationId": "signUp", "parameters": [event_id],
                     "responses": {"201": signup, "200": {**signup, "description": "You were "
                                                          "already signed up"},
                                   **errors(401, 404, 409)}},
            "delete": {"summary": "Cancel your own registration", "tags": tag,
                       "operationId": "cancelRegistration", "parameters": [event_id],
                       "responses": {"200": signup, **errors(401, 404, 409)}},
        },
        "/events/{event_id}/registrations": {
            "get": {"summary": "Everyone signed up (staff, the organiser and the hosts)", "tags": tag,
                    "operationId": "listRegistrations", "parameters": [event_id],
                    "responses": {"200": _json({"type": "object", "properties": {"items": {
                        "type": "array", "items": {"type": "object", "properties": {
                            "id": {"type": "integer"}, "user": person,
                            "name": {"type": "string"},
                            "status": {"type": "string"},
                            "position": {"type": "integer", "nullable": True},
                            "attended": {"type": "boolean"}}}}}}, "The attendee list"),
                        **errors(401, 403, 404)}},
        },
    }
