"""Helpers for the learning tests: the real courses/ folder loaded, quick completion."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.desk_support import acting  # noqa: F401  (re-exported)
from tests.events_support import call, clock, outbox, published  # noqa: F401

COURSES = Path(__file__).resolve().parent.parent / "courses"
TRACK = "datagedreven-werken"
INTRO = "dgw-01-introductie"
PRIVACY = "dgw-05-privacy-en-avg"
ETHICS = "dgw-06-algoritmes-en-ethiek"
QUALITY = "dgw-03-datakwaliteit"


@pytest.fixture
def courses(app):
    """Copy courses/ into the test's COURSES_DIR and load it into the knowledge base."""
    from portal.kb import service as kb

    target = Path(app.config["COURSES_DIR"])
    shutil.copytree(COURSES, target, dirs_exist_ok=True)
    Path(app.config["KNOWLEDGE_DIR"]).mkdir(parents=True, exist_ok=True)
    with acting(app):
        report = kb.sync_folders()
    assert not report["errors"], report["errors"]
    return target


def right_answers(app, module_id: str) -> dict[str, list[str]]:
    from portal.learning import content

    with acting(app):
        questions = content.questions(content.module(module_id))
    return {q["id"]: [o["id"] for o in q["options"] if o["correct"]] for q in questions}


def wrong_answers(app, module_id: str) -> dict[str, list[str]]:
    from portal.learning import content

    with acting(app):
        questions = content.questions(content.module(module_id))
    return {q["id"]: [next(o["id"] for o in q["options"] if not o["correct"])]
            for q in questions}


def read_all(app, user, module_id: str) -> None:
    from portal.learning import content, service

    with acting(app):
        for section in content.module(module_id)["sections"]:
            service.mark_read(user, module_id, section["id"])


def pass_quiz(app, user, module_id: str) -> dict:
    from portal.learning import quiz

    attempt = call(app, quiz.start, user, module_id)
    return call(app, quiz.submit, user, attempt["id"], right_answers(app, module_id))


def complete_intro(app, user) -> None:
    from portal.learning import service

    call(app, service.enrol, user, INTRO)
    read_all(app, user, INTRO)
    pass_quiz(app, user, INTRO)


def switch_to(client, login_as, user):
    """Log the current user out and ``user`` in."""
    from tests.conftest import csrf

    client.post("/logout", data={"csrf_token": csrf(client, "/leerlijn")})
    return login_as(user)
