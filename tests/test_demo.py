"""`portal demo load`: accounts, a living desk of 32 requests, canned replies; idempotent."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from portal import timeutil
from portal.db import get_db

DATA = json.loads((Path(__file__).parents[1] / "portal/demo/tickets.json").read_text("utf-8"))
NOW = datetime(2026, 3, 11, 14, 0, tzinfo=timezone.utc)  # a Wednesday afternoon
SANNE, PIETER = "sanne.devries@denhaag.example", "pieter.smit@denhaag.example"


@pytest.fixture
def frozen():
    timeutil.set_now(NOW)
    yield NOW
    timeutil.set_now(None)


def _load(app, *args):
    result = app.test_cli_runner().invoke(args=["demo", "load", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _user(app, email):
    from portal.accounts.service import find_by_email

    with app.app_context():
        return find_by_email(email)


def _rows(app, sql, params=()):
    with app.app_context():
        return [dict(r) for r in get_db().query(sql, params)]


def test_load_twice_creates_the_demo_desk_once(app, frozen):
    first = _load(app)
    assert "32 loaded" in first
    second = _load(app)
    assert "already there" in second and "--reset-tickets" in second
    assert timeutil.now() == NOW, "the loader must put the clock back"

    tickets = _rows(app, "SELECT * FROM tickets ORDER BY id")
    assert len(tickets) == 32
    assert Counter(t["status"] for t in tickets) == Counter(d["status"] for d in DATA)
    assert [t["number"] for t in tickets] == [f"DS-2026-{n:04d}" for n in range(1, 33)]
    # Numbers follow arrival; everything happened in the past, nothing after "now".
    created = [t["created_at"] for t in tickets]
    assert created == sorted(created)
    events = _rows(app, "SELECT at FROM ticket_events")
    assert max(e["at"] for e in events) <= timeutil.iso(NOW)
    assert min(created) < timeutil.iso(NOW.replace(month=1))  # the oldest are weeks old
    # Six canned replies, once.
    titles = [r["title"] for r in _rows(app, "SELECT title FROM canned_replies")]
    assert len(titles) == len(set(titles)) == 6
    assert "Aanvullende informatie nodig" in titles


def test_demo_tickets_have_a_realistic_history(app, frozen):
    _load(app)
    by_subject = {t["subject"]: t for t in _rows(app, "SELECT * FROM tickets")}
    for spec in DATA:
        t = by_subject[spec["subject"]]
        assert (t["status"], t["priority"], t["team"]) == (spec["status"], spec["priority"], spec["team"])
        assert bool(t["assignee_id"]) == spec["assigned"]
        tags = [r["tag"] for r in _rows(app, "SELECT tag FROM ticket_tags WHERE ticket_id = ?", [t["id"]])]
        assert sorted(tags) == sorted(tag.lower() for tag in spec["tags"])
        comments = _rows(app, "SELECT * FROM comments WHERE ticket_id = ? ORDER BY created_at", [t["id"]])
        assert len(comments) == len(spec["comments"])
        assert sum(c["internal"] for c in comments) == sum(c["internal"] for c in spec["comments"])
        assert t["response_due_at"] and t["resolve_due_at"]
        if spec["status"] in ("resolved", "closed"):
            assert t["resolved_at"] and t["first_response_at"]
        if spec["status"] == "closed":
            assert t["closed_at"] > t["resolved_at"]
        if spec["status"] == "waiting":
            assert t["waiting_since"]
        rating = _rows(app, "SELECT score FROM ratings WHERE ticket_id = ?", [t["id"]])
        assert [r["score"] for r in rating] == ([spec["rating"]["score"]] if spec["rating"] else [])
    # Staff actions are by the team's staff member; the history shows who did what.
    fields = Counter(e["field"] for e in _rows(app, "SELECT field FROM ticket_events"))
    assert fields["created"] == 32 and fields["assignee"] == sum(d["assigned"] for d in DATA)
    assert fields["status"] >= 20 and fields["rating"] == sum(bool(d["rating"]) for d in DATA)
    # Weeks-old demo mails are not left in the outbox to be sent on the next run.
    assert _rows(app, "SELECT * FROM outbox") == []


def _requester_of(app, number):
    return _rows(app, "SELECT u.email FROM tickets t JOIN users u ON u.id = t.requester_id"
                      " WHERE t.number = ?", [number])[0]["email"]


def test_pieter_sees_only_his_own_requests(app, client, frozen):
    from portal.desk import queue, service
    from portal.errors import NotFound

    _load(app)
    pieter, sanne = _user(app, PIETER), _user(app, SANNE)
    with app.test_request_context():
        own = queue.list_tickets(pieter, {"status": "all"})
        hers = queue.list_tickets(sanne, {"status": "all"})
        assert 2 <= own["total"] < 32 and own["total"] + hers["total"] == 32
        assert {t["requester"]["email"] for t in own["items"]} == {PIETER}
        other = hers["items"][0]["number"]
        with pytest.raises(NotFound):
            service.get_ticket(pieter, other)

    timeutil.set_now(None)  # log in with the real clock
    page = client.get("/login")
    from tests.conftest import csrf_token_from

    client.post("/login", data={"email": PIETER, "password": "datashop-demo",
                                "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    mine = client.get("/mijn-aanvragen?status=all").get_data(as_text=True)
    assert own["items"][0]["number"] in mine and other not in mine
    assert client.get(f"/aanvragen/{other}").status_code == 404
    assert client.get(f"/aanvragen/{own['items'][0]['number']}").status_code == 200

    # Internal notes stay internal: the requester's view of the thread leaves them out.
    note = next(c for d in DATA for c in d["comments"] if c["internal"])
    number = _rows(app, "SELECT t.number FROM tickets t JOIN comments c ON c.ticket_id = t.id"
                        " WHERE c.body = ?", [note["body"]])[0]["number"]
    with app.test_request_context():
        thread = service.get_thread(_user(app, _requester_of(app, number)), number)
    assert thread and note["body"] not in [c["body"] for c in thread]


def test_reset_tickets_loads_them_again(app, frozen):
    _load(app)
    with app.app_context():
        get_db().execute("UPDATE tickets SET subject = 'changed' WHERE id = 1")
    output = _load(app, "--reset-tickets")
    assert "32 loaded" in output and "32 removed first" in output
    tickets = _rows(app, "SELECT number, subject FROM tickets ORDER BY id")
    assert len(tickets) == 32 and tickets[0]["number"] == "DS-2026-0001"
    assert "changed" not in {t["subject"] for t in tickets}
    assert len(_rows(app, "SELECT id FROM canned_replies")) == 6


def test_a_failing_load_stores_nothing_and_resets_the_clock(app, frozen, monkeypatch):
    from portal.demo import tickets

    broken = [*DATA[:3], {**DATA[3], "type": "no_such_type"}]
    monkeypatch.setattr(tickets, "_tickets", lambda: broken)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert "ticket 4" in result.output and "Nothing was loaded" in result.output
    assert timeutil.now() == NOW
    assert _rows(app, "SELECT id FROM tickets") == []
    assert _rows(app, "SELECT id FROM outbox") == []
