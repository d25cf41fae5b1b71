"""Speed of the agenda with a large history (not a test).

Usage: .venv/bin/python benchmarks/events_agenda.py [--events 5000] [--people 2000] [--requests 200]

Builds a temporary instance with EVENTS events (a third upcoming) and about ten
registrations per event from PEOPLE employees (bulk-inserted with sqlite-utils),
logs in through the login form and times full requests through the Flask test
client: the agenda (default, filtered, htmx fragment), an event page, my
registrations, the attendee list, and sign-up plus cancel (each a BEGIN IMMEDIATE
transaction that queues a mail with an .ics invitation). Prints p50/p95/max.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from datetime import timedelta

from portal import create_app, migrations, timeutil
from portal.accounts import service as accounts
from portal.db import get_db

PASSWORD = "bench-password-123"
TYPES = ["meetup", "spreekuur", "workshop", "module_session"]


def build(app, n_events: int, n_people: int, rnd: random.Random) -> dict:
    db = get_db()
    migrations.upgrade(db)
    staff = accounts.create_user("staff@bench.example", "Staff", "staff", password=PASSWORD,
                                 teams=["bi"])
    me = accounts.create_user("me@bench.example", "Me", "employee", password=PASSWORD)
    stamp = timeutil.iso()
    db["users"].insert_all(({"email": f"p{i}@bench.example", "name": f"Persoon {i}",
                             "role": "employee", "created_at": stamp, "active": 1}
                            for i in range(n_people)), batch_size=1000)
    people = [r[0] for r in db.execute("SELECT id FROM users WHERE email LIKE 'p%@bench.example'")]
    now = timeutil.now()
    events, regs = [], []
    for i in range(n_events):
        start = now + timedelta(days=rnd.uniform(-730, 365))
        events.append({"id": i + 1, "title": f"Bijeenkomst {i}", "type": rnd.choice(TYPES),
                       "description": "Over data.", "starts_at": timeutil.iso(start),
                       "ends_at": timeutil.iso(start + timedelta(hours=2)),
                       "location": "Spui 70" if i % 3 else None,
                       "online_url": None if i % 3 else "https://teams.example/x",
                       "capacity": rnd.choice([8, 12, 20, 40]), "organiser_id": staff.id,
                       "status": "published", "created_by": staff.id, "created_at": stamp,
                       "updated_at": stamp})
        for q, person in enumerate(rnd.sample(people, 10)):
            status = "confirmed" if q < events[-1]["capacity"] else "waitlisted"
            regs.append({"event_id": i + 1, "user_id": person, "status": status, "queue_no": q + 1,
                         "uid": f"reg-{i}-{q}@bench", "attended": int(start < now and q % 4 != 0),
                         "created_at": stamp, "updated_at": stamp})
    db["events"].insert_all(events, batch_size=1000)
    db["registrations"].insert_all(regs, batch_size=2000)
    upcoming = [e["id"] for e in events if e["starts_at"] > timeutil.iso(now)]
    for event_id in rnd.sample(upcoming, 20):
        db["registrations"].insert({"event_id": event_id, "user_id": me.id, "status": "confirmed",
                                    "queue_no": 99, "uid": f"reg-me-{event_id}@bench",
                                    "created_at": stamp, "updated_at": stamp})
    return {"staff": staff, "me": me, "upcoming": upcoming, "events": n_events,
            "registrations": len(regs) + 20}


def login(client, email):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"email": email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return token


def timed(client, method, path, n, **kwargs) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        response = getattr(client, method)(path, **kwargs)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code < 400, (path, response.status_code)
    return out


def report(name, samples):
    samples = sorted(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    print(f"| {name} | {statistics.median(samples):.1f} | {p95:.1f} | {samples[-1]:.1f} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rnd = random.Random(8)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "TESTING": True,
                          "WTF_CSRF_ENABLED": False})
        with app.app_context():
            facts = build(app, args.events, args.people, rnd)
        print(f"{facts['events']} events, {facts['registrations']} registrations")
        print("| request | p50 ms | p95 ms | max ms |\n| --- | ---: | ---: | ---: |")
        n = args.requests
        client = app.test_client()
        login(client, facts["me"].email)
        event_id = facts["upcoming"][0]
        report("agenda: upcoming, first page", timed(client, "get", "/agenda", n))
        report("agenda: type + month + has seats (htmx)", timed(
            client, "get", f"/agenda?type=workshop&month={timeutil.now():%Y-%m}&has_seats=1", n,
            headers={"HX-Request": "true"}))
        report("agenda: past, page 10", timed(client, "get", "/agenda?when=past&page=10", n))
        report("event page", timed(client, "get", f"/agenda/{event_id}", n))
        report("my registrations", timed(client, "get", "/mijn-aanmeldingen", n))
        signups = []
        for _ in range(n // 2):
            signups += timed(client, "post", f"/agenda/{event_id}/aanmelden", 1)
            timed(client, "post", f"/agenda/{event_id}/afmelden", 1)
        report("sign up (transaction + mail with .ics)", signups)
        staff = app.test_client()
        login(staff, facts["staff"].email)
        report("attendee list (staff)", timed(staff, "get", f"/agenda/{event_id}/deelnemers", n))


if __name__ == "__main__":
    main()
