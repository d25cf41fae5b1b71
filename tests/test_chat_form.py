"""A new request collected in conversation: one field at a time, bad values asked again,
a summary, and a ticket only after "ja"; "annuleer" at any moment; nothing in a batch."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.desk_support import acting, count
from tests.search_docs import load_knowledge


@pytest.fixture
def kb(app):
    load_knowledge(app)
    return app


def turn(app, user, message, conversation_id=None):
    from portal.chat import service

    with acting(app):
        return service.handle(user, message, conversation_id)


def fill(app, user, answers, cid=None):
    """Send the answers in one conversation; returns the last reply."""
    result = None
    for answer in answers:
        result = turn(app, user, answer, cid)
        cid = result["conversation_id"]
    return result


START = "ik wil een nieuwe aanvraag indienen"
FUTURE = (date.today() + timedelta(days=40)).strftime("%d-%m-%Y")


def test_a_request_is_collected_field_by_field_and_created_after_confirmation(kb, make_user):
    user = make_user(department="szw")
    first = turn(kb, user, START)
    assert first["action"] == "new_request"
    assert "What kind of request" in first["reply"] or "soort aanvraag" in first["reply"]
    assert {c["id"] for c in first["choices"]} >= {"analysis", "other"}
    assert first["links"][0]["url"].startswith("/aanvraag/")  # the web form stays available
    summary = fill(kb, user, ["Overig", "Cijfers over de Haagse Markt",
                              "Hoeveel bezoekers had de markt per maand in 2025?", "szw",
                              FUTURE, "nee"], first["conversation_id"])
    assert "Cijfers over de Haagse Markt" in summary["reply"]
    assert "Sociale Zaken en Werkgelegenheid" in summary["reply"]
    assert count(kb, "tickets") == 0  # a summary, nothing created yet
    done = turn(kb, user, "ja", summary["conversation_id"])
    assert done["ticket"] and count(kb, "tickets") == 1
    with kb.app_context():
        from portal.db import get_db

        row = dict(get_db().execute("SELECT * FROM tickets").fetchone())
    assert row["subject"] == "Cijfers over de Haagse Markt"
    assert row["type"] == "other" and row["department"] == "szw"
    assert row["personal_data"] == "no" and row["requester_id"] == user.id
    assert row["desired_date"] == (date.today() + timedelta(days=40)).isoformat()
    assert done["ticket"] in done["reply"]


def test_a_recognised_type_is_not_asked_and_its_required_extra_fields_are(kb, make_user):
    user = make_user()
    first = turn(kb, user, "ik wil graag een analyse laten doen naar betaald parkeren")
    assert first["request_type"] == "analysis"
    assert "subject" in first["reply"].lower() or "onderwerp" in first["reply"].lower()
    assert "betaald+parkeren" in first["links"][0]["url"]  # prefilled form link
    result = fill(kb, user, ["Betaald parkeren Zeeheldenkwartier", "Effect van de invoering",
                             "3", "geen", "weet ik niet"], first["conversation_id"])
    with kb.app_context():
        from portal.desk.types import get_type

        required = [f for f in get_type("analysis").fields if f.required]
    for field in required:  # every required extra field is asked before the summary
        assert result["pending"]["ask"] != "confirm"
        answer = field.choices[0][0] if field.kind == "choice" else "Zie beschrijving"
        result = turn(kb, user, answer, result["conversation_id"])
    assert result["pending"]["ask"] == "confirm"
    done = turn(kb, user, "ja", result["conversation_id"])
    assert done["ticket"] and count(kb, "tickets") == 1


def test_bad_values_are_asked_again_with_a_clear_message(kb, make_user):
    user = make_user()
    first = turn(kb, user, START)
    cid = first["conversation_id"]
    wrong_type = turn(kb, user, "een pizza", cid)
    assert wrong_type["pending"]["ask"] == "type"
    assert "Choose one of" in wrong_type["reply"] or "Kies een van" in wrong_type["reply"]
    fill(kb, user, ["Overig", "Onderwerp", "Beschrijving"], cid)
    wrong_department = turn(kb, user, "Ministerie van Defensie", cid)
    assert wrong_department["pending"]["ask"] == "department"
    assert {c["id"] for c in wrong_department["choices"]} >= {"szw", "ocw"}
    turn(kb, user, "Onderwijs, Cultuur en Welzijn", cid)
    past = turn(kb, user, "01-01-2020", cid)
    assert past["pending"]["ask"] == "desired_date"
    assert "past" in past["reply"] or "verleden" in past["reply"]
    nonsense = turn(kb, user, "31-02-2030", cid)
    assert "does not exist" in nonsense["reply"] or "bestaat niet" in nonsense["reply"]
    garbage = turn(kb, user, "volgende week ergens", cid)
    assert garbage["pending"]["ask"] == "desired_date"
    empty = turn(kb, user, "geen", cid)
    assert empty["pending"]["ask"] == "personal_data"
    maybe = turn(kb, user, "misschien wel een beetje", cid)
    assert maybe["pending"]["ask"] == "personal_data"
    assert count(kb, "tickets") == 0


def test_cancel_at_any_moment_creates_nothing(kb, make_user):
    user = make_user()
    first = turn(kb, user, START)
    fill(kb, user, ["Overig", "Een onderwerp"], first["conversation_id"])
    stopped = turn(kb, user, "annuleer", first["conversation_id"])
    assert stopped["pending"] is None and count(kb, "tickets") == 0
    # the next message is a fresh question, not the description of the form
    after = turn(kb, user, "hoe vraag ik parkeergegevens aan", first["conversation_id"])
    assert after["action"] == "answer"
    summary = fill(kb, user, [START, "Overig", "Onderwerp", "Beschrijving", "szw", "geen", "nee"],
                   first["conversation_id"])
    assert summary["pending"]["ask"] == "confirm"
    assert turn(kb, user, "nee", summary["conversation_id"])["pending"] is None
    assert count(kb, "tickets") == 0


def test_the_ticket_is_the_users_own_and_others_cannot_see_it(kb, make_user):
    user, other = make_user(), make_user()
    summary = fill(kb, user, [START, "Overig", "Mijn vraag", "Uitleg", "szw", "geen", "ja"])
    number = turn(kb, user, "ja", summary["conversation_id"])["ticket"]
    mine = turn(kb, user, f"hoe staat het met {number}?")
    assert mine["ticket"] == number
    theirs = turn(kb, other, f"hoe staat het met {number}?")
    assert theirs.get("ticket") is None and number in theirs["reply"]  # "not found"


def test_not_logged_in_gets_the_form_link_and_a_batch_creates_nothing(kb, make_user, tmp_path):
    from portal.chat import service

    with acting(kb):
        anonymous = service.handle(None, START)
    assert anonymous["action"] == "new_request" and not anonymous.get("pending")
    user = make_user()
    batch = tmp_path / "in.txt"
    batch.write_text(f"{START}\nOverig\nja\n", encoding="utf-8")
    result = kb.test_cli_runner().invoke(args=["assistant", "--batch", str(batch), "--json",
                                               "--as", user.email])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0]["action"] == "new_request"
    assert count(kb, "tickets") == 0 and count(kb, "chat_conversations") == 0


# --- the staff backlog, grouped by meaning --------------------------------------------------

def test_the_backlog_groups_by_meaning_and_falls_back_to_words(kb, make_user, monkeypatch):
    import numpy as np

    from portal.chat import service
    from portal.search import service as search

    user = make_user()
    # Vectors as the engine would give them: the first two mean the same without sharing a
    # word; the third is 0.6 alike to them, about something else; the fourth is 0.48 alike
    # to the third and shares "kademuren" with it.
    meaning = {"hoeveel sterrenstelsels heeft het heelal": [1.0, 0.0, 0.0],
               "aantal galaxies in het universum": [0.95, 0.31, 0.0],
               "wanneer worden de kademuren hersteld": [0.6, 0.8, 0.0],
               "kademuren kosten": [0.0, 0.6, 0.8]}
    for question in meaning:
        turn(kb, user, question)
    # Not questions for the knowledge base: a citizen matter, a greeting, a person asked for.
    for other in ("paspoort verlengen", "Hallo, is er iemand?", "ik wil een medewerker spreken"):
        turn(kb, user, other)
    monkeypatch.setattr(search, "embed", lambda texts: np.array(
        [np.array(meaning[t]) / np.linalg.norm(meaning[t]) for t in texts], dtype=np.float32))
    with acting(kb):
        groups = service.backlog_groups()
        assert {g["mode"] for g in groups} == {"meaning"}
        grouped = sorted(sorted(g["questions"]) for g in groups)
    assert grouped == [["aantal galaxies in het universum", "hoeveel sterrenstelsels heeft het heelal"],
                       ["kademuren kosten", "wanneer worden de kademuren hersteld"]]
    monkeypatch.setattr(search, "embed", lambda texts: None)  # engine not ready
    with acting(kb):
        words = service.backlog_groups()
    assert {g["mode"] for g in words} == {"keyword"}
    assert sum(g["count"] for g in words) == 4
    assert len(words) == 4  # no two of them share half their words


def test_thumbs_down_answers_are_on_the_backlog(kb, make_user, login_as):
    from portal.chat import service, store

    user = make_user()
    answered = turn(kb, user, "hoe vraag ik parkeergegevens aan")
    assert answered["action"] == "answer"
    with acting(kb):
        assert not any("parkeergegevens" in q for g in service.backlog_groups()
                       for q in g["questions"])
        store.set_feedback(user.id, answered["message_id"], -1, "klopt niet")
        assert any("hoe vraag ik parkeergegevens aan" in g["questions"]
                   for g in service.backlog_groups())
