"""The things the assistant does, each through the owning feature's service with the
user's own permissions. Nothing here decides who may see or change what: the desk and
the events services do, and their NotFound/Conflict become plain replies.

Every function returns a reply dict: {"action", "reply", "links": [{"label", "url"}], ...}.
Changes (sign up, cancel, handover) are proposed first as a ``pending`` action; service.py
runs ``execute(pending)`` only after the user confirms.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from ..desk import queue as desk_queue
from ..desk import service as desk
from ..errors import DomainError
from ..events import registration
from ..events import service as events
from ..learning import service as learning_service
from ..templating import datetime_filter
from . import intents

LEARNING_URL = "/leerlijn"


def reply(action: str, text: str, **extra) -> dict:
    return {"action": action, "reply": text, "links": extra.pop("links", []), **extra}


def login_needed(action: str) -> dict:
    return reply(action, _("Log in first; then ask me again and I will do it for you."),
                 links=[{"label": _("Log in"), "url": "/login?next=/assistent"}])


# --- desk --------------------------------------------------------------------------

def _ticket_line(ticket: dict, note_waiting: bool = True) -> str:
    handler = ticket["assignee"]["name"] if ticket.get("assignee") else (
        ticket.get("team_label") or _("the Datashop"))
    line = _("%(number)s \u201c%(subject)s\u201d: %(status)s, handled by %(handler)s.",
             number=ticket["number"], subject=ticket["subject"], status=ticket["status_label"],
             handler=handler)
    if ticket["status"] == "waiting" and note_waiting:
        line += " " + _("The Datashop is waiting for your reply.")
    return line


def _ticket_link(ticket: dict) -> dict:
    return {"label": ticket["number"], "url": f"/aanvragen/{ticket['number']}"}


def ticket_status(user, slots: dict) -> dict:
    """One ticket by number, the user's requests about a topic, or their open requests.
    The desk scopes every lookup to what this user may see: someone else's number is
    "not found", exactly as on the web pages."""
    number = slots.get("ticket")
    if number:
        try:
            ticket = desk.get_ticket(user, number)
        except DomainError:
            return reply("ticket_status", _("I cannot find a request %(number)s among your "
                                            "requests.", number=number),
                         links=[{"label": _("My requests"), "url": "/mijn-aanvragen"}])
        return reply("ticket_status", _ticket_line(ticket), ticket=ticket["number"],
                     links=[_ticket_link(ticket)])
    items = []
    if slots.get("ticket_hint"):
        items = desk_queue.search_requests(user, slots["ticket_hint"], limit=5)["items"]
        if not items:  # any one topic word is enough
            for word in slots["ticket_hint"].split():
                items = desk_queue.search_requests(user, word, limit=5)["items"]
                if items:
                    break
    more = 0
    if not items:  # the open ones, those waiting for the user's answer first
        found = desk_queue.list_tickets(user, {"status": "open", "requester": "me"}, limit=500)
        ordered = sorted(found["items"], key=lambda t: t["status"] != "waiting")
        items, more = ordered[:5], found["total"] - min(5, len(ordered))
    if not items:
        return reply("ticket_status", _("You have no open requests."),
                     links=[{"label": _("My requests"), "url": "/mijn-aanvragen"}])
    text = " ".join(_ticket_line(t, note_waiting=len(items) == 1) for t in items)
    waiting = sum(t["status"] == "waiting" for t in items)
    if len(items) > 1 and waiting:  # said once, not after every one of them
        text = ngettext("%(num)d request is waiting for your reply.",
                        "%(num)d requests are waiting for your reply.", waiting) + " " + text
    links = [_ticket_link(t) for t in items]
    if more > 0:
        text += " " + ngettext("And %(num)d more open request.", "And %(num)d more open requests.",
                               more)
        links.append({"label": _("My requests"), "url": "/mijn-aanvragen"})
    return reply("ticket_status", text, ticket=items[0]["number"] if len(items) == 1 else None,
                 links=links)


def new_request(user, slots: dict, message: str) -> dict:
    """The request form of the right type, with the message as its subject."""
    from urllib.parse import urlencode

    kind = slots.get("request_type") or "other"
    url = f"/aanvraag/{kind}?" + urlencode({"onderwerp": message[:200]})
    return reply("new_request", _("I have prepared the request form for you; check the "
                                  "fields and send it."),
                 request_type=kind, links=[{"label": _("Open the request form"), "url": url}])


def handover_proposal() -> dict:
    return reply("handover", _("Shall I pass this conversation on to a Datashop employee? "
                               "I will create a request with our conversation attached. "
                               "Answer \u201cja\u201d to confirm."),
                 choices=confirm_choices(), pending={"action": "handover"})


def handover(user, subject: str, transcript: str) -> dict:
    department = user.department
    from flask import current_app

    if department not in current_app.config["DEPARTMENTS"]:
        department = next(iter(current_app.config["DEPARTMENTS"]))
    ticket = desk.create_ticket(user, {
        "type": "other", "subject": subject[:200] or _("Question from the assistant"),
        "description": transcript[:10000], "department": department,
        "personal_data": "unknown"})
    return reply("handover", _("I have passed your question on to the Datashop as request "
                               "%(number)s. A colleague will get back to you; anything you "
                               "write here from now on is added to that request.",
                               number=ticket["number"]),
                 ticket=ticket["number"], links=[_ticket_link(ticket)])


def add_to_ticket(user, number: str, text: str) -> dict:
    try:
        desk.add_comment(user, number, text)
    except DomainError as exc:
        return reply("handover", _("This conversation was passed on as %(number)s, but I could "
                                   "not add your message: %(reason)s", number=number,
                                   reason=exc.message), ticket=number,
                     links=[{"label": number, "url": f"/aanvragen/{number}"}])
    return reply("handover", _("Added to request %(number)s; a colleague will read it there.",
                               number=number), ticket=number,
                 links=[{"label": number, "url": f"/aanvragen/{number}"}])


# --- events ------------------------------------------------------------------------

def _matching_events(user, hint: str | None, module: str | None = None) -> list[dict]:
    items = events.list_events(user, {"when": "upcoming"}, limit=100)["items"]
    items = [e for e in items if e["status"] == "published"]
    if module:
        items = [e for e in items if e.get("module") == module] or items
    if hint:
        words = intents.normalise(hint).split()
        items = [e for e in items if all(
            w in intents.normalise(" ".join([e["title"], e["type"], " ".join(e["tags"])]))
            for w in words)]
    return items


def _event_line(event: dict) -> str:
    return _("%(title)s on %(when)s", title=event["title"],
             when=datetime_filter(event["starts_at"], "d MMMM HH:mm"))


def _event_link(event: dict) -> dict:
    return {"label": _event_line(event), "url": f"/agenda/{event['id']}"}


def _signed_up(event: dict) -> bool:
    return bool(event.get("my_registration")) and \
        event["my_registration"]["status"] in ("confirmed", "waitlisted")


def event_list(user, slots: dict) -> dict:
    if slots.get("mine"):
        items = [e for e in _matching_events(user, None) if _signed_up(e)]
        if not items:
            return reply("event_list", _("You are not signed up for any upcoming event."),
                         links=[{"label": _("Agenda"), "url": "/agenda"}])
        lines = [_event_line(e) + (" (" + _("waiting list") + ")" if
                                   e["my_registration"]["status"] == "waitlisted" else "")
                 for e in items]
        return reply("event_list", _("You are signed up for: %(list)s.", list="; ".join(lines)),
                     event=items[0]["id"], links=[_event_link(e) for e in items[:5]] + [
                         {"label": _("My events"), "url": "/mijn-aanmeldingen"}])
    items = _matching_events(user, slots.get("event_hint"), slots.get("module"))[:5]
    if not items:
        return reply("event_list", _("I found no upcoming events about that."),
                     links=[{"label": _("Agenda"), "url": "/agenda"}])
    return reply("event_list", _("Coming up: %(list)s.", list="; ".join(
        _event_line(e) for e in items)), event=items[0]["id"],
        links=[_event_link(e) for e in items])


def _best_named(items: list[dict], message: str) -> list[dict]:
    """The events whose title shares the most words with the message, soonest first: "de
    workshop Power BI: je eerste dashboard" is the workshop, not the Power BI spreekuur."""
    said = set(intents.normalise(message).replace(":", " ").split())

    def shared(event):
        title = set(intents.normalise(f"{event['title']} {event['type']}").replace(":", " ").split())
        return len({w for w in title & said if len(w) > 2})

    best = max((shared(e) for e in items), default=0)
    return [e for e in items if shared(e) == best]


def confirm_choices() -> list[dict]:
    """Yes/no buttons under a proposal (they send what a typed answer would)."""
    return [{"id": "ja", "title": _("Yes"), "value": "ja"},
            {"id": "nee", "title": _("No"), "value": "nee"}]


def propose_event(user, action: str, slots: dict) -> dict:
    """Find the event and ask for confirmation; nothing changes yet."""
    items = _best_named(_matching_events(user, slots.get("event_hint")), slots.get("text", ""))
    if action == "event_cancel":
        items = [e for e in items if _signed_up(e)]
    elif items and _signed_up(items[0]):  # nothing to propose: say how it stands
        event = items[0]
        text = (_("You are already on the waiting list for %(event)s.", event=_event_line(event))
                if event["my_registration"]["status"] == "waitlisted" else
                _("You are already signed up for %(event)s.", event=_event_line(event)))
        return reply(action, text, event=event["id"], links=[_event_link(event)])
    if not items:
        text = (_("You are not signed up for an upcoming event like that.")
                if action == "event_cancel" else _("I found no upcoming event like that."))
        return reply(action, text, links=[{"label": _("Agenda"), "url": "/agenda"}])
    event = items[0]
    if action == "event_signup":
        text = _("Shall I sign you up for %(event)s? Answer \u201cja\u201d to confirm.",
                 event=_event_line(event))
    else:
        text = _("Shall I cancel your registration for %(event)s? Answer \u201cja\u201d to "
                 "confirm.", event=_event_line(event))
    return reply(action, text, event=event["id"], links=[_event_link(event)],
                 choices=confirm_choices(), pending={"action": action, "event": event["id"]})


def event_signup(user, event_id: int) -> dict:
    try:
        result = registration.sign_up(user, event_id)
        event = events.get_event(user, event_id)
    except DomainError as exc:
        return reply("event_signup", exc.message, event=event_id)
    reg = result["registration"]
    if reg["status"] == "waitlisted":
        text = _("The event is full: you are number %(n)s on the waiting list for %(event)s.",
                 n=reg["position"], event=_event_line(event))
    elif not result["created"]:
        text = _("You were already signed up for %(event)s.", event=_event_line(event))
    else:
        text = _("You are signed up for %(event)s. A confirmation is on its way by mail.",
                 event=_event_line(event))
    return reply("event_signup", text, event=event_id, links=[_event_link(event)])


def event_cancel(user, event_id: int) -> dict:
    try:
        registration.cancel(user, event_id)
        event = events.get_event(user, event_id)
    except DomainError as exc:
        return reply("event_cancel", exc.message, event=event_id)
    return reply("event_cancel", _("Your registration for %(event)s is cancelled.",
                                   event=_event_line(event)), event=event_id,
                 links=[_event_link(event)])


# --- learning ----------------------------------------------------------------------

def _module_link(module_id: str, title: str) -> dict:
    return {"label": title, "url": f"{LEARNING_URL}/{module_id}"}


def learning(user, action: str, slots: dict) -> dict:
    """The learner's progress and next step, or a proposed enrolment (confirmed first).
    The learning service owns the rules: prerequisites, states, certificates."""
    try:
        overview = learning_service.overview(user)
    except DomainError as exc:
        return reply(action, exc.message, links=[{"label": _("Learning track"), "url": LEARNING_URL}])
    modules = {m["id"]: m for m in overview["modules"]}
    module_id = slots.get("module")
    if action == "enrol" and module_id in modules:
        module = modules[module_id]
        if module["state"] in ("enrolled", "in_progress", "completed"):
            return reply("enrol", _("You are already enrolled in %(module)s.", module=module["title"]),
                         module=module_id, links=[_module_link(module_id, module["title"])])
        return reply("enrol", _("Shall I enrol you in %(module)s? Answer \u201cja\u201d to confirm.",
                                module=module["title"]), module=module_id,
                     links=[_module_link(module_id, module["title"])],
                     choices=confirm_choices(), pending={"action": "enrol", "module": module_id})
    text = _("You have completed %(done)d of %(total)d modules of the learning track.",
             done=overview["completed"], total=overview["total"])
    links = [{"label": _("Learning track"), "url": LEARNING_URL}]
    step = overview["next_step"]
    if step:
        text += " " + _("Next step: %(module)s.", module=step["title"])
        links.insert(0, _module_link(step["id"], step["title"]))
    if action == "enrol":
        text = _("Which module do you mean? Choose one on the learning page.") + " " + text
    return reply(action, text, module=step["id"] if step else None, links=links)


def enrol(user, module_id: str) -> dict:
    """Enrol after the user confirmed; a missing prerequisite is explained with its link."""
    try:
        module = learning_service.enrol(user, module_id)
    except DomainError as exc:
        missing = getattr(exc, "missing", None) or []
        return reply("enrol", exc.message, module=module_id,
                     links=[_module_link(m["id"], m["title"]) for m in missing])
    return reply("enrol", _("You are enrolled in %(module)s.", module=module["title"]),
                 module=module_id, links=[_module_link(module_id, module["title"])])
