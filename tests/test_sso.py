"""Single sign-on against a real OpenID provider (oidc-provider-mock over HTTP)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from portal import create_app, migrations
from portal.db import get_db
from tests.conftest import PASSWORD, csrf, login
from tests.sso_support import CLIENT_ID, local_path, provider, sso_login  # noqa: F401 (fixture)

GROUPS = {
    "datashop-staff": {"role": "staff", "teams": ["bi"]},
    "datashop-udp": {"role": "staff", "teams": ["udp"]},
    "datashop-admins": "admin",
    "alle-medewerkers": "employee",
}


def make_app(tmp_path, provider, **extra):
    app = create_app({
        "INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
        "SECRET_KEY": "test-secret", "KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
        "COURSES_DIR": str(tmp_path / "courses"), "OIDC_GROUP_ROLES": GROUPS,
        **provider.config(**extra),
    })
    with app.app_context():
        migrations.upgrade(get_db())
    return app


@pytest.fixture
def sso_app(tmp_path, provider):
    return make_app(tmp_path, provider)


def rows(app, sql, params=()):
    with app.app_context():
        return [dict(r) for r in get_db().query(sql, list(params))]


def user_row(app, email):
    found = rows(app, "SELECT * FROM users WHERE email = ?", [email])
    if not found:
        return None
    user = found[0]
    user["teams"] = [r["team"] for r in rows(
        app, "SELECT team FROM user_teams WHERE user_id = ? ORDER BY team", [user["id"]])]
    return user


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def alice(provider, groups=("datashop-staff",), **claims):
    values = {"email": "Alice.Jansen@denhaag.example", "name": "Alice Jansen",
              "groups": list(groups), "department": "Sociale Zaken en Werkgelegenheid",
              **claims}
    provider.set_user("alice-sub", **values)


def test_login_page_offers_the_municipality_account_first(sso_app):
    html = sso_app.test_client().get("/login").get_data(as_text=True)
    assert "Inloggen met je gemeente-account" in html
    assert html.index("Inloggen met je gemeente-account") < html.index('name="password"')


def test_first_login_creates_the_account_from_the_claims(sso_app, provider):
    alice(provider)
    client = sso_app.test_client()
    response = sso_login(client, provider, "alice-sub", next_path="/account")
    assert response.status_code == 302 and response.location == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "Alice Jansen" in page
    assert "Je logt in met je gemeente-account" in page
    user = user_row(sso_app, "alice.jansen@denhaag.example")
    assert user["name"] == "Alice Jansen"
    assert user["role"] == "staff" and user["teams"] == ["bi"]
    assert user["department"] == "szw"
    assert user["external_issuer"] == provider.url and user["external_subject"] == "alice-sub"
    assert user["password_hash"] is None
    assert len(rows(sso_app, "SELECT * FROM users")) == 1


def test_a_changed_group_claim_changes_the_role_on_the_next_login(sso_app, provider):
    alice(provider, groups=["datashop-staff", "alle-medewerkers"])
    first, other = sso_app.test_client(), sso_app.test_client()
    sso_login(first, provider, "alice-sub")
    sso_login(other, provider, "alice-sub")
    assert logged_in(first) and logged_in(other)
    assert user_row(sso_app, "alice.jansen@denhaag.example")["role"] == "staff"
    assert first.get("/behandelen").status_code == 200

    # The IdP moves her out of the staff group and renames her.
    alice(provider, groups=["alle-medewerkers"], name="Alice de Vries")
    again = sso_app.test_client()
    sso_login(again, provider, "alice-sub")
    user = user_row(sso_app, "alice.jansen@denhaag.example")
    assert user["role"] == "employee" and user["teams"] == []
    assert user["name"] == "Alice de Vries"
    assert len(rows(sso_app, "SELECT * FROM users")) == 1
    assert again.get("/behandelen").status_code == 403
    # Her other sessions carried staff rights: they ended.
    assert not logged_in(first) and not logged_in(other)
    assert logged_in(again)

    # Back in two staff groups: the teams add up.
    alice(provider, groups=["datashop-staff", "datashop-udp"])
    latest = sso_app.test_client()
    sso_login(latest, provider, "alice-sub")
    user = user_row(sso_app, "alice.jansen@denhaag.example")
    assert user["role"] == "staff" and user["teams"] == ["bi", "udp"]
    assert not logged_in(again) and logged_in(latest)

    # Each change of rights is in the audit log, made by "sso", with the groups it came from.
    changes = rows(sso_app, "SELECT actor, details FROM audit_log WHERE action = 'user.role'"
                            " ORDER BY id")
    assert [c["actor"] for c in changes] == ["sso", "sso"]
    assert '"new": "employee"' in changes[0]["details"]
    assert '"datashop-udp"' in changes[1]["details"]


def test_an_unchanged_role_keeps_the_other_sessions(sso_app, provider):
    alice(provider)
    first, second = sso_app.test_client(), sso_app.test_client()
    # (and the page to return to stays on the portal)
    assert sso_login(first, provider, "alice-sub", next_path="//evil.example/").location == "/"
    sso_login(second, provider, "alice-sub")
    assert logged_in(first) and logged_in(second)


def test_pkce_code_challenge_is_sent_and_verified(sso_app, provider):
    alice(provider)
    client = sso_app.test_client()
    sso_login(client, provider, "alice-sub")
    assert logged_in(client)  # the provider refuses a token request without the right verifier
    (args,) = provider.authorize_args
    assert args["code_challenge_method"] == "S256" and len(args["code_challenge"]) == 43
    assert args["response_type"] == "code" and args["client_id"] == CLIENT_ID
    assert args["nonce"] and args["state"]
    (form,) = provider.token_forms
    assert form["code_verifier"] and "code_challenge" not in form


@pytest.mark.parametrize("tamper", ["audience", "audience_azp", "signature", "nonce"])
def test_a_token_for_another_audience_or_with_a_bad_signature_is_refused(
        sso_app, provider, tamper):
    alice(provider)
    provider.tamper = tamper
    client = sso_app.test_client()
    response = sso_login(client, provider, "alice-sub")
    assert response.status_code == 401
    assert "Je bent niet ingelogd" in response.get_data(as_text=True)
    assert rows(sso_app, "SELECT * FROM users") == []
    assert rows(sso_app, "SELECT * FROM user_sessions") == []
    assert not logged_in(client)


def test_the_same_login_with_a_good_token_passes(sso_app, provider):
    """The control for the refusals above: the untampered token of the same flow passes."""
    alice(provider)
    provider.tamper = None
    client = sso_app.test_client()
    assert sso_login(client, provider, "alice-sub").status_code == 302
    assert logged_in(client)


def test_a_wrong_or_replayed_state_is_refused(sso_app, provider):
    alice(provider)
    client = sso_app.test_client()
    start = client.get("/login/sso")
    back = provider.authorize(start.location, "alice-sub")
    query = parse_qs(urlsplit(back).query)
    forged = f"/login/sso/callback?code={query['code'][0]}&state=not-the-state"
    response = client.get(forged)
    assert response.status_code == 400
    assert "Log opnieuw in" in response.get_data(as_text=True)
    assert rows(sso_app, "SELECT * FROM users") == []
    # A callback from a login started in another browser has no state here either.
    stranger = sso_app.test_client()
    assert stranger.get(local_path(back)).status_code == 400
    # The real callback works once; replayed, it is refused.
    assert client.get(local_path(back)).status_code == 302
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    assert client.get(local_path(back)).status_code == 400


def test_an_error_from_the_idp_gives_a_clear_page(sso_app, provider):
    client = sso_app.test_client()
    start = client.get("/login/sso")
    back = provider.authorize(start.location, "alice-sub", action="deny")
    response = client.get(local_path(back))
    assert response.status_code == 403
    assert "access_denied" in response.get_data(as_text=True)
    assert "inlogdienst van de gemeente" in response.get_data(as_text=True)
    assert 'href="/login"' in response.get_data(as_text=True)  # the way back
    assert rows(sso_app, "SELECT * FROM users") == []


def test_logout_ends_the_session_at_the_idp_too(sso_app, provider):
    alice(provider)
    client = sso_app.test_client()
    sso_login(client, provider, "alice-sub")
    (issued,) = rows(sso_app, "SELECT sso_id_token FROM user_sessions")
    response = client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.url}/oauth2/end_session"
    params = parse_qs(target.query)
    assert params["id_token_hint"] == [issued["sso_id_token"]]
    assert params["post_logout_redirect_uri"] == ["http://127.0.0.1:5000/login"]
    assert rows(sso_app, "SELECT * FROM user_sessions") == []
    assert not logged_in(client)
    # Browsers follow the logout form's redirect to the IdP only if the CSP allows it.
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.url};" in policy
    # The provider's end-session page leads back to the portal's login page.
    page = requests.get(response.location, timeout=10)
    assert page.status_code == 200 and "http://127.0.0.1:5000/login" in page.text


def test_password_logout_stays_local(sso_app, provider, make_user):
    with sso_app.app_context():
        from portal.accounts import service

        service.create_user("beheer@denhaag.example", "Beheer", "admin", password=PASSWORD)
    client = sso_app.test_client()
    assert login(client, "beheer@denhaag.example").status_code == 302
    response = client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    assert response.location == "/login"


def test_first_sso_login_takes_over_the_local_account_with_that_email(sso_app, provider):
    with sso_app.app_context():
        from portal.accounts import service

        local = service.create_user("alice.jansen@denhaag.example", "A. Jansen", "employee",
                                    password=PASSWORD, department="ocw")
    alice(provider, groups=["datashop-admins"])
    client = sso_app.test_client()
    sso_login(client, provider, "alice-sub")
    user = user_row(sso_app, "alice.jansen@denhaag.example")
    assert user["id"] == local.id and user["role"] == "admin"
    assert user["external_subject"] == "alice-sub" and user["department"] == "szw"
    assert len(rows(sso_app, "SELECT * FROM users")) == 1


def test_an_email_taken_by_another_sso_account_is_refused(sso_app, provider):
    alice(provider)
    sso_login(sso_app.test_client(), provider, "alice-sub")
    provider.set_user("impostor-sub", email="alice.jansen@denhaag.example", name="Not Alice")
    client = sso_app.test_client()
    response = sso_login(client, provider, "impostor-sub")
    assert response.status_code == 403
    assert len(rows(sso_app, "SELECT * FROM users")) == 1
    assert user_row(sso_app, "alice.jansen@denhaag.example")["name"] == "Alice Jansen"
    assert not logged_in(client)


def test_a_deactivated_account_is_refused(sso_app, provider):
    alice(provider)
    sso_login(sso_app.test_client(), provider, "alice-sub")
    with sso_app.app_context():
        get_db().execute("UPDATE users SET active = 0")
    before = rows(sso_app, "SELECT id FROM user_sessions")
    client = sso_app.test_client()
    assert sso_login(client, provider, "alice-sub").status_code == 403
    assert rows(sso_app, "SELECT id FROM user_sessions") == before
    assert not logged_in(client)


def test_without_a_matching_group_the_login_can_be_refused(tmp_path, provider):
    app = make_app(tmp_path, provider, OIDC_DEFAULT_ROLE=None)
    alice(provider, groups=["some-other-group"])
    client = app.test_client()
    response = sso_login(client, provider, "alice-sub")
    assert response.status_code == 403
    assert "groep" in response.get_data(as_text=True)
    assert rows(app, "SELECT * FROM users") == []


def test_password_login_only_for_admins_when_configured(tmp_path, provider):
    app = make_app(tmp_path, provider, PASSWORD_LOGIN="admins")
    with app.app_context():
        from portal.accounts import service

        service.create_user("medewerker@denhaag.example", "Mede Werker", "employee",
                            password=PASSWORD)
        service.create_user("beheer@denhaag.example", "Beheer", "admin", password=PASSWORD)
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    assert "<details>" in html and "Inloggen met je gemeente-account" in html
    refused = login(client, "medewerker@denhaag.example")
    assert refused.status_code == 401
    assert "gemeente-account" in refused.get_data(as_text=True)
    assert not logged_in(client)
    assert login(client, "beheer@denhaag.example").status_code == 302


def test_an_unreachable_idp_gives_a_clear_page(tmp_path, provider):
    app = make_app(tmp_path, provider)
    provider.stop()
    response = app.test_client().get("/login/sso")
    assert response.status_code == 502
    assert "niet bereikbaar" in response.get_data(as_text=True)


def test_without_sso_the_login_page_is_the_password_form(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="password"' in html and "gemeente-account" not in html
    assert client.get("/login/sso").status_code == 404


def test_cli_sso_check_prints_what_the_provider_offers(sso_app, provider):
    result = sso_app.test_cli_runner().invoke(args=["sso", "check"])
    assert result.exit_code == 0, result.output
    assert provider.url in result.output
    assert f"{provider.url}/oauth2/end_session" in result.output
    assert "S256" in result.output or "PKCE" in result.output


def test_demo_people_keep_their_demo_roles_when_they_log_in_through_sso(tmp_path, provider):
    """`make run-sso`: the demo provider's people and DEMO_GROUP_ROLES give every demo
    account the role, teams and department it already has."""
    from portal.demo import sso as demo
    from portal.demo.users import DEMO_USERS, ensure_users

    app = make_app(tmp_path, provider, OIDC_GROUP_ROLES=demo.DEMO_GROUP_ROLES)
    with app.app_context():
        ensure_users()
        people = demo.identities(app.config["DEPARTMENTS"])
    expected = {email: (role, sorted(teams), department)
                for email, _name, role, teams, department in DEMO_USERS}
    for person in people:
        if person["email"].split("@")[0] not in ("sanne.devries", "joost.bakker", "eva.mulder"):
            continue
        provider.set_user(person["sub"], **{k: v for k, v in person.items() if k != "sub"})
        client = app.test_client()
        assert sso_login(client, provider, person["sub"]).status_code == 302
        user = user_row(app, person["email"])
        assert (user["role"], user["teams"], user["department"]) == expected[person["email"]]
        assert user["external_subject"] == person["sub"]
    assert len(rows(app, "SELECT * FROM users")) == len(DEMO_USERS)


def test_claims_are_read_through_the_configured_names(app):
    from portal.accounts import sso

    with app.app_context():
        app.config.update(OIDC_GROUP_ROLES=GROUPS, OIDC_DEPARTMENTS={"SZW-01": "szw"})
        profile = sso.profile_from_claims("https://idp.example", {
            "sub": "x1", "preferred_username": "JDOE@denhaag.example", "given_name": "Jan",
            "family_name": "Doe", "groups": ["datashop-admins", "datashop-udp"],
            "department": "SZW-01"})
        assert (profile.email, profile.name, profile.department) == (
            "jdoe@denhaag.example", "Jan Doe", "szw")
        assert (profile.role, profile.teams) == ("admin", ["udp"])
        # Keycloak's preferred_username can be a plain user name: the email claim wins.
        profile = sso.profile_from_claims("https://idp.example", {
            "sub": "x2", "preferred_username": "jdoe", "email": "j.doe@denhaag.example",
            "department": "Onbekende dienst"})
        assert profile.email == "j.doe@denhaag.example" and profile.department is None
        assert (profile.role, profile.teams) == ("employee", None)


def test_an_account_without_an_email_claim_is_refused(sso_app, provider):
    provider.set_user("no-mail", name="Zonder Mail", groups=["datashop-staff"])
    response = sso_login(sso_app.test_client(), provider, "no-mail")
    assert response.status_code == 403
    assert "geen e-mailadres" in response.get_data(as_text=True)
    assert rows(sso_app, "SELECT * FROM users") == []


def test_cli_sso_check_without_sso_says_how_to_switch_it_on(app):
    result = app.test_cli_runner().invoke(args=["sso", "check"])
    assert result.exit_code != 0 and "OIDC_DISCOVERY_URL" in result.output


def test_an_idp_that_does_not_answer_gives_a_clear_page(tmp_path):
    """OIDC_TIMEOUT bounds every call: a provider that accepts but never answers."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        port = silent.getsockname()[1]
        app = create_app({
            "INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
            "SECRET_KEY": "test-secret",
            "OIDC_DISCOVERY_URL": f"http://127.0.0.1:{port}/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_TIMEOUT": 1})
        with app.app_context():
            migrations.upgrade(get_db())
        response = app.test_client().get("/login/sso")
        assert response.status_code == 502
        assert "niet bereikbaar" in response.get_data(as_text=True)
    finally:
        silent.close()
