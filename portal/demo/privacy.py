"""Demo data for privacy: searches and failed logins from longer ago than their retention
(so `portal retention run --dry-run` has something to show) and an access request
(inzageverzoek) Eva handled, in the audit log. The demo desk and agenda are recent, so
their retention periods have not passed yet."""

from __future__ import annotations

from datetime import timedelta

from .. import timeutil
from ..accounts import service as accounts
from ..db import get_db
from ..errors import Invalid
from ..privacy import person
from ..search import log as search_log

OLD_QUERIES = ("bomen per wijk", "parkeervergunningen 2024", "wmo aanvragen per wijk")


def load_privacy(users: dict) -> str:
    db = get_db()
    if db.execute("SELECT 1 FROM audit_log WHERE action = 'privacy.export'").fetchone():
        return "Demo privacy: already there, nothing loaded."
    pieter = users["pieter.smit@denhaag.example"]
    eva = users["eva.mulder@denhaag.example"]
    previous = timeutil._frozen  # noqa: SLF001  (a test may have frozen the clock)
    now = timeutil.now()
    try:
        timeutil.set_now(now - timedelta(days=400))
        for query in OLD_QUERIES:
            search_log.record(query, result_count=2, source="web")
        timeutil.set_now(now - timedelta(days=120))
        for _ in range(3):  # a mistyped password, four months ago
            try:
                accounts.authenticate(pieter.email, "verkeerd-wachtwoord")
            except Invalid:
                pass
    finally:
        timeutil.set_now(previous)
    person.export_person(eva, pieter.email)
    return (f"Demo privacy: {len(OLD_QUERIES)} searches and 3 failed logins past their retention,"
            " an access request by Eva in the audit log.")
