"""Speed of the staff queue and the ticket page with 100,000 tickets (not a test).

Usage: .venv/bin/python benchmarks/desk_queue.py [--tickets 100000] [--requests 200]

Builds a temporary instance, bulk-inserts realistic tickets (statuses, teams,
priorities, SLA due moments from the real SLA code, tags, comments, history,
ratings) with sqlite-utils, logs in as a staff member through the login form
and times full requests through the Flask test client (routing, services,
SQL and template rendering). Prints p50/p95/max per request kind; the target
is p95 <= 100 ms on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from datetime import timedelta
from sqlite3 import sqlite_version

from portal import create_app, migrations, timeutil
from portal.accounts import service as accounts
from portal.db import get_db
from portal.desk import sla
from portal.desk.types import DEFAULT_REQUEST_TYPES

PASSWORD = "bench-password-123"
OPEN_COUNT = "SELECT COUNT(*) FROM tickets WHERE status IN ('new', 'in_progress', 'waiting')"
TARGET_MS = 100
TOPICS = ["bijstand", "parkeerdruk", "schuldhulp", "jeugdoverlast", "woningbouw", "leerlingen",
          "afvalinzameling", "laadpalen", "Wmo-aanvragen", "energielabels", "bomenregister",
          "verhuizingen", "ziekteverzuim", "meldingen openbare ruimte", "evenementen",
          "klantcontact", "vergunningen", "armoede", "eenzaamheid", "geluidsoverlast"]
LEVELS = ["per wijk", "per buurt", "per stadsdeel", "per school", "per maand", "per leeftijdsgroep"]
ASKS = ["Aantal {t} {l}", "Dashboard {t} {l}", "Analyse {t} {l}", "Export {t} {l}",
        "Trend in {t} {l}", "Vraag over {t} {l}", "Prognose {t} {l}", "Open data {t}"]
TAGS = ["wijken", "raadsvraag", "monitor", "begroting", "privacy", "dashboard", "cbs",
        "open data", "kaart", "evaluatie", "prognose", "jeugd", "armoede", "mobiliteit"]
STATUS_MIX = [("closed", 0.78), ("resolved", 0.07), ("in_progress", 0.06), ("waiting", 0.03),
              ("new", 0.06)]
PRIORITY_MIX = [("low", 0.15), ("normal", 0.6), ("high", 0.2), ("urgent", 0.05)]


def pick(mix, rnd):
    x, acc = rnd.random(), 0.0
    for value, share in mix:
        acc += share
        if x < acc:
            return value
    return mix[-1][0]


def build(app, n_tickets: int, rnd: random.Random) -> dict:
    """Users and tickets; returns facts the measurements need."""
    cfg = app.config
    db = get_db()
    teams = list(cfg["TEAMS"])
    staff = {team: accounts.create_user(f"staff.{team}@denhaag.example", f"Staff {team}", "staff",
                                        password=PASSWORD, teams=[team]) for team in teams}
    stamp = timeutil.iso()
    db["users"].insert_all(({"id": 1000 + i, "email": f"medewerker{i}@denhaag.example",
                             "name": f"Medewerker {i}", "role": "employee",
                             "department": rnd.choice(list(cfg["DEPARTMENTS"])),
                             "password_hash": "!", "active": 1, "created_at": stamp}
                            for i in range(3000)), batch_size=1000)
    employees = list(range(1000, 4000))
    types = list(DEFAULT_REQUEST_TYPES)
    now = timeutil.now()
    start = now - timedelta(days=3 * 365)
    counters: dict[int, int] = {}
    tickets, tags, comments, events, ratings = [], [], [], [], []
    due_cache: dict = {}
    for tid in range(1, n_tickets + 1):
        created = start + (now - start) * (tid / n_tickets) - timedelta(minutes=rnd.randint(0, 50))
        created = created.replace(second=0, microsecond=0)
        year = timeutil.local(created, cfg["TIMEZONE"]).year
        counters[year] = counters.get(year, 0) + 1
        age_days = (now - created).days
        status = pick(STATUS_MIX, rnd) if age_days < 60 else "closed"
        priority = pick(PRIORITY_MIX, rnd)
        rtype = rnd.choice(types)
        team = DEFAULT_REQUEST_TYPES[rtype]["team"] or rnd.choice([None, *teams])
        key = (created.replace(minute=created.minute // 10 * 10), priority)
        if key not in due_cache:
            due_cache[key] = {k: timeutil.iso(v) for k, v in sla.initial_dues(key[0], priority, cfg).items()}
        dues = due_cache[key]
        answered = status != "new" or rnd.random() < 0.2
        first_response = timeutil.iso(created + timedelta(hours=rnd.randint(1, 30))) if answered else None
        resolved = timeutil.iso(created + timedelta(days=rnd.randint(1, 20))) \
            if status in ("resolved", "closed") else None
        topic = rnd.choice(TOPICS)
        assignee = staff[team].id if team and status != "new" and rnd.random() < 0.9 else None
        tickets.append({
            "id": tid, "number": f"DS-{year}-{counters[year]:04d}", "type": rtype,
            "subject": rnd.choice(ASKS).format(t=topic, l=rnd.choice(LEVELS)),
            "description": f"Voor ons werk aan {topic} hebben we cijfers nodig. " * rnd.randint(2, 8),
            "department": rnd.choice(list(cfg["DEPARTMENTS"])), "desired_date": None,
            "personal_data": rnd.choice(["yes", "no", "no", "no", "unknown"]), "extra": "{}",
            "status": status, "priority": priority, "team": team, "assignee_id": assignee,
            "requester_id": rnd.choice(employees), "created_at": timeutil.iso(created),
            "updated_at": resolved or first_response or timeutil.iso(created),
            "first_response_at": first_response, "resolved_at": resolved,
            "closed_at": timeutil.iso(timeutil.parse(resolved) + timedelta(days=14))
            if status == "closed" else None,
            **dues,
            "waiting_since": first_response if status == "waiting" else None,
            "sla_remaining": json.dumps({"resolve_due_at": 3600 * 40}) if status in
            ("waiting", "resolved", "closed") else "{}",
        })
        for tag in rnd.sample(TAGS, rnd.choice([0, 1, 1, 2, 3])):
            tags.append({"ticket_id": tid, "tag": tag})
        events.append({"ticket_id": tid, "actor_id": tickets[-1]["requester_id"],
                       "at": timeutil.iso(created), "field": "created", "old": None, "new": rtype})
        if answered:
            for i in range(rnd.randint(1, 4)):
                comments.append({"ticket_id": tid, "author_id": assignee or tickets[-1]["requester_id"],
                                 "body": f"Bericht {i + 1} over {topic}. " * rnd.randint(1, 10),
                                 "internal": int(rnd.random() < 0.2),
                                 "created_at": timeutil.iso(created + timedelta(hours=2 + 5 * i))})
            events.append({"ticket_id": tid, "actor_id": assignee, "at": first_response,
                           "field": "status", "old": "new", "new": status})
        if resolved and rnd.random() < 0.3:
            ratings.append({"ticket_id": tid, "score": rnd.randint(2, 5), "comment": None,
                            "created_at": resolved})
    db["tickets"].insert_all(tickets, batch_size=2000)
    db["ticket_tags"].insert_all(tags, batch_size=5000)
    db["comments"].insert_all(comments, batch_size=5000)
    db["ticket_events"].insert_all(events, batch_size=5000)
    db["ratings"].insert_all(ratings, batch_size=5000)
    db["ticket_counters"].insert_all(({"year": y, "last": n} for y, n in counters.items()), pk="year")
    # No ANALYZE: the portal never runs it, so the planner works without statistics here too.
    return {"comments": len(comments), "tags": len(tags)}


def login(client, email):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code


def measure(client, urls, n, headers=None) -> list[float]:
    for url in urls[:3]:  # warm up
        client.get(url, headers=headers)
    times = []
    for i in range(n):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    return times


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--instance", help="keep the instance in this folder and reuse it when"
                                           " it has tickets (default: a temporary folder)")
    args = parser.parse_args()
    if args.instance:
        run(args, args.instance)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(args, tmp)


def run(args, folder: str) -> None:
    rnd = random.Random(42)
    app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "MAIL_BACKEND": "file"})
    with app.app_context():
        db = get_db()
        migrations.upgrade(db)  # also applies new migrations to a kept instance
        if not db["tickets"].count:
            started = time.perf_counter()
            facts = build(app, args.tickets, rnd)
            print(f"Inserted {args.tickets:,} tickets, {facts['comments']:,} comments,"
                  f" {facts['tags']:,} tags in {time.perf_counter() - started:.1f}s")
        print(f"{db['tickets'].count:,} tickets, of which"
              f" {db.execute(OPEN_COUNT).fetchone()[0]:,} open; SQLite {sqlite_version}")
        numbers = [r[0] for r in db.execute("SELECT number FROM tickets")]
        open_numbers = [r[0] for r in db.execute("SELECT number FROM tickets WHERE status != 'closed'")]
    client = app.test_client()
    login(client, "staff.analytics-ai@denhaag.example")
    sample = rnd.sample(numbers, 100) + rnd.sample(open_numbers, 100)
    htmx = {"HX-Request": "true"}
    cases = [
        ("queue: open, team, by due", ["/behandelen?status=open&team=analytics-ai&sort=due",
                                       "/behandelen?status=open&team=bi&sort=due"], None),
        ("queue: default (open, by due)", ["/behandelen"], None),
        ("queue: overdue", ["/behandelen?overdue=1", "/behandelen?overdue=1&sort=priority"], None),
        ("queue: at risk", ["/behandelen?at_risk=1"], None),
        ("queue: text filter (htmx)", [f"/behandelen?q={q}" for q in
                                       ("parkeer", "bijstand", "DS-2026-00", "wijk", "laadpal")], htmx),
        ("queue: text, all statuses", [f"/behandelen?status=all&q={q}" for q in
                                       ("parkeer", "schuld", "energielabel")], None),
        ("queue: assigned to me", ["/behandelen?assignee=me", "/behandelen?assignee=me&sort=updated"], None),
        ("queue: tag, all statuses", ["/behandelen?status=all&tag=raadsvraag",
                                      "/behandelen?status=all&tag=cbs&sort=created"], None),
        ("queue: all, newest, page 40", ["/behandelen?status=all&sort=created&page=40"], None),
        ("ticket page", [f"/aanvragen/{n}" for n in sample], None),
    ]
    rows = []
    for label, urls, headers in cases:
        times = measure(client, urls, args.requests, headers)
        rows.append((label, statistics.median(times), pct(times, 95), max(times)))
    print(f"\n{'request':<32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target p95 <= {TARGET_MS}")
    for label, p50, p95, top in rows:
        flag = "" if p95 <= TARGET_MS else "  SLOW"
        print(f"{label:<32} {p50:8.1f} {p95:8.1f} {top:8.1f}{flag}")
    similar(app, client, sample)


def similar(app, client, sample) -> None:
    """The similar-tickets fragment the ticket page loads with htmx (first call builds its index)."""
    with app.test_request_context():
        from flask import url_for

        urls = [url_for("search.similar_tickets", number=n) for n in sample]
    started = time.perf_counter()
    first = client.get(urls[0], headers={"HX-Request": "true"})
    print(f"\nsimilar tickets: first call (builds the index for every ticket)"
          f" {time.perf_counter() - started:.1f}s, HTTP {first.status_code}")
    times = measure(client, urls, 100, {"HX-Request": "true"})
    print(f"{'similar tickets (htmx)':<32} {statistics.median(times):8.1f} {pct(times, 95):8.1f}"
          f" {max(times):8.1f}")


if __name__ == "__main__":
    main()
