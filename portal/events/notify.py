"""Who gets a mail about an event registration, and what it says.

Called inside the transaction of the change, so a mail (and its .ics) is
queued if and only if the change is committed. Confirmed seats carry a
REQUEST invitation, cancelled ones a CANCEL; the waiting list gets no
invitation until a seat is theirs.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..mail.outbox import enqueue
from ..mail.render import absolute_url, render_mail
from . import ics
from .labels import EVENT_TYPES

# kind -> (subject prefix, what happened, invitation: None | "request" | "cancel")
KINDS = {
    "confirmed": (_l("Signed up"), _l("You are signed up. The invitation for your calendar is "
                                      "attached."), "request"),
    "promoted": (_l("A seat for you"), _l("A seat came free and it is yours: you are no longer on "
                                          "the waiting list but signed up. The invitation for "
                                          "your calendar is attached."), "request"),
    "waitlisted": (_l("On the waiting list"), _l("The event is full, so you are on the waiting "
                                                 "list. When a seat comes free, the first on the "
                                                 "list gets it automatically and hears by mail."),
                   None),
    "cancelled": (_l("Registration cancelled"), _l("Your registration is cancelled. The attached "
                                                   "cancellation removes the appointment from "
                                                   "your calendar."), "cancel"),
    "waitlist_left": (_l("Off the waiting list"), _l("You are no longer on the waiting list."),
                      None),
    "changed": (_l("Changed"), _l("The time or place of this event has changed. The attached "
                                  "invitation updates your calendar."), "request"),
    "changed_waitlisted": (_l("Changed"), _l("The time or place of this event has changed. You "
                                             "are still on the waiting list."), None),
    "event_cancelled": (_l("Cancelled"), _l("This event has been cancelled. The attached "
                                            "cancellation removes it from your calendar."),
                        "cancel"),
    "event_cancelled_waitlisted": (_l("Cancelled"), _l("This event has been cancelled; the "
                                                       "waiting list is closed."), None),
    "updated": (_l("Changed"), _l("The details of this event have changed (for example who "
                                  "teaches it). The attached invitation updates your calendar."),
                "request"),
    "hosting": (_l("You host"), _l("You are now one of the hosts (teachers) of this event. The "
                                   "attached invitation puts it in your calendar."), "request"),
    "hosting_ended": (_l("No longer hosting"), _l("You are no longer a host (teacher) of this "
                                                  "event. The attached cancellation removes it "
                                                  "from your calendar."), "cancel"),
    "reminder": (_l("Reminder"), _l("A reminder: you are signed up for this event."), None),
}


def recipient_of(db, registration) -> dict | None:
    if registration["user_id"] is None:
        return None
    user = db.execute("SELECT id, name, email, locale FROM users WHERE id = ? AND active = 1",
                      [registration["user_id"]]).fetchone()
    return dict(user) if user else None


def send(db, kind: str, event: dict, registration, position: int | None = None) -> None:
    """Queue the ``kind`` mail about ``registration`` (a row or dict) of ``event`` (a dict)."""
    person = recipient_of(db, registration)
    if person is None:
        return
    label, what, invitation = KINDS[kind]
    subject, text, html = render_mail(
        "event_notice", person["locale"], recipient=person, event=event, kind=kind,
        label=label, what=what, where=event["location"] or event["online_url"],
        type_label=EVENT_TYPES.get(event["type"], event["type"]), position=position,
        event_url=absolute_url("events.detail", event_id=event["id"]),
        mine_url=absolute_url("events.mine"))
    attachments = []
    if invitation:
        attachments.append(ics.attachment(event, dict(registration), person,
                                          cancelled=invitation == "cancel"))
    # A mail about an event is worthless once it is over: stop retrying it then.
    enqueue(db, to=person["email"], subject=subject, text=text, html=html,
            headers={"X-Datashop-Event": str(event["id"])}, attachments=attachments,
            expires_at=event["ends_at"])
