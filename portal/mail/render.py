"""Render mail templates in the recipient's language, with or without a request."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from .outbox import one_line


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link to ``endpoint`` on the configured BASE_URL.

    Works in the CLI and the worker (no request) and ignores the host of a
    current request, so links in mails always point at the public address.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def render_mail(name: str, locale: str | None = None, **context) -> tuple[str, str, str]:
    """Render ``mail/<name>.subject.txt``, ``.txt`` and ``.html``.

    Returns ``(subject, text, html)``; the subject is one stripped line.
    ``locale`` defaults to BABEL_DEFAULT_LOCALE (an unknown locale too).
    Templates get ``absolute_url``, ``base_url``, ``portal_name`` and
    ``municipality`` besides ``context``.
    """
    config = current_app.config
    if locale not in config["LANGUAGES"]:
        locale = config["BABEL_DEFAULT_LOCALE"]
    context.setdefault("absolute_url", absolute_url)
    context.setdefault("base_url", config["BASE_URL"].rstrip("/"))
    context.setdefault("portal_name", config["PORTAL_NAME"])
    context.setdefault("municipality", config["MUNICIPALITY"])
    context.setdefault("mail_locale", locale)
    with force_locale(locale):
        subject = one_line(render_template(f"mail/{name}.subject.txt", **context))
        text = render_template(f"mail/{name}.txt", **context).strip() + "\n"
        html = render_template(f"mail/{name}.html", **context)
    return subject, text, html
