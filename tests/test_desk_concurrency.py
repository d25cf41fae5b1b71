"""Many requests at once over real HTTP: every ticket gets its own number, none is lost."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import requests

from portal.accounts import service as accounts

THREADS = 8
PER_THREAD = 5


def test_concurrent_submissions_get_unique_consecutive_numbers(live_server, make_user):
    app = live_server.app
    employees = [make_user("employee") for _ in range(4)]
    with app.app_context():
        tokens = [accounts.create_token(e.id, "load") for e in employees]

    def submit(worker: int) -> list[tuple[int, str]]:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {tokens[worker % len(tokens)]}"
        out = []
        for i in range(PER_THREAD):
            response = session.post(f"{live_server.url}/api/v1/tickets", timeout=30, json={
                "type": "other", "subject": f"Vraag {worker}-{i}",
                "description": "Hoeveel inwoners heeft Escamp?", "department": "szw",
                "personal_data": "no"})
            out.append((response.status_code, response.json().get("number", response.text)))
        return out

    with ThreadPoolExecutor(THREADS) as pool:
        results = [r for batch in pool.map(submit, range(THREADS)) for r in batch]

    assert {status for status, _ in results} == {201}, results
    numbers = [number for _, number in results]
    assert len(set(numbers)) == THREADS * PER_THREAD
    sequence = sorted(int(re.fullmatch(r"DS-\d{4}-(\d{4})", n).group(1)) for n in numbers)
    assert sequence == list(range(1, THREADS * PER_THREAD + 1))  # no gaps, no duplicates
    # Every ticket also queued its confirmation mail, in the same transaction.
    with app.app_context():
        from portal.db import get_db

        mails = get_db().execute(
            "SELECT COUNT(DISTINCT ticket_id) FROM outbox WHERE subject LIKE '%DS-%'").fetchone()[0]
    assert mails == THREADS * PER_THREAD
