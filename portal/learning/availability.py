"""Teachers' unavailable periods: whole local days in which a teacher cannot teach.

Staff add and remove them for anyone in the pool, a teacher for themselves (someone
else's period is Forbidden or a 404). A period ends on or after its start, is not over
yet, lasts at most a year and overlaps none of the teacher's other periods; checked and
written in one BEGIN IMMEDIATE transaction. The substitute proposal and assigning a
teacher (teachers._blocked) skip teachers who are unavailable at a session's time; a
period added over sessions already assigned reports them as ``clashes`` and the staff
pages mark those teachers, so staff find a substitute.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import force_locale, format_date, gettext as _

from .. import parsing, timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import Forbidden, Invalid, NotFound
from ..events import service as events
from .teachers import _assigned, _local, _teacher, _teacher_row

__all__ = ["add_unavailable", "remove_unavailable", "UNAVAILABLE_MAX_DAYS"]


UNAVAILABLE_MAX_DAYS = 366


def _may_edit_periods(db, user: User, teacher_id: int) -> None:
    """Staff edit anyone's unavailable periods, a teacher their own; others Forbidden."""
    if not user.is_staff and user.id != teacher_id:
        raise Forbidden(_("You can only change your own unavailable periods."))


def _period_label(row) -> str:
    return (f"{format_date(date.fromisoformat(row['starts_on']))} –"
            f" {format_date(date.fromisoformat(row['ends_on']))}")


def add_unavailable(user: User, teacher_id: int, starts_on, ends_on, reason=None) -> dict:
    """A period (whole local days, inclusive) in which the teacher cannot teach; staff for
    anyone in the pool, a teacher for themselves. The end is not before the start, the
    period is not over yet, at most a year long and overlaps none of the teacher's other
    periods (checked and written in one transaction). Returns the teacher with
    ``clashes``: their upcoming sessions in the period, which need a substitute."""
    db = get_db()
    _may_edit_periods(db, user, teacher_id)
    errors: dict = {}
    first = parsing.day(starts_on, "starts_on", errors, required=True)
    last = parsing.day(ends_on, "ends_on", errors, required=True)
    if first is None and "starts_on" not in errors:
        errors["starts_on"] = _("Give a date as YYYY-MM-DD.")
    if last is None and "ends_on" not in errors:
        errors["ends_on"] = _("Give a date as YYYY-MM-DD.")
    if first and last and last < first:
        errors["ends_on"] = _("The end is before the start.")
    elif first and last and (last - first).days >= UNAVAILABLE_MAX_DAYS:
        errors["ends_on"] = _("A period is at most a year; add another one after it.")
    elif last and last < _local(timeutil.iso()).date():
        errors["ends_on"] = _("This period is already over.")
    reason = parsing.text(reason, "reason", errors, required=False, max_length=200,
                          multiline=False)
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    with transaction(db):
        _teacher_row(db, teacher_id)
        overlap = db.execute("SELECT * FROM learning_teacher_unavailable WHERE user_id = ? AND"
                             " starts_on <= ? AND ends_on >= ? ORDER BY starts_on LIMIT 1",
                             [teacher_id, last.isoformat(), first.isoformat()]).fetchone()
        if overlap is not None:
            message = _("This overlaps the unavailable period %(period)s; change or remove"
                        " that one instead.", period=_period_label(overlap))
            raise Invalid(message, {"starts_on": message})
        db.execute("INSERT INTO learning_teacher_unavailable (user_id, starts_on, ends_on, reason)"
                   " VALUES (?, ?, ?, ?)", [teacher_id, first.isoformat(), last.isoformat(),
                                            reason])
        out = _teacher(db, _teacher_row(db, teacher_id))
        out["clashes"] = _clashes(db, user, teacher_id, first, last)
        if out["clashes"] and not user.is_staff:
            _tell_staff(db, out, first, last, reason)
    return out


def _tell_staff(db, teacher: dict, first: date, last: date, reason: str | None) -> None:
    """A teacher marked themselves unavailable over sessions they teach: the Datashop
    team (LEARNING_STAFF_EMAIL, else MAIL_REPLY_TO) gets a mail with links to the
    substitute proposals, in the transaction of the new period."""
    from ..mail.outbox import enqueue
    from ..mail.render import absolute_url, render_mail

    config = current_app.config
    to = config.get("LEARNING_STAFF_EMAIL") or config.get("MAIL_REPLY_TO")
    if not to:
        return
    with force_locale(config["BABEL_DEFAULT_LOCALE"]):  # the team's language
        period = f"{format_date(first)} – {format_date(last)}"
        paragraphs = [_("%(name)s cannot teach in the period %(period)s%(reason)s and is"
                        " scheduled for these sessions in it:", name=teacher["name"], period=period,
                        reason=f" ({reason})" if reason else "")]
        paragraphs += [f"{event['title']}, {format_date(timeutil.parse(event['starts_at']))}: "
                       + absolute_url("learning.session", event_id=event["id"],
                                      uitval=teacher["id"]) for event in teacher["clashes"]]
        paragraphs.append(_("Each link shows the substitutes who may teach the module, are free"
                            " then and have the lowest load."))
        title = _("%(name)s is unavailable: find a substitute", name=teacher["name"])
    subject, text, html = render_mail("notice", title=title, paragraphs=paragraphs)
    enqueue(db, to=to, subject=subject, text=text, html=html)


def _clashes(db, user: User, teacher_id: int, first: date, last: date) -> list[dict]:
    """The teacher's upcoming, not cancelled sessions on the local days first..last."""
    out = []
    for event_id in _assigned(db, teacher_id):
        try:
            event = events.get_event(user, event_id)
        except NotFound:
            continue
        if event["is_past"] or event["status"] == "cancelled":
            continue
        if (_local(event["starts_at"]).date() <= last
                and _local(event["ends_at"]).date() >= first):
            out.append({"id": event["id"], "title": event["title"],
                        "starts_at": event["starts_at"], "ends_at": event["ends_at"]})
    return sorted(out, key=lambda e: e["starts_at"])


def remove_unavailable(user: User, period_id: int) -> dict:
    """Remove an unavailable period: staff any, a teacher their own (someone else's is a
    404). Returns the teacher."""
    db = get_db()
    with transaction(db):
        row = db.execute("SELECT * FROM learning_teacher_unavailable WHERE id = ?",
                         [period_id]).fetchone()
        if row is None or not (user.is_staff or row["user_id"] == user.id):
            raise NotFound(_("This unavailable period does not exist, or you may not change"
                             " it."))
        db.execute("DELETE FROM learning_teacher_unavailable WHERE id = ?", [period_id])
    return _teacher(db, _teacher_row(db, row["user_id"]))
