"""The assistant in a real browser: a question with its source link, a sign-up by chat, and
asking for a person."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from portal import timeutil
from tests.e2e.browser_support import login_as as _login
from tests.events_support import event_data
from tests.search_docs import load_knowledge


def _say(page, text):
    # htmx has swapped in the fresh form and bound it (else Enter would post it natively)
    page.wait_for_function("() => !document.querySelector("
                           "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")
    field = page.locator("#chat-form-message")
    field.fill(text)
    field.press("Enter")  # keyboard only


def test_ask_follow_the_source_sign_up_and_hand_over(live_server, page, make_user):
    app, base = live_server.app, live_server.url
    load_knowledge(app)
    staff, user = make_user("staff", teams=["bi"]), make_user()
    start = timeutil.now() + timedelta(days=14)
    from portal.events import service

    with app.test_request_context():
        event = service.create_event(staff, event_data(
            title="Inloopspreekuur Power BI", type="spreekuur", starts_at=timeutil.iso(start),
            ends_at=timeutil.iso(start + timedelta(hours=1))))
        service.publish_event(staff, event["id"])
    _login(page, base, user)

    page.goto(f"{base}/assistent")
    log = page.locator("#chat-log")
    expect(log).to_have_attribute("aria-live", "polite")
    _say(page, "hoe vraag ik parkeergegevens aan")
    expect(log).to_contain_text("Vraag de parkeergegevens aan bij de Datashop.")
    expect(page.locator("#chat-form-message")).to_be_focused()
    _say(page, "schrijf me in voor het power bi spreekuur")
    expect(log).to_contain_text("Zal ik je aanmelden")
    _say(page, "ja")
    expect(log).to_contain_text("Je bent aangemeld")
    _say(page, "ik wil een medewerker spreken")
    # wait for this question's own prompt (an earlier one also said "Antwoord “ja”")
    expect(log).to_contain_text("Zal ik dit gesprek doorgeven")
    _say(page, "ja")
    expect(log).to_contain_text("als aanvraag DS-")
    ticket_link = log.locator(".chat-links a", has_text="DS-").last
    number = ticket_link.inner_text()
    with page.expect_navigation():
        ticket_link.click()
    expect(page.locator("main")).to_contain_text(number)

    page.goto(f"{base}/assistent")
    source = page.locator("#chat-log .chat-sources a").first
    with page.expect_navigation():
        source.click()
    assert "/kennisbank/parkeerdata-opvragen" in page.url
