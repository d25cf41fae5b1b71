"""Demo activity for the dashboards: searches, suggestions on the request form and
assistant conversations, spread over the past weeks.

The desk, agenda and learning demo data come from playing their services; these three
are logs the features write as a side effect of people using them (a search, a form
visit, a chat turn), so the loader writes the same rows those features write:

- search log rows through ``search.log.record`` (scrubbed, rounded to the hour) over
  the past twelve weeks, a few queries without results among them;
- suggestion sessions (shown, opened, submitted) as the request form records them;
- assistant conversations over the past three weeks (the assistant keeps them
  ASSISTANT_RETENTION_DAYS, 30 by default), answered, clarified and handed over.

Seeded, so every load is the same. Runs once: nothing happens when the search log
already has rows. One transaction; the clock is always put back.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from .. import timeutil
from ..db import get_db, transaction
from ..search import log as search_log

SEED = 11
WEEKS = 12
QUERIES = [  # (query, results) - what people look for, most often first
    ("parkeerdruk", 6), ("bevolking per wijk", 8), ("dpia", 4), ("power bi", 5),
    ("open data", 7), ("wijkprofiel", 3), ("bijstand", 2), ("algoritmeregister", 3),
    ("afvalcontainers", 2), ("deda", 1), ("woningvoorraad", 4), ("energiearmoede", 2),
    ("verkeersongevallen 2019", 0), ("fietsparkeren station", 0), ("boa meldingen", 0),
]
QUESTIONS = [  # (question, replies in order)
    ("Hoe vraag ik data aan?", ["answer"]),
    ("Wat is een DPIA?", ["answer"]),
    ("Cijfers over parkeren", ["clarify", "answer"]),
    ("Wanneer is de volgende meetup?", ["event_list"]),
    ("Ik wil een dashboard over jeugdzorg", ["clarify", "handover"]),
    ("Kan iemand meekijken naar mijn analyse?", ["handover"]),
    ("data", ["clarify"]),
    ("Hoe lang duurt een datalevering?", ["answer"]),
    ("xyz", ["fallback"]),
]
REPLIES = {
    "answer": "Dat staat in de kennisbank; hier is het antwoord met de bron erbij.",
    "clarify": "Bedoel je cijfers opvragen, of een vraag over een bestaande aanvraag?",
    "event_list": "Dit zijn de komende bijeenkomsten.",
    "handover": "Ik heb je vraag als aanvraag aan het Datashop-team doorgegeven.",
    "fallback": "Dat weet ik niet. Zal ik je vraag aan het team doorgeven?",
}


def _moment(rng, now, days_back: int):
    """A weekday working hour ``days_back`` days before ``now`` (UTC 8-15, local 9-17)."""
    day = now - timedelta(days=days_back)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day.replace(hour=rng.randint(8, 15), minute=rng.randint(0, 59), second=0,
                       microsecond=0)


def load_activity(users: dict) -> str:
    db = get_db()
    if db.execute("SELECT COUNT(*) FROM search_log").fetchone()[0]:
        return "Demo activity: the search log has rows already, nothing loaded."
    rng = random.Random(SEED)
    previous = timeutil._frozen  # noqa: SLF001  (a test may have frozen the clock)
    now = timeutil.now()
    employees = [u for u in users.values() if u.role == "employee"]
    searches = sessions = conversations = 0
    try:
        with transaction(db):
            for days_back in range(WEEKS * 7, 0, -1):
                for _ in range(rng.randint(1, 4) if (now - timedelta(days=days_back)).weekday() < 5
                               else 0):
                    query, results = QUERIES[min(int(rng.expovariate(0.25)), len(QUERIES) - 1)]
                    timeutil.set_now(_moment(rng, now, days_back))
                    search_log.record(query, result_count=results,
                                      source=rng.choice(("web", "web", "web", "chat", "api")))
                    searches += 1
                if rng.random() < 0.5:
                    stamp = timeutil.hour_iso(_moment(rng, now, days_back))
                    sid = secrets.token_urlsafe(18)
                    opened, submitted = rng.random() < 0.5, rng.random() < 0.55
                    db.execute("INSERT INTO suggest_sessions (id, created_at, submitted)"
                               " VALUES (?, ?, ?)", [sid, stamp, int(submitted)])
                    db.execute("INSERT INTO suggest_shown VALUES (?, ?)",
                               [sid, "data-aanvragen-datashop"])
                    if opened:
                        db.execute("INSERT INTO suggest_opened VALUES (?, ?)",
                                   [sid, "data-aanvragen-datashop"])
                    sessions += 1
            for days_back in range(21, 0, -1):
                for _ in range(rng.randint(0, 3)):
                    conversations += _conversation(db, rng, rng.choice(employees), now, days_back)
    finally:
        timeutil.set_now(previous)
    return (f"Demo activity: {searches} searches, {sessions} request forms with suggestions, "
            f"{conversations} assistant conversations.")


def _conversation(db, rng, user, now, days_back: int) -> int:
    question, actions = rng.choice(QUESTIONS)
    start = _moment(rng, now, days_back)
    stamp = timeutil.iso(start)
    handed = actions[-1] == "handover"
    cid = db.execute("INSERT INTO chat_conversations (user_id, status, clarify_count, created_at,"
                     " updated_at) VALUES (?, ?, ?, ?, ?)",
                     [user.id, "handed_over" if handed else "open", actions.count("clarify"),
                      stamp, timeutil.iso(start + timedelta(minutes=len(actions)))]).lastrowid
    for n, action in enumerate(actions):
        at = timeutil.iso(start + timedelta(minutes=n))
        db.execute("INSERT INTO chat_messages (conversation_id, role, body, created_at)"
                   " VALUES (?, 'user', ?, ?)",
                   [cid, question if n == 0 else "Cijfers opvragen", at])
        feedback = rng.choice((1, 1, None, -1)) if action == "answer" else None
        db.execute("INSERT INTO chat_messages (conversation_id, role, body, action, feedback,"
                   " created_at) VALUES (?, 'assistant', ?, ?, ?, ?)",
                   [cid, REPLIES[action], action, feedback, at])
    return 1
