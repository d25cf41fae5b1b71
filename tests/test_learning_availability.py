"""Teachers' unavailable periods: staff edit anyone's, a teacher their own; validated;
the substitute proposal and the staff pages take them into account."""

from __future__ import annotations

import pytest

from portal.errors import Forbidden, Invalid, NotFound
from portal.learning import availability, teachers
from tests.conftest import csrf
from tests.learning_support import (INTRO, call, clock, courses, outbox, published,  # noqa: F401
                                    switch_to)


@pytest.fixture
def pool(app, courses, make_user, clock):
    staff = make_user("staff", teams=["bi"])
    people = {name: make_user("employee", name=name)
              for name in ("Anna Analist", "Bram BI", "Dirk Data", "Lotte Leerling")}
    for name in ("Anna Analist", "Bram BI", "Dirk Data"):
        call(app, teachers.set_teacher, staff, people[name].id, [INTRO], 3)
    return staff, people


def session(app, staff, day: str):
    return published(app, staff, title=f"Introductie {day}", type="module_session",
                     module=INTRO, starts_at=f"{day}T13:00:00+01:00",
                     ends_at=f"{day}T16:00:00+01:00")


def periods(app, staff, name):
    items = call(app, teachers.list_teachers, staff, "2027-Q1")["items"]
    return [(u["starts_on"], u["ends_on"]) for t in items if t["name"] == name
            for u in t["unavailable"]]


@pytest.mark.parametrize("first, last, field", [
    ("2027-02-10", "2027-02-01", "ends_on"),      # end before the start
    ("2027-02-01", "2028-03-01", "ends_on"),      # longer than a year
    ("2026-12-01", "2027-01-05", "ends_on"),      # already over (today is 2027-01-11)
    ("10-02-2027", "2027-02-12", "starts_on"),    # not YYYY-MM-DD
    ("2027-02-30", "2027-03-01", "starts_on"),    # no such day
    ("", "2027-03-01", "starts_on"),
])
def test_bad_periods_are_refused_and_nothing_is_stored(app, pool, first, last, field):
    staff, people = pool
    with pytest.raises(Invalid) as caught:
        call(app, availability.add_unavailable, staff, people["Bram BI"].id, first, last)
    assert field in caught.value.fields
    assert periods(app, staff, "Bram BI") == []


def test_a_single_day_counts_and_overlaps_are_refused(app, pool):
    staff, people = pool
    bram = people["Bram BI"].id
    call(app, availability.add_unavailable, staff, bram, "2027-02-10", "2027-02-10", "Tandarts")
    call(app, availability.add_unavailable, staff, bram, "2027-02-11", "2027-02-20")
    for first, last in (("2027-02-05", "2027-02-10"), ("2027-02-15", "2027-02-25"),
                        ("2027-02-01", "2027-03-01"), ("2027-02-12", "2027-02-13")):
        with pytest.raises(Invalid) as caught:
            call(app, availability.add_unavailable, staff, bram, first, last)
        assert "starts_on" in caught.value.fields
    assert periods(app, staff, "Bram BI") == [("2027-02-10", "2027-02-10"),
                                              ("2027-02-11", "2027-02-20")]
    # Another teacher's periods do not count as an overlap.
    call(app, availability.add_unavailable, staff, people["Dirk Data"].id, "2027-02-10",
         "2027-02-12")


def test_a_teacher_edits_only_their_own_periods(app, pool):
    staff, people = pool
    anna, bram = people["Anna Analist"], people["Bram BI"]
    mine = call(app, availability.add_unavailable, anna, anna.id, "2027-03-01", "2027-03-05")
    with pytest.raises(Forbidden):
        call(app, availability.add_unavailable, anna, bram.id, "2027-03-01", "2027-03-05")
    with pytest.raises(Forbidden):  # not in the pool
        call(app, availability.add_unavailable, people["Lotte Leerling"], bram.id,
             "2027-03-01", "2027-03-05")
    with pytest.raises(NotFound):  # in no pool: no periods of their own
        call(app, availability.add_unavailable, people["Lotte Leerling"],
             people["Lotte Leerling"].id, "2027-03-01", "2027-03-05")
    period_id = mine["unavailable"][0]["id"]
    with pytest.raises(NotFound):
        call(app, availability.remove_unavailable, bram, period_id)
    assert call(app, availability.remove_unavailable, anna, period_id)["unavailable"] == []
    theirs = call(app, availability.add_unavailable, staff, bram.id, "2027-03-01", "2027-03-05")
    assert call(app, availability.remove_unavailable, staff,
                theirs["unavailable"][0]["id"])["unavailable"] == []


def test_the_substitute_proposal_skips_unavailable_teachers_and_clashes_are_reported(app, pool):
    staff, people = pool
    target = session(app, staff, "2027-02-10")
    call(app, teachers.assign, staff, target["id"], people["Anna Analist"].id)
    proposal = call(app, teachers.substitutes, staff, target["id"], people["Anna Analist"].id)
    assert {t["name"] for t in proposal["items"]} == {"Bram BI", "Dirk Data"}
    # Anna marks her holiday over the session she teaches: it is reported and flagged.
    anna = people["Anna Analist"]
    result = call(app, availability.add_unavailable, anna, anna.id, "2027-02-08", "2027-02-12")
    assert [e["id"] for e in result["clashes"]] == [target["id"]]
    flagged = call(app, teachers.upcoming_sessions, staff)
    assert [t["unavailable"] for e in flagged if e["id"] == target["id"]
            for t in e["teachers"]] == [True]
    call(app, availability.add_unavailable, staff, people["Dirk Data"].id, "2027-02-10",
         "2027-02-10")
    proposal = call(app, teachers.substitutes, staff, target["id"], anna.id)
    assert [t["name"] for t in proposal["items"]] == ["Bram BI"]


def test_the_pages_for_staff_and_teacher(client, app, pool, login_as):
    staff, people = pool
    anna, bram = people["Anna Analist"], people["Bram BI"]
    target = session(app, staff, "2027-02-10")
    call(app, teachers.assign, staff, target["id"], bram.id)
    login_as(staff)
    token = csrf(client, "/leerlijn/beheer/docenten")
    saved = client.post("/leerlijn/beheer/docenten/afwezig", data={
        "csrf_token": token, "teacher_id": bram.id, "starts_on": "2027-02-09",
        "ends_on": "2027-02-11", "reason": "Cursus"}, follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Cursus" in html
    assert f"/leerlijn/beheer/sessies/{target['id']}?uitval={bram.id}" in html  # flagged
    bad = client.post("/leerlijn/beheer/docenten/afwezig", data={
        "csrf_token": token, "teacher_id": bram.id, "starts_on": "2027-02-10",
        "ends_on": "2027-02-12"})
    assert bad.status_code == 400 and 'role="alert"' in bad.get_data(as_text=True)
    assert len(call(app, teachers.my_profile, bram)["unavailable"]) == 1
    assert client.post("/leerlijn/beheer/docenten/afwezig", data={
        "csrf_token": token, "teacher_id": "x", "starts_on": "2027-02-20",
        "ends_on": "2027-02-21"}).status_code == 400
    assert client.post("/leerlijn/beheer/docenten/afwezig", data={
        "csrf_token": token, "teacher_id": people["Lotte Leerling"].id,
        "starts_on": "2027-02-20", "ends_on": "2027-02-21"}).status_code == 404
    period_id = call(app, teachers.my_profile, bram)["unavailable"][0]["id"]
    # The teacher: their own periods on "Mijn lessen"; someone else's cannot be removed.
    switch_to(client, login_as, anna)
    page = client.get("/leerlijn/lesgeven").get_data(as_text=True)
    assert 'id="afwezig"' in page and "Cursus" not in page
    token = csrf(client, "/leerlijn/lesgeven")
    assert client.post(f"/leerlijn/lesgeven/afwezig/{period_id}/verwijderen",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/leerlijn/beheer/docenten/afwezig/{period_id}/verwijderen",
                       data={"csrf_token": token}).status_code == 403
    added = client.post("/leerlijn/lesgeven/afwezig", data={
        "csrf_token": token, "starts_on": "2027-03-01", "ends_on": "2027-03-05",
        "reason": "Vakantie"}, follow_redirects=True)
    assert added.status_code == 200 and "Vakantie" in added.get_data(as_text=True)
    assert client.post("/leerlijn/lesgeven/afwezig", data={
        "csrf_token": token, "starts_on": "2027-03-05", "ends_on": "2027-03-01"}
    ).status_code == 400
    own_id = call(app, teachers.my_profile, anna)["unavailable"][0]["id"]
    assert client.post(f"/leerlijn/lesgeven/afwezig/{own_id}/verwijderen",
                       data={"csrf_token": token}).status_code == 303
    assert call(app, teachers.my_profile, anna)["unavailable"] == []
    assert [p["id"] for p in call(app, teachers.my_profile, bram)["unavailable"]] == [period_id]


def test_the_team_is_mailed_when_a_teacher_is_unavailable_over_their_session(app, pool):
    staff, people = pool
    anna, bram = people["Anna Analist"], people["Bram BI"]
    target = session(app, staff, "2027-02-10")
    call(app, teachers.assign, staff, target["id"], anna.id)
    team = "datashop-team@denhaag.example"
    before = len(outbox(app, team))
    call(app, availability.add_unavailable, bram, bram.id, "2027-02-08", "2027-02-12")
    assert len(outbox(app, team)) == before  # Bram teaches nothing then
    call(app, availability.add_unavailable, anna, anna.id, "2027-02-08", "2027-02-12", "Griep")
    mails = outbox(app, team)[before:]
    assert len(mails) == 1 and "Anna Analist" in mails[0]["subject"]
    assert f"/leerlijn/beheer/sessies/{target['id']}?uitval={anna.id}" in mails[0]["body_text"]
    assert "Griep" in mails[0]["body_text"]
    # Staff entering it themselves see the clash on the page; no mail to themselves.
    call(app, availability.add_unavailable, staff, anna.id, "2027-02-13", "2027-02-20")
    other = session(app, staff, "2027-03-03")
    call(app, teachers.assign, staff, other["id"], bram.id)
    call(app, availability.add_unavailable, staff, bram.id, "2027-03-01", "2027-03-05")
    assert len(outbox(app, team)) == before + 1
