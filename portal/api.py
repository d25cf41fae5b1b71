"""/api/v1 plumbing: token auth, JSON errors, the OpenAPI document.

Each feature makes its own blueprint with ``api_blueprint()`` and marks one
function with ``@describes(blueprint)`` that returns the OpenAPI path items of its
routes. The document at ``/api/v1/openapi.json`` is assembled from those on each
request, from the app's own configuration (request types, document types, ...),
and a test checks it against the routes the app really has.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_babel import gettext as _

from . import parsing
from .accounts import service as accounts
from .accounts.service import User
from .errorpages import error_response
from .errors import Invalid
from .extensions import csrf

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 that needs a bearer token on every route."""
    blueprint = Blueprint(name, import_name, url_prefix=PREFIX)
    csrf.exempt(blueprint)
    blueprint.before_request(_authenticate)
    return blueprint


def _authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = accounts.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return error_response(401, "A valid personal access token is required "
                                   "(Authorization: Bearer <token>).")
    g.api_user = user
    return None


def api_user() -> User:
    user = g.get("api_user")
    if user is None:  # a route registered without _authenticate
        abort(401)
    return user


def json_body() -> dict:
    """The request's JSON object, checked by the parsing layer, or a 400 with a clear message."""
    if not request.is_json:
        raise Invalid(_("The body must be a JSON object (Content-Type: application/json)."))
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except RecursionError:
        raise Invalid(_("The JSON document is nested too deeply (at most %(n)d levels).",
                        n=parsing.JSON_MAX_DEPTH)) from None
    except ValueError:
        raise Invalid(_("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise Invalid(_("The body must be a JSON object (Content-Type: application/json)."))
    return parsing.json_value(data)


def describes(blueprint: Blueprint):
    """Decorator: the function returns ``blueprint``'s OpenAPI path items (in an app context)."""
    def mark(describe):
        blueprint.openapi_describe = describe
        return describe
    return mark


def _paths() -> dict[str, dict]:
    paths: dict[str, dict] = {}
    for blueprint in current_app.blueprints.values():
        describe = getattr(blueprint, "openapi_describe", None)
        if describe:
            paths.update(describe())
    return dict(sorted(paths.items()))


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["status", "message"], "properties": {
        "status": {"type": "integer"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}},
}


def error_responses(*codes: int) -> dict:
    text = {400: "Invalid input", 401: "No valid token", 403: "Not allowed",
            404: "Not found", 409: "Conflict", 413: "Too large", 429: "Too many requests"}
    return {str(c): {"description": text.get(c, "Error"),
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": f"{current_app.config['PORTAL_NAME']} portal API", "version": "1.0.0",
                 "description": "Tickets of the Datashop desk and search in the knowledge base. "
                                "Authenticate with a personal access token: `portal token create EMAIL`."},
        "servers": [{"url": PREFIX}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
