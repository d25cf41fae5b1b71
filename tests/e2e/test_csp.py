"""The pages under their real Content-Security-Policy: htmx works, nothing is refused."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser_support import login_as
from tests.search_docs import load_knowledge


def test_htmx_pages_work_under_the_csp_with_no_violation(live_server, browser, make_user):
    load_knowledge(live_server.app)
    employee = make_user("employee")
    context = browser.new_context(locale="nl-NL")  # no bypass_csp: the policy is enforced
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    login_as(page, live_server.url, employee)
    page.goto(f"{live_server.url}/aanvraag/dashboard")
    page.locator("#subject").press_sequentially("Nieuw dashboard voor parkeerdruk", delay=20)
    # The suggestions arrive by htmx POST (CSRF header from hx-headers): script and XHR run.
    expect(page.locator("#suggestions").get_by_role("link", name="Een dashboard laten maken")
           ).to_be_visible(timeout=15_000)
    page.goto(f"{live_server.url}/zoeken/")
    page.locator("input[name=q]").press_sequentially("parkeer", delay=40)
    expect(page.locator("#search-results").get_by_role("link", name="Parkeerdata opvragen")
           ).to_be_visible()
    context.close()
    assert refused == []


def test_dashboard_charts_render_styled_under_the_csp(live_server, browser, make_user):
    """Inline SVG charts with their stylesheet from the portal: nothing refused, and the
    bars get pygal's colours from that stylesheet (not from inline styles)."""
    from portal.demo import tickets, users

    with live_server.app.test_request_context():
        tickets.load_tickets(users.ensure_users())
    staff = make_user("staff", teams=["bi"])
    context = browser.new_context(locale="nl-NL", viewport={"width": 320, "height": 640})
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    login_as(page, live_server.url, staff)
    page.goto(f"{live_server.url}/dashboard/loket")
    chart = page.locator("svg#chart-types")
    expect(chart).to_be_visible()
    fill = page.evaluate("getComputedStyle(document.querySelector("
                         "'svg#chart-types .series.color-0 rect')).fill")
    assert fill == "rgb(31, 95, 168)"  # the first colour of charts.STYLE
    box = chart.bounding_box()
    assert 0 < box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
    assert refused == []
