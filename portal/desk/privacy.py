"""Privacy of the desk: anonymising closed tickets, deleting old attachments, and one
person's tickets for an export or an erasure (see portal/accounts/privacy.py for the
conventions). Tickets always stay: statistics and colleagues' work rely on them."""

from __future__ import annotations

import json

from .. import timeutil
from ..accounts import privacy as account_privacy
from ..search import similar
from . import attachments


def _scrub_json(text: str, patterns) -> str:
    def walk(value):
        if isinstance(value, str):
            return account_privacy.scrub(value, patterns)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value
    try:
        return json.dumps(walk(json.loads(text or "{}")), ensure_ascii=False)
    except ValueError:
        return account_privacy.scrub(text, patterns)


def _anonymise(db, ticket: dict, patterns, new_requester: int | None) -> None:
    """Replace names in every text of one ticket; ``new_requester``: who takes over."""
    ticket_id, old = ticket["id"], ticket["requester_id"]
    db.execute("UPDATE tickets SET subject = ?, description = ?, extra = ?, anonymised_at = ?"
               " WHERE id = ?", [account_privacy.scrub(ticket["subject"], patterns),
                                 account_privacy.scrub(ticket["description"], patterns),
                                 _scrub_json(ticket["extra"], patterns), timeutil.iso(), ticket_id])
    for row in db.execute("SELECT id, body FROM comments WHERE ticket_id = ?", [ticket_id]).fetchall():
        db.execute("UPDATE comments SET body = ? WHERE id = ?",
                   [account_privacy.scrub(row["body"], patterns), row["id"]])
    for row in db.execute("SELECT id, old, new FROM ticket_events WHERE ticket_id = ?",
                          [ticket_id]).fetchall():
        db.execute("UPDATE ticket_events SET old = ?, new = ? WHERE id = ?",
                   [account_privacy.scrub(row["old"], patterns),
                    account_privacy.scrub(row["new"], patterns), row["id"]])
    db.execute("UPDATE ratings SET comment = ? WHERE ticket_id = ?",
               [account_privacy.scrub((db.execute("SELECT comment FROM ratings WHERE ticket_id = ?",
                                                  [ticket_id]).fetchone() or [None])[0], patterns),
                ticket_id])
    if new_requester is not None and new_requester != old:
        db.execute("UPDATE tickets SET requester_id = ? WHERE id = ?", [new_requester, ticket_id])
        for table, column in (("comments", "author_id"), ("ticket_events", "actor_id"),
                              ("attachments", "uploaded_by")):
            db.execute(f"UPDATE {table} SET {column} = ? WHERE ticket_id = ? AND {column} = ?",
                       [new_requester, ticket_id, old])
    db.execute("DELETE FROM ticket_views WHERE ticket_id = ? AND user_id = ?", [ticket_id, old])
    # the similar-tickets index drops the old terms and indexes the scrubbed text next time
    similar.forget(db, ticket_id)


# --- retention -------------------------------------------------------------

def anonymise_closed_tickets(db, cutoff: str, dry_run: bool) -> dict:
    """Closed before ``cutoff``: the requester becomes "Verwijderde gebruiker" and their
    name and e-mail address are replaced in every text of the ticket."""
    tickets = [dict(r) for r in db.execute(
        "SELECT t.*, u.name AS requester_name, u.email AS requester_email FROM tickets t"
        " JOIN users u ON u.id = t.requester_id WHERE t.status = 'closed' AND t.closed_at < ?"
        " AND t.anonymised_at IS NULL ORDER BY t.closed_at", [cutoff])]
    examples = [f"{t['number']} (gesloten {t['closed_at'][:10]})" for t in tickets[:3]]
    if not dry_run and tickets:
        placeholder = account_privacy.placeholder_user_id(db)
        for ticket in tickets:
            patterns = account_privacy.name_patterns(ticket["requester_name"],
                                                     ticket["requester_email"])
            _anonymise(db, ticket, patterns, placeholder)
    return {"count": len(tickets), "examples": examples}


def purge_attachments(db, cutoff: str, dry_run: bool) -> dict:
    """Attachments of tickets closed before ``cutoff`` are deleted (rows and files)."""
    rows = [dict(r) for r in db.execute(
        "SELECT a.id, a.filename, a.stored_name, t.number FROM attachments a"
        " JOIN tickets t ON t.id = a.ticket_id WHERE t.status = 'closed' AND t.closed_at < ?"
        " ORDER BY a.id", [cutoff])]
    examples = [f"{r['number']}: {r['filename']}" for r in rows[:3]]
    files = []
    if not dry_run and rows:
        files = [attachments.path_of(r["stored_name"]) for r in rows]
        db.execute("DELETE FROM attachments WHERE id IN (SELECT a.id FROM attachments a JOIN"
                   " tickets t ON t.id = a.ticket_id WHERE t.status = 'closed'"
                   " AND t.closed_at < ?)", [cutoff])
    return {"count": len(rows), "examples": examples, "files": files}


# --- one person ------------------------------------------------------------

def export_person(db, user_id: int, include_internal: bool = True) -> dict:
    """The person's requests with their thread (internal notes only for an admin's export),
    history and files, and the messages they wrote on other tickets."""
    tickets, files = [], []
    for row in db.execute("SELECT * FROM tickets WHERE requester_id = ? ORDER BY id", [user_id]):
        ticket = dict(row)
        ticket["extra"] = json.loads(ticket["extra"] or "{}")
        ticket.pop("sla_remaining", None)
        internal = "" if include_internal else " AND c.internal = 0"
        ticket["comments"] = [dict(c) for c in db.execute(
            "SELECT c.id, c.body, c.internal, c.created_at, u.name AS author FROM comments c"
            f" LEFT JOIN users u ON u.id = c.author_id WHERE c.ticket_id = ?{internal}"
            " ORDER BY c.created_at, c.id", [ticket["id"]])]
        rating = db.execute("SELECT score, comment, created_at FROM ratings WHERE ticket_id = ?",
                            [ticket["id"]]).fetchone()
        ticket["rating"] = dict(rating) if rating else None
        if include_internal:
            ticket["history"] = [dict(e) for e in db.execute(
                "SELECT at, field, old, new FROM ticket_events WHERE ticket_id = ? ORDER BY at, id",
                [ticket["id"]])]
        ticket["attachments"] = []
        for a in db.execute(
                "SELECT a.* FROM attachments a LEFT JOIN comments c ON c.id = a.comment_id"
                " WHERE a.ticket_id = ?" + ("" if include_internal else
                                            " AND COALESCE(c.internal, 0) = 0"), [ticket["id"]]):
            name = f"desk/{ticket['number']}/{a['id']}-{a['filename']}"
            ticket["attachments"].append({"filename": a["filename"], "size": a["size"],
                                          "created_at": a["created_at"], "file": name})
            files.append((name, attachments.path_of(a["stored_name"])))
        tickets.append(ticket)
    written = [dict(r) for r in db.execute(
        "SELECT t.number, c.body, c.internal, c.created_at FROM comments c"
        " JOIN tickets t ON t.id = c.ticket_id WHERE c.author_id = ? AND t.requester_id != ?"
        + ("" if include_internal else " AND c.internal = 0") + " ORDER BY c.id",
        [user_id, user_id])]
    assigned = [r["number"] for r in db.execute(
        "SELECT number FROM tickets WHERE assignee_id = ? ORDER BY id", [user_id])]
    return {"data": {"requests": tickets, "messages_on_other_requests": written,
                     "assigned_requests": assigned}, "files": files}


def erase_person(db, user_id: int, dry_run: bool) -> dict:
    """Their requests stay, with "Verwijderde gebruiker" as requester and their name and
    address replaced in the texts; the files they attached to their own requests are
    deleted; what staff wrote stays. Open tickets assigned to them become unassigned."""
    user = account_privacy.person(db, user_id)
    tickets = [dict(r) for r in db.execute(
        "SELECT * FROM tickets WHERE requester_id = ? ORDER BY id", [user_id])]
    own_files = [dict(r) for r in db.execute(
        "SELECT a.id, a.stored_name FROM attachments a JOIN tickets t ON t.id = a.ticket_id"
        " WHERE t.requester_id = ? AND a.uploaded_by = ?", [user_id, user_id])]
    open_assigned = db.execute("SELECT count(*) FROM tickets WHERE assignee_id = ?"
                               " AND status != 'closed'", [user_id]).fetchone()[0]
    counts = {"requests anonymised": len(tickets), "attachments deleted": len(own_files),
              "open requests unassigned": open_assigned}
    files = []
    if not dry_run:
        patterns = account_privacy.name_patterns(user["name"], user["email"])
        for ticket in tickets:
            _anonymise(db, ticket, patterns, None)
        files = [attachments.path_of(r["stored_name"]) for r in own_files]
        for r in own_files:
            db.execute("DELETE FROM attachments WHERE id = ?", [r["id"]])
        db.execute("UPDATE tickets SET assignee_id = NULL WHERE assignee_id = ?"
                   " AND status != 'closed'", [user_id])
        # Staff: their messages on other requests stay, without their own name in them; the
        # history names assignees by name.
        for row in db.execute("SELECT c.id, c.body FROM comments c JOIN tickets t ON"
                              " t.id = c.ticket_id WHERE c.author_id = ? AND t.requester_id != ?",
                              [user_id, user_id]).fetchall():
            db.execute("UPDATE comments SET body = ? WHERE id = ?",
                       [account_privacy.scrub(row["body"], patterns), row["id"]])
        for column in ("old", "new"):
            db.execute(f"UPDATE ticket_events SET {column} = ? WHERE field = 'assignee'"
                       f" AND {column} = ?", [account_privacy.PLACEHOLDER_NAME, user["name"]])
        db.execute("DELETE FROM ticket_views WHERE user_id = ?", [user_id])
    return {"counts": counts, "files": files}
