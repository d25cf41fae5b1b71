"""Helpers for the browser tests."""

from __future__ import annotations

from tests.conftest import PASSWORD


def login_as(page, base, user):
    """Log ``user`` in through the login form."""
    page.goto(f"{base}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
