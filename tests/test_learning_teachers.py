"""The teacher pool: assignment rules, load per quarter, substitutes and who is told."""

from __future__ import annotations

import pytest

from portal.errors import Conflict, Forbidden, Invalid
from portal.learning import availability, teachers
from tests.learning_support import INTRO, PRIVACY, call, clock, courses, outbox, published  # noqa: F401


@pytest.fixture
def pool(app, courses, make_user):
    staff = make_user("staff", teams=["bi"])
    people = {name: make_user("employee", name=name) for name in
              ("Anna Analist", "Bram BI", "Carla Privacy", "Dirk Data")}
    for name, modules, maximum in (("Anna Analist", [INTRO, PRIVACY], 3),
                                   ("Bram BI", [INTRO], 3), ("Carla Privacy", [PRIVACY], 1),
                                   ("Dirk Data", [INTRO], 3)):
        call(app, teachers.set_teacher, staff, people[name].id, modules, maximum)
    return staff, people


def session(app, staff, day: str, module=INTRO, **extra):
    return published(app, staff, title=f"Sessie {module} {day}", type="module_session",
                     module=module, starts_at=f"{day}T13:00:00+01:00",
                     ends_at=f"{day}T16:00:00+01:00", **extra)


def test_only_staff_manage_the_pool(app, pool, clock):
    staff, people = pool
    with pytest.raises(Forbidden):
        call(app, teachers.set_teacher, people["Anna Analist"], people["Bram BI"].id, [INTRO], 3)
    with pytest.raises(Forbidden):
        call(app, teachers.list_teachers, people["Anna Analist"])
    for bad in ({"modules": ["nope"]}, {"max_per_quarter": "-1"}, {"max_per_quarter": "veel"}):
        args = {"modules": [INTRO], "max_per_quarter": 3, **bad}
        with pytest.raises(Invalid):
            call(app, teachers.set_teacher, staff, people["Bram BI"].id, args["modules"],
                 args["max_per_quarter"])


def test_a_session_has_one_or_two_teachers_who_may_teach_the_module(app, pool, clock):
    staff, people = pool
    event = session(app, staff, "2027-02-03")
    with pytest.raises(Conflict):  # Carla teaches privacy only
        call(app, teachers.assign, staff, event["id"], people["Carla Privacy"].id)
    call(app, teachers.assign, staff, event["id"], people["Anna Analist"].id)
    call(app, teachers.assign, staff, event["id"], people["Bram BI"].id)
    with pytest.raises(Conflict):
        call(app, teachers.assign, staff, event["id"], people["Dirk Data"].id)
    from portal.events import service as events

    assert call(app, events.get_event, staff, event["id"])["organiser"]["name"] == "Anna Analist"
    meetup = published(app, staff)
    with pytest.raises(Conflict):
        call(app, teachers.assign, staff, meetup["id"], people["Dirk Data"].id)


def test_unavailable_and_over_the_maximum_cannot_be_assigned(app, pool, clock):
    staff, people = pool
    call(app, availability.add_unavailable, staff, people["Bram BI"].id, "2027-02-01", "2027-02-14",
         "Vakantie")
    first = session(app, staff, "2027-02-03", module=PRIVACY)
    with pytest.raises(Conflict):
        call(app, teachers.assign, staff, session(app, staff, "2027-02-04")["id"],
             people["Bram BI"].id)
    call(app, teachers.assign, staff, first["id"], people["Carla Privacy"].id)  # max 1
    second = session(app, staff, "2027-03-03", module=PRIVACY)
    with pytest.raises(Conflict):
        call(app, teachers.assign, staff, second["id"], people["Carla Privacy"].id)
    with pytest.raises(Invalid):
        call(app, availability.add_unavailable, staff, people["Bram BI"].id, "2027-02-10",
             "2027-02-01")


def test_load_per_quarter_counts_sessions_and_hours(app, pool, clock):
    staff, people = pool
    for day in ("2027-02-03", "2027-03-10"):
        call(app, teachers.assign, staff, session(app, staff, day)["id"], people["Anna Analist"].id)
    call(app, teachers.assign, staff, session(app, staff, "2027-04-07")["id"],
         people["Anna Analist"].id)
    load = {t["name"]: t for t in call(app, teachers.list_teachers, staff, "2027-Q1")["items"]}
    assert (load["Anna Analist"]["sessions"], load["Anna Analist"]["hours"]) == (2, 6.0)
    assert load["Anna Analist"]["max_per_quarter"] == 3
    assert load["Bram BI"]["sessions"] == 0
    q2 = {t["name"]: t for t in call(app, teachers.list_teachers, staff, "2027-Q2")["items"]}
    assert q2["Anna Analist"]["sessions"] == 1
    with pytest.raises(Invalid):
        call(app, teachers.list_teachers, staff, "2027-Q5")


def test_substitutes_are_free_allowed_and_ranked_by_lowest_load(app, pool, clock):
    staff, people = pool
    target = session(app, staff, "2027-02-10")
    call(app, teachers.assign, staff, target["id"], people["Anna Analist"].id)
    # Bram has two sessions this quarter, Dirk none; Carla may not teach the intro.
    for day in ("2027-02-17", "2027-02-24"):
        call(app, teachers.assign, staff, session(app, staff, day)["id"], people["Bram BI"].id)
    proposal = call(app, teachers.substitutes, staff, target["id"], people["Anna Analist"].id)
    assert [t["name"] for t in proposal["items"]] == ["Dirk Data", "Bram BI"]
    # Dirk becomes unavailable: he drops out of the proposal.
    call(app, availability.add_unavailable, staff, people["Dirk Data"].id, "2027-02-10",
         "2027-02-10")
    proposal = call(app, teachers.substitutes, staff, target["id"], people["Anna Analist"].id)
    assert [t["name"] for t in proposal["items"]] == ["Bram BI"]


def test_a_teacher_busy_at_the_same_time_is_not_proposed(app, pool, clock):
    staff, people = pool
    target = session(app, staff, "2027-02-10")
    call(app, teachers.assign, staff, target["id"], people["Anna Analist"].id)
    clash = session(app, staff, "2027-02-10", module=INTRO, location="Spui 70, zaal 9")
    call(app, teachers.assign, staff, clash["id"], people["Dirk Data"].id)
    proposal = call(app, teachers.substitutes, staff, target["id"], people["Anna Analist"].id)
    assert [t["name"] for t in proposal["items"]] == ["Bram BI"]


def test_confirming_a_substitute_tells_teachers_and_learners(app, pool, make_user, clock):
    from portal.events import registration

    staff, people = pool
    target = session(app, staff, "2027-02-10")
    call(app, teachers.assign, staff, target["id"], people["Anna Analist"].id)
    learner = make_user("employee", name="Lotte Leerling")
    call(app, registration.sign_up, learner, target["id"])
    before = len(outbox(app, learner.email))
    teachers_now = call(app, teachers.replace, staff, target["id"], people["Anna Analist"].id,
                        people["Dirk Data"].id)
    assert [t["name"] for t in teachers_now] == ["Dirk Data"]
    learner_mail = outbox(app, learner.email)[before:]
    assert len(learner_mail) == 1 and "invite.ics" in learner_mail[0]["attachments"]
    assert any("invite.ics" in m["attachments"] for m in outbox(app, people["Dirk Data"].email))
    assert any("cancel.ics" in m["attachments"]
               for m in outbox(app, people["Anna Analist"].email))
    from portal.events import service as events

    assert call(app, events.get_event, staff, target["id"])["organiser"]["name"] == "Dirk Data"
    with pytest.raises(Conflict):  # Carla may not teach the intro
        call(app, teachers.replace, staff, target["id"], people["Dirk Data"].id,
             people["Carla Privacy"].id)


def test_a_teacher_sees_their_own_upcoming_sessions(app, pool, clock):
    staff, people = pool
    target = session(app, staff, "2027-02-10")
    call(app, teachers.assign, staff, target["id"], people["Anna Analist"].id)
    mine = call(app, teachers.my_sessions, people["Anna Analist"])
    assert [e["id"] for e in mine] == [target["id"]]
    assert call(app, teachers.my_sessions, people["Bram BI"]) == []
