"""Search JSON API (stub)."""

from ..api import api_blueprint

bp = api_blueprint("search_api", __name__)
