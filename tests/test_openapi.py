"""The OpenAPI document matches the routes, and a schema-based fuzzer finds no 5xx."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

API_PREFIX = "/api/v1"


def _flask_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(API_PREFIX):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def _documented(spec) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items()
            for method in item if method in ("get", "post", "put", "patch", "delete")}


def test_openapi_document_matches_the_routes(app, client):
    spec = client.get(f"{API_PREFIX}/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    routes = _flask_routes(app)
    assert routes, "the API has no routes"
    assert _documented(spec) == routes
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation.get("responses"), f"{method.upper()} {path} documents no responses"
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"


def test_api_without_token_is_401_json(client):
    response = client.get(f"{API_PREFIX}/tickets")
    assert response.status_code == 401
    assert "token" in response.get_json()["error"]["message"].lower()


def test_api_with_a_wrong_token_is_401(client):
    response = client.get(f"{API_PREFIX}/tickets", headers={"Authorization": "Bearer dsp_nope"})
    assert response.status_code == 401


@pytest.mark.slow
@pytest.mark.parametrize("role", ["staff", "employee"])
def test_schema_fuzzer_finds_no_server_errors(live_server, make_user, role, tmp_path):
    """schemathesis generates valid and invalid requests from the document: never a 5xx.

    The suite runs a fixed seed, so every fresh clone runs the same requests;
    `make fuzz` runs a wider search with a random seed (FUZZ_SEED, FUZZ_EXAMPLES).
    """
    seed = os.environ.get("FUZZ_SEED", "1")
    examples = os.environ.get("FUZZ_EXAMPLES", "40")
    st = Path(sys.executable).parent / "st"
    if not st.exists():
        st = Path(shutil.which("st") or "st")
    app = live_server.app
    user = make_user(role, teams=["bi"] if role == "staff" else ())
    with app.app_context():
        from portal.accounts import service

        token = service.create_token(user.id, "fuzz")
    # The first search loads the embedding model (seconds on a slow CPU): do it before the
    # fuzzer's 10 s request timeout applies, so a model load is never taken for a hang.
    import requests

    warm = requests.get(f"{live_server.url}{API_PREFIX}/search", params={"q": "woz"},
                        headers={"Authorization": f"Bearer {token}"}, timeout=300)
    assert warm.status_code == 200, warm.text[:500]
    result = subprocess.run(
        [str(st), "run", f"{live_server.url}{API_PREFIX}/openapi.json",
         "--url", f"{live_server.url}{API_PREFIX}",
         "-H", f"Authorization: Bearer {token}",
         "--checks", "not_a_server_error",
         "--max-examples", examples, "--seed", seed, "--workers", "1", "--no-color",
         "--phases", "examples,coverage,fuzzing",
         "--generation-database", "none",
         "--report-dir", str(tmp_path / "report")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"seed {seed}:\n" + output[-6000:]


def test_each_app_describes_its_own_configuration(tmp_path):
    """Two apps in one process (tests, or two portals) never share one document."""
    from portal import create_app

    small = create_app({"INSTANCE_PATH": str(tmp_path / "a"), "SEARCH_MAX_QUERY_CHARS": 80})
    large = create_app({"INSTANCE_PATH": str(tmp_path / "b"), "SEARCH_MAX_QUERY_CHARS": 900})

    def q_max(app):
        spec = app.test_client().get(f"{API_PREFIX}/openapi.json").get_json()
        q = next(p for p in spec["paths"]["/search"]["get"]["parameters"] if p["name"] == "q")
        return q["schema"]["maxLength"]

    assert (q_max(small), q_max(large)) == (80, 900)
