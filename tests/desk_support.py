"""Helpers for the desk tests: valid request data per type and small shortcuts."""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone

import pytest

from portal import timeutil
from portal.db import get_db

EXTRAS = {
    "data_delivery": {"dataset": "BRP-extract", "purpose": "Wijkprofielen", "format": "csv",
                      "frequency": "once"},
    "analysis": {"question": "Hoeveel ouderen wonen alleen?", "decision": "", "sources": ""},
    "dashboard": {"audience": "Wethouder", "refresh": "weekly",
                  "existing_url": "https://bi.denhaag.example/d/1"},
    "ai_advice": {"system": "Chatbot", "phase": "idea", "affects_citizens": "yes"},
    "open_data": {"dataset": "Bomen", "owner": "Stadsbeheer", "licence": "cc0"},
    "privacy_ethics": {"kind": "dpia", "project": "Slimme camera's"},
    "udc_research": {"question": "Armoede en schooluitval", "cbs_microdata": "yes",
                     "deadline_context": ""},
    "other": {},
}

# A Monday morning in Den Haag (09:00 CET), so SLA dues are easy to reason about.
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def ticket_data(type_key="analysis", **overrides) -> dict:
    data = {"type": type_key, "subject": "Aantal inwoners per wijk",
            "description": "Voor de wijkagenda willen we weten hoe het zit.", "department": "szw",
            "desired_date": None, "personal_data": "no", "extra": dict(EXTRAS[type_key])}
    data.update(overrides)
    return data


@contextlib.contextmanager
def acting(app):
    with app.test_request_context():
        yield get_db()


def create(app, user, type_key="analysis", uploads=(), **overrides) -> dict:
    from portal.desk import service

    with acting(app):
        return service.create_ticket(user, ticket_data(type_key, **overrides), uploads)


def count(app, table: str, where: str = "1 = 1", params=()) -> int:
    with acting(app) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", list(params)).fetchone()[0]


def outbox(app) -> list[dict]:
    with acting(app) as db:
        return [dict(r) for r in db.query("SELECT * FROM outbox ORDER BY id")]


@pytest.fixture
def clock():
    """Freeze the portal clock; ``clock.set(dt)`` moves it."""
    class Clock:
        def set(self, moment):
            timeutil.set_now(moment)

    timeutil.set_now(MONDAY)
    yield Clock()
    timeutil.set_now(None)


def switch_user(client, user):
    """Log out whoever is logged in on ``client`` and log in ``user``."""
    from tests.conftest import csrf, login

    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    response = login(client, user.email)
    assert response.status_code == 302
    return client
