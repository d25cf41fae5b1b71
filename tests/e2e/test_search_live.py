"""htmx in a real browser: results while typing, and suggestions while writing a request."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.browser_support import login_as
from tests.search_docs import load_knowledge


def test_results_appear_while_typing_without_a_page_load(live_server, page):
    load_knowledge(live_server.app)
    page.goto(f"{live_server.url}/zoeken/")
    page.evaluate("window.__samePage = true")  # gone if the browser navigates
    page.locator("input[name=q]").press_sequentially("parkeer", delay=60)
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="Parkeerdata opvragen")).to_be_visible()
    expect(results).to_contain_text("parkeer")
    # Screen readers get one short status line, not the whole list read out again.
    expect(page.locator("#search-status[role=status]")).to_contain_text("parkeer")
    assert results.get_attribute("aria-live") is None
    assert page.evaluate("window.__samePage === true")
    expect(page).to_have_url(re.compile(r"[?&]q=parkeer"))  # shareable, back-button friendly
    # A query with no match says so, still in place.
    page.locator("input[name=q]").fill("zzqqxx")
    expect(results).to_contain_text("zzqqxx")
    expect(results.get_by_role("link", name="Parkeerdata opvragen")).to_have_count(0)
    assert page.evaluate("window.__samePage === true")


def test_request_form_suggests_articles_while_the_employee_types(live_server, page, make_user):
    load_knowledge(live_server.app)
    employee = make_user("employee")
    login_as(page, live_server.url, employee)
    page.goto(f"{live_server.url}/aanvraag/dashboard")
    page.locator("#subject").press_sequentially("Nieuw dashboard voor parkeerdruk", delay=20)
    suggestions = page.locator("#suggestions")
    expect(suggestions.get_by_role("link", name="Een dashboard laten maken")).to_be_visible(
        timeout=10_000)
    expect(suggestions).to_contain_text("Misschien helpt dit al")
