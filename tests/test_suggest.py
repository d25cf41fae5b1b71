"""Desk integration: "Maybe this already helps" suggestions, deflection numbers, similar tickets."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token_from, login
from tests.desk_support import acting, create
from tests.search_docs import load_knowledge, log_rows

HX = {"HX-Request": "true"}
SID = "sessie-abcdefghijklmnop"


@pytest.fixture
def loaded(app):
    load_knowledge(app)
    return app


@pytest.fixture
def employee_client(client, loaded, make_user, login_as):
    client.set_cookie("portal_lang", "en")
    login_as(make_user("employee"))
    return client


def suggest(client, subject, description="", sid=SID, headers=HX):
    """What htmx sends while someone types a request: a POST, never the text in a URL."""
    token = csrf_token_from(client.get("/aanvraag/other").get_data(as_text=True))
    return client.post("/zoeken/suggesties", headers={**headers, "X-CSRFToken": token}, data={
        "subject": subject, "description": description, "suggest_session": sid})


def rows(app, sql):
    with acting(app) as db:
        return [dict(r) for r in db.execute(sql)]


# --- suggestions ----------------------------------------------------------------

def test_matching_articles_appear_while_typing(employee_client):
    response = suggest(employee_client, "Parkeerdruk in mijn wijk",
                       "Ik zoek cijfers over parkeren per wijk voor een raadsvraag.")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Maybe this already helps" in html
    assert f'href="/zoeken/suggesties/open/parkeerdata-opvragen?s={SID}' in html
    assert 'target="_blank"' in html and "opens in a new tab" in html
    assert len(re.findall(r"<li>", html)) <= 4


def test_nothing_is_suggested_for_too_little_text(employee_client):
    for subject in ("", "  ", "de", "het is"):
        html = suggest(employee_client, subject).get_data(as_text=True)
        assert "Maybe this already helps" not in html


@pytest.mark.parametrize("subject, description", [
    ('"parkeer* AND (wijk', "NEAR(a b) OR -x"),
    ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>"),
    ("😀 parkeren", "🚗" * 2000),
    ("woz " * 500, "x" * 20_000),
])
def test_odd_text_gives_a_normal_answer(employee_client, subject, description):
    response = suggest(employee_client, subject, description)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert" not in html and "<img src=x" not in html


def test_suggestions_page_works_without_javascript(employee_client):
    response = suggest(employee_client, "Een dashboard laten maken", headers={})
    html = response.get_data(as_text=True)
    assert "<html" in html and 'name="subject"' in html
    assert "/zoeken/suggesties/open/dashboard-laten-maken" in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_suggestions_need_a_login(client, loaded):
    response = client.get("/zoeken/suggesties?subject=parkeren")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_opening_a_suggestion_is_recorded_and_redirects(employee_client, loaded):
    suggest(employee_client, "Parkeerdruk per wijk")
    response = employee_client.get(f"/zoeken/suggesties/open/parkeerdata-opvragen?s={SID}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/kennisbank/parkeerdata-opvragen")
    assert rows(loaded, "SELECT * FROM suggest_opened") == [
        {"session_id": SID, "document_id": "parkeerdata-opvragen"}]
    shown = {r["document_id"] for r in rows(loaded, "SELECT * FROM suggest_shown")}
    assert "parkeerdata-opvragen" in shown


def test_opening_with_a_bad_session_or_unknown_document(employee_client, loaded):
    ok = employee_client.get("/zoeken/suggesties/open/woningbouwmonitor?s=<script>")
    assert ok.status_code == 303  # still opens the article, records nothing
    assert rows(loaded, "SELECT * FROM suggest_opened") == []
    assert employee_client.get(f"/zoeken/suggesties/open/nope?s={SID}").status_code == 404
    anchor = employee_client.get(
        "/zoeken/suggesties/open/woningbouwmonitor?a=%22%3E%3Cscript%3E")
    assert "#" not in anchor.headers["Location"]  # only plain anchors are passed on


def test_suggestion_lookups_are_logged_once_per_subject(employee_client, loaded):
    suggest(employee_client, "Parkeerdruk per wijk", "eerste versie")
    suggest(employee_client, "Parkeerdruk per wijk", "eerste versie met meer tekst")
    suggest(employee_client, "Parkeerdruk per wijk en buurt", "")
    logged = [(r["source"], r["query"]) for r in log_rows(loaded)]
    assert logged == [("suggest", "parkeerdruk per wijk"),
                      ("suggest", "parkeerdruk per wijk en buurt")]


# --- the desk form and deflection numbers ---------------------------------------------

def _submit(client, subject, sid):
    page = client.get("/aanvraag/other").get_data(as_text=True)
    return client.post("/aanvraag/other", data={
        "csrf_token": csrf_token_from(page), "subject": subject,
        "description": "Graag cijfers over parkeerdruk per wijk.", "department": "szw",
        "personal_data": "no", "suggest_session": sid})


def test_request_form_carries_a_fresh_session_and_the_live_suggestions(employee_client):
    first = employee_client.get("/aanvraag/other").get_data(as_text=True)
    second = employee_client.get("/aanvraag/other").get_data(as_text=True)
    sid = re.search(r'name="suggest_session" value="([^"]+)"', first).group(1)
    assert sid != re.search(r'name="suggest_session" value="([^"]+)"', second).group(1)
    container = re.search(r'<div id="suggestions"[^>]*>', first, re.S).group(0)
    assert 'hx-post="/zoeken/suggesties"' in container and 'aria-live="polite"' in container
    assert "#suggest_session" in container


def test_re_shown_form_keeps_its_session(employee_client):
    page = employee_client.get("/aanvraag/other").get_data(as_text=True)
    response = employee_client.post("/aanvraag/other", data={
        "csrf_token": csrf_token_from(page), "subject": "", "suggest_session": SID})
    assert response.status_code == 400
    assert f'name="suggest_session" value="{SID}"' in response.get_data(as_text=True)


def test_deflection_numbers(employee_client, loaded, make_user):
    # A: saw suggestions, opened one, did not submit. B: saw them, submitted.
    # C: opened one and still submitted. D: never saw suggestions but submitted.
    sessions = {k: f"sessie-{k * 16}" for k in "ABCD"}
    for key in "ABC":
        suggest(employee_client, "Parkeerdruk per wijk", sid=sessions[key])
    for key in "AC":
        employee_client.get(f"/zoeken/suggesties/open/parkeerdata-opvragen?s={sessions[key]}")
    for key in "BCD":
        assert _submit(employee_client, "Parkeerdruk", sessions[key]).status_code == 303
    stored = rows(loaded, "SELECT * FROM suggest_sessions ORDER BY id")
    assert set(stored[0]) == {"id", "created_at", "submitted", "logged_query"}  # nobody in it
    staff = make_user("staff", teams=["bi"])
    with acting(loaded):
        from portal.search import suggest as service

        stats = service.deflection_stats(staff, 30)
    assert (stats["with_suggestions"], stats["opened"], stats["submitted"],
            stats["resolved_without_ticket"]) == (3, 2, 2, 1)
    assert stats["most_opened"][0]["id"] == "parkeerdata-opvragen"
    staff_client = loaded.test_client()
    staff_client.set_cookie("portal_lang", "en")
    login(staff_client, staff.email)
    html = staff_client.get("/zoeken/statistieken").get_data(as_text=True)
    assert "Resolved without a request" in html and "Parkeerdata opvragen" in html


def test_deflection_numbers_are_for_staff_only(app, make_user):
    from portal.errors import Forbidden
    from portal.search import suggest as service

    with acting(app):
        with pytest.raises(Forbidden):
            service.deflection_stats(make_user("employee"), 30)


def test_submitting_without_a_session_still_works(employee_client):
    assert _submit(employee_client, "Parkeerdruk", "").status_code == 303
    assert _submit(employee_client, "Parkeerdruk", "x" * 500).status_code == 303


# --- similar tickets ----------------------------------------------------------------

@pytest.fixture
def tickets(app, make_user):
    alice, bob = make_user("employee"), make_user("employee")
    staff = make_user("staff", teams=["bi"])
    made = {
        "target": create(app, alice, "other", subject="Parkeerdruk per wijk",
                         description="Wij willen de parkeerdruk in de wijken Centrum en Laak zien."),
        "alice_old": create(app, alice, "other", subject="Parkeerdruk Centrum",
                            description="Cijfers over parkeerdruk in Centrum voor de wijkagenda."),
        "bob_old": create(app, bob, "other", subject="Parkeerdruk Laak",
                          description="Hoe hoog is de parkeerdruk in de wijk Laak?"),
        "unrelated": create(app, bob, "other", subject="Toegang tot Power BI",
                            description="Ik heb een licentie nodig voor Power BI."),
    }
    from portal.desk import service

    with acting(app):
        service.add_comment(staff, made["bob_old"]["number"],
                            "Zie het parkeerdashboard, tabblad Laak, daar staat het per buurt.")
        service.add_comment(staff, made["bob_old"]["number"], "Interne notitie: BI-2231",
                            internal=True)
    return {"alice": alice, "bob": bob, "staff": staff, **made}


def test_staff_see_similar_tickets_with_how_they_were_answered(app, tickets):
    from portal.search import similar

    with acting(app):
        found = similar.similar_tickets(tickets["staff"], tickets["target"]["id"])
    numbers = [t["number"] for t in found]
    assert set(numbers) == {tickets["alice_old"]["number"], tickets["bob_old"]["number"]}
    assert tickets["target"]["number"] not in numbers
    answered = next(t for t in found if t["number"] == tickets["bob_old"]["number"])
    assert answered["resolution"]["text"].startswith("Zie het parkeerdashboard")
    assert answered["status_label"]


def test_employees_only_see_their_own_similar_tickets(app, tickets):
    from portal.errors import NotFound
    from portal.search import similar

    with acting(app):
        found = similar.similar_tickets(tickets["alice"], tickets["target"]["id"])
        assert [t["number"] for t in found] == [tickets["alice_old"]["number"]]
        with pytest.raises(NotFound):
            similar.similar_tickets(tickets["bob"], tickets["target"]["id"])


def test_new_and_changed_tickets_are_picked_up(app, tickets):
    from portal.search import similar

    with acting(app):
        similar.similar_tickets(tickets["staff"], tickets["target"]["id"])
        later = create(app, tickets["bob"], "other", subject="Parkeerdruk Centrum en Laak",
                       description="Nog een vraag over parkeerdruk in de wijk.")
        found = similar.similar_tickets(tickets["staff"], tickets["target"]["id"], limit=5)
    assert later["number"] in [t["number"] for t in found]


def test_similar_tickets_fragment_on_the_ticket_page(client, app, tickets, login_as):
    client.set_cookie("portal_lang", "en")
    login_as(tickets["staff"])
    number = tickets["target"]["number"]
    page = client.get(f"/aanvragen/{number}").get_data(as_text=True)
    assert f'hx-get="/zoeken/vergelijkbare-tickets/{number}"' in page
    fragment = client.get(f"/zoeken/vergelijkbare-tickets/{number}", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert tickets["bob_old"]["number"] in html and "Zie het parkeerdashboard" in html
    assert "Interne notitie" not in html and "Power BI" not in html
    full = client.get(f"/zoeken/vergelijkbare-tickets/{number}").get_data(as_text=True)
    assert "<html" in full and tickets["alice_old"]["number"] in full


def test_similar_tickets_of_someone_else_is_404(client, app, tickets, login_as):
    login_as(tickets["bob"])
    assert client.get(f"/zoeken/vergelijkbare-tickets/{tickets['target']['number']}").status_code == 404
    assert client.get("/zoeken/vergelijkbare-tickets/<script>").status_code == 404
