"""GET /api/v1/search: token, shape, validation, bad input, logging, OpenAPI description."""

from __future__ import annotations

import pytest

from tests.search_docs import api_token, load_knowledge, log_rows

URL = "/api/v1/search"


@pytest.fixture
def auth(app, make_user):
    load_knowledge(app)
    return api_token(app, make_user("employee"))


def test_a_token_is_required(client, app):
    response = client.get(URL, query_string={"q": "woz"})
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401


def test_results_as_json(client, auth):
    response = client.get(URL, query_string={"q": "parkeerdruk"}, headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"query", "mode", "notice", "total", "results"}
    assert body["query"] == "parkeerdruk" and body["mode"] == "keyword" and body["total"] == 1
    hit = body["results"][0]
    assert set(hit) >= {"id", "title", "type", "url", "score", "snippet", "summary"}
    assert hit["id"] == "parkeerdata-opvragen" and hit["type"] == "howto"
    assert hit["url"].startswith("http://localhost/kennisbank/parkeerdata-opvragen")
    assert "parkeerdruk" in hit["snippet"].lower()
    assert "<mark>" not in hit["snippet"]  # plain text for API clients
    assert hit["summary"] == "Zo krijg je cijfers over parkeerdruk per wijk."


def test_type_filter_one_or_several(client, auth):
    one = client.get(URL, query_string={"q": "woningen", "type": "project"}, headers=auth)
    assert [h["id"] for h in one.get_json()["results"]] == ["woningbouwmonitor"]
    both = client.get(URL, query_string=[("q", "woningen"), ("type", "project"),
                                         ("type", "algorithm")], headers=auth)
    assert {h["type"] for h in both.get_json()["results"]} == {"project", "algorithm"}


def test_limit_and_offset(client, auth):
    everything = client.get(URL, query_string={"q": "woningen wijk data", "limit": 50},
                            headers=auth).get_json()
    assert everything["total"] > 2
    first = client.get(URL, query_string={"q": "woningen wijk data", "limit": 1},
                       headers=auth).get_json()
    second = client.get(URL, query_string={"q": "woningen wijk data", "limit": 1, "offset": 1},
                        headers=auth).get_json()
    assert len(first["results"]) == 1 and len(second["results"]) == 1
    assert [first["results"][0]["id"], second["results"][0]["id"]] == \
        [h["id"] for h in everything["results"][:2]]


@pytest.mark.parametrize("args, field", [
    ({}, "q"),
    ({"q": ""}, "q"),
    ({"q": "   \t"}, "q"),
    ({"q": "x" * 501}, "q"),
    ({"q": "woz", "type": "bogus"}, "type"),
    ({"q": "woz", "type": ""}, "type"),
    ({"q": "woz", "limit": "0"}, "limit"),
    ({"q": "woz", "limit": "51"}, "limit"),
    ({"q": "woz", "limit": "-1"}, "limit"),
    ({"q": "woz", "limit": "ten"}, "limit"),
    ({"q": "woz", "limit": "2.5"}, "limit"),
    ({"q": "woz", "limit": ""}, "limit"),
    ({"q": "woz", "offset": "-5"}, "offset"),
    ({"q": "woz", "offset": "1001"}, "offset"),
])
def test_invalid_arguments_are_400_with_a_clear_message(client, auth, args, field):
    response = client.get(URL, query_string=args, headers=auth)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert field in error["fields"]
    assert field in error["message"].lower() or field in ("type",)


def test_missing_q_says_what_is_needed(client, auth):
    error = client.get(URL, headers=auth).get_json()["error"]
    assert error["message"].startswith("q is required")


def test_limit_bounds_are_inclusive(client, auth):
    for limit in (1, 50):
        response = client.get(URL, query_string={"q": "woningen", "limit": limit}, headers=auth)
        assert response.status_code == 200
        assert len(response.get_json()["results"]) <= limit


@pytest.mark.parametrize("query", [
    '"', '"woz', "parkeer-data", "woz AND woningen", "NEAR(woz woningen)", "dash*", "(((",
    "woz)", "a OR", "NOT", "title:woz", "😀🏠", "<script>alert(1)</script>", "' OR 1=1 --",
    "\x00woz", "\\", "x" * 500, "💥" * 500,
])
def test_any_query_text_is_a_normal_answer(client, auth, query):
    response = client.get(URL, query_string={"q": query}, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert isinstance(body["results"], list) and body["total"] >= 0


def test_fts_syntax_is_searched_as_words(client, auth):
    body = client.get(URL, query_string={"q": 'dashboard AND "power'}, headers=auth).get_json()
    assert body["results"][0]["id"] == "dashboard-laten-maken"


def test_api_searches_are_logged_as_api(client, auth, app):
    client.get(URL, query_string={"q": "WOZ voor 2511 AB 7"}, headers=auth)
    client.get(URL, query_string={"q": ""}, headers=auth)  # rejected: not logged
    rows = log_rows(app)
    assert [(r["source"], r["query"]) for r in rows] == [("api", "woz voor <postcode>")]


def test_openapi_describes_the_search_precisely(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/search"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["q"]["required"] is True
    assert parameters["q"]["schema"]["maxLength"] == app.config["SEARCH_MAX_QUERY_CHARS"]
    assert parameters["type"]["schema"]["items"]["enum"] == list(app.config["KB_TYPES"])
    assert parameters["limit"]["schema"]["minimum"] == 1
    assert parameters["limit"]["schema"]["maximum"] == 50
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) >= {"query", "mode", "notice", "total", "results"}
    assert {"400", "401"} <= set(operation["responses"])
