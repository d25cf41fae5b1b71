"""Single sign-on in a real browser, under the pages' real CSP: log in at the (local,
real) identity provider, land in the portal, log out at the provider too."""

from __future__ import annotations

import pytest

from portal import create_app, migrations
from portal.db import get_db
from tests.conftest import LiveServer
from tests.sso_support import provider  # noqa: F401 (fixture)


@pytest.fixture
def portal(tmp_path, provider):
    app = create_app({
        "INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
        "SECRET_KEY": "test-secret", "KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
        "COURSES_DIR": str(tmp_path / "courses"), "SEARCH_ENGINE": "keyword",
        "OIDC_GROUP_ROLES": {"datashop-bi": {"role": "staff", "teams": ["bi"]}},
        **provider.config(),
    })
    with app.app_context():
        migrations.upgrade(get_db())
    server = LiveServer(app)
    app.config["BASE_URL"] = server.url  # the redirect URI registered at the IdP
    server.start()
    yield server
    server.stop()


def test_sso_login_and_logout_in_a_browser(browser, provider, portal):
    provider.set_user("joost-sub", email="joost.bakker@denhaag.example", name="Joost Bakker",
                      groups=["datashop-bi"], department="Stadsbeheer")
    # No bypass_csp: the logout form's redirect to the IdP must pass the real policy.
    context = browser.new_context(locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{portal.url}/login")
        with page.expect_navigation(url=f"{provider.url}/**"):
            page.get_by_role("link", name="Inloggen met je gemeente-account").click()
        page.fill("input[name=sub]", "joost-sub")
        with page.expect_navigation(url=f"{portal.url}/**"):
            page.get_by_role("button", name="Authorize").click()
        assert "Welkom, Joost Bakker." in page.locator("body").inner_text()
        page.goto(f"{portal.url}/behandelen")  # staff through the group claim
        assert page.locator("h1").first.inner_text()
        assert "/login" not in page.url

        with page.expect_navigation(url=f"{provider.url}/oauth2/end_session**"):
            page.get_by_role("button", name="Uitloggen").first.click()
        with page.expect_navigation(url=f"{portal.url}/login**"):
            page.get_by_role("button").first.click()  # the provider's "end session" button
        assert "Je bent uitgelogd." in page.locator("body").inner_text()
        page.goto(f"{portal.url}/account")
        assert "/login" in page.url
    finally:
        context.close()
