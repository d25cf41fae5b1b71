"""Desk services: requests, numbering, validation, lifecycle, permissions, history and mail."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from portal.desk import lifecycle, queue, service
from portal.desk.attachments import Upload
from portal.errors import Conflict, Forbidden, Invalid, NotFound
from tests.desk_support import EXTRAS, MONDAY, acting, clock, count, create, outbox, ticket_data  # noqa: F401

PDF = b"%PDF-1.7\n%test\n"


@pytest.mark.parametrize("type_key", list(EXTRAS))
def test_every_request_type_is_stored_with_its_extras_and_routed(app, make_user, clock, type_key):
    employee = make_user("employee")
    ticket = create(app, employee, type_key)
    expected = {k: v for k, v in EXTRAS[type_key].items() if v}
    assert ticket["extra"] == expected
    assert ticket["status"] == "new" and "priority" not in ticket  # triage data: staff only
    routes = {"data_delivery": "udp", "analysis": "analytics-ai", "dashboard": "bi",
              "ai_advice": "analytics-ai", "open_data": "open-data", "privacy_ethics": None,
              "udc_research": "udc", "other": None}
    assert ticket["team"] == routes[type_key]
    assert ticket["number"] == "DS-2026-0001"


def test_numbers_count_per_year_with_the_configured_prefix(app, make_user, clock):
    app.config["TICKET_PREFIX"] = "DH"
    employee = make_user("employee")
    assert create(app, employee)["number"] == "DH-2026-0001"
    assert create(app, employee)["number"] == "DH-2026-0002"
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc))  # already 1 January in Den Haag
    assert create(app, employee)["number"] == "DH-2027-0001"


@pytest.mark.parametrize("overrides, field", [
    ({"subject": ""}, "subject"),
    ({"subject": "   "}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"description": "y" * 10001}, "description"),
    ({"department": "nasa"}, "department"),
    ({"personal_data": "maybe"}, "personal_data"),
    ({"desired_date": "2026-02-30"}, "desired_date"),
    ({"desired_date": "next week"}, "desired_date"),
    ({"desired_date": "2026-03-01"}, "desired_date"),  # yesterday
    ({"type": "coffee"}, "type"),
    ({"extra": {"question": "Q", "colour": "red"}}, "extra.colour"),
    ({"extra": {}}, "extra.question"),
    ({"subject": 42}, "subject"),
    ({"priority": "urgent"}, "priority"),
])
def test_invalid_requests_store_nothing(app, make_user, clock, overrides, field):
    employee = make_user("employee")
    with pytest.raises(Invalid) as info:
        create(app, employee, "analysis", **overrides)
    assert field in info.value.fields
    assert count(app, "tickets") == 0 and count(app, "outbox") == 0
    assert count(app, "ticket_counters") == 0


def test_bad_choice_in_extra_field_is_rejected(app, make_user, clock):
    employee = make_user("employee")
    with pytest.raises(Invalid) as info:
        create(app, employee, "data_delivery", extra={**EXTRAS["data_delivery"], "format": "pdf"})
    assert "extra.format" in info.value.fields


def _files(app):
    """Every file under the upload folder (incoming/ included)."""
    return [name for _, _, names in os.walk(app.config["UPLOAD_FOLDER"]) for name in names]


@pytest.mark.parametrize("upload, message", [
    (Upload("evil.exe", b"MZ\x90\x00"), "niet toegestaan"),
    (Upload("fake.pdf", b"<html>not a pdf</html>"), "geen echt"),
    (Upload("big.pdf", b"%PDF-" + b"0" * 2048), "te groot"),
    (Upload("empty.csv", b""), "is leeg"),
    (Upload("binary.csv", b"a,b\x00\x01"), "tekstbestand"),
])
def test_bad_attachments_store_nothing(app, make_user, clock, upload, message):
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    employee = make_user("employee")
    with pytest.raises(Invalid) as info:
        create(app, employee, uploads=[Upload("ok.pdf", PDF), upload])
    assert message in info.value.message
    assert count(app, "tickets") == 0 and count(app, "attachments") == 0 and _files(app) == []


def test_too_many_attachments(app, make_user, clock):
    employee = make_user("employee")
    uploads = [Upload(f"f{i}.txt", b"hello") for i in range(app.config["MAX_ATTACHMENTS_PER_POST"] + 1)]
    with pytest.raises(Invalid):
        create(app, employee, uploads=uploads)
    assert _files(app) == []


def test_attachments_get_random_names_and_sanitised_filenames(app, make_user, clock):
    employee = make_user("employee")
    ticket = create(app, employee, uploads=[Upload("..\\..\\etc/Rapport\x07 <2026>.pdf", PDF)])
    with acting(app):
        files = service.ticket_attachments(employee, ticket["number"])
        meta, path = service.get_attachment(employee, files[0]["id"])
    assert meta["filename"] == "Rapport _2026_.pdf"
    assert meta["content_type"] == "application/pdf"
    assert path.name != meta["filename"] and len(path.name) == 32 and path.read_bytes() == PDF


def test_failed_transaction_removes_written_files(app, make_user, clock, monkeypatch):
    employee = make_user("employee")
    from portal.desk import notify

    def broken(*args, **kwargs):
        raise RuntimeError("mail template broken")

    monkeypatch.setattr(notify, "ticket_created", broken)
    with pytest.raises(RuntimeError):
        create(app, employee, uploads=[Upload("a.pdf", PDF)])
    assert count(app, "tickets") == 0 and count(app, "attachments") == 0 and _files(app) == []
    assert count(app, "ticket_counters") == 0


def test_employees_see_only_their_own_tickets(app, make_user, clock):
    alice, bob, staff = make_user("employee"), make_user("employee"), make_user("staff", teams=["bi"])
    ticket = create(app, alice)
    with acting(app):
        assert service.get_ticket(alice, ticket["number"])["subject"]
        assert service.get_ticket(staff, ticket["number"])["subject"]
        with pytest.raises(NotFound):
            service.get_ticket(bob, ticket["number"])
        with pytest.raises(NotFound):
            service.add_comment(bob, ticket["number"], "Hallo")
        with pytest.raises(NotFound):
            lifecycle.update_ticket(bob, ticket["number"], {"status": "in_progress"})
        assert queue.list_tickets(bob, {"status": "all"})["total"] == 0
        assert queue.list_tickets(staff, {"status": "all"})["total"] == 1


def test_internal_notes_never_reach_the_requester(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["analytics-ai"])
    ticket = create(app, alice)
    sent_before = len(outbox(app))
    with acting(app):
        service.add_comment(staff, ticket["number"], "GEHEIM: lastige aanvrager", internal=True,
                            uploads=[Upload("notes.txt", b"intern")])
        service.add_comment(staff, ticket["number"], "We pakken het op.")
        thread = service.get_thread(alice, ticket["number"])
        assert [c["body"] for c in thread] == ["We pakken het op."]
        assert service.ticket_attachments(alice, ticket["number"]) == []
        internal_file = service.get_thread(staff, ticket["number"])[0]["attachments"][0]
        with pytest.raises(NotFound):
            service.get_attachment(alice, internal_file["id"])
        with pytest.raises(Forbidden):
            service.add_comment(alice, ticket["number"], "sneaky", internal=True)
    mails = outbox(app)[sent_before:]
    assert [m["to_addr"] for m in mails] == [alice.email]
    assert all("GEHEIM" not in (m["body_text"] + (m["body_html"] or "") + m["subject"]) for m in mails)


def test_first_public_staff_reply_is_the_first_response(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff")
    ticket = create(app, alice)
    with acting(app):
        service.add_comment(staff, ticket["number"], "note", internal=True)
        assert service.get_ticket(staff, ticket["number"])["first_response_at"] is None
        service.add_comment(staff, ticket["number"], "Hallo!")
        assert service.get_ticket(staff, ticket["number"])["first_response_at"] is not None


def test_lifecycle_with_history_and_mails(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["analytics-ai"])
    number = create(app, alice)["number"]
    with acting(app):
        t = lifecycle.update_ticket(staff, number, {"status": "in_progress", "priority": "high",
                                                    "assignee": staff.email, "tags": "Wijk, BRP ,wijk"})
        assert (t["status"], t["priority"], t["assignee"]["id"], t["tags"]) == \
            ("in_progress", "high", staff.id, ["brp", "wijk"])
        with pytest.raises(Conflict):
            lifecycle.change_status(staff, number, "closed")  # not from in progress
        lifecycle.change_status(staff, number, "waiting")
        service.add_comment(alice, number, "Hier is de info.")  # back to in progress by itself
        assert service.get_ticket(alice, number)["status"] == "in_progress"
        lifecycle.change_status(staff, number, "resolved")
        lifecycle.change_status(staff, number, "closed")
        events = [(e["field"], e["old"], e["new"]) for e in service.list_events(staff, number)]
        with pytest.raises(Forbidden):
            service.list_events(alice, number)
    assert events == [
        ("created", None, "analysis"), ("priority", "normal", "high"), ("assignee", None, staff.name),
        ("tags", "", "brp, wijk"), ("status", "new", "in_progress"), ("status", "in_progress", "waiting"),
        ("status", "waiting", "in_progress"), ("status", "in_progress", "resolved"),
        ("status", "resolved", "closed")]
    subjects = [m["subject"] for m in outbox(app) if m["to_addr"] == alice.email]
    assert len(subjects) == 5  # confirmation + 4 status changes by staff (not her own reply)
    # Every mail about the ticket lands in one thread in the requester's mail client.
    from portal.mail.sender import build_message

    with app.app_context():
        threads = {build_message(app.config, m)["References"] for m in outbox(app)
                   if m["to_addr"] == alice.email}
    assert len(threads) == 1 and None not in threads


def test_employee_cannot_triage_or_change_status(app, make_user, clock):
    alice = make_user("employee")
    number = create(app, alice)["number"]
    with acting(app):
        for changes in ({"status": "resolved"}, {"priority": "urgent"}, {"tags": ["x"]},
                        {"status": "in_progress", "team": "bi"}):
            with pytest.raises(Forbidden):
                lifecycle.update_ticket(alice, number, changes)
        with pytest.raises(Forbidden):  # reopen only from resolved
            lifecycle.reopen(alice, number)


def test_assignee_must_be_staff(app, make_user, clock):
    alice, bob, staff = make_user("employee"), make_user("employee"), make_user("staff")
    number = create(app, alice)["number"]
    sent = len(outbox(app))
    with acting(app):
        for value in (bob.id, bob.email, "nobody@x.example", 99999, "abc"):
            with pytest.raises(Invalid):
                lifecycle.update_ticket(staff, number, {"assignee": value})
        with pytest.raises(Invalid):
            lifecycle.update_ticket(staff, number, {"team": "finance"})
    assert len(outbox(app)) == sent and count(app, "ticket_events", "field = 'assignee'") == 0


def test_assignment_mails_the_assignee_in_the_same_transaction(app, make_user, clock):
    alice, lead, expert = make_user("employee"), make_user("staff"), make_user("staff", teams=["bi"])
    number = create(app, alice)["number"]
    with acting(app):
        lifecycle.update_ticket(lead, number, {"assignee": str(expert.id)})
    mails = [m for m in outbox(app) if m["to_addr"] == expert.email]
    assert len(mails) == 1 and number in mails[0]["subject"]
    assert "/aanvragen/" + number in mails[0]["body_text"]


def test_reopen_window_and_closed_is_final(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff")
    number = create(app, alice)["number"]
    with acting(app):
        lifecycle.change_status(staff, number, "resolved")
    clock.set(MONDAY + timedelta(days=app.config["REOPEN_DAYS"] - 1))
    with acting(app):
        assert lifecycle.reopen(alice, number)["status"] == "in_progress"
        events = service.list_events(staff, number)
        assert events[-1]["field"] == "reopen"
        lifecycle.change_status(staff, number, "resolved")
    clock.set(MONDAY + timedelta(days=2 * app.config["REOPEN_DAYS"]))
    with acting(app):
        with pytest.raises(Forbidden):
            lifecycle.reopen(alice, number)
        assert lifecycle.close_resolved() == [number]
        assert lifecycle.close_resolved() == []
        with pytest.raises(Forbidden):
            lifecycle.reopen(alice, number)
        with pytest.raises(Conflict):
            service.add_comment(alice, number, "Nog een vraag")
        assert service.get_ticket(alice, number)["status"] == "closed"


def test_rating_once_and_only_after_resolution(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff")
    number = create(app, alice)["number"]
    with acting(app):
        with pytest.raises(Conflict):
            lifecycle.rate_ticket(alice, number, 5)
        lifecycle.change_status(staff, number, "resolved")
        with pytest.raises(Forbidden):
            lifecycle.rate_ticket(staff, number, 5)
        for bad in (0, 6, "five", True, None):
            with pytest.raises(Invalid):
                lifecycle.rate_ticket(alice, number, bad)
        lifecycle.rate_ticket(alice, number, 4, "Snel geholpen")
        with pytest.raises(Conflict):
            lifecycle.rate_ticket(alice, number, 5)
        assert lifecycle.get_rating(alice, number)["score"] == 4
        assert service.list_events(staff, number)[-1]["field"] == "rating"


def test_sla_clock_pauses_while_waiting(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff")
    number = create(app, alice)["number"]  # Monday 09:00: resolution due after 80 business hours
    with acting(app):
        due_before = service.get_ticket(staff, number)["resolve_due_at"]
        clock.set(MONDAY + timedelta(hours=2))
        lifecycle.change_status(staff, number, "waiting")
        clock.set(MONDAY + timedelta(days=7, hours=2))  # a week later, 11:00
        service.add_comment(alice, number, "Sorry, was op vakantie")
        ticket = service.get_ticket(staff, number)
    assert ticket["status"] == "in_progress"
    shift = datetime.fromisoformat(ticket["resolve_due_at"]) - datetime.fromisoformat(due_before)
    assert shift == timedelta(days=7)  # exactly the 5 business days it waited


def test_priority_change_recomputes_the_dues(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff")
    number = create(app, alice)["number"]
    with acting(app):
        before = service.get_ticket(staff, number)
        after = lifecycle.update_ticket(staff, number, {"priority": "urgent"})
    assert after["response_due_at"] == "2026-03-02T12:00:00+00:00"  # 4 business hours after 09:00 CET
    assert after["resolve_due_at"] < before["resolve_due_at"]


def test_overdue_and_at_risk_in_the_queue(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff")
    late = create(app, alice, subject="Late")["number"]
    create(app, alice, subject="Fresh")
    with acting(app):
        lifecycle.update_ticket(staff, late, {"priority": "urgent"})
    clock.set(MONDAY + timedelta(hours=3, minutes=30))  # urgent: 4h response, at risk after 3h
    with acting(app):
        assert [t["number"] for t in queue.list_tickets(staff, {"at_risk": "1"})["items"]] == [late]
    clock.set(MONDAY + timedelta(hours=5))
    with acting(app):
        assert [t["number"] for t in queue.list_tickets(staff, {"overdue": True})["items"]] == [late]
        assert queue.queue_counts(staff)["overdue"] == 1
        lifecycle.change_status(staff, late, "waiting")
        assert queue.list_tickets(staff, {"overdue": True})["total"] == 0


def test_outbox_row_only_when_the_change_is_committed(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff")
    number = create(app, alice)["number"]
    before = len(outbox(app))
    with acting(app):
        with pytest.raises(Conflict):
            lifecycle.update_ticket(staff, number, {"priority": "high", "status": "closed"})
        assert service.get_ticket(staff, number)["priority"] == "normal"
    assert len(outbox(app)) == before


def test_extra_is_stored_as_json(app, make_user, clock):
    alice = make_user("employee")
    number = create(app, alice, "dashboard")["number"]
    with acting(app) as db:
        raw = db.execute("SELECT extra FROM tickets WHERE number = ?", [number]).fetchone()[0]
    assert json.loads(raw)["refresh"] == "weekly"


def test_canned_replies_are_staff_only_and_filled_in(app, make_user, clock):
    from portal.desk import canned

    alice, staff = make_user("employee"), make_user("staff", name="Sam Staf")
    ticket = create(app, alice)
    with acting(app):
        item = canned.create_canned(staff, "Ontvangen", "Beste {requester}, {number} is in behandeling. {me}")
        with pytest.raises(Forbidden):
            canned.list_canned(alice)
        assert canned.fill(item["body"], ticket, staff) == \
            f"Beste {alice.name}, {ticket['number']} is in behandeling. Sam Staf"
        with pytest.raises(Invalid):
            canned.create_canned(staff, "", "x")
