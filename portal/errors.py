"""Domain errors raised by services; views turn them into 4xx responses."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str = "", fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(DomainError):
    """Input that breaks a rule; ``fields`` maps field names to messages."""

    status = 400


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Locked(DomainError):
    """Too many failed attempts; try again later."""

    status = 429
