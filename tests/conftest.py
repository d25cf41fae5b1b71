"""Shared fixtures: a fresh instance folder and database per test, users, logins."""

from __future__ import annotations

import os
import re

import pytest

from portal import create_app
from portal.db import get_db
from portal import migrations

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(tmp_path_factory):
    """One ONNX export of the packaged model per test session, shared by every app
    (PORTAL_EMBEDDING_CACHE_FOLDER reaches subprocesses and servers too)."""
    folder = tmp_path_factory.mktemp("models")
    previous = os.environ.get("PORTAL_EMBEDDING_CACHE_FOLDER")
    os.environ["PORTAL_EMBEDDING_CACHE_FOLDER"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("PORTAL_EMBEDDING_CACHE_FOLDER", None)
    else:
        os.environ["PORTAL_EMBEDDING_CACHE_FOLDER"] = previous


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "MAIL_BACKEND": "file",
        "KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
        "COURSES_DIR": str(tmp_path / "courses"),
        # tests count the documents of their own folders; test_privacy turns this on
        "KB_GENERATED_PAGES": False,
    })
    with app.app_context():
        migrations.upgrade(get_db())
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create a user: make_user("employee"), make_user("staff", teams=["bi"])."""
    from portal.accounts import service

    counter = {"n": 0}

    def factory(role="employee", teams=(), email=None, name=None, department="szw"):
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@denhaag.example"
        with app.app_context():
            return service.create_user(email, name or f"{role.title()} {counter['n']}", role,
                                       password=PASSWORD, teams=teams,
                                       department=department if role == "employee" else None)

    return factory


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, email, password=PASSWORD):
    page = client.get("/login")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client):
    def do(user):
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


def csrf(client, path="/"):
    """A CSRF token for the logged-in session of ``client``."""
    return csrf_token_from(client.get(path).get_data(as_text=True))


class LiveServer:
    """The app served over real HTTP on a free loopback port, in a thread."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        import threading

        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        """Serve, loading the search engine in the background as a real server does
        (searches answer by keyword until it is ready; no request waits for the model)."""
        from portal.search.service import start_engine

        start_engine(self.app)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()
