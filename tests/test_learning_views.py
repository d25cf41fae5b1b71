"""Learner and staff pages, the public verification page and the learning API."""

from __future__ import annotations

import pytest

from portal.learning import service
from tests.conftest import csrf
from tests.learning_support import (INTRO, QUALITY, acting, call, complete_intro,  # noqa: F401
                                    courses, published, right_answers, switch_to)


@pytest.fixture
def people(make_user):
    return {"staff": make_user("staff", teams=["bi"]),
            "learner": make_user("employee", name="Sanne de Vries"),
            "other": make_user("employee", name="Piet Jansen")}


def test_nav_and_overview_show_the_track(client, courses, people, login_as):
    login_as(people["learner"])
    page = client.get("/leerlijn")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Datakwaliteit" in html and "<progress" in html
    assert 'href="/leerlijn"' in html
    assert client.get(f"/leerlijn/{INTRO}").status_code == 200
    assert client.get("/leerlijn/bestaat-niet").status_code == 404


def test_the_learning_pages_need_a_login(client, courses):
    assert client.get("/leerlijn").status_code == 302
    assert client.get(f"/leerlijn/{INTRO}").status_code == 302


def test_enrol_read_and_pass_the_quiz_through_the_pages(client, app, courses, people, login_as):
    login_as(people["learner"])
    token = csrf(client, "/leerlijn")
    locked = client.post(f"/leerlijn/{QUALITY}/inschrijven", data={"csrf_token": token})
    assert locked.status_code == 409
    assert f'href="/leerlijn/{INTRO}"' in locked.get_data(as_text=True)
    assert client.post(f"/leerlijn/{INTRO}/inschrijven",
                       data={"csrf_token": token}).status_code == 303
    with acting(app):
        from portal.learning import content
        sections = content.module(INTRO)["sections"]
    for section in sections:
        client.post(f"/leerlijn/{INTRO}/gelezen", data={"csrf_token": token,
                                                         "section": section["id"]})
    start = client.post(f"/leerlijn/{INTRO}/toets", data={"csrf_token": token})
    assert start.status_code == 303
    quiz_url = start.headers["Location"]
    form = client.get(quiz_url).get_data(as_text=True)
    assert 'type="radio"' in form
    data = {"csrf_token": token}
    for qid, options in right_answers(app, INTRO).items():
        data[f"q-{qid}"] = options
    assert client.post(quiz_url, data=data).status_code == 303
    result = client.get(quiz_url).get_data(as_text=True)
    assert "100%" in result
    overview = client.get("/leerlijn").get_data(as_text=True)
    assert "/leerlijn/certificaten/" in overview


def test_certificate_page_pdf_and_public_verification(client, app, courses, people, login_as):
    complete_intro(app, people["learner"])
    code = call(app, service.overview, people["learner"])["certificates"][0]["code"]
    public = client.get(f"/certificaat/{code}")
    html = public.get_data(as_text=True)
    assert public.status_code == 200 and "Sanne de Vries" in html
    assert "Introductie datagedreven werken" in html
    assert "@denhaag" not in html  # only name, what and when
    assert client.get("/certificaat/NOPE-NOPE").status_code == 404
    api = client.get(f"/api/v1/certificates/{code}")
    assert api.status_code == 200 and api.get_json()["valid"] is True
    login_as(people["learner"])
    assert client.get(f"/leerlijn/certificaten/{code}").status_code == 200
    pdf = client.get(f"/leerlijn/certificaten/{code}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_another_learner_cannot_open_a_certificate_page_or_attempt(client, app, courses, people,
                                                                    login_as):
    complete_intro(app, people["learner"])
    code = call(app, service.overview, people["learner"])["certificates"][0]["code"]
    login_as(people["other"])
    assert client.get(f"/leerlijn/certificaten/{code}").status_code == 404
    assert client.get(f"/leerlijn/certificaten/{code}.pdf").status_code == 404
    assert client.get("/leerlijn/toets/1").status_code == 404


def test_staff_revoke_and_the_public_page_says_so(client, app, courses, people, login_as):
    complete_intro(app, people["learner"])
    code = call(app, service.overview, people["learner"])["certificates"][0]["code"]
    login_as(people["staff"])
    page = client.get("/leerlijn/beheer")
    assert page.status_code == 200
    token = csrf(client, "/leerlijn/beheer")
    assert client.post("/leerlijn/beheer/intrekken", data={
        "csrf_token": token, "code": code, "reason": "Fout"}).status_code == 303
    client.post("/logout", data={"csrf_token": token})
    assert client.get(f"/api/v1/certificates/{code}").get_json()["valid"] is False
    assert client.get(f"/certificaat/{code}").status_code == 200
    login_as(people["staff"])
    csv = client.get("/leerlijn/beheer/voltooiingen.csv")
    assert csv.status_code == 200 and "Sanne de Vries" in csv.get_data(as_text=True)


def test_staff_pages_are_for_staff_only(client, courses, people, login_as):
    login_as(people["learner"])
    assert client.get("/leerlijn/beheer").status_code == 403
    assert client.get("/leerlijn/beheer/voltooiingen.csv").status_code == 403


def test_staff_waive_through_the_page(client, app, courses, people, login_as):
    login_as(people["staff"])
    token = csrf(client, "/leerlijn/beheer")
    bad = client.post("/leerlijn/beheer/vrijstelling", data={
        "csrf_token": token, "email": "niemand@denhaag.example", "module": QUALITY,
        "prerequisite": INTRO, "reason": "x"})
    assert bad.status_code == 400
    ok = client.post("/leerlijn/beheer/vrijstelling", data={
        "csrf_token": token, "email": people["learner"].email, "module": QUALITY,
        "prerequisite": INTRO, "reason": "Ervaren analist"})
    assert ok.status_code == 303
    state = call(app, service.overview, people["learner"])["modules"][2]
    assert state["id"] == QUALITY and state["state"] == "open"


def _token(app, user):
    from portal.accounts import service as accounts

    with app.app_context():
        return accounts.create_token(user.id)


def test_api_modules_enrolment_and_me(client, app, courses, people):
    headers = {"Authorization": f"Bearer {_token(app, people['learner'])}"}
    modules = client.get("/api/v1/learning/modules", headers=headers).get_json()["items"]
    assert modules[0]["id"] == INTRO and modules[0]["state"] == "open"
    locked = client.post(f"/api/v1/learning/modules/{QUALITY}/enrolment", headers=headers)
    assert locked.status_code == 409
    assert locked.get_json()["missing_prerequisites"][0]["id"] == INTRO
    ok = client.post(f"/api/v1/learning/modules/{INTRO}/enrolment", headers=headers)
    assert ok.status_code == 200 and ok.get_json()["state"] == "enrolled"
    assert client.post("/api/v1/learning/modules/nope/enrolment",
                       headers=headers).status_code == 404
    complete_intro(app, people["learner"])
    me = client.get("/api/v1/learning/me", headers=headers).get_json()
    assert me["completed"] == 1 and me["certificates"][0]["verify_url"].endswith(
        me["certificates"][0]["code"])
    assert client.get("/api/v1/learning/me").status_code == 401


def test_staff_see_teacher_load_and_confirm_a_substitute(client, app, courses, people, login_as,
                                                         make_user):
    from datetime import datetime, timezone

    from portal import timeutil
    from portal.learning import teachers
    from tests.learning_support import published

    timeutil.set_now(datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc))
    try:
        staff = people["staff"]
        anna, bram = make_user("employee", name="Anna Analist"), make_user("employee",
                                                                            name="Bram BI")
        for person in (anna, bram):
            call(app, teachers.set_teacher, staff, person.id, [INTRO], 3)
        event = published(app, staff, title="Introductie sessie", type="module_session",
                          module=INTRO)
        call(app, teachers.assign, staff, event["id"], anna.id)
        login_as(staff)
        pool = client.get("/leerlijn/beheer/docenten?kwartaal=2027-Q1").get_data(as_text=True)
        assert "Anna Analist" in pool and "Introductie sessie" in pool
        assert client.get("/leerlijn/beheer/docenten?kwartaal=bad").status_code == 400
        page = client.get(f"/leerlijn/beheer/sessies/{event['id']}?uitval={anna.id}")
        assert "Bram BI" in page.get_data(as_text=True)
        token = csrf(client, "/leerlijn/beheer/docenten")
        done = client.post(f"/leerlijn/beheer/sessies/{event['id']}/vervanging", data={
            "csrf_token": token, "teacher_id": anna.id, "substitute_id": bram.id})
        assert done.status_code == 303
        assert [t["name"] for t in call(app, teachers.session_teachers, event["id"])] == ["Bram BI"]
        bad = client.post(f"/leerlijn/beheer/sessies/{event['id']}/docent", data={
            "csrf_token": token, "teacher_id": "abc"})
        assert bad.status_code == 400
        switch_to(client, login_as, bram)
        teaching = client.get("/leerlijn/lesgeven").get_data(as_text=True)
        assert "Introductie sessie" in teaching
        assert client.get("/leerlijn/beheer/docenten").status_code == 403
    finally:
        timeutil.set_now(None)


def test_hand_in_and_review_through_the_pages(client, app, courses, people, login_as, make_user):
    from portal.learning import teachers

    teacher = make_user("employee", name="Tessa Docent")
    call(app, teachers.set_teacher, people["staff"], teacher.id, [QUALITY], 3)
    complete_intro(app, people["learner"])
    call(app, service.enrol, people["learner"], QUALITY)
    login_as(people["learner"])
    token = csrf(client, f"/leerlijn/{QUALITY}")
    empty = client.post(f"/leerlijn/{QUALITY}/opdracht", data={"csrf_token": token, "body": " "})
    assert empty.status_code == 400
    ok = client.post(f"/leerlijn/{QUALITY}/opdracht", data={"csrf_token": token,
                                                          "body": "Mijn vijf controles"})
    assert ok.status_code == 303
    switch_to(client, login_as, people["other"])
    assert "Mijn vijf controles" not in client.get("/leerlijn/lesgeven").get_data(as_text=True)
    switch_to(client, login_as, teacher)
    page = client.get("/leerlijn/lesgeven").get_data(as_text=True)
    assert "Mijn vijf controles" in page
    token = csrf(client, "/leerlijn/lesgeven")
    from tests.learning_support import acting
    with acting(app) as db:
        assignment_id = db.execute("SELECT id FROM learning_assignments").fetchone()[0]
    bad = client.post(f"/leerlijn/opdracht/{assignment_id}/beoordelen",
                      data={"csrf_token": token, "decision": "revise", "comment": ""})
    assert bad.status_code == 400
    good = client.post(f"/leerlijn/opdracht/{assignment_id}/beoordelen",
                       data={"csrf_token": token, "decision": "revise", "comment": "Bron?"})
    assert good.status_code == 303
    switch_to(client, login_as, people["learner"])
    assert "Bron?" in client.get(f"/leerlijn/{QUALITY}").get_data(as_text=True)


def test_staff_figures_per_period(client, app, courses, people, login_as):
    complete_intro(app, people["learner"])
    login_as(people["staff"])
    now = client.get("/leerlijn/beheer").get_data(as_text=True)
    assert "100%" in now  # the intro quiz: one attempt, passed
    earlier = client.get("/leerlijn/beheer?van=2001-01-01&tot=2001-12-31")
    assert earlier.status_code == 200 and "100%" not in earlier.get_data(as_text=True)
    assert client.get("/leerlijn/beheer?van=gisteren").status_code == 400
    assert client.get("/leerlijn/beheer?van=2027-02-01&tot=2027-01-01").status_code == 400


def test_staff_change_a_teacher_with_the_form_filled_in(client, app, courses, people, login_as,
                                                       make_user):
    from portal.learning import teachers

    anna = make_user("employee", name="Anna Analist")
    call(app, teachers.set_teacher, people["staff"], anna.id, [INTRO, QUALITY], 4)
    login_as(people["staff"])
    page = client.get(f"/leerlijn/beheer/docenten?docent={anna.id}").get_data(as_text=True)
    assert f'value="{anna.email}"' in page
    assert f'value="{INTRO}" checked' in page and f'value="{QUALITY}" checked' in page
    assert 'name="max_per_quarter"' in page and 'value="4"' in page
    token = csrf(client, "/leerlijn/beheer/docenten")
    saved = client.post("/leerlijn/beheer/docenten", data={
        "csrf_token": token, "email": anna.email, "modules": [QUALITY], "max_per_quarter": "2",
        "active_shown": "1"})  # the "active" box unticked
    assert saved.status_code == 303
    pool = {t["name"]: t for t in call(app, teachers.list_teachers, people["staff"])["items"]}
    assert (pool["Anna Analist"]["modules"], pool["Anna Analist"]["max_per_quarter"],
            pool["Anna Analist"]["active"]) == ([QUALITY], 2, False)


def test_staff_look_up_one_learners_progress(client, app, courses, people, login_as):
    complete_intro(app, people["learner"])
    code = call(app, service.overview, people["learner"])["certificates"][0]["code"]
    login_as(people["staff"])
    page = client.get("/leerlijn/beheer/deelnemer?email=" + people["learner"].email.upper())
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sanne de Vries" in html and code in html
    assert client.get("/leerlijn/beheer/deelnemer?email=niemand@denhaag.example"
                      ).status_code == 404
    assert client.get("/leerlijn/beheer/deelnemer").status_code == 400
    switch_to(client, login_as, people["other"])
    assert client.get("/leerlijn/beheer/deelnemer?email=" + people["learner"].email
                      ).status_code == 403


def test_the_sign_up_button_of_a_locked_module_session_says_what_to_complete_first(
        client, app, courses, people, login_as):
    session = published(app, people["staff"], title="Privacy en AVG", type="module_session",
                        module="dgw-05-privacy-en-avg")
    login_as(people["learner"])
    token = csrf(client, f"/agenda/{session['id']}")
    refused = client.post(f"/agenda/{session['id']}/aanmelden", data={"csrf_token": token},
                          follow_redirects=True)  # without JavaScript: the event page again
    page = refused.get_data(as_text=True)
    assert "nog op slot" in page and "Introductie" in page  # what unlocks it
    box = client.post(f"/agenda/{session['id']}/aanmelden", data={"csrf_token": token},
                      headers={"HX-Request": "true"})
    assert box.status_code == 409 and "nog op slot" in box.get_data(as_text=True)
    mine = client.get("/mijn-aanmeldingen")
    assert mine.status_code == 200 and "Privacy en AVG" not in mine.get_data(as_text=True)
