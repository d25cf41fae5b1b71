"""The learning track in a real browser: enrol, read, pass the quiz, attend a session
(checked in by staff), get the certificate, and verify it logged out."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from playwright.sync_api import expect

from portal import timeutil
from tests.e2e.test_events_flow import DESKTOP, _page
from tests.events_support import event_data
from tests.learning_support import INTRO, PRIVACY, call, complete_intro, courses, right_answers  # noqa: F401


def _anonymous(browser):
    context = browser.new_context(locale="nl-NL", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_learner_completes_a_module_and_the_certificate_verifies_logged_out(
        live_server, browser, make_user, courses):
    from portal.events import service

    app, base = live_server.app, live_server.url
    staff = make_user("staff", teams=["bi"])
    learner = make_user("employee", name="Zoë de Vries")
    complete_intro(app, learner)  # the prerequisite of privacy
    start = timeutil.now() + timedelta(days=7)
    with app.test_request_context():
        session = service.create_event(staff, event_data(
            title="Lesbijeenkomst privacy", type="module_session", module=PRIVACY,
            starts_at=timeutil.iso(start), ends_at=timeutil.iso(start + timedelta(hours=2))))
        service.publish_event(staff, session["id"])

    context, page = _page(browser, base, learner)
    page.get_by_role("link", name="Leerlijn").first.click()
    expect(page.locator("h1")).to_have_text("Mijn leerlijn")
    page.get_by_role("link", name="Privacy en AVG in de praktijk").first.click()
    page.get_by_role("button", name="Inschrijven voor deze module").click()
    expect(page.locator("main")).to_contain_text("Je bent ingeschreven")
    while page.get_by_role("button", name=re.compile("^Markeren als gelezen")).count():
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("^Markeren als gelezen")).first.click()
    expect(page.locator("#leesvoortgang")).to_contain_text("✓")

    page.get_by_role("button", name="Start de toets").click()
    expect(page.locator("h1")).to_contain_text("Toets")
    for qid, options in right_answers(app, PRIVACY).items():
        for option in options:
            page.locator(f"#q-{qid}-{option}").check()
    page.get_by_role("button", name="Antwoorden inleveren").click()
    expect(page.locator("main")).to_contain_text("Je hebt de toets gehaald met 100%")

    page.goto(f"{base}/leerlijn/{PRIVACY}")
    page.get_by_role("link", name="Lesbijeenkomst privacy").click()
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.locator("#signup")).to_contain_text("Je bent aangemeld")

    timeutil.set_now(start + timedelta(minutes=5))  # the morning of the session
    try:
        staff_context, staff_page = _page(browser, base, staff)
        staff_page.goto(f"{base}/agenda/{session['id']}/deelnemers")
        staff_page.locator("button.checkin", has_text="Zoë de Vries").click()
        expect(staff_page.locator("button.checkin", has_text="Zoë de Vries")).to_have_attribute(
            "aria-pressed", "true")
        staff_context.close()

        page.goto(f"{base}/leerlijn")
        page.locator("#certs-heading + ul a", has_text="Privacy").click()
        expect(page.locator("h1")).to_have_text("Certificaat")
        verify_url = page.locator("dd a[href*='/certificaat/']").get_attribute("href")
        context.close()

        anonymous, public = _anonymous(browser)
        public.goto(base + urlsplit(verify_url).path)  # the link is on BASE_URL
        expect(public.locator("main")).to_contain_text("Geldig certificaat")
        expect(public.locator("main")).to_contain_text("Zoë de Vries")
        expect(public.locator("main")).to_contain_text("Privacy en AVG in de praktijk")
        expect(public.locator("main")).not_to_contain_text(learner.email)
        anonymous.close()
    finally:
        timeutil.set_now(None)
