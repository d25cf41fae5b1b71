"""Login, lockout, CSRF, roles and personal access tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import timeutil
from portal.accounts import service
from portal.errors import Invalid
from tests.conftest import PASSWORD, csrf_token_from, login


def test_login_and_logout(client, make_user):
    user = make_user("employee")
    response = login(client, user.email)
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert user.email in page
    token = csrf_token_from(page)
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/account").status_code == 302  # back to the login page


def test_wrong_password_gives_one_message_for_all_cases(client, make_user):
    user = make_user("employee")
    wrong = login(client, user.email, "wrong-password!")
    unknown = login(client, "nobody@denhaag.example", "wrong-password!")
    assert wrong.status_code == unknown.status_code == 401
    assert "Onbekend e-mailadres of verkeerd wachtwoord" in wrong.get_data(as_text=True)
    assert "Onbekend e-mailadres of verkeerd wachtwoord" in unknown.get_data(as_text=True)


def test_repeated_failures_lock_the_account_even_with_the_right_password(app, client, make_user):
    user = make_user("employee")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, user.email, "wrong-password!")
    locked = login(client, user.email)  # correct password, but locked out
    assert locked.status_code == 429
    assert "Te veel mislukte pogingen" in locked.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not logged in
    # After the lockout period the right password works again.
    later = timeutil.now() + timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    timeutil.set_now(later)
    try:
        assert login(client, user.email).status_code == 302
    finally:
        timeutil.set_now(None)


def test_post_without_csrf_token_is_rejected(client, make_user):
    user = make_user("employee")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Je formulier is verlopen" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_login_does_not_redirect_off_site(client, make_user):
    user = make_user("employee")
    page = client.get("/login?next=https://evil.example/")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/",
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("employee")
    response = login(client, user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_user_creation_rules(app):
    with app.app_context():
        staff = service.create_user("analist@denhaag.example", "Analist", "staff",
                                    password="long-enough-pw", teams=["bi", "udc"])
        assert staff.is_staff and staff.teams == ["bi", "udc"]
        with pytest.raises(Invalid):
            service.create_user("ANALIST@denhaag.example", "Dubbel", "staff", password="long-enough-pw")
        with pytest.raises(Invalid):
            service.create_user("x@denhaag.example", "X", "staff", password="long-enough-pw",
                                teams=["marketing"])
        with pytest.raises(Invalid):
            service.create_user("y@denhaag.example", "Y", "employee", password="short")
        with pytest.raises(Invalid):
            service.create_user("not-an-email", "Z", "employee", password="long-enough-pw")
        assert service.find_by_email("x@denhaag.example") is None


def test_tokens_are_stored_hashed_and_can_be_revoked(app):
    with app.app_context():
        user = service.create_user("api@denhaag.example", "Api", "employee", password="long-enough-pw")
        token = service.create_token(user.id, "script")
        assert service.user_for_token(token).id == user.id
        from portal.db import get_db

        stored = [r["token_hash"] for r in get_db().query("SELECT token_hash FROM api_tokens")]
        assert token not in stored
        service.revoke_tokens(user.id)
        assert service.user_for_token(token) is None


def test_cli_creates_users_and_tokens(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "bi@denhaag.example", "--role", "staff",
                                 "--team", "bi", "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    assert "bi" in result.output
    bad = runner.invoke(args=["users", "create", "x@denhaag.example", "--role", "staff",
                              "--team", "nope", "--password", "long-enough-pw"])
    assert bad.exit_code != 0 and "Onbekend team" in bad.output or "Unknown team" in bad.output
    token = runner.invoke(args=["token", "create", "bi@denhaag.example"])
    assert token.exit_code == 0 and token.output.strip().startswith("dsp_")
