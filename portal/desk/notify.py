"""Who gets a mail about a ticket, and what it says.

Every function is called inside the transaction of the change it reports,
so a mail is queued if and only if the change is committed. Mails never
contain internal notes: only public reply bodies are passed to templates.
"""

from __future__ import annotations

from ..accounts.service import User, list_staff
from ..mail.outbox import enqueue
from ..mail.render import absolute_url, render_mail
from .labels import STATUS_LABELS
from .types import get_type


def _recipient(user_id, name, email, locale) -> dict:
    return {"id": user_id, "name": name, "email": email, "locale": locale}


def _requester(row: dict) -> dict:
    return _recipient(row["requester_id"], row["requester_name"], row["requester_email"],
                      row["requester_locale"])


def _handlers(row: dict, exclude_id: int | None) -> list[dict]:
    """The assignee, or else the staff of the ticket's team."""
    if row["assignee_id"]:
        people = [_recipient(row["assignee_id"], row["assignee_name"], row["assignee_email"],
                             row["assignee_locale"])]
    elif row["team"]:
        people = [_recipient(u.id, u.name, u.email, u.locale) for u in list_staff(row["team"])]
    else:
        people = []
    return [p for p in people if p["id"] != exclude_id]


def _send(db, name: str, row: dict, recipient: dict, **context) -> None:
    rtype = get_type(row["type"])
    subject, text, html = render_mail(
        name, recipient["locale"],
        recipient=recipient,
        ticket={"number": row["number"], "subject": row["subject"],
                "type_label": rtype.label if rtype else row["type"]},
        ticket_url=absolute_url("desk.ticket", number=row["number"]),
        **context)
    enqueue(db, to=recipient["email"], subject=subject, text=text, html=html,
            ticket_id=row["id"],  # the sender threads mails per ticket (References)
            headers={"X-Datashop-Ticket": row["number"]})


def ticket_created(db, row: dict) -> None:
    """Confirmation to the requester; a heads-up to the staff of the routed team."""
    _send(db, "ticket_created", row, _requester(row), audience="requester")
    if row["team"]:
        for person in _handlers(row, exclude_id=row["requester_id"]):
            _send(db, "ticket_created", row, person, audience="staff",
                  requester_name=row["requester_name"])


def reply(db, row: dict, author: User, body: str, new_status: str | None = None) -> None:
    """A public reply goes to the other side; the author never mails themselves."""
    if author.id != row["requester_id"]:
        recipients = [_requester(row)]
    else:
        recipients = _handlers(row, exclude_id=author.id)
    for person in recipients:
        _send(db, "ticket_reply", row, person, author_name=author.name, body=body,
              status_label=STATUS_LABELS.get(new_status) if new_status else None,
              to_requester=person["id"] == row["requester_id"])


def status_changed(db, row: dict, actor: User | None, old: str, new: str) -> None:
    """The requester hears about every status change made by someone else (or by
    the system, ``actor`` None); when the requester reopens, the people handling
    the ticket hear about it."""
    if actor is None or actor.id != row["requester_id"]:
        recipients = [_requester(row)]
    else:
        recipients = _handlers(row, exclude_id=actor.id)
    for person in recipients:
        _send(db, "ticket_status", row, person, actor_name=actor.name if actor else None,
              old_label=STATUS_LABELS.get(old, old), new_label=STATUS_LABELS.get(new, new),
              new_status=new, to_requester=person["id"] == row["requester_id"])


def assigned(db, row: dict, actor: User, assignee: User) -> None:
    if assignee.id == actor.id:
        return
    _send(db, "ticket_assigned", row,
          _recipient(assignee.id, assignee.name, assignee.email, assignee.locale),
          actor_name=actor.name, requester_name=row["requester_name"])
