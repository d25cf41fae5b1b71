"""htmx helpers: every fragment URL also renders a full page."""

from __future__ import annotations

from flask import make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(page: str, fragment: str | None = None, status: int = 200, **context):
    """Render ``fragment`` for htmx requests and ``page`` otherwise.

    The response always varies on HX-Request so caches never mix them up.
    """
    template = fragment if (fragment and is_htmx()) else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response
