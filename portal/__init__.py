"""Datashop portal: the one desk for every data question of a municipality."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from . import config as config_module

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory. Nothing heavy happens here: no model, no index."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "PORTAL_INSTANCE_PATH"
    ) or str(PROJECT_ROOT / "instance")
    app = Flask(__name__, instance_path=os.path.abspath(instance_path), instance_relative_config=True)
    from .parsing import RouteInt

    app.url_map.converters["int"] = RouteInt  # before any route: ids stay in SQLite's range

    app.config.update(config_module.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config_module.from_environment())
    if test_config:
        app.config.update(test_config)
    _resolve_paths(app)
    _resolve_cookie_security(app)
    _ensure_secret_key(app)

    from . import db, errorpages, extensions, i18n, security, templating

    db.init_app(app)
    i18n.init_app(app)
    extensions.init_app(app)
    from .accounts import oidc

    oidc.init_app(app)  # single sign-on, when an IdP is configured
    errorpages.init_app(app)
    templating.init_app(app)
    security.init_app(app)

    from .accounts.views import bp as accounts_bp
    from .chat.api import bp as chat_api_bp
    from .chat.faq import init_app as init_chat_faq
    from .chat.privacy import register as register_chat_privacy
    from .chat.views import bp as chat_bp
    from .api import bp as api_bp
    from .cli import register as register_cli
    from .desk.api import bp as desk_api_bp
    from .desk.views import bp as desk_bp
    from .events.api import bp as events_api_bp
    from .events.registration import add_signup_check
    from .events.views import bp as events_bp
    from .health import bp as health_bp
    from .kb.views import bp as kb_bp
    from .learning.api import bp as learning_api_bp
    from .learning.api import public_bp as learning_public_api_bp
    from .learning.service import session_signup_check
    from .learning.views import bp as learning_bp
    from .mail.views import bp as mail_admin_bp
    from .ops.views import bp as ops_bp
    from .privacy import register as privacy_register
    from .privacy.views import bp as privacy_bp
    from .reports.views import bp as reports_bp
    from .search.api import bp as search_api_bp
    from .search.views import bp as search_bp

    for blueprint in (health_bp, accounts_bp, desk_bp, kb_bp, search_bp, events_bp, learning_bp,
                      mail_admin_bp, chat_bp, api_bp, desk_api_bp, search_api_bp, events_api_bp,
                      learning_api_bp, learning_public_api_bp, chat_api_bp, ops_bp,
                      privacy_bp, reports_bp):
        app.register_blueprint(blueprint)
    # A module session is for learners who may take its module (events stays unaware of it).
    add_signup_check(session_signup_check)
    register_chat_privacy()  # the assistant's retention kind and export/erase part
    init_chat_faq(app)  # FAQ entries published from the backlog, as a generated knowledge page
    privacy_register.init_app(app)  # the processing register as a generated knowledge page
    register_cli(app)
    return app


def _resolve_paths(app: Flask) -> None:
    inst = Path(app.instance_path)
    inst.mkdir(parents=True, exist_ok=True)
    for key in ("DATABASE", "UPLOAD_FOLDER", "INDEX_FOLDER", "MAIL_FOLDER",
                "EMBEDDING_CACHE_FOLDER", "BACKUP_FOLDER"):
        value = Path(app.config[key])
        app.config[key] = str(value if value.is_absolute() else inst / value)
    for key, default in (("KNOWLEDGE_DIR", "knowledge"), ("COURSES_DIR", "courses")):
        value = app.config.get(key) or str(PROJECT_ROOT / default)
        app.config[key] = str(Path(value).expanduser().resolve())


def _resolve_cookie_security(app: Flask) -> None:
    """Cookies carry the Secure flag whenever the portal is served over HTTPS."""
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = str(app.config["BASE_URL"]).startswith("https://")
    if app.config.get("REMEMBER_COOKIE_SECURE") is None:
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        # Written once, readable by the owner only; a concurrent first start wins the race.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = path.read_text().strip()
