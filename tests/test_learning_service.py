"""The learning track: enrolment, prerequisites, completion rules, quizzes, certificates."""

from __future__ import annotations

import threading

import pytest

from portal.errors import Conflict, Forbidden, Invalid, NotFound
from portal.learning import certificates, quiz, service
from tests.learning_support import (ETHICS, INTRO, PRIVACY, QUALITY, acting, call, clock,  # noqa: F401
                                    complete_intro, courses, pass_quiz, published, read_all,
                                    right_answers, wrong_answers)


@pytest.fixture
def people(make_user):
    return {"staff": make_user("staff", teams=["bi"]), "admin": make_user("admin"),
            "learner": make_user("employee", name="Sanne de Vries"),
            "other": make_user("employee", name="Piet Jansen")}


def state(app, user, module_id, learner_id=None):
    overview = call(app, service.overview, user, learner_id)
    return next(m for m in overview["modules"] if m["id"] == module_id)


def test_overview_lists_the_track_with_states_from_the_front_matter(app, courses, people):
    overview = call(app, service.overview, people["learner"])
    assert overview["total"] == 8 and overview["percent"] == 0
    states = {m["id"]: m["state"] for m in overview["modules"]}
    assert states[INTRO] == "open"
    assert states[QUALITY] == "locked" and states[ETHICS] == "locked"
    intro = overview["modules"][0]
    assert intro["level"] == "basis" and intro["duration_minutes"] == 90
    assert intro["completion"] == ["read", "quiz"]
    assert overview["next_step"]["id"] == INTRO


def test_a_locked_module_refuses_enrolment_with_the_missing_prerequisite(app, courses, people):
    with pytest.raises(Conflict) as caught:
        call(app, service.enrol, people["learner"], QUALITY)
    assert [m["id"] for m in caught.value.missing] == [INTRO]
    assert caught.value.missing[0]["url"] == f"/leerlijn/{INTRO}"
    assert state(app, people["learner"], QUALITY)["state"] == "locked"


def test_read_and_quiz_complete_the_intro_and_issue_a_certificate(app, courses, people):
    learner = people["learner"]
    call(app, service.enrol, learner, INTRO)
    assert state(app, learner, INTRO)["state"] == "enrolled"
    read_all(app, learner, INTRO)
    assert state(app, learner, INTRO)["state"] == "in_progress"
    assert state(app, learner, INTRO)["rules"] == {"read": True, "quiz": False}
    pass_quiz(app, learner, INTRO)
    overview = call(app, service.overview, learner)
    assert overview["modules"][0]["state"] == "completed"
    assert [c["kind"] for c in overview["certificates"]] == ["module"]
    # the module it unlocked is open now
    assert state(app, learner, QUALITY)["state"] == "open"


def test_reading_alone_does_not_complete_a_module_with_a_quiz(app, courses, people):
    learner = people["learner"]
    call(app, service.enrol, learner, INTRO)
    read_all(app, learner, INTRO)
    assert state(app, learner, INTRO)["state"] == "in_progress"
    assert call(app, service.overview, learner)["certificates"] == []


def test_mark_read_needs_enrolment_and_a_real_section(app, courses, people):
    with pytest.raises(Conflict):
        call(app, service.mark_read, people["learner"], INTRO, "leerdoelen")
    call(app, service.enrol, people["learner"], INTRO)
    with pytest.raises(Invalid):
        call(app, service.mark_read, people["learner"], INTRO, "bestaat-niet")


def test_attending_a_session_completes_the_session_rule(app, courses, people, clock):
    from portal.events import attendance, registration

    learner, staff = people["learner"], people["staff"]
    complete_intro(app, learner)
    call(app, service.enrol, learner, PRIVACY)
    read_all(app, learner, PRIVACY)
    pass_quiz(app, learner, PRIVACY)
    assert state(app, learner, PRIVACY)["rules"] == {"read": True, "quiz": True,
                                                      "session": False}
    session = published(app, staff, title="Privacy en AVG", type="module_session",
                        module=PRIVACY)
    detail = call(app, service.module_detail, learner, PRIVACY)
    assert [s["id"] for s in detail["sessions"]] == [session["id"]]
    reg = call(app, registration.sign_up, learner, session["id"])["registration"]
    clock.forward(days=23, hours=6)
    call(app, attendance.set_attended, staff, session["id"], reg["id"], True)
    assert state(app, learner, PRIVACY)["state"] == "completed"


def test_an_approved_assignment_completes_the_assignment_rule(app, courses, people):
    learner = people["learner"]
    complete_intro(app, learner)
    call(app, service.enrol, learner, QUALITY)
    read_all(app, learner, QUALITY)
    pass_quiz(app, learner, QUALITY)
    assert state(app, learner, QUALITY)["rules"]["assignment"] is False
    with acting(app) as db:
        db.execute("INSERT INTO learning_assignments (user_id, module_id, body, status,"
                   " submitted_at) VALUES (?, ?, 'x', 'approved', '2027-01-01')",
                   [learner.id, QUALITY])
    assert state(app, learner, QUALITY)["state"] == "completed"


def test_staff_waive_a_prerequisite_for_one_learner_with_a_reason(app, courses, people):
    learner, other = people["learner"], people["other"]
    with pytest.raises(Forbidden):
        call(app, service.waive, other, learner.id, QUALITY, INTRO, "Ervaren")
    with pytest.raises(Invalid):
        call(app, service.waive, people["staff"], learner.id, QUALITY, INTRO, "  ")
    call(app, service.waive, people["staff"], learner.id, QUALITY, INTRO,
         "Werkt al tien jaar als analist")
    call(app, service.enrol, learner, QUALITY)
    assert state(app, learner, QUALITY)["state"] == "enrolled"
    with pytest.raises(Conflict):
        call(app, service.enrol, other, QUALITY)
    waivers = call(app, service.my_data, learner)["waivers"]
    assert waivers[0]["reason"] == "Werkt al tien jaar als analist"


def test_a_learner_never_sees_another_learners_progress(app, courses, people):
    with pytest.raises(Forbidden):
        call(app, service.overview, people["other"], people["learner"].id)
    for role in ("staff", "admin"):
        assert call(app, service.overview, people[role], people["learner"].id)["learner"][
            "name"] == "Sanne de Vries"


def test_enrolling_in_the_track_enrols_in_the_open_modules_only(app, courses, people):
    result = call(app, service.enrol_track, people["learner"])
    assert result["enrolled"] == [INTRO]


# --- quizzes -------------------------------------------------------------------------

def test_the_quiz_order_is_stored_and_a_reload_shows_the_same_order(app, courses, people):
    learner = people["learner"]
    call(app, service.enrol, learner, INTRO)
    first = call(app, quiz.start, learner, INTRO, seed=1)
    again = call(app, quiz.start, learner, INTRO, seed=2)
    assert again["id"] == first["id"]
    assert [(q["id"], [o["id"] for o in q["options"]]) for q in again["questions"]] == \
        [(q["id"], [o["id"] for o in q["options"]]) for q in first["questions"]]
    assert len(first["questions"]) >= 8


def test_shuffling_does_not_change_the_grade(app, courses, make_user):
    scores, orders = [], []
    answers = right_answers(app, INTRO)
    # Half the questions right, the rest wrong: the same answers by option id.
    wrong = wrong_answers(app, INTRO)
    mixed = {qid: (answers[qid] if i % 2 else wrong[qid]) for i, qid in enumerate(answers)}
    for seed in (1, 2, 3):
        learner = make_user("employee")
        call(app, service.enrol, learner, INTRO)
        attempt = call(app, quiz.start, learner, INTRO, seed=seed)
        orders.append([q["id"] for q in attempt["questions"]])
        scores.append(call(app, quiz.submit, learner, attempt["id"], mixed)["score"])
    assert len({tuple(o) for o in orders}) > 1  # the seeds really gave different orders
    assert len(set(scores)) == 1 and 0 < scores[0] < 100


def test_every_answer_is_stored_and_explained_after_submitting(app, courses, people):
    learner = people["learner"]
    call(app, service.enrol, learner, INTRO)
    attempt = call(app, quiz.start, learner, INTRO)
    assert "correct" not in attempt["questions"][0]["options"][0]
    result = call(app, quiz.submit, learner, attempt["id"], wrong_answers(app, INTRO))
    assert result["passed"] is False and result["score"] == 0
    assert all(o["explanation"] for q in result["questions"] for o in q["options"])
    stored = call(app, service.my_data, learner)["quiz_attempts"][0]["answers"]
    assert len(stored) == len(result["questions"])
    with pytest.raises(Conflict):
        call(app, quiz.submit, learner, attempt["id"], right_answers(app, INTRO))


def test_limited_retries_are_enforced(app, courses, people):
    learner = people["learner"]
    complete_intro(app, learner)
    call(app, service.enrol, learner, PRIVACY)
    for _ in range(3):  # privacy: max_attempts 3
        attempt = call(app, quiz.start, learner, PRIVACY)
        call(app, quiz.submit, learner, attempt["id"], wrong_answers(app, PRIVACY))
    with pytest.raises(Conflict):
        call(app, quiz.start, learner, PRIVACY)
    assert call(app, quiz.attempts, learner, PRIVACY)["can_start"] is False


def test_unlimited_retries_when_the_module_says_so(app, courses, people):
    learner = people["learner"]
    call(app, service.enrol, learner, INTRO)
    for _ in range(5):  # intro: max_attempts null
        attempt = call(app, quiz.start, learner, INTRO)
        call(app, quiz.submit, learner, attempt["id"], wrong_answers(app, INTRO))
    assert call(app, quiz.attempts, learner, INTRO)["left"] is None


def test_concurrent_starts_cannot_pass_the_attempt_limit(app, courses, people):
    learner = people["learner"]
    complete_intro(app, learner)
    call(app, service.enrol, learner, PRIVACY)
    for _ in range(2):
        attempt = call(app, quiz.start, learner, PRIVACY)
        call(app, quiz.submit, learner, attempt["id"], wrong_answers(app, PRIVACY))
    results = []

    def worker():
        try:
            attempt = call(app, quiz.start, learner, PRIVACY)
            call(app, quiz.submit, learner, attempt["id"], wrong_answers(app, PRIVACY))
            results.append("ok")
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert call(app, quiz.attempts, learner, PRIVACY)["used"] == 3
    assert results.count("ok") >= 1


def test_bad_answers_are_a_clear_400_and_store_nothing(app, courses, people):
    learner = people["learner"]
    call(app, service.enrol, learner, INTRO)
    attempt = call(app, quiz.start, learner, INTRO)
    for bad in ({"q99": ["a"]}, {"q01": ["z"]}, {"q01": 5}, ["a"]):
        with pytest.raises(Invalid):
            call(app, quiz.submit, learner, attempt["id"], bad)
    assert call(app, quiz.get_attempt, learner, attempt["id"])["submitted_at"] is None


def test_a_learner_never_sees_another_learners_attempt(app, courses, people):
    call(app, service.enrol, people["learner"], INTRO)
    attempt = call(app, quiz.start, people["learner"], INTRO)
    for user in (people["other"], people["staff"]):
        with pytest.raises(NotFound):
            call(app, quiz.get_attempt, user, attempt["id"])
        with pytest.raises(NotFound):
            call(app, quiz.submit, user, attempt["id"], {})


def test_the_quiz_needs_enrolment(app, courses, people):
    with pytest.raises(Conflict):
        call(app, quiz.start, people["learner"], INTRO)


# --- certificates --------------------------------------------------------------------

def test_certificate_verification_valid_unknown_and_revoked(app, courses, people):
    learner = people["learner"]
    complete_intro(app, learner)
    cert = call(app, service.overview, learner)["certificates"][0]
    checked = call(app, certificates.verify, cert["code"])
    assert checked == {"code": cert["code"], "name": "Sanne de Vries",
                       "title": "Introductie datagedreven werken", "kind": "module",
                       "issued_at": cert["issued_at"], "valid": True, "revoked_at": None}
    with pytest.raises(NotFound):
        call(app, certificates.verify, "AAAAA-BBBBB-CCCCC-DDDDD")
    with pytest.raises(Forbidden):
        call(app, certificates.revoke, learner, cert["code"], "eigen wens")
    call(app, certificates.revoke, people["staff"], cert["code"], "Ten onrechte uitgereikt")
    checked = call(app, certificates.verify, cert["code"])
    assert checked["valid"] is False and checked["revoked_at"]
    with pytest.raises(Conflict):
        call(app, certificates.revoke, people["staff"], cert["code"], "nogmaals")


def test_certificate_codes_are_long_and_distinct(app):
    codes = {certificates.new_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == 23 for c in codes)


def test_only_the_holder_and_staff_see_the_full_certificate(app, courses, people):
    complete_intro(app, people["learner"])
    code = call(app, service.overview, people["learner"])["certificates"][0]["code"]
    assert call(app, certificates.get_certificate, people["staff"], code)["name"]
    with pytest.raises(NotFound):
        call(app, certificates.get_certificate, people["other"], code)


def test_the_pdf_holds_the_name_with_dutch_characters(app, courses, make_user):
    learner = make_user("employee", name="Zoë Çelik-Ñúñez")
    complete_intro(app, learner)
    with acting(app):
        cert = certificates.get_certificate(learner, service.overview(learner)[
            "certificates"][0]["code"])
        data = certificates.pdf(cert, "http://x/certificaat/" + cert["code"], "Datashop",
                                "Gemeente Den Haag", "11 januari 2027")
    assert data.startswith(b"%PDF")


def test_completing_every_module_issues_the_track_certificate(app, courses, people):
    from portal.learning import content

    learner = people["learner"]
    with acting(app) as db:
        for module in content.modules():
            db.execute("INSERT INTO learning_enrolments (user_id, module_id, enrolled_at,"
                       " completed_at) VALUES (?, ?, 'x', CASE WHEN ? = ? THEN NULL ELSE 'x' END)",
                       [learner.id, module["id"], module["id"], INTRO])
    read_all(app, learner, INTRO)
    pass_quiz(app, learner, INTRO)
    kinds = [c["kind"] for c in call(app, service.overview, learner)["certificates"]]
    assert kinds == ["module", "track"]


def test_a_session_of_a_locked_module_refuses_the_sign_up_until_it_opens(app, courses, people):
    """A module session is for learners who may take the module: the same prerequisite
    rule as enrolment, with the module that unlocks it, and nothing stored."""
    from portal.db import get_db
    from portal.events import registration

    learner, staff = people["learner"], people["staff"]
    session = published(app, staff, title="Privacy en AVG", type="module_session",
                        module=PRIVACY)
    with pytest.raises(Conflict) as refused:
        call(app, registration.sign_up, learner, session["id"])
    assert [m["id"] for m in refused.value.missing] == [INTRO]
    with app.app_context():
        count = get_db().execute("SELECT count(*) FROM registrations WHERE event_id = ?",
                                 [session["id"]]).fetchone()[0]
    assert count == 0
    complete_intro(app, learner)
    seat = call(app, registration.sign_up, learner, session["id"])["registration"]
    assert seat["status"] == "confirmed"
