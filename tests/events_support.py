"""Helpers for the events tests: a frozen clock, event data, published events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal import timeutil
from tests.desk_support import acting, count  # noqa: F401  (re-exported for the events tests)

# A Monday morning; events in the tests start a few weeks later.
NOW = datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    class Clock:
        def set(self, moment):
            timeutil.set_now(moment)

        def forward(self, **delta):
            timeutil.set_now(timeutil.now() + timedelta(**delta))

    timeutil.set_now(NOW)
    yield Clock()
    timeutil.set_now(None)


def event_data(**overrides) -> dict:
    data = {"title": "Data meetup: wijkcijfers", "type": "meetup",
            "description": "Over **wijkcijfers** en dashboards.",
            "starts_at": "2027-02-03T15:00:00+01:00", "ends_at": "2027-02-03T17:00:00+01:00",
            "location": "Spui 70, zaal 3", "capacity": 10}
    data.update(overrides)
    return data


def published(app, staff, **overrides) -> dict:
    from portal.events import service

    with acting(app):
        event = service.create_event(staff, event_data(**overrides))
        return service.publish_event(staff, event["id"])


def call(app, fn, *args, **kwargs):
    with acting(app):
        return fn(*args, **kwargs)


def outbox(app, to: str | None = None) -> list[dict]:
    with acting(app) as db:
        rows = db.query("SELECT * FROM outbox" + (" WHERE to_addr = ?" if to else "")
                        + " ORDER BY id", [to] if to else [])
        return [dict(r) for r in rows]
