"""The second teacher of a session in a real browser: "Mijn lessen" shows the attendee
list, the check-in at the door works for them, and the teacher and staff pages of the
teacher pool pass axe."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from portal import timeutil
from tests.e2e.browser_support import login_as
from tests.e2e.test_accessibility import Audit, _context
from tests.events_support import event_data
from tests.learning_support import INTRO, call, courses  # noqa: F401


def _page(browser, base, user):
    context = _context(browser)  # bypasses the CSP only so that axe can be injected
    page = context.new_page()
    login_as(page, base, user)
    return context, page


def test_the_second_teacher_checks_people_in_from_mijn_lessen(live_server, browser, make_user,
                                                               courses):
    from portal.events import registration, service
    from portal.learning import availability, teachers

    app, base = live_server.app, live_server.url
    staff = make_user("staff", teams=["bi"])
    lead, second = make_user("employee", name="Anna Lead"), make_user("employee", name="Bram Twee")
    learner = make_user("employee", name="Lotte Leerling")
    for person in (lead, second):
        call(app, teachers.set_teacher, staff, person.id, [INTRO], 3)
    start = timeutil.now() + timedelta(days=7)
    with app.test_request_context():
        event = service.create_event(staff, event_data(
            title="Lesbijeenkomst introductie", type="module_session", module=INTRO,
            starts_at=timeutil.iso(start), ends_at=timeutil.iso(start + timedelta(hours=2))))
        service.publish_event(staff, event["id"])
    call(app, teachers.assign, staff, event["id"], lead.id)
    call(app, teachers.assign, staff, event["id"], second.id)
    call(app, registration.sign_up, learner, event["id"])
    later = (timeutil.local(start).date() + timedelta(days=20)).isoformat()
    call(app, availability.add_unavailable, second, second.id, later, later, "Cursus")

    audit = Audit(base)
    context, page = _page(browser, base, second)
    audit.visit(page, "/leerlijn/lesgeven", "Mijn lessen (second teacher)")
    expect(page.locator("h1")).to_have_text("Mijn lessen")
    expect(page.locator("main")).to_contain_text("Anna Lead, Bram Twee")
    expect(page.locator("details").first).to_contain_text("Lotte Leerling")
    page.get_by_role("link", name="Deelnemers en aanwezigheid").first.click()
    button = page.locator("button.checkin", has_text="Lotte Leerling")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    page.goto(f"{base}/leerlijn/lesgeven")
    expect(page.locator("details").first).to_contain_text("aanwezig")
    page.fill("#starts_on", later)
    page.fill("#ends_on", (timeutil.local(start).date() + timedelta(days=18)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Periode opslaan").click()
    expect(page.locator("main [role=alert]")).to_be_visible()
    audit.check(page, "Mijn lessen with errors in the unavailable form")
    context.close()

    context, page = _page(browser, base, staff)
    audit.visit(page, "/leerlijn/beheer", "learning management")
    audit.visit(page, "/leerlijn/beheer/docenten", "teacher pool")
    audit.visit(page, f"/leerlijn/beheer/docenten?docent={second.id}", "teacher pool, change")
    audit.visit(page, f"/agenda/{event['id']}", "module session (staff)")
    audit.visit(page, f"/leerlijn/beheer/deelnemer?email={learner.email}", "one learner")
    context.close()
    assert not audit.found, f"axe found violations:\n{audit.report()}"
