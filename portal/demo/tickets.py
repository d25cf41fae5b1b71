"""Demo tickets: the requests in tickets.json, played through the desk services.

Every ticket is created, triaged, answered, resolved, closed and rated with
the real services (``desk.service``, ``desk.lifecycle``) while the clock is
moved back with ``timeutil.set_now``: numbers, SLA due moments, history and
ratings are exactly what the desk would have stored had the requests come
in over the past weeks. The clock is always put back afterwards.

Times: a request comes in ``days_ago`` days before now at 10:00 local time
(a weekend or holiday moves it to the business day before); every later step
(triage, ``hours_after`` of a comment, resolving, closing, rating) is moved
into business hours, as a person at the desk would act, and never after now.

Requester: the demo employee (Sanne); the requests of her colleague Pieter's
department (Stadsbeheer) are Pieter's, so that "another employee's request
is a 404" can be shown with real data. Staff actions: the staff member of
the ticket's team, or the admin when the ticket has no team.

Mail: the services queue mails as always; the loader DELETES those outbox
rows in the same transaction. They would otherwise be weeks-old "pending"
mails to demo addresses that the next ``portal outbox send`` delivers, and
marking them "sent" would be a false history. Mails from using the demo
afterwards are queued and sent normally.

The whole load is one transaction: it is stored completely or not at all.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app

from .. import timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import DomainError
from ..desk import attachments as desk_attachments
from ..desk import lifecycle, service, sla, store
from ..desk.canned import create_canned, list_canned
from .users import staff_for_team

DATA_FILE = Path(__file__).with_name("tickets.json")
EMPLOYEE = "sanne.devries@denhaag.example"
COLLEAGUE = "pieter.smit@denhaag.example"
COLLEAGUE_DEPARTMENT = "dsb"  # Pieter works at Stadsbeheer: those requests are his
ADMIN = "eva.mulder@denhaag.example"

CANNED = [
    ("Ontvangen en in behandeling",
     "Beste {requester},\n\nDank voor je aanvraag {number}. We hebben hem ontvangen en ik ga er "
     "mee aan de slag. Je hoort binnen twee werkdagen van me wat we kunnen leveren en wanneer.\n\n"
     "Met vriendelijke groet,\n{me}\nDatashop", None),
    ("Aanvullende informatie nodig",
     "Beste {requester},\n\nOm je aanvraag \u201c{subject}\u201d goed op te pakken, hebben we nog "
     "wat informatie nodig:\n\n- Voor welke periode zoek je de gegevens?\n- Op welk niveau "
     "(stad, stadsdeel, wijk of buurt)?\n- Voor welk doel en wie krijgt het resultaat te zien?\n\n"
     "Reageer via de knop \u201cReageer op de pagina van de aanvraag\u201d in deze mail. Zolang we "
     "op je antwoord wachten, staat de aanvraag op \u201cwacht op aanvrager\u201d.\n\nMet vriendelijke groet,\n{me}", None),
    ("Doorverwezen naar de dataofficer",
     "Beste {requester},\n\nVoor deze aanvraag is eerst een akkoord van de dataofficer van je "
     "directie nodig, omdat het om gegevens van een andere afdeling gaat. Ik heb je aanvraag "
     "{number} aan de dataofficer voorgelegd. Zodra er akkoord is, leveren we de gegevens.\n\n"
     "Met vriendelijke groet,\n{me}", None),
    ("Data geleverd via beveiligde map",
     "Beste {requester},\n\nDe gegevens voor {number} staan klaar in de beveiligde map "
     "\u201cDatashop-leveringen\u201d op de G-schijf; alleen jij hebt toegang. De map wordt na "
     "30 dagen automatisch leeggemaakt. Deel de bestanden niet per mail. In het bestand "
     "LEESMIJ.txt staan de definities en bronnen.\n\nIk zet de aanvraag op opgelost. Klopt er "
     "iets niet, reageer dan op de aanvraagpagina, dan kijken we er opnieuw naar.\n\nMet vriendelijke groet,\n{me}",
     "udp"),
    ("DPIA nodig: verwijzing naar de privacy officer",
     "Beste {requester},\n\nJe aanvraag gaat over persoonsgegevens op een manier waarvoor "
     "eerst een DPIA (gegevensbeschermingseffectbeoordeling) nodig is. Die doe je samen met "
     "de privacy officer van je directie; het sjabloon en de uitleg vind je in de kennisbank "
     "onder \u201cDPIA uitvoeren\u201d. Stuur ons de afgeronde DPIA, dan pakken we je aanvraag "
     "direct verder op.\n\nMet vriendelijke groet,\n{me}", None),
    ("Dashboardwens op de backlog",
     "Beste {requester},\n\nDank voor je wens voor het dashboard. We hebben hem op de backlog "
     "van team BI gezet en bespreken hem in de eerstvolgende sprintplanning. Je hoort daarna "
     "wanneer we hem kunnen oppakken.\n\nMet vriendelijke groet,\n{me}", "bi"),
]


class DemoDataError(Exception):
    """The demo data does not pass the desk's rules; nothing was stored."""


def _tickets() -> list[dict]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def demo_ticket_count(db, users: dict) -> int:
    ids = [users[e].id for e in (EMPLOYEE, COLLEAGUE) if e in users]
    if not ids:
        return 0
    marks = ", ".join("?" * len(ids))
    return db.execute(f"SELECT COUNT(*) FROM tickets WHERE requester_id IN ({marks})", ids).fetchone()[0]


class _Clock:
    """Demo moments in business hours, always increasing and never after ``ceiling``."""

    def __init__(self, cfg, ceiling: datetime):
        self.cfg, self.ceiling, self.cursor, self.last_created = cfg, ceiling, None, None
        self.tz = ZoneInfo(cfg["TIMEZONE"])

    def _business(self, moment: datetime) -> bool:
        return sla.business_seconds_between(moment, moment + timedelta(minutes=1), self.cfg) == 60

    def created(self, days_ago: int, minute: int) -> datetime:
        day = timeutil.local(self.ceiling, self.cfg["TIMEZONE"]).date() - timedelta(days=days_ago)
        moment = self._local(day, minute)
        for _ in range(14):  # weekend or holiday: the business day before
            if self._business(moment):
                break
            day -= timedelta(days=1)
            moment = self._local(day, minute)
        if self.last_created is not None:  # numbers follow the order of arrival
            moment = max(moment, self.last_created + timedelta(minutes=4))
        self.cursor = None
        self.last_created = self.go(moment)
        return self.last_created

    def _local(self, day: date, minute: int) -> datetime:
        return datetime.combine(day, time(10, minute % 60), tzinfo=self.tz).astimezone(timezone.utc)

    def at(self, start: datetime, hours: float, jitter_minutes: int) -> datetime:
        """``hours`` after ``start``, moved into business hours, plus a few minutes."""
        return self.go(sla.add_business_seconds(start + timedelta(hours=hours),
                                                60 * (jitter_minutes % 40 + 3), self.cfg))

    def go(self, moment: datetime) -> datetime:
        moment = min(moment, self.ceiling)
        if self.cursor is not None and moment <= self.cursor:
            moment = min(self.cursor + timedelta(seconds=30), self.ceiling)
        self.cursor = moment
        timeutil.set_now(moment)
        return moment


def _actors(users: dict, spec: dict) -> tuple[User, User]:
    requester = users[COLLEAGUE if spec["department"] == COLLEAGUE_DEPARTMENT else EMPLOYEE]
    staff = (staff_for_team(users, spec["team"]) if spec["team"] else None) or users[ADMIN]
    return requester, staff


def _play(spec: dict, index: int, users: dict, clock: _Clock) -> str:
    requester, staff = _actors(users, spec)
    final = spec["status"]
    created = clock.created(spec["days_ago"], 7 * index)
    desired = None
    if spec.get("desired_in_days"):
        desired = (timeutil.local(created, clock.cfg["TIMEZONE"]).date()
                   + timedelta(days=spec["desired_in_days"])).isoformat()
    ticket = service.create_ticket(requester, {
        "type": spec["type"], "subject": spec["subject"], "description": spec["description"],
        "department": spec["department"], "desired_date": desired,
        "personal_data": spec["personal_data"], "extra": spec.get("extra") or {}})
    number = ticket["number"]

    changes: dict = {}
    if spec["team"] != ticket["team"]:
        changes["team"] = spec["team"]
    if spec["priority"] != "normal":  # the requester's view has no priority: staff set it
        changes["priority"] = spec["priority"]
    if spec.get("tags"):
        changes["tags"] = spec["tags"]
    if spec.get("assigned"):
        changes["assignee"] = staff.id
    if final != "new":
        changes["status"] = "in_progress"
    if changes:
        clock.at(created, 0.5, index)
        lifecycle.update_ticket(staff, number, changes)

    closing = {"waiting": "waiting", "resolved": "resolved", "closed": "resolved"}.get(final)
    comments = sorted(spec.get("comments") or [], key=lambda c: c["hours_after"])
    last_public = max((i for i, c in enumerate(comments)
                       if c["by"] == "staff" and not c["internal"]), default=None)
    for i, comment in enumerate(comments):
        clock.at(created, comment["hours_after"], index + 5 * i)
        if comment["by"] == "staff":
            status = closing if (i == last_public and closing) else None
            service.add_comment(staff, number, comment["body"], internal=bool(comment["internal"]),
                                status=status)
        else:
            service.add_comment(requester, number, comment["body"])
    if closing and last_public is None:
        clock.at(clock.cursor, 1, index)
        lifecycle.change_status(staff, number, closing)

    if final in ("resolved", "closed"):
        resolved_at = clock.cursor
        if spec.get("rating"):
            clock.at(resolved_at, 4, index)
            lifecycle.rate_ticket(requester, number, spec["rating"]["score"],
                                  spec["rating"].get("comment"))
        if final == "closed":
            after_reopen = resolved_at + timedelta(days=current_app.config["REOPEN_DAYS"], hours=1)
            if after_reopen < clock.ceiling:  # the daily job closed it, as in production
                clock.go(max(after_reopen, clock.cursor))
                db = get_db()
                lifecycle.apply_status(db, store.load_row(db, number), None, "closed", clock.cursor)
            else:  # staff closed it early by hand
                clock.at(clock.cursor, 20, index)
                lifecycle.change_status(staff, number, "closed")
    return number


def seed_canned(users: dict) -> int:
    """Add the demo canned replies that are not there yet (by title); return how many."""
    admin = users[ADMIN]
    existing = {item["title"] for item in list_canned(admin)}
    added = 0
    for title, body, team in CANNED:
        if title not in existing:
            create_canned(admin, title, body, team)
            added += 1
    return added


def reset_tickets(users: dict) -> int:
    """Delete the demo employees' tickets with everything attached; return how many."""
    db = get_db()
    ids = [users[e].id for e in (EMPLOYEE, COLLEAGUE) if e in users]
    if not ids:
        return 0
    marks = ", ".join("?" * len(ids))
    mine = f"SELECT id FROM tickets WHERE requester_id IN ({marks})"
    with transaction(db):
        files = [r["stored_name"] for r in db.query(
            f"SELECT stored_name FROM attachments WHERE ticket_id IN ({mine})", ids)]
        db.execute(f"DELETE FROM outbox WHERE ticket_id IN ({mine})", ids)
        count = db.execute(f"DELETE FROM tickets WHERE requester_id IN ({marks})", ids).rowcount
        if not db.execute("SELECT 1 FROM tickets LIMIT 1").fetchone():
            db.execute("DELETE FROM ticket_counters")  # numbers start at 0001 again
    desk_attachments.remove([desk_attachments.path_of(name) for name in files])
    return count


def load_tickets(users: dict, reset: bool = False) -> str:
    """Load the demo tickets once (``reset``: delete and load again); return a report line."""
    db = get_db()
    removed = reset_tickets(users) if reset else 0
    existing = demo_ticket_count(db, users)
    if existing:
        canned = seed_canned(users)
        return (f"Demo tickets: {existing} already there, nothing loaded"
                f" (portal demo load --reset-tickets loads them again)."
                + (f" Canned replies added: {canned}." if canned else ""))
    previous = timeutil._frozen  # noqa: SLF001  (a test may have frozen the clock)
    real_now = timeutil.now()
    clock = _Clock(current_app.config, real_now - timedelta(minutes=1))
    numbers = []
    try:
        with transaction(db):
            mail_before = db.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()[0]
            specs = sorted(enumerate(_tickets()), key=lambda p: (-p[1]["days_ago"], p[0]))
            for index, spec in specs:
                try:
                    numbers.append(_play(spec, index, users, clock))
                except DomainError as exc:
                    raise DemoDataError(f"{DATA_FILE.name}, ticket {index + 1}"
                                        f" ({spec.get('subject')!r}): {exc.message}"
                                        f" {getattr(exc, 'fields', None) or ''}".strip()) from exc
            timeutil.set_now(real_now)
            canned = seed_canned(users)
            dropped = db.execute("DELETE FROM outbox WHERE id > ? AND ticket_id IS NOT NULL",
                                 [mail_before]).rowcount
    finally:
        timeutil.set_now(previous)
    by_status = {r["status"]: r["n"] for r in db.query(
        "SELECT status, COUNT(*) AS n FROM tickets GROUP BY status ORDER BY status")}
    prefix = f"Demo tickets: {len(numbers)} loaded ({numbers[0]} to {numbers[-1]})" if numbers \
        else "Demo tickets: none in the data file"
    removed_text = f", {removed} removed first" if removed else ""
    return (f"{prefix}{removed_text}; all tickets by status: "
            + ", ".join(f"{k} {v}" for k, v in by_status.items())
            + f". Canned replies added: {canned}. Demo mails not queued: {dropped}.")
