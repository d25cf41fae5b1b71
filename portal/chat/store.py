"""The assistant's SQL: conversations per user, their messages, feedback and retention."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..config import retention_days
from ..db import get_db, transaction
from ..errors import NotFound


def _conversation(row) -> dict:
    out = dict(row)
    out["pending"] = json.loads(out["pending"]) if out.get("pending") else None
    return out


def get_conversation(user_id: int, conversation_id: int) -> dict:
    """The user's own conversation; someone else's is NotFound (its existence is not revealed)."""
    row = get_db().execute("SELECT * FROM chat_conversations WHERE id = ? AND user_id = ?",
                           [conversation_id, user_id]).fetchone()
    if row is None:
        raise NotFound(_("This conversation does not exist (any more)."))
    return _conversation(row)


def latest_conversation(user_id: int, *, open_only: bool = False) -> dict | None:
    """The user's latest conversation; with ``open_only`` not one handed over to the desk."""
    where = " AND status != 'handed_over'" if open_only else ""
    row = get_db().execute(f"SELECT * FROM chat_conversations WHERE user_id = ?{where}"
                           " ORDER BY updated_at DESC, id DESC LIMIT 1", [user_id]).fetchone()
    return _conversation(row) if row else None


def create_conversation(db, user_id: int) -> dict:
    stamp = timeutil.iso()
    cid = db.execute("INSERT INTO chat_conversations (user_id, created_at, updated_at)"
                     " VALUES (?, ?, ?)", [user_id, stamp, stamp]).lastrowid
    return _conversation(db.execute("SELECT * FROM chat_conversations WHERE id = ?",
                                    [cid]).fetchone())


def update_conversation(db, conversation_id: int, **values) -> None:
    if "pending" in values:
        values["pending"] = json.dumps(values["pending"]) if values["pending"] else None
    values["updated_at"] = timeutil.iso()
    sets = ", ".join(f"{key} = ?" for key in values)
    db.execute(f"UPDATE chat_conversations SET {sets} WHERE id = ?",
               [*values.values(), conversation_id])


EXTRA_KEYS = ("links", "related", "choices")  # what a reply shows besides text and sources


def add_message(db, conversation_id: int, role: str, body: str, action: str | None = None,
                confidence: float | None = None, sources=(), extra: dict | None = None) -> int:
    kept = {key: (extra or {})[key] for key in EXTRA_KEYS if (extra or {}).get(key)}
    return db.execute(
        "INSERT INTO chat_messages (conversation_id, role, body, action, confidence, sources,"
        " extra, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [conversation_id, role, body, action, confidence,
         json.dumps(list(sources), ensure_ascii=False), json.dumps(kept, ensure_ascii=False),
         timeutil.iso()]).lastrowid


def messages(conversation_id: int) -> list[dict]:
    rows = get_db().execute("SELECT * FROM chat_messages WHERE conversation_id = ? ORDER BY id",
                            [conversation_id]).fetchall()
    out = []
    for r in rows:
        extra = json.loads(r["extra"] or "{}")
        out.append({**dict(r), "sources": json.loads(r["sources"] or "[]"),
                    **{key: extra.get(key, []) for key in EXTRA_KEYS}})
    return out


def set_feedback(user_id: int, message_id: int, value: int, comment: str | None) -> None:
    """Thumbs up (1) or down (-1) on one of the user's own assistant replies."""
    db = get_db()
    with transaction(db):
        row = db.execute(
            "SELECT m.id FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id"
            " WHERE m.id = ? AND c.user_id = ? AND m.role = 'assistant'",
            [message_id, user_id]).fetchone()
        if row is None:
            raise NotFound(_("This answer does not exist (any more)."))
        db.execute("UPDATE chat_messages SET feedback = ?, feedback_comment = ? WHERE id = ?",
                   [value, comment, message_id])


def clear(user_id: int) -> int:
    """Delete every conversation of the user; returns how many."""
    db = get_db()
    with transaction(db):
        return db.execute("DELETE FROM chat_conversations WHERE user_id = ?", [user_id]).rowcount


def purge(days: int | None = None, moment=None) -> int:
    """Delete conversations untouched for ``days`` (default RETENTION["assistant_conversations"])."""
    days = retention_days(current_app.config, "assistant_conversations") if days is None else days
    cutoff = timeutil.iso((moment or timeutil.now()) - timedelta(days=int(days)))
    db = get_db()
    with transaction(db):
        return db.execute("DELETE FROM chat_conversations WHERE updated_at < ?",
                          [cutoff]).rowcount


def unanswered(limit: int = 200) -> list[dict]:
    """The user questions the assistant could not answer (fallback, clarify, handover) or
    whose answer got a thumbs down, newest first, with the reply's action."""
    rows = get_db().execute(
        "SELECT q.body AS question, a.action, a.created_at, a.sources FROM chat_messages a"
        " JOIN chat_messages q ON q.id = (SELECT MAX(id) FROM chat_messages p"
        "   WHERE p.conversation_id = a.conversation_id AND p.id < a.id AND p.role = 'user')"
        " WHERE a.role = 'assistant' AND (a.action IN ('fallback', 'clarify', 'handover')"
        "   OR a.feedback = -1)"
        " ORDER BY a.id DESC LIMIT ?", [limit]).fetchall()
    return [{**dict(r), "sources": json.loads(r["sources"] or "[]")} for r in rows]


def figures() -> dict:
    db = get_db()
    conversations = db.execute("SELECT COUNT(*) FROM chat_conversations").fetchone()[0]
    counts = {row[0]: row[1] for row in db.execute(
        "SELECT action, COUNT(*) FROM chat_messages WHERE role = 'assistant' GROUP BY action")}
    up, down = db.execute("SELECT SUM(feedback = 1), SUM(feedback = -1) FROM chat_messages"
                          ).fetchone()
    handed = db.execute("SELECT COUNT(*) FROM chat_conversations WHERE status = 'handed_over'"
                        ).fetchone()[0]
    up, down = int(up or 0), int(down or 0)
    return {"conversations": conversations, "answered": counts.get("answer", 0),
            "clarified": counts.get("clarify", 0), "fallback": counts.get("fallback", 0),
            "handed_over": handed, "thumbs_up": up, "thumbs_down": down,
            "thumbs_up_rate": round(up / (up + down), 2) if up + down else None,
            "deflection": round(1 - handed / conversations, 2) if conversations else None}
