"""What a new user and an attacker found in the desk (issue 6): each test fails without its fix."""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from portal import timeutil
from portal.accounts import service as accounts
from portal.desk import attachments, lifecycle, service
from portal.desk.attachments import Upload
from portal.errors import Conflict, Invalid
from tests.conftest import PASSWORD, csrf, csrf_token_from, login
from tests.desk_support import MONDAY, acting, clock, count, create  # noqa: F401 (fixture)

PDF = b"%PDF-1.7\n%test\n"


# --- 2. "Mijn aanvragen" for staff and admins --------------------------------------

@pytest.mark.parametrize("role", ["staff", "admin"])
def test_my_requests_works_for_staff_and_admins_and_shows_only_their_own(
        app, client, make_user, login_as, role):
    me, other = make_user(role, teams=["bi"] if role == "staff" else ()), make_user("employee")
    create(app, me, subject="Mijn eigen vraag")
    create(app, other, subject="Vraag van iemand anders")
    login_as(me)
    page = client.get("/mijn-aanvragen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Mijn eigen vraag" in html and "Vraag van iemand anders" not in html
    assert "1 aanvraag" in html  # the total


def test_my_requests_search_and_waiting_for_you(app, client, make_user, login_as, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    first = create(app, alice, subject="Energielabels per wijk")["number"]
    create(app, alice, subject="Parkeerdruk Scheveningen")
    with acting(app):
        lifecycle.change_status(staff, first, "waiting")
    login_as(alice)
    html = client.get("/mijn-aanvragen?q=energie").get_data(as_text=True)
    assert "Energielabels per wijk" in html and "Parkeerdruk" not in html
    html = client.get("/mijn-aanvragen").get_data(as_text=True)
    assert "1 aanvraag wacht op jouw antwoord" in html and "needs-you" in html


# --- 3. One transition table for every path -----------------------------------------

def test_a_staff_reply_cannot_skip_the_lifecycle(app, client, make_user, login_as, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    number = create(app, alice)["number"]
    with acting(app):
        lifecycle.change_status(staff, number, "in_progress")
    login_as(staff)
    token = csrf(client, f"/aanvragen/{number}")
    for status, code in (("new", 409), ("closed", 409), ("bogus", 400)):
        response = client.post(f"/aanvragen/{number}/reactie",
                               data={"body": "Antwoord", "status": status, "csrf_token": token})
        assert response.status_code == code, status
    with acting(app):
        assert service.get_ticket(staff, number)["status"] == "in_progress"
        # nothing half stored: the refused replies left no message
        assert service.get_thread(staff, number) == []
        with pytest.raises(Conflict):  # new → closed skips "resolved" (and its reopen window)
            service.add_comment(staff, create(app, alice)["number"], "Klaar", status="closed")


def test_the_system_close_job_follows_the_table_too(app, make_user, clock):
    alice = make_user("employee")
    number = create(app, alice)["number"]
    with acting(app) as db:
        from portal.desk import store

        with pytest.raises(Conflict):
            lifecycle.apply_status(db, store.load_row(db, number), None, "closed", timeutil.now())


# --- 11. A requester's reply on a resolved ticket -----------------------------------

def test_reply_on_resolved_ticket_reopens_it_within_the_window(app, client, make_user, login_as,
                                                               clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    number = create(app, alice)["number"]
    with acting(app):
        lifecycle.change_status(staff, number, "resolved")
    login_as(alice)
    page = client.get(f"/aanvragen/{number}").get_data(as_text=True)
    assert "Je reactie heropent deze aanvraag" in page
    response = client.post(f"/aanvragen/{number}/reactie",
                           data={"body": "Toch nog een vraag", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 303
    with acting(app):
        assert service.get_ticket(alice, number)["status"] == "in_progress"


def test_reply_after_the_window_is_refused_and_offers_a_follow_up(app, client, make_user,
                                                                  login_as, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    number = create(app, alice, subject="Woningvoorraad 2025")["number"]
    with acting(app):
        lifecycle.change_status(staff, number, "resolved")
    clock.set(MONDAY + timedelta(days=app.config["REOPEN_DAYS"] + 1))
    login_as(alice)
    page = client.get(f"/aanvragen/{number}").get_data(as_text=True)
    assert 'action="/aanvragen/%s/reactie"' % number not in page  # no reply box
    assert f"/aanvraag?vervolg={number}" in page
    response = client.post(f"/aanvragen/{number}/reactie",
                           data={"body": "Nog iets", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 409
    assert "kan niet meer worden heropend" in response.get_data(as_text=True)
    with acting(app):
        assert service.get_thread(alice, number) == []
        assert service.get_ticket(alice, number)["status"] == "resolved"
    form = client.get(f"/aanvraag/analysis?vervolg={number}").get_data(as_text=True)
    assert f"Vervolg op {number}" in form and "Woningvoorraad 2025" in form


# --- 4. Login lockout under parallel guesses ----------------------------------------

def test_lockout_holds_under_parallel_guesses_over_real_http(live_server, make_user):
    victim = make_user("employee")
    limit = live_server.app.config["LOGIN_MAX_FAILURES"]
    sessions = []
    for _ in range(40):
        s = requests.Session()
        page = s.get(f"{live_server.url}/login", timeout=30).text
        sessions.append((s, csrf_token_from(page)))
    start = threading.Barrier(len(sessions))

    def guess(item):
        s, token = item
        start.wait(timeout=30)
        return s.post(f"{live_server.url}/login", allow_redirects=False, timeout=60,
                      data={"email": victim.email, "password": "wrong-password", "csrf_token": token}
                      ).status_code

    with ThreadPoolExecutor(len(sessions)) as pool:
        codes = list(pool.map(guess, sessions))
    assert set(codes) <= {401, 429} and codes.count(429) >= len(sessions) - limit
    # exactly LOGIN_MAX_FAILURES passwords were checked (each checked attempt is a row)
    assert count(live_server.app, "login_attempts") == limit
    s = requests.Session()
    token = csrf_token_from(s.get(f"{live_server.url}/login", timeout=30).text)
    right = s.post(f"{live_server.url}/login", allow_redirects=False, timeout=30,
                   data={"email": victim.email, "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429  # even the right password waits out the lockout


# --- 5. Bad input: one parsing layer -------------------------------------------------

@pytest.fixture
def api(app, make_user):
    staff, alice = make_user("staff", teams=["bi"]), make_user("employee")
    with app.app_context():
        tokens = {"staff": accounts.create_token(staff.id), "alice": accounts.create_token(alice.id)}
    number = create(app, alice)["number"]
    client = app.test_client()

    def call(method, path, who="staff", **kwargs):
        return client.open(path, method=method,
                           headers={"Authorization": f"Bearer {tokens[who]}"}, **kwargs)

    call.number = number
    return call


@pytest.mark.parametrize("body", [
    {"assignee": 10**30}, {"assignee": -(10**30)}, {"assignee": "²"}, {"assignee": "١٢"},
    {"tags": ["ok", "nul\x00byte"]}, {"status": "in_progress\ud800"},
])
def test_api_patch_rejects_bad_numbers_and_text_with_400(api, body):
    response = api("PATCH", f"/api/v1/tickets/{api.number}",
                   data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("query", ["limit=99999999999999999999999", "offset=10000000000000000000000",
                                   "limit=²", "offset=-1", "assignee=²",
                                   "assignee=99999999999999999999999"])
def test_api_list_rejects_bad_numbers_with_400(api, query):
    assert api("GET", f"/api/v1/tickets?{query}").status_code == 400


def test_deeply_nested_and_surrogate_json_are_400(api):
    nested = "[" * 100000 + "]" * 100000
    for raw in ('{"subject": ' + nested + "}", '{"subject": "\\ud800 half"}', "{not json"):
        response = api("POST", "/api/v1/tickets", who="alice", data=raw,
                       content_type="application/json")
        assert response.status_code == 400, raw[:40]


def test_invisible_subject_and_nul_tag_are_refused(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    with pytest.raises(Invalid) as info:
        create(app, alice, subject="\u200b\u200b\u2060\ufeff")
    assert "subject" in info.value.fields
    number = create(app, alice)["number"]
    with acting(app):
        with pytest.raises(Invalid):
            lifecycle.update_ticket(staff, number, {"tags": ["wijk\x00"]})
        assert service.get_ticket(staff, number)["tags"] == []


@pytest.mark.parametrize("path", [
    "/behandelen?page=99999999999999999999999", "/behandelen?assignee=²",
    "/behandelen?assignee=99999999999999999999999", "/mijn-aanvragen?page=²",
    "/kennisbank/?page=99999999999999999999", "/zoeken/statistieken?days=²",
    "/behandelen/standaardantwoorden/99999999999999999999999/verwijderen",
])
def test_web_pages_never_500_on_odd_numbers(app, client, make_user, login_as, path):
    login_as(make_user("staff", teams=["bi"]))
    if path.endswith("verwijderen"):
        response = client.post(path, data={"csrf_token": csrf(client)})
    else:
        response = client.get(path)
    assert response.status_code in (200, 400, 404), (path, response.status_code)


def test_rating_score_beyond_range_is_400(app, client, make_user, login_as, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    number = create(app, alice)["number"]
    with acting(app):
        lifecycle.change_status(staff, number, "resolved")
    login_as(alice)
    token = csrf(client, f"/aanvragen/{number}")
    for score in ("99999999999999999999999", "²", "0"):
        response = client.post(f"/aanvragen/{number}/beoordeling",
                               data={"score": score, "csrf_token": token})
        assert response.status_code == 400
    assert count(app, "ratings") == 0


def test_cli_rejects_huge_ids_clearly(app):
    result = app.test_cli_runner().invoke(args=["outbox", "retry", "--id", str(10**30)])
    assert result.exit_code == 2 and "whole number" in result.output


# --- 6. Logging out ends the session server-side -------------------------------------

def _cookie(client):
    return client.get_cookie("session").value


def test_a_copied_session_cookie_is_worthless_after_logout(app, make_user):
    alice = make_user("employee")
    browser, thief = app.test_client(), app.test_client()
    assert login(browser, alice.email).status_code == 302
    thief.set_cookie("session", _cookie(browser))
    assert thief.get("/mijn-aanvragen").status_code == 200  # the copy works while logged in
    browser.post("/logout", data={"csrf_token": csrf(browser)})
    assert thief.get("/mijn-aanvragen").status_code == 302  # to the login page


@pytest.mark.parametrize("change", ["password", "role"])
def test_password_and_role_changes_end_every_session(app, make_user, change):
    alice = make_user("employee")
    browser = app.test_client()
    login(browser, alice.email)
    assert browser.get("/mijn-aanvragen").status_code == 200
    with app.app_context():
        if change == "password":
            accounts.set_password(alice.id, "a-new-long-password")
        else:
            accounts.set_role(alice.id, "staff", teams=["bi"])
    assert browser.get("/mijn-aanvragen").status_code == 302


# --- 7. No orphaned uploads ----------------------------------------------------------

def test_files_of_a_request_that_died_are_swept_and_committed_ones_are_kept(app, make_user,
                                                                            clock):
    alice = make_user("employee")
    folder = app.config["UPLOAD_FOLDER"]
    ticket = create(app, alice, uploads=[Upload("rapport.pdf", PDF)])
    incoming = os.path.join(folder, attachments.INCOMING)
    os.makedirs(incoming, exist_ok=True)
    orphan = os.path.join(incoming, "a" * 32)  # written by a request killed before COMMIT
    with open(orphan, "wb") as handle:
        handle.write(PDF)
    old = timeutil.now().timestamp() - 2 * attachments.ORPHAN_GRACE_SECONDS
    os.utime(orphan, (old, old))
    with acting(app) as db:
        assert attachments.sweep_incoming(db) == {"removed": 1, "published": 0}
        files = service.ticket_attachments(alice, ticket["number"])
        meta, path = service.get_attachment(alice, files[0]["id"], ticket["number"])
        assert path.read_bytes() == PDF
    assert not os.path.exists(orphan)


# --- 8. One visibility rule for web and API -----------------------------------------

def test_requesters_get_no_triage_data_through_the_api(api):
    mine = api("GET", f"/api/v1/tickets/{api.number}", who="alice").get_json()
    assert not {"priority", "sla", "tags"} & set(mine)
    listed = api("GET", "/api/v1/tickets", who="alice").get_json()["items"][0]
    assert not {"priority", "sla", "tags"} & set(listed)
    staff = api("GET", f"/api/v1/tickets/{api.number}").get_json()
    assert staff["priority"] == "normal" and "resolve_due_at" in staff["sla"]


# --- 10. No framing, a Content-Security-Policy ---------------------------------------

def test_pages_cannot_be_framed_and_carry_a_csp(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


# --- Accounts at scale: portal users import ------------------------------------------

def test_users_import_is_idempotent_reports_changes_and_rejects_bad_rows(app, tmp_path):
    runner = app.test_cli_runner()
    good = tmp_path / "users.csv"
    good.write_text("email,name,department,role,teams\n"
                    "an.jansen@denhaag.example,An Jansen,szw,employee,\n"
                    "bo.dekker@denhaag.example,Bo Dekker,,staff,bi;udp\n", encoding="utf-8")
    first = runner.invoke(args=["users", "import", str(good)])
    assert first.exit_code == 0 and "Created 2" in first.output, first.output
    again = runner.invoke(args=["users", "import", str(good)])
    assert "Created 0, updated 0, unchanged 2" in again.output
    good.write_text(good.read_text().replace("Bo Dekker,,staff,bi;udp", "Bo Dekker,,admin,bi"))
    changed = runner.invoke(args=["users", "import", str(good)])
    assert "updated 1" in changed.output and "bo.dekker@denhaag.example: role, teams" in changed.output

    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,department,role,teams\n"
                   "cas.vos@denhaag.example,Cas Vos,szw,employee,\n"
                   "geen-adres,Iemand,szw,employee,\n"
                   "dirk@denhaag.example,Dirk,szw,koning,\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(bad)])
    assert result.exit_code == 1
    assert "regel 3: email" in result.output and "regel 4: role" in result.output
    with app.app_context():
        assert accounts.find_by_email("cas.vos@denhaag.example") is None  # nothing half
        assert accounts.find_by_email("bo.dekker@denhaag.example").role == "admin"


# --- 9. Undelivered mail is shown to admins ------------------------------------------

def test_undelivered_mail_is_listed_for_admins_and_can_be_sent_again(app, client, make_user,
                                                                   login_as):
    from portal.mail.outbox import enqueue

    with acting(app) as db:
        message_id = enqueue(db, to="an@denhaag.example", subject="Uw aanvraag", text="Tekst")
        db.execute("UPDATE outbox SET status = 'failed', attempts = 1,"
                   " last_error = 'recipient refused: 550 no such user' WHERE id = ?", [message_id])
    login_as(make_user("employee"))
    assert client.get("/beheer/mail/").status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client)})
    login_as(make_user("admin"))
    home = client.get("/").get_data(as_text=True)
    assert "Niet bezorgde mail" in home  # the admin's navigation says so
    page = client.get("/beheer/mail/").get_data(as_text=True)
    assert "550 no such user" in page and "an@denhaag.example" in page
    client.post("/beheer/mail/opnieuw", data={"id": message_id, "csrf_token": csrf_token_from(page)})
    assert count(app, "outbox", "status = 'pending'") == 1


# --- The queue: dense, sortable, bulk actions, "assign to me", unseen updates -------------

def test_bulk_actions_change_each_ticket_through_its_rules(app, client, make_user, login_as,
                                                          clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    first, second = create(app, alice)["number"], create(app, alice)["number"]
    with acting(app):
        lifecycle.change_status(staff, second, "resolved")
    login_as(staff)
    token = csrf(client, "/behandelen")
    response = client.post("/behandelen/bulk", data={
        "numbers": [first, second], "assignee": "me", "status": "in_progress",
        "priority": "high", "add_tag": "Wijkdata", "csrf_token": token})
    assert response.status_code == 303
    with acting(app):
        one, two = service.get_ticket(staff, first), service.get_ticket(staff, second)
    assert (one["status"], one["priority"], one["assignee"]["id"], one["tags"]) == \
        ("in_progress", "high", staff.id, ["wijkdata"])
    assert two["status"] == "in_progress"  # resolved → in progress is a reopen: allowed for staff
    # An employee cannot use it.
    client.post("/logout", data={"csrf_token": csrf(client)})
    login_as(alice)
    assert client.post("/behandelen/bulk", data={"numbers": [first], "priority": "low",
                                                 "csrf_token": csrf(client)}).status_code == 403


def test_bulk_reports_tickets_that_may_not_change_and_changes_the_rest(app, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    fresh, done = create(app, alice)["number"], create(app, alice)["number"]
    with acting(app):
        lifecycle.change_status(staff, done, "resolved")
        lifecycle.change_status(staff, done, "closed")
        result = lifecycle.bulk_update(staff, [fresh, done, "DS-1999-0001"], {"status": "waiting"})
        assert result["updated"] == [fresh]
        assert set(result["failed"]) == {done, "DS-1999-0001"}


def test_assign_to_me_in_one_click_and_the_unseen_marker(app, client, make_user, login_as, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    number = create(app, alice)["number"]
    login_as(staff)
    queue_page = client.get("/behandelen").get_data(as_text=True)
    assert f'formaction="/aanvragen/{number}/aan-mij"' in queue_page
    client.post(f"/aanvragen/{number}/aan-mij", data={"csrf_token": csrf_token_from(queue_page)})
    with acting(app):
        assert service.get_ticket(staff, number)["assignee"]["id"] == staff.id
        service.add_comment(alice, number, "Nog een aanvulling van mij")
    assert "Reactie" in client.get("/behandelen").get_data(as_text=True)  # marked
    client.get(f"/aanvragen/{number}")  # staff look at it
    assert 'class="badge badge-new"' not in client.get("/behandelen").get_data(as_text=True)


def test_queue_sorts_by_column_header_and_tags_are_filter_links(app, client, make_user, login_as,
                                                               clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    number = create(app, alice)["number"]
    with acting(app):
        lifecycle.update_ticket(staff, number, {"tags": ["brp"]})
    login_as(staff)
    page = client.get("/behandelen").get_data(as_text=True)
    assert 'href="/behandelen?tag=brp"' in page
    assert "sort=priority" in page and "sort=created" in page
    sorted_page = client.get("/behandelen?sort=oldest").get_data(as_text=True)
    assert 'aria-current="true"' in sorted_page


# --- What a new user stumbled on -----------------------------------------------------

def test_every_mail_says_where_to_reply_and_replies_reach_a_read_mailbox(app, make_user, clock):
    from portal.mail.sender import build_message
    from tests.desk_support import outbox

    alice = make_user("employee")
    create(app, alice)
    mail = outbox(app)[0]
    assert "Reageer via de pagina van de aanvraag" in mail["body_text"]
    assert "Reageer via de pagina van de aanvraag" in mail["body_html"]
    with app.app_context():
        assert build_message(app.config, mail)["Reply-To"] == app.config["MAIL_REPLY_TO"]


def test_search_shows_own_earlier_requests_and_never_others(app, client, make_user, login_as,
                                                           clock):
    alice, bob = make_user("employee"), make_user("employee")
    create(app, alice, subject="Energielabels van woningen in Escamp")
    create(app, bob, subject="Energielabels van scholen")
    login_as(alice)
    html = client.get("/zoeken/?q=energielabels").get_data(as_text=True)
    assert "Je eerdere aanvragen" in html and "woningen in Escamp" in html
    assert "scholen" not in html
    client.post("/logout", data={"csrf_token": csrf(client)})
    login_as(make_user("staff", teams=["bi"]))
    html = client.get("/zoeken/?q=energielabels").get_data(as_text=True)
    assert "woningen in Escamp" in html and "scholen" in html  # staff: all requests


def test_error_summary_names_the_fields(app, client, make_user, login_as):
    login_as(make_user("employee"))
    page = client.get("/aanvraag/analysis").get_data(as_text=True)
    response = client.post("/aanvraag/analysis", data={"csrf_token": csrf_token_from(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#subject">Onderwerp: Vul dit veld in.</a>' in html


def test_favicon_is_served(client):
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)
    assert client.get("/static/favicon.svg").status_code == 200
