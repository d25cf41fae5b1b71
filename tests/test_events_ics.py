"""The calendar invitations: parsed with icalendar across create, change and cancel."""

from __future__ import annotations

import email
import json
from email import policy

from icalendar import Calendar

from portal.events import feed, registration, service
from portal.mail.sender import build_message
from tests.events_support import call, clock, outbox, published  # noqa: F401


def _invitations(app, address: str) -> list[Calendar]:
    out = []
    for row in outbox(app, address):
        for item in json.loads(row["attachments"]):
            assert item["content_type"] == "text/calendar"
            cal = Calendar.from_ical(item["content"])
            assert item["params"]["method"] == str(cal["METHOD"])
            out.append(cal)
    return out


def _vevent(cal: Calendar):
    (event,) = cal.walk("VEVENT")
    return event


def test_uid_stays_and_sequence_rises_across_create_change_and_cancel(app, make_user, clock):
    staff, employee = make_user("staff", teams=["bi"]), make_user("employee")
    event = published(app, staff)
    call(app, registration.sign_up, employee, event["id"])
    call(app, service.update_event, staff, event["id"], {"location": "Atrium, Spui 70"})
    call(app, service.update_event, staff, event["id"], {"title": "Nieuwe titel"})  # no new time
    call(app, service.update_event, staff, event["id"],
         {"starts_at": "2027-02-03T16:00:00+01:00", "ends_at": "2027-02-03T18:00:00+01:00"})
    call(app, service.cancel_event, staff, event["id"])
    cals = _invitations(app, employee.email)
    assert [str(c["METHOD"]) for c in cals] == ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]
    events = [_vevent(c) for c in cals]
    assert len({str(e["UID"]) for e in events}) == 1
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2, 3]
    assert str(events[1]["LOCATION"]) == "Atrium, Spui 70"
    assert events[2].decoded("DTSTART").isoformat() == "2027-02-03T15:00:00+00:00"
    assert str(events[3]["STATUS"]) == "CANCELLED"
    assert events[0].walk("VALARM") and not events[3].walk("VALARM")
    assert str(events[0]["ATTENDEE"]) == f"mailto:{employee.email}"


def test_cancelling_and_signing_up_again_keeps_the_uid_with_a_higher_sequence(app, make_user, clock):
    staff, employee = make_user("staff", teams=["bi"]), make_user("employee")
    event = published(app, staff)
    call(app, registration.sign_up, employee, event["id"])
    call(app, registration.cancel, employee, event["id"])
    call(app, registration.sign_up, employee, event["id"])
    events = [(str(c["METHOD"]), _vevent(c)) for c in _invitations(app, employee.email)]
    assert [(m, int(e["SEQUENCE"])) for m, e in events] == [("REQUEST", 0), ("CANCEL", 1),
                                                            ("REQUEST", 2)]
    assert len({str(e["UID"]) for _, e in events}) == 1


def test_each_registration_has_its_own_uid(app, make_user, clock):
    staff = make_user("staff", teams=["bi"])
    a, b = make_user("employee"), make_user("employee")
    event = published(app, staff)
    for user in (a, b):
        call(app, registration.sign_up, user, event["id"])
    uids = {str(_vevent(c)["UID"]) for u in (a, b) for c in _invitations(app, u.email)}
    assert len(uids) == 2


def test_the_mail_carries_a_calendar_part_with_its_method(app, make_user, clock):
    staff, employee = make_user("staff", teams=["bi"]), make_user("employee")
    event = published(app, staff)
    call(app, registration.sign_up, employee, event["id"])
    row = outbox(app, employee.email)[0]
    with app.app_context():
        raw = bytes(build_message(app.config, row))
    message = email.message_from_bytes(raw, policy=policy.default)
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_param("method") == "REQUEST"
    assert Calendar.from_ical(parts[0].get_content())["METHOD"] == "REQUEST"
    assert message.get_body(("plain",)) is not None


def test_the_feed_lists_confirmed_events_only_and_can_be_revoked(app, make_user, clock):
    staff, employee = make_user("staff", teams=["bi"]), make_user("employee")
    other = make_user("employee")
    mine = published(app, staff, title="Mijn meetup", capacity=1)
    full = published(app, staff, title="Vol", capacity=1)
    call(app, registration.sign_up, employee, mine["id"])
    call(app, registration.sign_up, other, full["id"])
    call(app, registration.sign_up, employee, full["id"])  # waiting list: not in the feed
    with app.test_request_context():
        token = feed.create_feed(employee)
    client = app.test_client()
    response = client.get(f"/agenda/feed/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    titles = [str(e["SUMMARY"]) for e in Calendar.from_ical(response.data).walk("VEVENT")]
    assert titles == ["Mijn meetup"]
    with app.test_request_context():
        feed.revoke_feed(employee)
    assert client.get(f"/agenda/feed/{token}.ics").status_code == 404
    assert client.get("/agenda/feed/dsc_guess.ics").status_code == 404


def test_the_outbox_refuses_attachments_it_cannot_send(app):
    import pytest

    from portal.errors import Invalid
    from portal.mail.outbox import enqueue

    with app.app_context():
        from portal.db import get_db

        for bad in ({"filename": "x.exe", "content_type": "application/octet-stream",
                     "content": "MZ"},
                    {"filename": "", "content_type": "text/calendar", "content": "BEGIN"},
                    {"filename": "a.ics", "content_type": "text/calendar", "content": b"raw"}):
            with pytest.raises(Invalid):
                enqueue(get_db(), to="a@denhaag.example", subject="s", text="t",
                        attachments=[bad])
