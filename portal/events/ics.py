"""iCalendar (.ics) for registrations, built with the icalendar library.

One VEVENT per registration with a stable UID (``registrations.uid``), so a
calendar client updates or removes the same appointment:

- METHOD:REQUEST with STATUS:CONFIRMED when a seat is confirmed or the event's
  time or place changes (SEQUENCE is raised on every such change);
- METHOD:CANCEL with STATUS:CANCELLED when the registration or the event is
  cancelled;
- a VALARM (display) EVENTS_ICS_ALARM_MINUTES before the start;
- the personal feed (METHOD:PUBLISH) lists the same VEVENTs.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr

from flask import current_app
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from .. import timeutil
from ..mail.render import absolute_url

PRODID = "-//Datashop portal//Events//NL"


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def _vevent(event: dict, registration: dict, attendee: dict | None, cancelled: bool) -> Event:
    cfg = current_app.config
    url = absolute_url("events.detail", event_id=event["id"])
    vevent = Event()
    vevent.add("uid", registration["uid"])
    vevent.add("sequence", registration["sequence"])
    vevent.add("dtstamp", timeutil.now())
    vevent.add("dtstart", timeutil.parse(event["starts_at"]))
    vevent.add("dtend", timeutil.parse(event["ends_at"]))
    vevent.add("summary", event["title"])
    where = event["location"] or event["online_url"] or ""
    if where:
        vevent.add("location", where)
    description = (event.get("description") or "").strip()
    vevent.add("description", "\n\n".join(p for p in (description, url) if p))
    vevent.add("url", url)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    name, address = parseaddr(cfg["MAIL_FROM"])
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name or cfg["PORTAL_NAME"])
    vevent.add("organizer", organizer)
    if attendee:
        person = vCalAddress(f"mailto:{attendee['email']}")
        person.params["cn"] = vText(attendee["name"])
        person.params["role"] = vText("REQ-PARTICIPANT")
        person.params["partstat"] = vText("DECLINED" if cancelled else "ACCEPTED")
        person.params["rsvp"] = vText("FALSE")
        vevent.add("attendee", person)
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event["title"])
        alarm.add("trigger", timedelta(minutes=-int(cfg["EVENTS_ICS_ALARM_MINUTES"])))
        vevent.add_component(alarm)
    return vevent


def invitation(event: dict, registration: dict, attendee: dict, cancelled: bool = False) -> str:
    """The .ics text of one registration: REQUEST, or CANCEL when ``cancelled``."""
    cal = _calendar("CANCEL" if cancelled else "REQUEST")
    cal.add_component(_vevent(event, registration, attendee, cancelled))
    return cal.to_ical().decode("utf-8")


def attachment(event: dict, registration: dict, attendee: dict, cancelled: bool = False) -> dict:
    """The invitation as an outbox attachment (text/calendar; method=...)."""
    return {"filename": "cancel.ics" if cancelled else "invite.ics",
            "content_type": "text/calendar",
            "params": {"method": "CANCEL" if cancelled else "REQUEST"},
            "content": invitation(event, registration, attendee, cancelled)}


def feed(name: str, items: list[tuple[dict, dict]]) -> str:
    """A calendar feed: one VEVENT per (event, registration)."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", name)
    for event, registration in items:
        cal.add_component(_vevent(event, registration, None, cancelled=False))
    return cal.to_ical().decode("utf-8")
