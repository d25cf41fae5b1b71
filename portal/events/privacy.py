"""Privacy of the agenda: registrations lose their name after the event (the counts stay),
and one person's registrations for an export or an erasure (conventions in
portal/accounts/privacy.py)."""

from __future__ import annotations

from .. import timeutil
from . import registration

ANONYMOUS = "(geanonimiseerd)"


def anonymise_registrations(db, cutoff: str, dry_run: bool) -> dict:
    """Registrations of events that ended before ``cutoff`` lose their person (account link
    or walk-in name); status, attendance and feedback stay, so every figure stays the same.
    Attended module sessions stay with the learner: they are part of the learning record
    (completion of a module), kept and removed with the account."""
    where = (" FROM registrations r JOIN events e ON e.id = r.event_id WHERE e.ends_at < ?"
             " AND (r.user_id IS NOT NULL OR r.guest_name IS NOT ?)"
             " AND NOT (e.type = 'module_session' AND r.attended = 1 AND r.user_id IS NOT NULL)")
    params = [cutoff, ANONYMOUS]
    count = db.execute("SELECT count(*)" + where, params).fetchone()[0]
    examples = [f"{r['title']} ({r['starts_at'][:10]}): {r['n']}" for r in db.execute(
        "SELECT e.title, e.starts_at, count(*) AS n" + where
        + " GROUP BY e.id ORDER BY e.starts_at LIMIT 3", params)]
    if not dry_run and count:
        db.execute("UPDATE registrations SET user_id = NULL, guest_name = ?, updated_at = ?"
                   " WHERE id IN (SELECT r.id" + where + ")", [ANONYMOUS, timeutil.iso(), *params])
    return {"count": count, "examples": examples}


def export_person(db, user_id: int, include_internal: bool = True) -> dict:
    rows = [dict(r) for r in db.execute(
        "SELECT e.title, e.type, e.starts_at, e.ends_at, e.location, r.status, r.attended,"
        " r.checked_in_at, r.feedback_score, r.feedback_comment, r.feedback_at, r.created_at,"
        " r.cancelled_at FROM registrations r JOIN events e ON e.id = r.event_id"
        " WHERE r.user_id = ? ORDER BY e.starts_at", [user_id])]
    organised = [dict(r) for r in db.execute(
        "SELECT id, title, starts_at FROM events WHERE organiser_id = ? ORDER BY starts_at",
        [user_id])]
    feed = db.execute("SELECT created_at FROM calendar_feeds WHERE user_id = ?",
                      [user_id]).fetchone()
    return {"data": {"registrations": rows, "organised_events": organised,
                     "calendar_feed_created_at": feed["created_at"] if feed else None},
            "files": []}


def erase_person(db, user_id: int, dry_run: bool) -> dict:
    """Seats in upcoming events are given up (the waiting list moves up, no mail to the
    person); every registration stays for the counts but without the person; the
    calendar link is revoked."""
    now = timeutil.iso()
    upcoming = [dict(r) for r in db.execute(
        "SELECT r.id, r.event_id, r.status FROM registrations r JOIN events e ON e.id = r.event_id"
        " WHERE r.user_id = ? AND e.starts_at > ? AND r.status IN ('confirmed', 'waitlisted')",
        [user_id, now])]
    total = db.execute("SELECT count(*) FROM registrations WHERE user_id = ?",
                       [user_id]).fetchone()[0]
    counts = {"seats given up": len(upcoming), "registrations anonymised": total}
    if not dry_run:
        for reg in upcoming:
            db.execute("UPDATE registrations SET status = 'cancelled', cancelled_at = ?,"
                       " updated_at = ? WHERE id = ?", [now, now, reg["id"]])
            if reg["status"] == "confirmed":
                registration.promote(db, reg["event_id"])
        db.execute("UPDATE registrations SET user_id = NULL, guest_name = ?, updated_at = ?"
                   " WHERE user_id = ?", [ANONYMOUS, now, user_id])
        db.execute("DELETE FROM calendar_feeds WHERE user_id = ?", [user_id])
    return {"counts": counts, "files": []}
