"""Every error as a clear page (or JSON under /api), never a stack trace."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .errors import DomainError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You do not have permission for this."),
        404: _("This page does not exist, or you may not see it."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a moment."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def error_response(status: int, message: str | None = None, fields: dict | None = None):
    message = message or _messages().get(status, _("Something went wrong."))
    if wants_json():
        body = {"error": {"status": status, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(exc.status, exc.message, exc.fields)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, _("Your form expired or was sent from elsewhere. "
                                     "Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = None
        if exc.code == 413:
            mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
            message = _("The upload is too large (at most %(mb)d MB in total).", mb=mb)
        body, status = error_response(exc.code or 500, message)
        response = app.make_response((body, status))
        # Keep protocol headers such as Allow (405) and Retry-After (429).
        original = dict(exc.get_headers())
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in original:
                response.headers[name] = original[name]
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)
