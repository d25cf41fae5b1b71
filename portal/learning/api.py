"""Learning track JSON API: modules with the caller's state, enrolment, own progress,
and public certificate verification (no token needed)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ..api import PREFIX, api_blueprint, api_user, describes, error_responses
from ..errors import Conflict
from ..extensions import csrf
from ..mail.render import absolute_url
from . import certificates, service
from .service import STATES

bp = api_blueprint("learning_api", __name__)
public_bp = Blueprint("learning_public_api", __name__, url_prefix=PREFIX)
csrf.exempt(public_bp)

MODULE_KEYS = ("id", "title", "summary", "level", "duration_minutes", "prerequisites",
               "completion", "state", "rules", "missing_prerequisites", "sections_read",
               "sections_total", "quiz_attempts", "assignment_status", "enrolled_at",
               "completed_at")


def module_json(module: dict) -> dict:
    out = {key: module[key] for key in MODULE_KEYS}
    out["missing_prerequisites"] = [{"id": p["id"], "title": p["title"]}
                                    for p in module["missing_prerequisites"]]
    out["url"] = absolute_url("learning.module", module_id=module["id"])
    return out


def certificate_json(cert: dict) -> dict:
    return {"code": cert["code"], "title": cert["title"], "kind": cert["kind"],
            "issued_at": cert["issued_at"], "revoked": cert["revoked"],
            "verify_url": absolute_url("learning.verify", code=cert["code"])}


@bp.get("/learning/modules")
def modules():
    overview = service.overview(api_user())
    return jsonify({"items": [module_json(m) for m in overview["modules"]]})


@bp.post("/learning/modules/<module_id>/enrolment")
def enrol(module_id):
    try:
        module = service.enrol(api_user(), module_id)
    except Conflict as exc:
        missing = getattr(exc, "missing", [])
        body = {"error": {"status": 409, "message": exc.message},
                "missing_prerequisites": [{"id": p["id"], "title": p["title"]} for p in missing]}
        return jsonify(body), 409
    return jsonify(module_json(module))


@bp.get("/learning/me")
def me():
    overview = service.overview(api_user())
    return jsonify({"completed": overview["completed"], "total": overview["total"],
                    "percent": overview["percent"], "next_step": overview["next_step"],
                    "modules": [{"id": m["id"], "state": m["state"]}
                                for m in overview["modules"]],
                    "certificates": [certificate_json(c) for c in overview["certificates"]]})


@public_bp.get("/certificates/<code>")
def verify(code):
    return jsonify(certificates.verify(code))


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


MODULE_SCHEMA = {"type": "object", "required": ["id", "title", "state"], "properties": {
    "id": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
    "level": {"type": "string", "nullable": True},
    "duration_minutes": {"type": "integer", "nullable": True},
    "prerequisites": {"type": "array", "items": {"type": "string"}},
    "completion": {"type": "array", "items": {"type": "string",
                                              "enum": ["read", "quiz", "session", "assignment"]}},
    "state": {"type": "string", "enum": list(STATES)},
    "rules": {"type": "object", "additionalProperties": {"type": "boolean"}},
    "missing_prerequisites": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}}}},
    "sections_read": {"type": "integer"}, "sections_total": {"type": "integer"},
    "quiz_attempts": {"type": "integer"},
    "assignment_status": {"type": "string", "nullable": True},
    "enrolled_at": {"type": "string", "nullable": True},
    "completed_at": {"type": "string", "nullable": True}, "url": {"type": "string"}}}
VERIFY_SCHEMA = {"type": "object", "required": ["code", "name", "title", "valid"], "properties": {
    "code": {"type": "string"}, "name": {"type": "string"}, "title": {"type": "string"},
    "kind": {"type": "string", "enum": ["module", "track"]}, "issued_at": {"type": "string"},
    "valid": {"type": "boolean"}, "revoked_at": {"type": "string", "nullable": True}}}


@describes(bp)
def _describe() -> dict:
    module_id = {"name": "module_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/learning/modules": {"get": {
            "summary": "The modules of the learning track with the caller's state",
            "tags": ["learning"],
            "responses": {"200": _json({"type": "object", "properties": {
                "items": {"type": "array", "items": MODULE_SCHEMA}}}, "The modules"),
                **error_responses(401)}}},
        "/learning/modules/{module_id}/enrolment": {"post": {
            "summary": "Enrol in a module (409 with the missing prerequisites when locked)",
            "tags": ["learning"], "parameters": [module_id],
            "responses": {"200": _json(MODULE_SCHEMA, "Enrolled (again)"),
                          "409": _json({"type": "object", "properties": {
                              "error": {"type": "object"},
                              "missing_prerequisites": {"type": "array", "items": {
                                  "type": "object"}}}}, "Locked: prerequisites missing"),
                          **error_responses(401, 404)}}},
        "/learning/me": {"get": {
            "summary": "The caller's progress and certificates", "tags": ["learning"],
            "responses": {"200": _json({"type": "object", "properties": {
                "completed": {"type": "integer"}, "total": {"type": "integer"},
                "percent": {"type": "integer"},
                "next_step": {"type": "object", "nullable": True},
                "modules": {"type": "array", "items": {"type": "object"}},
                "certificates": {"type": "array", "items": {"type": "object"}}}},
                "Progress"), **error_responses(401)}}},
        "/certificates/{code}": {"get": {
            "summary": "Verify a certificate (public, no token)", "tags": ["learning"],
            "security": [],
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": _json(VERIFY_SCHEMA, "The certificate (or that it was"
                                                      " revoked: valid false)"),
                          **error_responses(404)}}},
    }
