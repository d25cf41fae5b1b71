"""Both teachers of a module session host it: they see the attendee list and check people
in at the door; a teacher of another session and a learner cannot. A substitute takes
over as host from the teacher who dropped out."""

from __future__ import annotations

import pytest

from portal.errors import Forbidden
from portal.events import attendance, registration
from portal.events import service as events
from portal.learning import teachers
from tests.conftest import csrf
from tests.learning_support import INTRO, call, clock, courses, published, switch_to  # noqa: F401


@pytest.fixture
def session_with_two(app, courses, make_user, clock):
    staff = make_user("staff", teams=["bi"])
    people = {name: make_user("employee", name=name) for name in
              ("Anna Lead", "Bram Second", "Carla Elsewhere", "Dirk Spare", "Lotte Learner")}
    for name in ("Anna Lead", "Bram Second", "Carla Elsewhere", "Dirk Spare"):
        call(app, teachers.set_teacher, staff, people[name].id, [INTRO], 3)

    def session(day):
        return published(app, staff, title=f"Introductie {day}", type="module_session",
                         module=INTRO, starts_at=f"{day}T13:00:00+01:00",
                         ends_at=f"{day}T16:00:00+01:00")

    event, other = session("2027-02-03"), session("2027-02-10")
    call(app, teachers.assign, staff, event["id"], people["Anna Lead"].id)
    call(app, teachers.assign, staff, event["id"], people["Bram Second"].id)
    call(app, teachers.assign, staff, other["id"], people["Carla Elsewhere"].id)
    seat = call(app, registration.sign_up, people["Lotte Learner"], event["id"])
    return staff, people, event, seat


def _reg_id(seat: dict) -> int:
    return (seat.get("registration") or seat)["id"]


def test_the_second_teacher_sees_the_list_and_checks_people_in(client, app, session_with_two,
                                                                login_as):
    _staff, people, event, seat = session_with_two
    login_as(people["Bram Second"])
    page = client.get(f"/agenda/{event['id']}/deelnemers")
    assert page.status_code == 200 and "Lotte Learner" in page.get_data(as_text=True)
    token = csrf(client, f"/agenda/{event['id']}/deelnemers")
    marked = client.post(f"/agenda/{event['id']}/deelnemers/{_reg_id(seat)}/aanwezig",
                         data={"csrf_token": token, "present": "1"})
    assert marked.status_code == 303
    people_now = call(app, attendance.attendees, people["Anna Lead"], event["id"])
    assert [p["attended"] for p in people_now if p["name"] == "Lotte Learner"] == [True]
    detail = client.get(f"/agenda/{event['id']}").get_data(as_text=True)
    assert f'href="/agenda/{event["id"]}/deelnemers"' in detail
    teaching = client.get("/leerlijn/lesgeven").get_data(as_text=True)
    assert "Lotte Learner" in teaching


def test_a_teacher_of_another_session_and_a_learner_cannot(client, app, session_with_two,
                                                           login_as):
    _staff, people, event, seat = session_with_two
    for outsider in (people["Carla Elsewhere"], people["Lotte Learner"]):
        with pytest.raises(Forbidden):
            call(app, attendance.attendees, outsider, event["id"])
        with pytest.raises(Forbidden):
            call(app, attendance.set_attended, outsider, event["id"], _reg_id(seat), True)
    login_as(people["Carla Elsewhere"])
    assert client.get(f"/agenda/{event['id']}/deelnemers").status_code == 403
    token = csrf(client, "/leerlijn/lesgeven")
    assert client.post(f"/agenda/{event['id']}/deelnemers/{_reg_id(seat)}/aanwezig",
                       data={"csrf_token": token, "present": "1"}).status_code == 403
    assert "Lotte Learner" not in client.get("/leerlijn/lesgeven").get_data(as_text=True)
    switch_to(client, login_as, people["Lotte Learner"])
    assert client.get(f"/agenda/{event['id']}/deelnemers").status_code == 403
    assert not call(app, attendance.attendees, people["Anna Lead"], event["id"])[0]["attended"]


def test_a_substitute_replaces_the_dropped_teacher_as_host(app, session_with_two):
    staff, people, event, _seat = session_with_two
    call(app, teachers.replace, staff, event["id"], people["Bram Second"].id,
         people["Dirk Spare"].id)
    hosts = [h["name"] for h in call(app, events.hosts, staff, event["id"])]
    assert hosts == ["Anna Lead", "Dirk Spare"]
    assert call(app, attendance.attendees, people["Dirk Spare"], event["id"])
    with pytest.raises(Forbidden):
        call(app, attendance.attendees, people["Bram Second"], event["id"])
    # The lead drops out and nobody replaces her: she loses the list, the other teacher leads.
    call(app, teachers.remove, staff, event["id"], people["Anna Lead"].id)
    with pytest.raises(Forbidden):
        call(app, attendance.attendees, people["Anna Lead"], event["id"])
    assert call(app, events.get_event, staff, event["id"])["organiser"]["name"] == "Dirk Spare"
    # The last teacher off: the staff member organises; no teacher keeps the list.
    call(app, teachers.remove, staff, event["id"], people["Dirk Spare"].id)
    with pytest.raises(Forbidden):
        call(app, attendance.attendees, people["Dirk Spare"], event["id"])
    assert call(app, events.get_event, staff, event["id"])["organiser"]["id"] == staff.id


def test_only_staff_choose_hosts(app, session_with_two):
    staff, people, event, _seat = session_with_two
    with pytest.raises(Forbidden):
        call(app, events.add_host, people["Anna Lead"], event["id"], people["Dirk Spare"].id)
    assert [h["name"] for h in call(app, events.add_host, staff, event["id"],
                                    people["Dirk Spare"].id)][-1] == "Dirk Spare"
    assert call(app, events.get_event, people["Lotte Learner"], event["id"])["hosts"][-1][
        "name"] == "Dirk Spare"
