"""Desk pages through Flask's test client: forms, CSRF, attachments, the queue, roles."""

from __future__ import annotations

import io
from datetime import timedelta

from portal.desk import lifecycle, service
from tests.conftest import csrf
from tests.desk_support import MONDAY, acting, clock, count, create, outbox, switch_user  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj\n"


def form(token, **extra):
    data = {"csrf_token": token, "subject": "Aantal bomen per wijk", "description": "Voor het groenplan.",
            "department": "dsb", "personal_data": "no", "extra.dataset": "Bomen",
            "extra.purpose": "Groenplan", "extra.format": "excel", "extra.frequency": "periodic"}
    data.update(extra)
    return data


def test_start_page_for_anonymous_visitors(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'action="/zoeken/"' in html and 'name="q"' in html
    assert "/aanvraag/data_delivery" in html and "/aanvraag/udc_research" in html
    response = client.get("/aanvraag/data_delivery")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_start_page_shows_staff_counts(client, make_user, login_as, clock):
    staff = make_user("staff")
    login_as(staff)
    html = client.get("/").get_data(as_text=True)
    assert "/behandelen?overdue=1" in html and "/behandelen" in html


def test_submit_a_request_with_an_attachment(app, client, make_user, login_as, clock):
    employee = make_user("employee")
    login_as(employee)
    page = client.get("/aanvraag/data_delivery").get_data(as_text=True)
    assert 'id="suggestions" aria-live="polite"' in page
    assert 'for="extra.format"' in page or 'name="extra.format"' in page
    data = form(csrf(client, "/aanvraag/data_delivery"))
    data["attachments"] = [(io.BytesIO(PDF), "specificatie.pdf")]
    response = client.post("/aanvraag/data_delivery", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "DS-2026-0001" in confirmation and "specificatie.pdf" in confirmation
    mails = outbox(app)
    assert mails[0]["to_addr"] == employee.email and "DS-2026-0001" in mails[0]["subject"]
    assert "http://127.0.0.1:5000/aanvragen/DS-2026-0001" in mails[0]["body_text"]


def test_invalid_form_is_shown_again_with_errors_and_nothing_stored(app, client, make_user, login_as, clock):
    login_as(make_user("employee"))
    data = form(csrf(client, "/aanvraag/data_delivery"), subject="", **{"extra.format": "pdf"})
    data["description"] = "Mijn beschrijving blijft staan"
    response = client.post("/aanvraag/data_delivery", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html and "Mijn beschrijving blijft staan" in html
    assert count(app, "tickets") == 0 and outbox(app) == []


def test_disallowed_or_oversized_upload_stores_nothing(app, client, make_user, login_as, clock):
    app.config["MAX_ATTACHMENT_BYTES"] = 100
    login_as(make_user("employee"))
    for name, content in (("script.exe", b"MZ"), ("big.pdf", PDF + b"x" * 200)):
        data = form(csrf(client, "/aanvraag/data_delivery"))
        data["attachments"] = [(io.BytesIO(content), name)]
        response = client.post("/aanvraag/data_delivery", data=data, content_type="multipart/form-data")
        assert response.status_code == 400
        assert name in response.get_data(as_text=True)
    assert count(app, "tickets") == 0 and count(app, "attachments") == 0


def test_post_without_csrf_token_is_rejected(app, client, make_user, login_as, clock):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    login_as(make_user("employee"))
    data = form("")
    del data["csrf_token"]
    response = client.post("/aanvraag/data_delivery", data=data)
    assert response.status_code == 400
    assert count(app, "tickets") == 0


def test_attachment_is_served_only_to_people_who_may_see_the_ticket(app, client, make_user, login_as, clock):
    from portal.desk.attachments import Upload

    alice, bob, staff = make_user("employee"), make_user("employee"), make_user("staff")
    ticket = create(app, alice, uploads=[Upload("cijfers.csv", b"wijk;aantal\nCentrum;12\n")])
    with acting(app):
        file_id = service.ticket_attachments(alice, ticket["number"])[0]["id"]
    url = f"/aanvragen/{ticket['number']}/bijlagen/{file_id}"
    for user in (alice, staff):
        switch_user(client, user)
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.data == b"wijk;aantal\nCentrum;12\n"
    switch_user(client, bob)
    assert client.get(url).status_code == 404
    assert client.get(f"/aanvragen/{ticket['number']}").status_code == 404
    assert client.get(f"/aanvragen/DS-2026-0999/bijlagen/{file_id}").status_code == 404


def test_requester_page_hides_internal_notes_and_staff_page_shows_them(app, client, make_user, login_as, clock):
    alice, staff = make_user("employee"), make_user("staff")
    number = create(app, alice)["number"]
    with acting(app):
        service.add_comment(staff, number, "Interne notitie XYZ", internal=True)
        service.add_comment(staff, number, "Publiek antwoord")
    login_as(alice)
    html = client.get(f"/aanvragen/{number}").get_data(as_text=True)
    assert "Publiek antwoord" in html and "Interne notitie XYZ" not in html
    assert 'id="similar-tickets"' not in html and 'name="internal"' not in html
    switch_user(client, staff)
    html = client.get(f"/aanvragen/{number}").get_data(as_text=True)
    assert "Interne notitie XYZ" in html and '<section id="similar-tickets"' in html
    assert 'name="internal"' in html


def test_reply_reopen_and_rate_through_the_pages(app, client, make_user, login_as, clock):
    alice, staff = make_user("employee"), make_user("staff")
    number = create(app, alice)["number"]
    login_as(staff)
    token = csrf(client, f"/aanvragen/{number}")
    response = client.post(f"/aanvragen/{number}/reactie",
                           data={"csrf_token": token, "body": "Klaar!", "internal": "0", "status": "resolved"})
    assert response.status_code == 303
    switch_user(client, alice)
    html = client.get(f"/aanvragen/{number}").get_data(as_text=True)
    assert "Klaar!" in html and "/heropenen" in html and "/beoordeling" in html
    token = csrf(client, f"/aanvragen/{number}")
    response = client.post(f"/aanvragen/{number}/beoordeling", data={"csrf_token": token, "score": "9"})
    assert response.status_code == 400
    response = client.post(f"/aanvragen/{number}/beoordeling",
                           data={"csrf_token": token, "score": "5", "comment": "Top"})
    assert response.status_code == 303
    assert client.post(f"/aanvragen/{number}/beoordeling",
                       data={"csrf_token": token, "score": "4"}).status_code == 409
    assert client.post(f"/aanvragen/{number}/heropenen", data={"csrf_token": token}).status_code == 303
    with acting(app):
        assert service.get_ticket(alice, number)["status"] == "in_progress"
    # An employee cannot use the staff form.
    assert client.post(f"/aanvragen/{number}/wijzigen",
                       data={"csrf_token": token, "status": "closed"}).status_code == 403


def test_staff_update_form(app, client, make_user, login_as, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    number = create(app, alice)["number"]
    login_as(staff)
    token = csrf(client, f"/aanvragen/{number}")
    response = client.post(f"/aanvragen/{number}/wijzigen", data={
        "csrf_token": token, "status": "in_progress", "priority": "high", "team": "bi",
        "assignee": str(staff.id), "tags": "Parkeren, dashboard"})
    assert response.status_code == 303
    html = client.get(f"/aanvragen/{number}").get_data(as_text=True)
    assert "parkeren" in html and 'id="history-heading"' in html
    with acting(app):
        fields = [e["field"] for e in service.list_events(staff, number)]
    assert fields == ["created", "priority", "team", "assignee", "tags", "status"]
    response = client.post(f"/aanvragen/{number}/wijzigen", data={"csrf_token": token, "team": "mars"})
    assert response.status_code == 400


def test_queue_filters_and_htmx_fragment(app, client, make_user, login_as, clock):
    alice = make_user("employee")
    staff, other = make_user("staff", teams=["bi"]), make_user("staff", teams=["udp"])
    mine = create(app, alice, "dashboard", subject="Dashboard parkeren")["number"]
    theirs = create(app, alice, "data_delivery", subject="Export afval")["number"]
    loose = create(app, alice, "other", subject="Vraagje")["number"]
    done = create(app, alice, "analysis", subject="Oud werk")["number"]
    with acting(app):
        lifecycle.update_ticket(staff, mine, {"assignee": staff.id, "priority": "urgent"})
        lifecycle.update_ticket(staff, theirs, {"assignee": other.id})
        lifecycle.change_status(staff, done, "resolved")
    clock.set(MONDAY + timedelta(hours=6))  # the urgent one is now overdue
    login_as(alice)
    assert client.get("/behandelen").status_code == 403
    switch_user(client, staff)

    def numbers(query):
        html = client.get("/behandelen" + query).get_data(as_text=True)
        return {n for n in (mine, theirs, loose, done) if f">{n}<" in html}

    assert numbers("") == {mine, theirs, loose}  # open by default
    assert numbers("?status=all") == {mine, theirs, loose, done}
    assert numbers("?status=resolved") == {done}
    assert numbers("?assignee=me") == {mine}
    assert numbers("?assignee=unassigned") == {loose}
    assert numbers("?team=udp") == {theirs}
    assert numbers("?team=none") == {loose}
    assert numbers("?overdue=1") == {mine}
    assert numbers("?q=parkeren") == {mine}
    assert numbers(f"?q={theirs}") == {theirs}
    assert numbers("?type=other&sort=priority") == {loose}
    assert client.get("/behandelen?status=bogus").status_code == 400

    full = client.get("/behandelen?assignee=me")
    fragment = client.get("/behandelen?assignee=me", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'id="queue-results"' in fragment.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    page = full.get_data(as_text=True)
    assert 'hx-get="/behandelen"' in page and 'hx-push-url="true"' in page and 'hx-target="#queue-results"' in page
    assert 'class="overdue"' in page


def test_queue_pagination(app, client, make_user, login_as, clock):
    app.config["QUEUE_PAGE_SIZE"] = 2
    alice, staff = make_user("employee"), make_user("staff")
    for i in range(5):
        create(app, alice, subject=f"Vraag {i}")
    login_as(staff)
    html = client.get("/behandelen?sort=oldest&page=3").get_data(as_text=True)
    assert ">DS-2026-0005<" in html and ">DS-2026-0001<" not in html
    assert "page=2" in html and "sort=oldest" in html


def test_my_requests_lists_only_own(app, client, make_user, login_as, clock):
    alice, bob = make_user("employee"), make_user("employee")
    create(app, alice, subject="Van Alice")
    create(app, bob, subject="Van Bob")
    login_as(alice)
    html = client.get("/mijn-aanvragen").get_data(as_text=True)
    assert "Van Alice" in html and "Van Bob" not in html


def test_canned_reply_prefills_the_reply(app, client, make_user, login_as, clock):
    from portal.desk import canned

    alice, staff = make_user("employee"), make_user("staff")
    number = create(app, alice)["number"]
    with acting(app):
        item = canned.create_canned(staff, "Meer info", "Beste {requester}, kunt u meer vertellen?")
    login_as(staff)
    html = client.get(f"/aanvragen/{number}?canned={item['id']}").get_data(as_text=True)
    assert f"Beste {alice.name}, kunt u meer vertellen?" in html
    html = client.get("/behandelen/standaardantwoorden").get_data(as_text=True)
    assert "Meer info" in html
