"""Login, logout and language choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template,
                   request, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errorpages import error_response, wants_json
from ..errors import Invalid, Locked
from ..extensions import SESSION_KEY
from ..i18n import LANG_COOKIE
from . import oidc, service, sso

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths, so the login form cannot redirect off-site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("desk.home")


def _start_session(user, session_id: str) -> None:
    session.clear()  # no values from before the login survive it
    session[SESSION_KEY] = session_id
    login_user(user)
    flash(_("Welcome, %(name)s.", name=user.name), "success")


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
            _start_session(user, service.start_session(user.id))
            return redirect(_safe_next(request.form.get("next") or request.args.get("next")))
    return render_template("accounts/login.html", error=error, email=email,
                           next=request.args.get("next", ""), sso=sso.enabled(),
                           password_open=sso.password_form_for_everyone() or bool(error)
                           ), status


def _external(endpoint: str) -> str:
    """An absolute URL on BASE_URL, as registered at the IdP (not the request's host)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint)


@bp.errorhandler(oidc.LoginFailed)
@bp.errorhandler(sso.Refused)
def sso_failed(exc):
    """A failed single sign-on: the reason and the way back to the login page."""
    if wants_json():
        return error_response(exc.status, exc.message)
    return render_template("accounts/sso_error.html", status=exc.status,
                           message=exc.message), exc.status


@bp.get("/login/sso")
def sso_login():
    """Start single sign-on: off to the municipality's identity provider."""
    target = request.args.get("next")
    response = oidc.redirect_to_idp(_external("accounts.sso_callback"))
    session["sso_next"] = _safe_next(target) if target else None
    return response


@bp.get("/login/sso/callback")
def sso_callback():
    result = oidc.complete_login()
    profile = sso.profile_from_claims(result.issuer, result.claims)
    target = session.get("sso_next")
    user, session_id = sso.sign_in(profile, id_token=result.id_token)
    _start_session(user, session_id)
    return redirect(_safe_next(target))


@bp.post("/logout")
def logout():
    session_id = session.get(SESSION_KEY)
    id_token = sso.session_id_token(session_id)
    service.end_session(session_id)
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    if id_token:  # the session came from SSO: log out at the IdP too
        url = oidc.logout_url(id_token, _external("accounts.login"))
        if url:
            return redirect(url)
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
