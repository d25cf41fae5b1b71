"""The agenda in a real browser: the last seat, the waiting list, and a promotion."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from portal import timeutil
from tests.conftest import PASSWORD
from tests.events_support import call, event_data

DESKTOP = {"width": 1280, "height": 900}


def _page(browser, base, user):
    context = browser.new_context(locale="nl-NL", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url
    return context, page


def test_last_seat_waiting_list_and_promotion(live_server, browser, make_user):
    from portal.events import registration, service

    app, base = live_server.app, live_server.url
    staff = make_user("staff", teams=["bi"])
    early, first, second = (make_user("employee", name=n) for n in
                            ("Eerste Eva", "Anna Aanmelder", "Bas Wachter"))
    start = timeutil.now() + timedelta(days=14)
    data = event_data(title="Inloopspreekuur Power BI", type="spreekuur", capacity=2,
                      starts_at=timeutil.iso(start),
                      ends_at=timeutil.iso(start + timedelta(hours=1)))
    with app.test_request_context():
        event = service.create_event(staff, data)
        service.publish_event(staff, event["id"])
    call(app, registration.sign_up, early, event["id"])
    url = f"{base}/agenda/{event['id']}"

    context_a, page_a = _page(browser, base, first)
    page_a.goto(f"{base}/agenda")
    expect(page_a.locator(".event-card", has_text="Inloopspreekuur Power BI")).to_contain_text(
        "1 plek vrij")
    page_a.goto(url)
    page_a.get_by_role("button", name="Aanmelden").click()  # htmx swaps the box
    expect(page_a.locator("#signup")).to_contain_text("Je bent aangemeld")
    expect(page_a.locator("#signup")).to_contain_text("Vol: wachtlijst")

    context_b, page_b = _page(browser, base, second)
    page_b.goto(url)
    page_b.get_by_role("button", name="Op de wachtlijst").click()
    expect(page_b.locator("#signup")).to_contain_text("Wachtlijst: nummer 1")
    expect(page_b.locator("main")).not_to_contain_text("Anna Aanmelder")  # no names for employees

    page_a.get_by_role("button", name="Afmelden").click()
    expect(page_a.locator("#signup")).to_contain_text("Je aanmelding is geannuleerd")

    page_b.reload()
    expect(page_b.locator("#signup")).to_contain_text("Je bent aangemeld")
    page_b.get_by_role("link", name="Mijn aanmeldingen").first.click()
    expect(page_b.locator("main")).to_contain_text("Inloopspreekuur Power BI")
    expect(page_b.locator("main .badge-ok")).to_contain_text("Je bent aangemeld")
    with app.app_context():
        from portal.db import get_db

        subjects = [r["subject"] for r in get_db().query(
            "SELECT subject FROM outbox WHERE to_addr = ? ORDER BY id", [second.email])]
    assert subjects[-1].startswith("Een plek voor je")
    context_a.close()
    context_b.close()
