"""The events service: permissions per role, validation, the waiting list, attendance."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.errors import Conflict, Forbidden, Invalid, NotFound
from portal.events import attendance, registration, reminders, service
from tests.events_support import acting, call, clock, count, event_data, outbox, published  # noqa: F401


@pytest.fixture
def people(make_user):
    return {"staff": make_user("staff", teams=["bi"]), "admin": make_user("admin"),
            "organiser": make_user("employee", name="Olga Organiser"),
            "employees": [make_user("employee") for _ in range(5)]}


def test_only_staff_and_admins_create_events(app, people, clock):
    for role in ("staff", "admin"):
        event = call(app, service.create_event, people[role], event_data())
        assert event["status"] == "draft"
    for user in (people["organiser"], people["employees"][0]):
        with pytest.raises(Forbidden):
            call(app, service.create_event, user, event_data())
    assert count(app, "events") == 2


def test_drafts_are_seen_by_staff_and_their_organiser_only(app, people, clock):
    draft = call(app, service.create_event, people["staff"],
                 event_data(organiser_id=people["organiser"].id))
    assert call(app, service.get_event, people["organiser"], draft["id"])["status"] == "draft"
    with pytest.raises(NotFound):
        call(app, service.get_event, people["employees"][0], draft["id"])
    with pytest.raises(NotFound):
        call(app, registration.sign_up, people["employees"][0], draft["id"])
    listed = call(app, service.list_events, people["employees"][0])
    assert listed["total"] == 0
    call(app, service.publish_event, people["staff"], draft["id"])
    assert call(app, service.list_events, people["employees"][0])["total"] == 1


@pytest.mark.parametrize("change, field", [
    ({"ends_at": "2027-02-03T14:00:00+01:00"}, "ends_at"),              # end before start
    ({"starts_at": "2027-01-01T10:00:00+01:00",
      "ends_at": "2027-01-01T12:00:00+01:00"}, "starts_at"),            # a past start
    ({"capacity": 0}, "capacity"),
    ({"capacity": -3}, "capacity"),
    ({"capacity": 10**30}, "capacity"),
    ({"capacity": "12abc"}, "capacity"),
    ({"signup_deadline": "2027-02-04T10:00:00+01:00"}, "signup_deadline"),  # after the start
    ({"title": "x" * 161}, "title"),
    ({"description": "x" * 10_001}, "description"),
    ({"type": "party"}, "type"),
    ({"starts_at": "2027-02-03T15:00:00"}, "starts_at"),                # no offset in the API
    ({"starts_at": "morgen"}, "starts_at"),
    ({"location": None, "online_url": None}, "location"),
    ({"online_url": "javascript:alert(1)"}, "online_url"),
    ({"title": "\u200b"}, "title"),
])
def test_bad_input_is_refused_and_nothing_is_stored(app, people, clock, change, field):
    with pytest.raises(Invalid) as caught:
        call(app, service.create_event, people["staff"], event_data(**change))
    assert field in caught.value.fields
    assert count(app, "events") == 0


def test_an_unknown_field_is_refused(app, people, clock):
    with pytest.raises(Invalid):
        call(app, service.create_event, people["staff"], event_data(colour="red"))


def test_full_event_fills_the_waiting_list_in_order(app, people, clock):
    event = published(app, people["staff"], capacity=2)
    results = [call(app, registration.sign_up, e, event["id"])["registration"]
               for e in people["employees"]]
    assert [r["status"] for r in results] == ["confirmed"] * 2 + ["waitlisted"] * 3
    assert [r["position"] for r in results] == [None, None, 1, 2, 3]
    seen = call(app, service.get_event, people["employees"][4], event["id"])
    assert seen["seats_left"] == 0 and seen["my_registration"]["position"] == 3
    assert "confirmed_count" not in seen  # an employee sees seats, not who took them


def test_signing_up_twice_returns_the_existing_registration(app, people, clock):
    event = published(app, people["staff"])
    first = call(app, registration.sign_up, people["employees"][0], event["id"])
    again = call(app, registration.sign_up, people["employees"][0], event["id"])
    assert first["created"] and not again["created"]
    assert again["registration"]["id"] == first["registration"]["id"]
    assert count(app, "registrations") == 1
    assert len(outbox(app, people["employees"][0].email)) == 1


def test_a_cancellation_promotes_the_first_on_the_waiting_list(app, people, clock):
    event = published(app, people["staff"], capacity=1)
    first, second, third = people["employees"][:3]
    for user in (first, second, third):
        call(app, registration.sign_up, user, event["id"])
    call(app, registration.cancel, first, event["id"])
    assert call(app, service.get_event, second, event["id"])["my_registration"]["status"] == \
        "confirmed"
    assert call(app, service.get_event, third, event["id"])["my_registration"]["position"] == 1
    subjects = [m["subject"] for m in outbox(app, second.email)]
    assert subjects[-1].startswith("A seat for you") or subjects[-1].startswith("Een plek")
    assert "text/calendar" in outbox(app, second.email)[-1]["attachments"]


def test_cancelling_someone_elses_registration_is_not_found(app, people, clock):
    event = published(app, people["staff"])
    mine = call(app, registration.sign_up, people["employees"][0], event["id"])["registration"]
    with pytest.raises(NotFound):
        call(app, registration.cancel_registration, people["employees"][1], mine["id"])
    with pytest.raises(NotFound):
        call(app, registration.cancel, people["employees"][1], event["id"])
    # The organiser and staff may cancel it.
    assert call(app, registration.cancel_registration, people["staff"], mine["id"])["status"] == \
        "cancelled"


def test_sign_ups_close_after_the_deadline_and_at_the_start(app, people, clock):
    event = published(app, people["staff"], signup_deadline="2027-02-01T12:00:00+01:00")
    clock.set(clock_at("2027-02-01T12:01:00+01:00"))
    with pytest.raises(Conflict):
        call(app, registration.sign_up, people["employees"][0], event["id"])
    assert call(app, service.get_event, people["employees"][0], event["id"])["signup"] == "closed"
    assert count(app, "registrations") == 0


def clock_at(text):
    from portal import timeutil

    return timeutil.parse(text)


def test_the_waiting_list_survives_a_restart(app, people, clock):
    event = published(app, people["staff"], capacity=1)
    for user in people["employees"][:3]:
        call(app, registration.sign_up, user, event["id"])
    again = create_app({"INSTANCE_PATH": app.instance_path, "TESTING": True,
                        "SECRET_KEY": "test-secret"})
    with again.test_request_context():
        seen = service.get_event(people["employees"][2], event["id"])
        assert seen["my_registration"] == {**seen["my_registration"], "status": "waitlisted",
                                           "position": 2}
        registration.cancel(people["employees"][0], event["id"])
        assert service.get_event(people["employees"][1], event["id"])["my_registration"][
            "status"] == "confirmed"


def test_capacity_cannot_drop_below_the_seats_taken_and_raising_it_promotes(app, people, clock):
    event = published(app, people["staff"], capacity=2)
    for user in people["employees"][:4]:
        call(app, registration.sign_up, user, event["id"])
    with pytest.raises(Invalid) as caught:
        call(app, service.update_event, people["staff"], event["id"], {"capacity": 1})
    assert "capacity" in caught.value.fields
    call(app, service.update_event, people["staff"], event["id"], {"capacity": 3})
    statuses = [call(app, service.get_event, u, event["id"])["my_registration"]["status"]
                for u in people["employees"][:4]]
    assert statuses == ["confirmed", "confirmed", "confirmed", "waitlisted"]


def test_attendee_list_is_for_staff_and_the_organiser(app, people, clock):
    event = published(app, people["staff"], organiser_id=people["organiser"].id)
    call(app, registration.sign_up, people["employees"][0], event["id"])
    for user in (people["staff"], people["admin"], people["organiser"]):
        names = [p["name"] for p in call(app, attendance.attendees, user, event["id"])]
        assert names == [people["employees"][0].name]
    with pytest.raises(Forbidden):
        call(app, attendance.attendees, people["employees"][0], event["id"])
    with pytest.raises(Forbidden):
        call(app, attendance.event_figures, people["employees"][1], event["id"])
    with pytest.raises(Forbidden):  # the organiser checks in but does not edit
        call(app, service.update_event, people["organiser"], event["id"], {"capacity": 5})


def test_check_in_walk_ins_feedback_and_figures(app, people, clock):
    event = published(app, people["staff"], capacity=3, organiser_id=people["organiser"].id)
    a, b, c, d = people["employees"][:4]
    regs = [call(app, registration.sign_up, u, event["id"])["registration"] for u in (a, b, c, d)]
    clock.set(clock_at("2027-02-03T15:05:00+01:00"))
    call(app, attendance.set_attended, people["organiser"], event["id"], regs[0]["id"], True)
    call(app, attendance.set_attended, people["organiser"], event["id"], regs[1]["id"], True)
    with pytest.raises(Conflict):  # the waiting list has no seat
        call(app, attendance.set_attended, people["organiser"], event["id"], regs[3]["id"], True)
    call(app, attendance.add_walk_in, people["organiser"], event["id"], "Gast van buiten")
    call(app, attendance.add_walk_in, people["organiser"], event["id"], "", d.email)
    with pytest.raises(Conflict):
        call(app, attendance.give_feedback, a, event["id"], 5)  # not over yet
    clock.set(clock_at("2027-02-03T17:30:00+01:00"))
    call(app, attendance.give_feedback, a, event["id"], 5, "Heel nuttig")
    call(app, attendance.give_feedback, b, event["id"], "4")
    with pytest.raises(Forbidden):
        call(app, attendance.give_feedback, c, event["id"], 3)  # a no-show
    with pytest.raises(Invalid):
        call(app, attendance.give_feedback, a, event["id"], 6)
    figures = call(app, attendance.event_figures, people["staff"], event["id"])
    assert figures == {**figures, "confirmed": 3, "waitlisted": 0, "walk_ins": 2, "attended": 4,
                       "no_shows": 1, "attendance_rate": round(2 / 3, 3), "feedback_avg": 4.5,
                       "feedback_count": 2}
    period = call(app, attendance.period_figures, people["staff"], "2027-01-01T00:00:00+00:00",
                  "2028-01-01T00:00:00+00:00")
    assert period["total"]["events"] == 1 and period["by_type"]["meetup"]["no_shows"] == 1


def test_csv_export_neutralises_formulas(app, people, clock, make_user):
    event = published(app, people["staff"])
    sneaky = make_user("employee", name="=HYPERLINK(\"http://x\")")
    call(app, registration.sign_up, sneaky, event["id"])
    text = call(app, attendance.attendees_csv, people["staff"], event["id"])
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_reminders_are_sent_exactly_once_and_again_after_a_new_time(app, people, clock):
    event = published(app, people["staff"])
    call(app, registration.sign_up, people["employees"][0], event["id"])
    assert call(app, reminders.send_due_reminders) == 0  # weeks ahead
    clock.set(clock_at("2027-02-02T16:00:00+01:00"))  # 23 hours before
    assert call(app, reminders.send_due_reminders) == 1
    assert call(app, reminders.send_due_reminders) == 0
    call(app, service.update_event, people["staff"], event["id"],
         {"starts_at": "2027-02-03T16:00:00+01:00", "ends_at": "2027-02-03T18:00:00+01:00"})
    assert call(app, reminders.send_due_reminders) == 1
    mails = outbox(app, people["employees"][0].email)
    assert sum(m["subject"].startswith(("Reminder", "Herinnering")) for m in mails) == 2
    # Through a mail outage a reminder is retried only until the event is over.
    assert mails[-1]["expires_at"] == "2027-02-03T17:00:00+00:00"  # the new end


def test_cancelling_an_event_tells_everyone_and_closes_sign_ups(app, people, clock):
    event = published(app, people["staff"], capacity=1)
    for user in people["employees"][:2]:
        call(app, registration.sign_up, user, event["id"])
    call(app, service.cancel_event, people["staff"], event["id"])
    for user in people["employees"][:2]:
        assert outbox(app, user.email)[-1]["subject"].startswith(("Cancelled", "Geannuleerd"))
    with pytest.raises(Conflict):
        call(app, registration.sign_up, people["employees"][2], event["id"])
    with pytest.raises(Conflict):
        call(app, service.cancel_event, people["staff"], event["id"])


def test_portal_events_remind_from_cron(app, people, clock):
    event = published(app, people["staff"])
    call(app, registration.sign_up, people["employees"][0], event["id"])
    clock.set(clock_at("2027-02-02T18:00:00+01:00"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["events", "remind"])
    assert first.exit_code == 0 and "Reminders queued: 1" in first.output
    assert "Reminders queued: 0" in runner.invoke(args=["events", "remind"]).output


def test_attended_module_sessions_for_the_learning_track(app, people, clock):
    session = published(app, people["staff"], type="module_session",
                        title="Lesbijeenkomst: Datakwaliteit", module="dgw-03-datakwaliteit")
    meetup = published(app, people["staff"])
    learner, absent = people["employees"][:2]
    regs = {}
    for event in (session, meetup):
        for user in (learner, absent):
            regs[(event["id"], user.id)] = call(app, registration.sign_up, user,
                                                event["id"])["registration"]
    for event in (session, meetup):
        call(app, attendance.set_attended, people["staff"], event["id"],
             regs[(event["id"], learner.id)]["id"], True)
    done = call(app, attendance.attended_sessions, learner)
    assert [s["module"] for s in done] == ["dgw-03-datakwaliteit"]
    assert call(app, attendance.attended_sessions, learner, "dgw-01-introductie") == []
    assert call(app, attendance.attended_sessions, absent) == []
