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


def test_the_panel_after_a_handover_errors_scrolling_and_feedback_focus(live_server, page,
                                                                        make_user):
    app, base = live_server.app, live_server.url
    load_knowledge(app)
    user = make_user()
    from portal.chat import service as chat
    from tests.desk_support import acting

    with acting(app):  # an earlier conversation, handed over to the desk
        first = chat.handle(user, "ik wil een medewerker spreken")
        chat.handle(user, "ja", first["conversation_id"])
    _login(page, base, user)
    page.goto(f"{base}/kennisbank/")
    page.locator(".chat-panel summary").click()
    log = page.locator("#panel-log")

    def say(text):
        page.wait_for_function("() => !document.querySelector("
                               "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")
        field = page.locator("#panel-form-message")
        field.fill(text)
        field.press("Enter")

    # A new page's panel starts a new conversation: the question is answered, not filed.
    say("hoe vraag ik parkeergegevens aan")
    expect(log).to_contain_text("Vraag de parkeergegevens aan bij de Datashop.")
    expect(log).not_to_contain_text("DS-")
    # A refused message says why, in the log (htmx swaps no 4xx by itself).
    say("   ")
    expect(log.locator(".chat-error")).to_have_count(1)
    # The newest turn is in view after several.
    for question in ("hoe lang duurt een data-aanvraag", "hoe vraag ik parkeergegevens aan",
                     "hoe lang duurt een data-aanvraag"):
        say(question)
    expect(log.locator(".chat-assistant")).to_have_count(5)
    page.wait_for_function("() => { const l = document.querySelector('#panel-log');"
                           " return l.scrollHeight > l.clientHeight"
                           " && l.scrollTop + l.clientHeight >= l.scrollHeight - 2; }")
    # Feedback by keyboard keeps the focus in the conversation.
    thumbs = log.locator(".chat-feedback button[value='up']").last
    thumbs.focus()
    thumbs.press("Enter")
    expect(log.locator("[role=status]").last).to_be_focused()
