"""/api/v1/events: the same rules as the pages, as JSON."""

from __future__ import annotations

import pytest

from portal.accounts import service as accounts
from tests.events_support import clock, count, event_data  # noqa: F401


@pytest.fixture
def api(app, client, make_user):
    def token_for(user):
        with app.app_context():
            return {"Authorization": f"Bearer {accounts.create_token(user.id, 'test')}"}

    staff, employee, other = make_user("staff", teams=["bi"]), make_user("employee"), \
        make_user("employee")
    return {"staff": token_for(staff), "employee": token_for(employee), "other": token_for(other),
            "users": {"staff": staff, "employee": employee, "other": other}}


def _create(client, api, **overrides):
    response = client.post("/api/v1/events", json=event_data(**overrides), headers=api["staff"])
    assert response.status_code == 201, response.get_json()
    event = response.get_json()
    published = client.patch(f"/api/v1/events/{event['id']}", json={"status": "published"},
                             headers=api["staff"])
    assert published.status_code == 200
    return published.get_json()


def test_staff_create_publish_and_list(client, api, clock):
    event = _create(client, api, capacity=1, tags=["power bi"])
    assert event["status"] == "published" and event["seats_left"] == 1
    assert event["starts_at"] == "2027-02-03T14:00:00+00:00"  # stored in UTC
    listed = client.get("/api/v1/events?type=meetup&has_seats=true", headers=api["employee"])
    assert [e["id"] for e in listed.get_json()["items"]] == [event["id"]]
    assert client.get("/api/v1/events?type=workshop",
                      headers=api["employee"]).get_json()["total"] == 0
    assert client.get("/api/v1/events?month=2027-02", headers=api["employee"]).get_json()[
        "total"] == 1
    assert client.get("/api/v1/events?month=2027-03", headers=api["employee"]).get_json()[
        "total"] == 0


def test_employees_cannot_create_or_change_events(client, api, clock):
    assert client.post("/api/v1/events", json=event_data(),
                       headers=api["employee"]).status_code == 403
    event = _create(client, api)
    assert client.patch(f"/api/v1/events/{event['id']}", json={"capacity": 3},
                        headers=api["employee"]).status_code == 403
    assert client.post(f"/api/v1/events/{event['id']}/cancel",
                       headers=api["employee"]).status_code == 403
    assert client.get(f"/api/v1/events/{event['id']}/registrations",
                      headers=api["employee"]).status_code == 403


def test_sign_up_is_201_then_200_and_shows_in_the_event(client, api, clock):
    event = _create(client, api, capacity=1)
    url = f"/api/v1/events/{event['id']}/registration"
    first = client.post(url, headers=api["employee"])
    assert first.status_code == 201 and first.get_json()["status"] == "confirmed"
    again = client.post(url, headers=api["employee"])
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    waiting = client.post(url, headers=api["other"])
    assert waiting.status_code == 201
    assert waiting.get_json() == {**waiting.get_json(), "status": "waitlisted", "position": 1}
    mine = client.get(f"/api/v1/events/{event['id']}", headers=api["other"]).get_json()
    assert mine["my_registration"]["position"] == 1 and mine["seats_left"] == 0
    assert client.delete(url, headers=api["employee"]).get_json()["status"] == "cancelled"
    assert client.get(f"/api/v1/events/{event['id']}", headers=api["other"]).get_json()[
        "my_registration"]["status"] == "confirmed"
    assert client.delete(url, headers=api["employee"]).status_code == 404
    people = client.get(f"/api/v1/events/{event['id']}/registrations",
                        headers=api["staff"]).get_json()["items"]
    assert [(p["user"]["email"], p["status"]) for p in people] == [
        (api["users"]["other"].email, "confirmed")]


@pytest.mark.parametrize("body", [
    {"capacity": 0}, {"capacity": 10**40}, {"capacity": True}, {"capacity": 2.5},
    {"ends_at": "2027-02-03T10:00:00+01:00"}, {"starts_at": "2027-02-03T15:00:00"},
    {"type": "borrel"}, {"title": "x" * 500}, {"signup_deadline": "2027-03-01T10:00:00+01:00"},
    {"organiser_id": 10**30}, {"organiser_id": 999}, {"tags": "x" * 50}, {"tags": [1, 2]},
])
def test_bad_input_is_a_clear_400_and_nothing_is_stored(app, client, api, clock, body):
    response = client.post("/api/v1/events", json=event_data(**body), headers=api["staff"])
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["fields"]
    assert count(app, "events") == 0


def test_unknown_and_huge_ids_are_404_not_500(client, api, clock):
    for path in ("/api/v1/events/99", "/api/v1/events/99999999999999999999999999"):
        assert client.get(path, headers=api["employee"]).status_code == 404
    assert client.post("/api/v1/events/123/registration", headers=api["employee"]).status_code == 404


def test_bad_filters_are_400(client, api, clock):
    for query in ("type=party", "month=2027-13", "has_seats=maybe", "limit=0",
                  "limit=99999999999999999999999"):
        assert client.get(f"/api/v1/events?{query}", headers=api["employee"]).status_code == 400


def test_patch_changes_time_and_cancel_is_a_staff_action(client, api, clock):
    event = _create(client, api)
    client.post(f"/api/v1/events/{event['id']}/registration", headers=api["employee"])
    moved = client.patch(f"/api/v1/events/{event['id']}", headers=api["staff"],
                         json={"starts_at": "2027-02-04T09:00:00+01:00",
                               "ends_at": "2027-02-04T11:00:00+01:00"})
    assert moved.status_code == 200 and moved.get_json()["starts_at"] == "2027-02-04T08:00:00+00:00"
    cancelled = client.post(f"/api/v1/events/{event['id']}/cancel", headers=api["staff"])
    assert cancelled.get_json()["status"] == "cancelled"
    assert client.post(f"/api/v1/events/{event['id']}/cancel",
                       headers=api["staff"]).status_code == 409
    assert client.post(f"/api/v1/events/{event['id']}/registration",
                       headers=api["other"]).status_code == 409
