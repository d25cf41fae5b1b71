"""Desk JSON API (stub)."""

from ..api import api_blueprint

bp = api_blueprint("desk_api", __name__)
