"""From the backlog to the knowledge base: a draft FAQ entry in one click, edited and
published by staff; the question leaves the backlog and search finds the answer."""

from __future__ import annotations

import pytest

from portal.db import get_db
from portal.errors import Forbidden
from tests.conftest import csrf
from tests.desk_support import acting, switch_user
from tests.search_docs import load_knowledge

QUESTION = "hoeveel sterrenstelsels heeft het heelal"
FAQ_URL = "/kennisbank/faq-vragen-aan-de-assistent"


@pytest.fixture
def kb(app):
    app.config["KB_GENERATED_PAGES"] = True
    load_knowledge(app)
    return app


def entries(app):
    with app.app_context():
        return [dict(r) for r in get_db().execute("SELECT * FROM chat_faq_entries")]


def unanswered(app, user, message):
    from portal.chat import service

    with acting(app):
        assert service.handle(user, message)["action"] == "fallback"


def test_staff_draft_edit_and_publish_an_entry_that_leaves_the_backlog(kb, make_user,
                                                                       login_as):
    from portal.search import service as search

    unanswered(kb, make_user(), QUESTION)
    client = login_as(make_user("staff", teams=["bi"]))
    backlog = client.get("/assistent/onbeantwoord").get_data(as_text=True)
    assert QUESTION in backlog and f'name="vraag" value="{QUESTION}"' in backlog

    draft = client.get("/assistent/onbeantwoord/faq", query_string={"vraag": QUESTION})
    assert draft.status_code == 200
    page = draft.get_data(as_text=True)
    assert f'value="{QUESTION}"' in page and 'name="asked"' in page

    token = csrf(client, "/assistent/onbeantwoord")
    done = client.post("/assistent/onbeantwoord/faq", data={
        "csrf_token": token, "question": "Hoeveel sterrenstelsels telt het heelal",
        "answer": "Dat weet de Datashop niet: vraag het een sterrenwacht.", "asked": [QUESTION]})
    assert done.status_code == 303 and done.location.endswith(FAQ_URL)
    shown = client.get(FAQ_URL).get_data(as_text=True)
    assert "Hoeveel sterrenstelsels telt het heelal?" in shown and "sterrenwacht" in shown
    assert QUESTION not in client.get("/assistent/onbeantwoord").get_data(as_text=True)

    # stored as a knowledge document, so the next index run makes it findable
    with kb.app_context():
        search.rebuild_index()
        hits = [hit.id for hit in search.search("sterrenwacht").results]
    assert hits[:1] == ["faq-vragen-aan-de-assistent"]


def test_the_draft_starts_from_the_closest_passages_with_their_sources(kb, make_user):
    from portal.chat import faq

    staff = make_user("staff", teams=["bi"])
    with acting(kb):
        draft = faq.draft(staff, ["hoe vraag ik parkeergegevens aan", ""])
    assert draft["question"] == "hoe vraag ik parkeergegevens aan"
    assert draft["asked"] == ["hoe vraag ik parkeergegevens aan"]
    assert draft["sources"] and draft["sources"][0]["url"].startswith("/kennisbank/")
    assert f"]({draft['sources'][0]['url']})" in draft["answer"]  # the link stays in the text


def test_only_staff_draft_or_publish(kb, make_user, login_as):
    from portal.chat import faq

    employee = make_user()
    client = login_as(employee)
    assert client.get("/assistent/onbeantwoord/faq", query_string={"vraag": QUESTION}
                      ).status_code == 403
    token = csrf(client, "/assistent")
    assert client.post("/assistent/onbeantwoord/faq", data={
        "csrf_token": token, "question": "Een vraag?", "answer": "Een antwoord."}
    ).status_code == 403
    with acting(kb), pytest.raises(Forbidden):
        faq.publish(employee, {"question": "Een vraag?", "answer": "Een antwoord."})
    assert entries(kb) == []


@pytest.mark.parametrize("question, answer, field", [
    ("Hoeveel sterrenstelsels telt het heelal", "", "answer"),
    ("x" * 201, "Een antwoord dat lang genoeg is.", "question"),
    ("Wat?", "Een antwoord dat lang genoeg is.", "question"),
    ("Een vraag\nover twee regels", "Een antwoord.", "question"),
])
def test_bad_input_is_refused_with_the_field_and_nothing_is_stored(kb, make_user, login_as,
                                                                  question, answer, field):
    client = login_as(make_user("staff", teams=["bi"]))
    token = csrf(client, "/assistent/onbeantwoord")
    refused = client.post("/assistent/onbeantwoord/faq", data={
        "csrf_token": token, "question": question, "answer": answer, "asked": [QUESTION]})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert f'href="#{field}"' in page and 'name="asked"' in page  # the form again, as typed
    assert entries(kb) == []
    switch_user(client, make_user("staff", teams=["bi"]))
    assert client.get(FAQ_URL).status_code == 404  # no page before the first entry
