"""Assignments: hand in, teacher review, who may see them, upload rules."""

from __future__ import annotations

import pytest

from portal.desk.attachments import Upload
from portal.errors import Conflict, Forbidden, Invalid, NotFound
from portal.learning import assignments, service, teachers
from tests.learning_support import (INTRO, QUALITY, call, complete_intro, courses,  # noqa: F401
                                    pass_quiz, read_all)


@pytest.fixture
def people(app, courses, make_user):
    staff = make_user("staff", teams=["bi"])
    out = {"staff": staff, "learner": make_user("employee", name="Sanne de Vries"),
           "other": make_user("employee", name="Piet Jansen"),
           "teacher": make_user("employee", name="Tessa Docent"),
           "wrong_teacher": make_user("employee", name="Wim Andere")}
    call(app, teachers.set_teacher, staff, out["teacher"].id, [QUALITY], 3)
    call(app, teachers.set_teacher, staff, out["wrong_teacher"].id, [INTRO], 3)
    complete_intro(app, out["learner"])
    call(app, service.enrol, out["learner"], QUALITY)
    return out


def test_approved_assignment_completes_the_module(app, people):
    learner = people["learner"]
    read_all(app, learner, QUALITY)
    pass_quiz(app, learner, QUALITY)
    handed = call(app, assignments.submit, learner, QUALITY, "Vijf controles gedaan.")
    assert [a["id"] for a in call(app, assignments.for_review, people["teacher"])] == [handed["id"]]
    assert call(app, assignments.for_review, people["wrong_teacher"]) == []
    call(app, assignments.review, people["teacher"], handed["id"], "approved", "Mooi werk")
    module = call(app, service.module_detail, learner, QUALITY)
    assert module["state"] == "completed" and module["assignment_status"] == "approved"


def test_revise_then_hand_in_again(app, people):
    learner = people["learner"]
    first = call(app, assignments.submit, learner, QUALITY, "Eerste versie")
    with pytest.raises(Conflict):
        call(app, assignments.submit, learner, QUALITY, "Nog een")
    with pytest.raises(Invalid):  # revise needs a comment
        call(app, assignments.review, people["teacher"], first["id"], "revise", "")
    call(app, assignments.review, people["teacher"], first["id"], "revise", "Zoek de bron")
    with pytest.raises(Conflict):
        call(app, assignments.review, people["teacher"], first["id"], "approved", "")
    second = call(app, assignments.submit, learner, QUALITY, "Tweede versie")
    assert second["status"] == "submitted"
    assert call(app, service.module_detail, learner, QUALITY)["state"] != "completed"


def test_nobody_else_sees_a_learners_assignment(app, people):
    handed = call(app, assignments.submit, people["learner"], QUALITY, "Mijn uitwerking")
    for user in (people["other"], people["wrong_teacher"]):
        with pytest.raises(NotFound):
            call(app, assignments.get_assignment, user, handed["id"])
        with pytest.raises(NotFound):
            call(app, assignments.review, user, handed["id"], "approved", "")
    assert call(app, assignments.get_assignment, people["staff"], handed["id"])["body"]
    with pytest.raises(Forbidden):  # the learner cannot approve their own work
        call(app, assignments.review, people["learner"], handed["id"], "approved", "")


def test_uploads_follow_the_desk_rules(app, people):
    with pytest.raises(Invalid):
        call(app, assignments.submit, people["learner"], QUALITY, "Met bijlage",
             Upload("script.exe", b"MZ..."))
    with pytest.raises(Invalid):
        call(app, assignments.submit, people["learner"], QUALITY, "Met bijlage",
             Upload("nep.pdf", b"not a pdf"))
    assert call(app, assignments.mine, people["learner"], QUALITY) == []
    handed = call(app, assignments.submit, people["learner"], QUALITY, "Met bijlage",
                  Upload("controles.csv", b"controle;uitkomst\n1;ok\n"))
    assert handed["file"]["name"] == "controles.csv"
    path, name, _type = call(app, assignments.file_path, people["teacher"], handed["id"])
    assert path.read_bytes().startswith(b"controle")


def test_a_module_without_assignment_refuses_one(app, people):
    with pytest.raises(NotFound):
        call(app, assignments.submit, people["learner"], INTRO, "Tekst")
