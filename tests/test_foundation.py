"""App factory, configuration, migrations, health, languages, error pages."""

from __future__ import annotations

import os
import stat

from portal import create_app
from portal.db import get_db
from portal import migrations


def test_secret_key_is_generated_once_into_the_instance(tmp_path):
    inst = tmp_path / "inst"
    first = create_app({"INSTANCE_PATH": str(inst)})
    second = create_app({"INSTANCE_PATH": str(inst)})
    key_file = inst / "secret_key"
    assert key_file.exists()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_configuration_precedence(tmp_path, monkeypatch):
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "config.py").write_text('MUNICIPALITY = "Gemeente Utrecht"\nREOPEN_DAYS = 7\n')
    monkeypatch.setenv("PORTAL_REOPEN_DAYS", "21")
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(inst))
    app = create_app()
    assert app.instance_path == str(inst)
    assert app.config["MUNICIPALITY"] == "Gemeente Utrecht"  # instance file beats default
    assert app.config["REOPEN_DAYS"] == 21  # environment beats instance file
    assert create_app({"REOPEN_DAYS": 3}).config["REOPEN_DAYS"] == 3  # test config wins


def test_database_uses_wal_and_foreign_keys(app):
    with app.app_context():
        db = get_db()
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert migrations.pending(db) == []
        assert migrations.upgrade(db) == []  # idempotent


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_unknown_page_is_a_clear_404_page(client):
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_dutch_by_default_and_english_switchable(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Inloggen" in page
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page)
    response = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert response.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_method_not_allowed_keeps_the_allow_header(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")


def test_cookies_are_secure_when_served_over_https(tmp_path):
    https = create_app({"INSTANCE_PATH": str(tmp_path / "a"), "BASE_URL": "https://datashop.denhaag.nl"})
    local = create_app({"INSTANCE_PATH": str(tmp_path / "b"), "BASE_URL": "http://127.0.0.1:5000"})
    assert https.config["SESSION_COOKIE_SECURE"] is True
    assert https.config["REMEMBER_COOKIE_SECURE"] is True
    assert local.config["SESSION_COOKIE_SECURE"] is False


def test_dates_and_sizes_are_shown_in_the_users_language(app):
    with app.test_request_context("/"):
        render = app.jinja_env.from_string("{{ d|date }} · {{ n|filesize }}").render
        assert render(d="2027-03-27", n=1536) == "27 mrt 2027 · 1,5 kB"
    with app.test_request_context("/?lang=en"):
        # British conventions for colleagues in the Netherlands: day before month
        assert render(d="2027-03-27", n=1536) == "27 Mar 2027 · 1.5 kB"
        stamp = app.jinja_env.from_string("{{ t|datetime('short') }} · {{ x|number(1) }}").render
        assert stamp(t="2026-12-02T00:23:00+00:00", x=58) == "02/12/2026, 01:23 · 58.0"
    with app.test_request_context("/"):
        assert stamp(t="2026-12-02T00:23:00+00:00", x=58) == "02-12-2026, 01:23 · 58,0"


def test_starting_the_app_loads_no_search_machinery(tmp_path):
    """The model, torch and faiss load on the first search, never at start-up."""
    import subprocess
    import sys

    code = ("import sys; from portal import create_app; app = create_app(); c = app.test_client();"
            " c.get('/healthz'); c.get('/login');"
            " print(sorted(m for m in ('torch', 'faiss', 'sentence_transformers') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PORTAL_INSTANCE_PATH": str(tmp_path)}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
