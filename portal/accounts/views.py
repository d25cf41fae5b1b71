"""Login, logout and language choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import Invalid, Locked
from ..extensions import SESSION_KEY
from ..i18n import LANG_COOKIE
from . import service

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths, so the login form cannot redirect off-site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("desk.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    error, status, email = None, 200, ""
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            user = service.authenticate(email, request.form.get("password", ""))
        except Locked as exc:
            error, status = exc.message, 429
        except Invalid as exc:
            error, status = exc.message, 401
        else:
            session.clear()  # no values from before the login survive it
            session[SESSION_KEY] = service.start_session(user.id)
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(_safe_next(request.form.get("next") or request.args.get("next")))
    return render_template("accounts/login.html", error=error, email=email,
                           next=request.args.get("next", "")), status


@bp.post("/logout")
def logout():
    service.end_session(session.get(SESSION_KEY))
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/language")
def language():
    lang = request.form.get("lang", "")
    response = make_response(redirect(_safe_next(request.form.get("next"))))
    if lang in ("nl", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        if current_user.is_authenticated:
            service.set_locale(current_user.id, lang)
    return response


@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html")
