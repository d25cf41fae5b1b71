"""The desk end to end in a real browser: an employee asks, staff handles, the employee rates.

Screenshots of every main page (desktop and 390 px phone width) go to
$PORTAL_E2E_SCREENSHOTS when set, else to the test's tmp folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

CSV = "wijk;aantal\nCentrum;120\nLaak;85\nEscamp;240\n".encode()
NOTE = "Intern: eerst navragen bij SZW of we de wijkcijfers mogen combineren."
REPLY = "Dank je! Bedoel je de stand per 1 januari of het gemiddelde over het jaar?"
ANSWER = "De stand per 1 januari graag, voor 2023 tot en met 2025."
SUBJECT = "Aantal uitkeringen per wijk voor de armoedemonitor"


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("PORTAL_E2E_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


def _login(page, base, email):
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _submit(page, form: str) -> None:
    """Click the form's submit button and wait for the page that the POST leads to."""
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()


def _other_tickets(app, employee):
    """A few other requests, so that filtering the queue visibly narrows it."""
    from portal.desk import service

    with app.test_request_context():
        for subject in ("Dashboard parkeervergunningen", "Open data speelplekken",
                        "Analyse van meldingen openbare ruimte"):
            service.create_ticket(employee, {
                "type": "other", "subject": subject, "description": "Graag hulp hiermee.",
                "department": "dsb", "personal_data": "no"})


def test_request_answer_reply_resolve_rate(live_server, browser, page, make_user, shots):
    app, base = live_server.app, live_server.url
    employee = make_user("employee", name="Sanne de Vries", department="szw")
    staff = make_user("staff", teams=["udp"], name="Mark Jansen")
    _other_tickets(app, make_user("employee", name="Pieter Smit", department="dsb"))

    # The employee picks a request type and fills the form, with an attachment.
    _login(page, base, employee.email)
    page.goto(f"{base}/aanvraag")
    shots(page, "01-choose-type")
    page.locator('a[href$="/aanvraag/data_delivery"]').click()
    page.fill("#subject", SUBJECT)
    page.fill("#description", "Voor de armoedemonitor zoeken we het aantal bijstandsuitkeringen "
                              "per wijk, zonder gegevens op persoonsniveau.")
    page.fill('[name="extra.dataset"]', "Bijstandsuitkeringen per wijk")
    page.fill('[name="extra.purpose"]', "Het hoofdstuk inkomen van de armoedemonitor 2026.")
    page.check('input[name="extra.format"][value="csv"]')
    page.check('input[name="extra.frequency"][value="once"]')
    page.select_option("#department", "szw")
    page.check('input[name="personal_data"][value="no"]')
    page.set_input_files("#attachments", files=[
        {"name": "wijken.csv", "mimeType": "text/csv", "buffer": CSV}])
    shots(page, "02-request-form")
    _submit(page, "form.request-form")

    # The confirmation shows the new number.
    page.wait_for_url(re.compile(r"/verstuurd$"))
    number = page.locator(".big-number strong").inner_text().strip()
    assert re.fullmatch(r"DS-\d{4}-\d{4}", number)
    assert page.locator(".files a", has_text="wijken.csv").is_visible()
    shots(page, "03-submitted")

    # Staff, in their own browser session, find it with the live filter of the queue.
    staff_context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900},
                                        bypass_csp=True)  # wait_for_function evaluates a string
    staff_context.set_default_timeout(10_000)
    desk = staff_context.new_page()
    _login(desk, base, staff.email)
    desk.goto(f"{base}/behandelen?status=all")
    rows = desk.locator("#queue-results tbody tr")
    assert rows.count() == 4
    desk.evaluate("window.__stillTheSamePage = true")
    desk.locator("#q").press_sequentially(number[-7:], delay=30)
    desk.wait_for_function("document.querySelectorAll('#queue-results tbody tr').length === 1")
    assert desk.evaluate("window.__stillTheSamePage === true"), "the filter should not reload the page"
    assert rows.first.locator("a", has_text=number).is_visible()
    assert f"q={number[-7:]}" in desk.url  # the filtered queue can be bookmarked
    shots(desk, "04-queue-filtered")

    desk.locator("#queue-results a", has_text=number).click()
    desk.wait_for_url(re.compile(re.escape(f"/aanvragen/{number}") + "$"))
    # The attachment is there for staff.
    href = desk.locator(".files a", has_text="wijken.csv").first.get_attribute("href")
    download = staff_context.request.get(base + href)
    assert download.ok and download.body() == CSV

    # Assign themselves.
    desk.select_option("#assignee", str(staff.id))
    _submit(desk, 'form[action$="/wijzigen"]')
    expect(desk.locator("#assignee")).to_have_value(str(staff.id))
    expect(desk.locator("aside .facts")).to_contain_text(staff.name)

    # An internal note and a public reply that waits for the requester.
    desk.fill("#body", NOTE)
    desk.check('input[name="internal"][value="1"]')
    _submit(desk, "form.reply-form")
    desk.locator(".thread li.internal", has_text=NOTE).wait_for()
    desk.fill("#body", REPLY)
    desk.check('input[name="internal"][value="0"]')
    desk.select_option("#reply-status", "waiting")
    _submit(desk, "form.reply-form")
    desk.locator(".thread li", has_text=REPLY).wait_for()
    expect(desk.locator("#status")).to_have_value("waiting")
    shots(desk, "05-ticket-staff")

    # The employee sees the reply, not the note, and answers.
    page.goto(f"{base}/aanvragen/{number}")
    page.locator(".thread li", has_text=REPLY).wait_for()
    assert page.get_by_text(NOTE).count() == 0
    assert page.locator("#status, #assignee, #reply-status").count() == 0  # no staff controls
    page.fill("#body", ANSWER)
    _submit(page, "form.reply-form")
    page.locator(".thread li.from-requester", has_text=ANSWER).wait_for()
    shots(page, "06-ticket-employee")

    # Staff see the answer (the ticket is back in progress) and resolve it.
    desk.reload()
    desk.locator(".thread li", has_text=ANSWER).wait_for()
    expect(desk.locator("#status")).to_have_value("in_progress")
    desk.select_option("#status", "resolved")
    _submit(desk, 'form[action$="/wijzigen"]')
    expect(desk.locator("#status")).to_have_value("resolved")

    # The employee rates it; the rating form is then gone.
    page.reload()
    rate = page.locator('form[action$="/beoordeling"]')
    rate.locator('input[name="score"][value="4"]').check()
    rate.locator("#comment").fill("Snel en duidelijk.")
    shots(page, "07-ticket-rate")
    _submit(page, 'form[action$="/beoordeling"]')
    expect(page.locator('form[action$="/beoordeling"]')).to_have_count(0)
    expect(page.get_by_text("Snel en duidelijk.")).to_be_visible()

    with app.app_context():
        from portal.db import get_db

        db = get_db()
        ticket = dict(next(db.query("SELECT * FROM tickets WHERE number = ?", [number])))
        assert (ticket["status"], ticket["assignee_id"]) == ("resolved", staff.id)
        assert next(db.query("SELECT score FROM ratings WHERE ticket_id = ?", [ticket["id"]]))["score"] == 4

    # The main pages at phone width.
    for who, path, name in ((page, "/aanvraag/data_delivery", "m-request-form"),
                            (desk, "/behandelen?status=all", "m-queue"),
                            (desk, f"/aanvragen/{number}", "m-ticket-staff"),
                            (page, f"/aanvragen/{number}", "m-ticket-employee")):
        who.set_viewport_size({"width": 390, "height": 844})
        who.goto(base + path)
        overflow = who.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        shots(who, name)
        assert overflow <= 1, f"{path} scrolls sideways on a phone ({overflow}px)"
    staff_context.close()
