"""POST /api/v1/assistant/messages: the assistant for scripts, the same JSON as the CLI."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from .. import parsing
from ..api import api_blueprint, api_user, describes, error_responses, json_body
from ..errors import Invalid
from . import service
from .intents import ACTIONS

bp = api_blueprint("chat_api", __name__)


@bp.post("/assistant/messages")
def messages():
    body = json_body()
    unknown = [key for key in body if key not in ("message", "conversation_id")]
    if unknown:
        raise Invalid(_("Unknown field."), {str(key)[:80]: _("Unknown field.") for key in unknown})
    conversation_id = parsing.integer(body.get("conversation_id"), "conversation_id", low=1)
    result = service.handle(api_user(), body.get("message"), conversation_id)
    return jsonify(service.to_json(result, extra=("conversation_id", "message_id", "links",
                                                  "choices", "related")))


SOURCE = {"type": "object", "required": ["id", "title", "url"], "properties": {
    "id": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"}}}


@describes(bp)
def paths() -> dict:
    from flask import current_app

    reply = {"type": "object", "required": ["message", "action", "reply", "sources",
                                            "confidence", "took_ms"], "properties": {
        "message": {"type": "string"}, "action": {"type": "string", "enum": list(ACTIONS)},
        "reply": {"type": "string"}, "sources": {"type": "array", "items": SOURCE},
        "confidence": {"type": "number", "nullable": True}, "took_ms": {"type": "number"},
        "ticket": {"type": "string"}, "module": {"type": "string"}, "event": {"type": "integer"},
        "conversation_id": {"type": "integer"}, "message_id": {"type": "integer"},
        "links": {"type": "array", "items": {"type": "object", "properties": {
            "label": {"type": "string"}, "url": {"type": "string"}}}},
        "choices": {"type": "array", "items": SOURCE},
        "related": {"type": "array", "items": SOURCE}}}
    return {"/assistant/messages": {"post": {
        "summary": "Send a message to the assistant",
        "description": "Answers from the knowledge base with sources, or an action with the "
                       "token user's permissions. Changes (sign up, cancel, handover) are only "
                       "proposed; send \"ja\" in the same conversation to confirm.",
        "tags": ["assistant"],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["message"], "additionalProperties": False,
            "properties": {
                "message": {"type": "string", "minLength": 1, "pattern": "[^\\s\\x1c-\\x1f\\x85]",
                            "maxLength": int(current_app.config["ASSISTANT_MAX_CHARS"])},
                "conversation_id": {"type": "integer", "minimum": 1,
                                    "maximum": parsing.SQLITE_MAX}}}}}},
        "responses": {"200": {"description": "The reply",
                              "content": {"application/json": {"schema": reply}}},
                      **error_responses(400, 401, 404)}}}}
