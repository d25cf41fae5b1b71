"""Flask extensions that every request needs: login sessions and CSRF."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

SESSION_KEY = "sid"  # the login session id in the signed cookie
login_manager = LoginManager()
csrf = CSRFProtect()


def init_app(app) -> None:
    from .accounts import service as accounts

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        # Only a session that still exists server-side logs in (see accounts.service).
        from flask import session

        return accounts.session_user(user_id, session.get(SESSION_KEY))

    csrf.init_app(app)
