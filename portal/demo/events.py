"""Demo agenda: a year of events, played through the events services with a moved clock.

Eight months back and four months ahead: a data meetup every month, Power BI
office hours twice a month (online), workshops and the module sessions of the
learning track *datagedreven werken*. Past events have sign-ups, cancellations,
check-ins, no-shows and feedback; upcoming ones have sign-ups, and one workshop is
full with a waiting list (Sanne is on it). Sanne attended a past meetup and has not
given feedback yet, so the feedback form shows.

Everything goes through ``events.service``, ``events.registration`` and
``events.attendance`` while ``timeutil.set_now`` moves the clock (an event is
created three weeks before it starts, people sign up in the days after, check-in
happens at the start and feedback after the end). The mails those services queue
are deleted in the same transaction: they would be months-old invitations to
demo addresses. The load is one transaction and runs once (there are events).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from .. import timeutil
from ..db import get_db, transaction
from ..errors import Conflict, DomainError
from ..events import attendance, registration, service

SEED = 8
TEAMS_URL = "https://teams.microsoft.com/l/meetup-join/datashop-demo"
MEETUPS = [
    ("Data meetup: wijkprofielen in de praktijk", "Hoe stadsdelen de wijkprofielen gebruiken "
     "voor hun wijkagenda, en welke cijfers er in 2027 bij komen."),
    ("Data meetup: open data over de openbare ruimte", "Bomen, speelplekken en afvalcontainers "
     "als open data: wat er is, wie het gebruikt en wat we nog missen."),
    ("Data meetup: het algoritmeregister", "Welke algoritmes Den Haag gebruikt, hoe ze in het "
     "register komen en wat je als beleidsmaker moet weten."),
    ("Data meetup: energiearmoede in kaart", "Het Urban Data Center laat zien hoe CBS-microdata "
     "helpen om huishoudens met energiearmoede te vinden, zonder privacy te schenden."),
    ("Data meetup: dashboards die mensen echt gebruiken", "Drie teams vertellen wat ze "
     "schrapten, wat bleef en waarom hun dashboard nu wel wordt geopend."),
    ("Data meetup: parkeerdruk en slimme sensoren", "Van scanauto tot sensor: wat de "
     "parkeerdata zeggen en waar de grenzen liggen."),
]
WORKSHOPS = [
    ("Workshop Python voor beleidsmedewerkers", "Een middag zelf aan de slag met Python en "
     "pandas: een CSV inlezen, filteren, groeperen en een grafiek maken. Geen ervaring nodig; "
     "neem je laptop mee (Python staat op de werkplek).", "analytics-ai"),
    ("Workshop Power BI: je eerste dashboard", "Van Excel-bestand naar een overzichtelijk "
     "dashboard, met de huisstijl en de toegankelijkheidsregels van de gemeente.", "bi"),
    ("Workshop DPIA in de praktijk", "Samen met de privacy officer een DPIA doorlopen aan de "
     "hand van een echt (geanonimiseerd) project.", "udc"),
]
MODULES = [
    ("dgw-01-introductie", "Introductie datagedreven werken"),
    ("dgw-02-data-vinden-en-aanvragen", "Data vinden en aanvragen"),
    ("dgw-03-datakwaliteit", "Datakwaliteit"),
    ("dgw-04-visualiseren-en-dashboards", "Visualiseren en dashboards"),
    ("dgw-05-privacy-en-avg", "Privacy en de AVG"),
    ("dgw-06-algoritmes-en-ethiek", "Algoritmes en ethiek"),
    ("dgw-07-statistiek-voor-beleid", "Statistiek voor beleid"),
    ("dgw-08-ai-tools-verantwoord", "AI-tools verantwoord gebruiken"),
]
EMPLOYEE = "sanne.devries@denhaag.example"
FULL_WORKSHOP = "Workshop Python voor beleidsmedewerkers"
COMMENTS = ["Heel praktisch, direct toepasbaar.", "Goede sprekers, iets te kort.",
            "Fijn om collega's van andere diensten te spreken.", "Mooie voorbeelden uit de stad.",
            "Wat veel stof in één keer.", None, None]


def _local(day: date, hour: int, minute: int, tz) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(timezone.utc)


def _weekday_in_month(year: int, month: int, weekday: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def schedule(today: date, tz) -> list[dict]:
    """The demo agenda from eight months back to four months ahead, in start order."""
    plans = []
    module_index = 0
    for offset in range(-8, 5):
        month = today.month - 1 + offset
        year, month = today.year + month // 12, month % 12 + 1
        meetup_title, meetup_text = MEETUPS[(offset + 8) % len(MEETUPS)]
        plans.append({"title": meetup_title, "type": "meetup", "description": meetup_text,
                      "day": _weekday_in_month(year, month, 3, 1), "at": (15, 30), "hours": 1.5,
                      "location": "Spui 70, Atrium (Stadhuis)", "capacity": 40, "team": "udp",
                      "tags": ["meetup"]})
        for nth in (2, 4):
            plans.append({"title": "Inloopspreekuur Power BI", "type": "spreekuur",
                          "description": "Loop binnen met je vraag over Power BI: een formule "
                          "die niet klopt, een rapport dat traag is of hoe je begint. Team BI "
                          "kijkt met je mee.", "day": _weekday_in_month(year, month, 1, nth),
                          "at": (12, 0), "hours": 1, "online_url": TEAMS_URL, "capacity": 12,
                          "team": "bi", "tags": ["power bi"]})
        if offset % 2 == 0:
            index = (offset // 2) % len(WORKSHOPS)
            if offset == 2:  # the full one, with a waiting list
                index = 0
            elif offset >= 0 and index == 0:
                index = 1
            title, text, team = WORKSHOPS[index]
            plans.append({"title": title, "type": "workshop", "description": text,
                          "day": _weekday_in_month(year, month, 2, 3), "at": (13, 30), "hours": 3,
                          "location": "Spui 70, zaal B3.12", "capacity": 8 if offset == 2 else 16,
                          "team": team, "tags": ["workshop"]})
        if offset % 3 != 1 and module_index < len(MODULES):
            module, name = MODULES[module_index]
            module_index += 1
            plans.append({"title": f"Lesbijeenkomst: {name}", "type": "module_session",
                          "description": f"Bijeenkomst van de leerlijn *datagedreven werken*, "
                          f"module **{name}**. Lees de module vooraf in de kennisbank.",
                          "day": _weekday_in_month(year, month, 0, 3), "at": (9, 30),
                          "hours": 2.5, "location": "Spui 70, zaal B2.04", "capacity": 20,
                          "team": "analytics-ai", "tags": ["leerlijn"], "module": module})
    for plan in plans:
        plan["starts_at"] = _local(plan["day"], *plan["at"], tz)
        plan["ends_at"] = plan["starts_at"] + timedelta(hours=plan["hours"])
    return sorted(plans, key=lambda p: p["starts_at"])


def _organiser(users: dict, team: str):
    from .users import staff_for_team

    return staff_for_team(users, team) or users["eva.mulder@denhaag.example"]


def _play(plan: dict, users: dict, employees: list, rng: random.Random, now: datetime) -> dict:
    organiser = _organiser(users, plan["team"])
    created = min(plan["starts_at"] - timedelta(days=21), now - timedelta(days=1))
    timeutil.set_now(created)
    data = {key: plan[key] for key in ("title", "type", "description", "capacity", "tags")
            if key in plan}
    data.update(starts_at=timeutil.iso(plan["starts_at"]), ends_at=timeutil.iso(plan["ends_at"]),
                location=plan.get("location"), online_url=plan.get("online_url"),
                organiser_id=organiser.id, module=plan.get("module"))
    event = service.create_event(organiser, data)
    service.publish_event(organiser, event["id"])
    past = plan["ends_at"] <= now
    full = plan["title"] == FULL_WORKSHOP and not past
    if full:
        crowd = [u for u in employees if u.email != EMPLOYEE][:plan["capacity"]] + \
            [users[EMPLOYEE]] + [u for u in employees if u.email != EMPLOYEE][plan["capacity"]:]
    else:
        crowd = rng.sample(employees, min(len(employees), rng.randint(3, 9)))
        if past and plan["type"] == "meetup" and users[EMPLOYEE] not in crowd:
            crowd.append(users[EMPLOYEE])
    window = max(timedelta(hours=1), min(plan["starts_at"], now) - created)
    signed = []
    for index, person in enumerate(crowd):
        timeutil.set_now(created + window * (index + 1) / (len(crowd) + 2))
        try:
            registration.sign_up(person, event["id"])
        except Conflict:  # a module session of a module still locked for this person
            continue
        signed.append(person)
    if not past:
        return {"past": False}
    cancelled = rng.choice(crowd) if len(crowd) > 4 else None
    if cancelled and cancelled in signed and cancelled.email != EMPLOYEE:
        timeutil.set_now(plan["starts_at"] - timedelta(hours=20))
        registration.cancel(cancelled, event["id"])
    timeutil.set_now(plan["starts_at"] + timedelta(minutes=5))
    attended = []
    for person in attendance.attendees(organiser, event["id"]):
        if person["status"] == "confirmed" and (person["user"]["email"] == EMPLOYEE
                                                or rng.random() < 0.8):
            attendance.set_attended(organiser, event["id"], person["id"], True)
            attended.append(person["user"]["id"])
    if plan["type"] == "meetup" and rng.random() < 0.5:
        attendance.add_walk_in(organiser, event["id"], "Gast van de gemeente Delft")
    timeutil.set_now(plan["ends_at"] + timedelta(hours=2))
    last_meetup = plan.get("last_past_meetup")
    for person in employees:
        if person.id in attended and rng.random() < 0.7 \
                and not (last_meetup and person.email == EMPLOYEE):
            attendance.give_feedback(person, event["id"], rng.choice([3, 4, 4, 5, 5]),
                                     rng.choice(COMMENTS))
    return {"past": True}


def load_events(users: dict) -> str:
    """Load the demo agenda once; return a report line."""
    db = get_db()
    existing = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    if existing:
        return f"Demo events: {existing} already there, nothing loaded."
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    previous = timeutil._frozen  # noqa: SLF001  (a test may have frozen the clock)
    now = timeutil.now()
    employees = [u for u in users.values() if u.role == "employee"]
    rng = random.Random(SEED)
    plans = schedule(timeutil.local(now, str(tz)).date(), tz)
    plans = [p for p in plans if p["starts_at"] > now + timedelta(hours=2) or p["ends_at"] <= now]
    past_meetups = [p for p in plans if p["type"] == "meetup" and p["ends_at"] <= now]
    if past_meetups:
        past_meetups[-1]["last_past_meetup"] = True
    played = []
    try:
        with transaction(db):
            mail_before = db.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()[0]
            for plan in plans:
                try:
                    played.append(_play(plan, users, employees, rng, now))
                except DomainError as exc:
                    raise RuntimeError(f"demo event {plan['title']!r} ({plan['starts_at']}):"
                                       f" {exc.message} {exc.fields or ''}") from exc
            timeutil.set_now(now)
            dropped = db.execute("DELETE FROM outbox WHERE id > ?", [mail_before]).rowcount
    finally:
        timeutil.set_now(previous)
    past = sum(p["past"] for p in played)
    return (f"Demo events: {len(played)} loaded ({past} past with attendance and feedback,"
            f" {len(played) - past} upcoming). Demo mails not queued: {dropped}.")
