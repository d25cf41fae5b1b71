"""The desk JSON API: create, list, read, comment, patch; roles; errors are JSON 4xx."""

from __future__ import annotations

import pytest

from portal.accounts import service as accounts
from tests.desk_support import EXTRAS, acting, clock, count, outbox, ticket_data  # noqa: F401


@pytest.fixture
def api(app, client):
    def token_for(user):
        with app.app_context():
            return accounts.create_token(user.id, "test")

    class Api:
        def __init__(self):
            self.tokens = {}

        def call(self, method, path, user, **kwargs):
            token = self.tokens.setdefault(user.id, token_for(user))
            return client.open(f"/api/v1{path}", method=method,
                               headers={"Authorization": f"Bearer {token}"}, **kwargs)

    return Api()


def test_create_list_read_and_comment(app, api, make_user, clock):
    alice, bob, staff = make_user("employee"), make_user("employee"), make_user("staff")
    response = api.call("POST", "/tickets", alice, json=ticket_data("open_data"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    number = body["number"]
    assert body["extra"] == EXTRAS["open_data"] and body["team"] == "open-data"
    assert response.headers["Location"].endswith(f"/api/v1/tickets/{number}")
    assert "tags" not in body

    assert api.call("GET", f"/tickets/{number}", bob).status_code == 404
    assert api.call("GET", "/tickets", bob).get_json()["total"] == 0
    assert api.call("GET", "/tickets", alice).get_json()["items"][0]["number"] == number

    assert api.call("POST", f"/tickets/{number}/comments", staff,
                    json={"body": "Intern: check licentie", "internal": True}).status_code == 201
    assert api.call("POST", f"/tickets/{number}/comments", staff, json={"body": "We kijken ernaar"}).status_code == 201
    assert api.call("POST", f"/tickets/{number}/comments", alice,
                    json={"body": "stiekem", "internal": True}).status_code == 403
    assert api.call("POST", f"/tickets/{number}/comments", bob, json={"body": "hoi"}).status_code == 404

    mine = api.call("GET", f"/tickets/{number}", alice).get_json()
    assert [c["body"] for c in mine["comments"]] == ["We kijken ernaar"]
    staff_view = api.call("GET", f"/tickets/{number}", staff).get_json()
    assert [(c["body"], c["internal"]) for c in staff_view["comments"]] == \
        [("Intern: check licentie", True), ("We kijken ernaar", False)]
    assert all("Intern" not in m["body_text"] for m in outbox(app))


def test_staff_list_filters(app, api, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff")
    api.call("POST", "/tickets", alice, json=ticket_data("dashboard", subject="Parkeerdruk"))
    api.call("POST", "/tickets", alice, json=ticket_data("other", subject="Iets anders"))
    listing = api.call("GET", "/tickets?type=dashboard&team=bi&q=parkeer&status=open", staff).get_json()
    assert [t["subject"] for t in listing["items"]] == ["Parkeerdruk"]
    assert api.call("GET", "/tickets?limit=1&offset=1", staff).get_json()["items"][0]["subject"] == "Parkeerdruk"
    for bad in ("limit=0", "limit=abc", "offset=-1", "status=nope", "overdue=maybe", "sort=random"):
        response = api.call("GET", f"/tickets?{bad}", staff)
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["status"] == 400


def test_patch_by_staff_and_reopen_by_requester(app, api, make_user, clock):
    alice, staff = make_user("employee"), make_user("staff", teams=["bi"])
    number = api.call("POST", "/tickets", alice, json=ticket_data()).get_json()["number"]
    response = api.call("PATCH", f"/tickets/{number}", staff, json={
        "status": "resolved", "priority": "high", "team": "bi", "assignee": staff.email, "tags": ["Wijk"]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["priority"], body["team"], body["assignee"]["id"], body["tags"]) == \
        ("resolved", "high", "bi", staff.id, ["wijk"])
    assert api.call("PATCH", f"/tickets/{number}", alice, json={"priority": "urgent"}).status_code == 403
    assert api.call("PATCH", f"/tickets/{number}", alice, json={"status": "closed"}).status_code == 403
    response = api.call("PATCH", f"/tickets/{number}", alice, json={"status": "in_progress"})
    assert response.status_code == 200 and response.get_json()["status"] == "in_progress"
    assert api.call("PATCH", f"/tickets/{number}", staff, json={"status": "closed"}).status_code == 409
    assert api.call("PATCH", f"/tickets/{number}", staff, json={"assignee": None}).get_json()["assignee"] is None


@pytest.mark.parametrize("body", [
    {"colour": "red"}, {"status": 3}, {"priority": "asap"}, {"tags": "a" * 50},
    {"tags": ["x" * 41]}, {"assignee": True}, {"assignee": "nobody@x.example"}, {"team": "mars"},
])
def test_patch_rejects_bad_bodies(app, api, make_user, clock, body):
    alice, staff = make_user("employee"), make_user("staff")
    number = api.call("POST", "/tickets", alice, json=ticket_data()).get_json()["number"]
    before = count(app, "ticket_events")
    response = api.call("PATCH", f"/tickets/{number}", staff, json=body)
    assert response.status_code == 400 and "message" in response.get_json()["error"]
    assert count(app, "ticket_events") == before


@pytest.mark.parametrize("body", [
    {**ticket_data(), "unexpected": 1},
    {**ticket_data(), "subject": None},
    {**ticket_data(), "subject": ["a"]},
    {**ticket_data(), "subject": "s" * 201},
    {**ticket_data(), "extra": "none"},
    {**ticket_data(), "extra": {"question": 5}},
    {**ticket_data(), "desired_date": 20260401},
    {**ticket_data(), "department": "xyz"},
    {**ticket_data("data_delivery"), "extra": {**EXTRAS["data_delivery"], "format": "pdf"}},
    [1, 2],
    "just text",
])
def test_create_rejects_bad_bodies_with_json_400(app, api, make_user, clock, body):
    alice = make_user("employee")
    response = api.call("POST", "/tickets", alice, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert count(app, "tickets") == 0 and outbox(app) == []


def test_comment_body_validation(app, api, make_user, clock):
    alice = make_user("employee")
    number = api.call("POST", "/tickets", alice, json=ticket_data()).get_json()["number"]
    for body in ({}, {"body": ""}, {"body": "x" * 10001}, {"body": "ok", "internal": "yes"},
                 {"body": "ok", "extra": 1}, {"body": 12}):
        assert api.call("POST", f"/tickets/{number}/comments", alice, json=body).status_code == 400, body


def test_requires_a_token(client):
    response = client.get("/api/v1/tickets")
    assert response.status_code == 401 and response.get_json()["error"]["status"] == 401


def test_openapi_describes_the_desk_precisely(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    assert {"/tickets", "/tickets/{number}", "/tickets/{number}/comments"} <= set(paths)
    create = paths["/tickets"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    variants = {v["properties"]["type"]["enum"][0]: v for v in create["oneOf"]}
    assert set(variants) == set(EXTRAS)
    delivery = variants["data_delivery"]
    assert delivery["additionalProperties"] is False
    assert delivery["properties"]["extra"]["properties"]["format"]["enum"] == ["csv", "excel", "api", "database"]
    assert delivery["properties"]["subject"]["maxLength"] == 200
    patch = paths["/tickets/{number}"]["patch"]
    assert patch["requestBody"]["content"]["application/json"]["schema"]["additionalProperties"] is False
    assert {"400", "401", "403", "404", "409"} <= set(patch["responses"])
