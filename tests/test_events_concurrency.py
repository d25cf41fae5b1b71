"""Sign-ups at once over real HTTP: never more seats than the event has."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import requests

from portal.accounts import service as accounts
from portal.db import get_db
from tests.events_support import clock, published  # noqa: F401

SEATS = 10
PEOPLE = 60


def _tokens(app, make_user, n):
    users = [make_user("employee", email=f"load{i}@denhaag.example") for i in range(n)]
    with app.app_context():
        return users, [accounts.create_token(u.id, "load") for u in users]


def _post(url, token, method="post"):
    response = getattr(requests, method)(url, headers={"Authorization": f"Bearer {token}"},
                                         timeout=60)
    return response.status_code, response.json()


def _registrations(app, event_id):
    with app.app_context():
        return [dict(r) for r in get_db().query(
            "SELECT user_id, status, queue_no FROM registrations WHERE event_id = ?", [event_id])]


def test_sixty_sign_ups_for_ten_seats(live_server, make_user, clock):
    app = live_server.app
    staff = make_user("staff", teams=["bi"])
    event = published(app, staff, capacity=SEATS)
    _users, tokens = _tokens(app, make_user, PEOPLE)
    url = f"{live_server.url}/api/v1/events/{event['id']}/registration"
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda t: _post(url, t), tokens))
    assert {status for status, _ in results} == {201}
    statuses = [body["status"] for _, body in results]
    assert statuses.count("confirmed") == SEATS
    assert statuses.count("waitlisted") == PEOPLE - SEATS
    positions = sorted(body["position"] for _, body in results if body["status"] == "waitlisted")
    assert positions == list(range(1, PEOPLE - SEATS + 1))
    rows = _registrations(app, event["id"])
    assert sum(r["status"] == "confirmed" for r in rows) == SEATS
    # Everyone got exactly one mail about it, in the same transaction.
    with app.app_context():
        mails = get_db().execute("SELECT COUNT(*) FROM outbox WHERE to_addr LIKE 'load%'").fetchone()[0]
    assert mails == PEOPLE


def test_cancellations_racing_sign_ups_promote_in_order_and_nobody_twice(live_server, make_user,
                                                                         clock):
    app = live_server.app
    staff = make_user("staff", teams=["bi"])
    event = published(app, staff, capacity=SEATS)
    users, tokens = _tokens(app, make_user, 40)
    url = f"{live_server.url}/api/v1/events/{event['id']}/registration"
    for token in tokens[:20]:  # 10 seats, 10 waiting, in this order
        assert _post(url, token)[0] == 201
    waiting_order = [u.id for u in users[10:20]]
    # Now at once: 6 of the seated cancel while 20 newcomers sign up.
    jobs = [("delete", t) for t in tokens[:6]] + [("post", t) for t in tokens[20:]]
    random.Random(8).shuffle(jobs)
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda job: _post(url, job[1], job[0]), jobs))
    assert all(status in (200, 201) for status, _ in results), results
    rows = _registrations(app, event["id"])
    confirmed = {r["user_id"] for r in rows if r["status"] == "confirmed"}
    assert len(confirmed) == SEATS
    # The six free seats went to the first six who were waiting, before any newcomer.
    assert set(waiting_order[:6]) <= confirmed
    assert not confirmed & {u.id for u in users[20:]}
    waiting = sorted((r for r in rows if r["status"] == "waitlisted"), key=lambda r: r["queue_no"])
    assert [r["user_id"] for r in waiting][:4] == waiting_order[6:]
    assert len(waiting) == 4 + 20
    assert len({r["user_id"] for r in rows}) == len(rows)  # one row per person
    with app.app_context():
        promoted = get_db().execute(
            "SELECT to_addr, COUNT(*) AS n FROM outbox WHERE subject LIKE 'A seat for you%'"
            " OR subject LIKE 'Een plek%' GROUP BY to_addr").fetchall()
    assert len(promoted) == 6 and all(row["n"] == 1 for row in promoted)
