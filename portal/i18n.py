"""Languages: Dutch by default, English switchable (cookie, user setting, header)."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import Babel
from flask_login import current_user

babel = Babel()

LANG_COOKIE = "portal_lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    # Dutch first: the browser's preference only counts when it names no Dutch at all
    # and the portal is configured with a non-Dutch default.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
