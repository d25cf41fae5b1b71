"""The agenda pages: list, event, sign up without JavaScript and with htmx, staff pages."""

from __future__ import annotations

from portal.events import registration
from tests.conftest import csrf
from tests.desk_support import switch_user
from tests.events_support import call, clock, count, published  # noqa: F401

HX = {"HX-Request": "true"}


def test_agenda_lists_published_events_with_seats_left(app, client, make_user, login_as, clock):
    staff, employee = make_user("staff", teams=["bi"]), make_user("employee")
    published(app, staff, title="Inloopspreekuur Power BI", type="spreekuur", capacity=4)
    login_as(employee)
    page = client.get("/agenda")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Inloopspreekuur Power BI" in html
    assert "4 plekken vrij" in html
    assert 'href="/agenda"' in html and 'href="/mijn-aanmeldingen"' in html  # the navigation
    fragment = client.get("/agenda?type=workshop", headers=HX)
    assert "Inloopspreekuur" not in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get("/agenda?month=juni").status_code == 400


def test_sign_up_and_cancel_with_plain_forms(app, client, make_user, login_as, clock):
    staff, employee = make_user("staff", teams=["bi"]), make_user("employee")
    event = published(app, staff, capacity=1)
    login_as(employee)
    token = csrf(client, f"/agenda/{event['id']}")
    response = client.post(f"/agenda/{event['id']}/aanmelden", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get(f"/agenda/{event['id']}").get_data(as_text=True)
    assert "Je bent aangemeld" in page
    assert client.post(f"/agenda/{event['id']}/aanmelden", data={}).status_code == 400  # no CSRF
    mine = client.get("/mijn-aanmeldingen").get_data(as_text=True)
    assert "Data meetup: wijkcijfers" in mine
    client.post(f"/agenda/{event['id']}/afmelden", data={"csrf_token": token})
    assert count(app, "registrations", "status = 'cancelled'") == 1


def test_htmx_sign_up_swaps_the_box_and_shows_the_waiting_list_position(app, client, make_user,
                                                                        login_as, clock):
    staff = make_user("staff", teams=["bi"])
    first, second = make_user("employee"), make_user("employee")
    event = published(app, staff, capacity=1)
    call(app, registration.sign_up, first, event["id"])
    login_as(second)
    token = csrf(client, f"/agenda/{event['id']}")
    response = client.post(f"/agenda/{event['id']}/aanmelden", data={"csrf_token": token},
                           headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="signup"' in html and "<html" not in html
    assert "nummer 1" in html
    assert first.name not in html


def test_employees_never_see_names_staff_do(app, client, make_user, login_as, clock):
    staff = make_user("staff", teams=["bi"])
    taken, curious = make_user("employee", name="Vera Verborgen"), make_user("employee")
    event = published(app, staff)
    call(app, registration.sign_up, taken, event["id"])
    login_as(curious)
    assert "Vera Verborgen" not in client.get(f"/agenda/{event['id']}").get_data(as_text=True)
    assert client.get(f"/agenda/{event['id']}/deelnemers").status_code == 403
    assert client.get(f"/agenda/{event['id']}/deelnemers.csv").status_code == 403
    assert client.get("/agenda/nieuw").status_code == 403
    switch_user(client, staff)
    assert "Vera Verborgen" in client.get(f"/agenda/{event['id']}/deelnemers").get_data(as_text=True)
    csv = client.get(f"/agenda/{event['id']}/deelnemers.csv")
    assert csv.mimetype == "text/csv" and "Vera Verborgen" in csv.get_data(as_text=True)


def test_check_in_by_tapping_a_name(app, client, make_user, login_as, clock):
    staff, employee = make_user("staff", teams=["bi"]), make_user("employee", name="Tim Tap")
    event = published(app, staff)
    reg = call(app, registration.sign_up, employee, event["id"])["registration"]
    login_as(staff)
    token = csrf(client, f"/agenda/{event['id']}/deelnemers")
    response = client.post(f"/agenda/{event['id']}/deelnemers/{reg['id']}/aanwezig",
                           data={"csrf_token": token, "present": "1"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'aria-pressed="true"' in html and "<html" not in html
    assert count(app, "registrations", "attended = 1") == 1
    walk = client.post(f"/agenda/{event['id']}/deelnemers/inloop",
                       data={"csrf_token": token, "name": "", "email": ""})
    assert walk.status_code == 400
    client.post(f"/agenda/{event['id']}/deelnemers/inloop",
                data={"csrf_token": token, "name": "Gast Gastmans", "email": ""})
    page = client.get(f"/agenda/{event['id']}/deelnemers").get_data(as_text=True)
    assert "Gast Gastmans" in page


def test_staff_create_with_errors_then_publish(app, client, make_user, login_as, clock):
    staff = make_user("staff", teams=["bi"])
    login_as(staff)
    token = csrf(client, "/agenda/nieuw")
    form = {"csrf_token": token, "title": "Workshop Python voor beleidsmedewerkers",
            "type": "workshop", "description": "", "starts_at": "2027-03-01T13:00",
            "ends_at": "2027-03-01T12:00", "location": "Spui 70", "online_url": "",
            "capacity": "0", "signup_deadline": "", "organiser_id": "", "tags": ""}
    response = client.post("/agenda/nieuw", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'aria-invalid="true"' in html
    assert count(app, "events") == 0
    response = client.post("/agenda/nieuw", data={**form, "ends_at": "2027-03-01T16:00",
                                                  "capacity": "12"})
    assert response.status_code == 303
    event_url = response.headers["Location"]
    event_id = int(event_url.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        from portal.db import get_db

        start = get_db().execute("SELECT starts_at FROM events").fetchone()[0]
    assert start == "2027-03-01T12:00:00+00:00"  # 13:00 in Den Haag in winter
    client.post(f"/agenda/{event_id}/publiceren", data={"csrf_token": token})
    assert count(app, "events", "status = 'published'") == 1
    edit = client.get(f"/agenda/{event_id}/bewerken").get_data(as_text=True)
    assert 'value="2027-03-01T13:00"' in edit


def test_figures_page_for_staff(app, client, make_user, login_as, clock):
    staff = make_user("staff", teams=["bi"])
    login_as(staff)
    assert client.get("/agenda/cijfers").status_code == 200
    assert client.get("/agenda/cijfers?from=gisteren").status_code == 400


def test_the_calendar_link_is_shown_once_and_works(app, client, make_user, login_as, clock):
    employee = make_user("employee")
    login_as(employee)
    token = csrf(client, "/mijn-aanmeldingen")
    html = client.post("/mijn-aanmeldingen/agenda-link", data={"csrf_token": token}).get_data(
        as_text=True)
    import re

    url = re.search(r'value="(http[^"]+\.ics)"', html).group(1)
    assert url.startswith(app.config["BASE_URL"])
    assert client.get(url.replace(app.config["BASE_URL"], "")).status_code == 200
    assert url not in client.get("/mijn-aanmeldingen").get_data(as_text=True)
    client.post("/mijn-aanmeldingen/agenda-link/intrekken", data={"csrf_token": token})
    assert client.get(url.replace(app.config["BASE_URL"], "")).status_code == 404


def test_staff_add_a_host_who_then_sees_the_list_and_checks_in(app, client, make_user,
                                                               login_as, clock):
    from portal.events import attendance

    staff = make_user("staff", teams=["bi"])
    host, guest = make_user("employee", name="Hanna Host"), make_user("employee", name="Gijs")
    event = published(app, staff)
    seat = call(app, registration.sign_up, guest, event["id"])
    seat_id = (seat.get("registration") or seat)["id"]
    login_as(host)
    assert client.get(f"/agenda/{event['id']}/deelnemers").status_code == 403
    switch_user(client, staff)
    token = csrf(client, f"/agenda/{event['id']}")
    assert client.post(f"/agenda/{event['id']}/gastheren", data={
        "csrf_token": token, "email": "niemand@denhaag.example"}).status_code == 400
    assert client.post(f"/agenda/{event['id']}/gastheren", data={
        "csrf_token": token, "email": host.email}).status_code == 303
    assert "Hanna Host" in client.get(f"/agenda/{event['id']}").get_data(as_text=True)
    switch_user(client, host)
    assert client.post(f"/agenda/{event['id']}/gastheren", data={
        "csrf_token": csrf(client, "/agenda"), "email": guest.email}).status_code == 403
    assert "Gijs" in client.get(f"/agenda/{event['id']}/deelnemers").get_data(as_text=True)
    token = csrf(client, f"/agenda/{event['id']}/deelnemers")
    assert client.post(f"/agenda/{event['id']}/deelnemers/{seat_id}/aanwezig",
                       data={"csrf_token": token, "present": "1"}).status_code == 303
    assert call(app, attendance.attendees, staff, event["id"])[0]["attended"] is True
    switch_user(client, staff)
    token = csrf(client, f"/agenda/{event['id']}")
    assert client.post(f"/agenda/{event['id']}/gastheren/{host.id}/verwijderen",
                       data={"csrf_token": token}).status_code == 303
    switch_user(client, host)
    assert client.get(f"/agenda/{event['id']}/deelnemers").status_code == 403
