"""The personal calendar feed: a secret URL per user that lists their confirmed events.

Only a hash of the secret is stored; the URL is shown once when it is made.
Making a new one revokes the old; ``revoke_feed`` switches it off.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app

from .. import timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import NotFound
from . import ics, store

FEED_PREFIX = "dsc_"
PAST_DAYS = 90  # the feed also lists events of the last three months


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_feed(user: User) -> str:
    """A new secret for ``user`` (replacing any earlier one); returns it once."""
    token = FEED_PREFIX + secrets.token_urlsafe(24)
    db = get_db()
    with transaction(db):
        db.execute("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (?, ?, ?)"
                   " ON CONFLICT(user_id) DO UPDATE SET token_hash = excluded.token_hash,"
                   " created_at = excluded.created_at", [user.id, _hash(token), timeutil.iso()])
    return token


def revoke_feed(user: User) -> bool:
    db = get_db()
    with transaction(db):
        return db.execute("DELETE FROM calendar_feeds WHERE user_id = ?", [user.id]).rowcount > 0


def feed_info(user: User) -> dict | None:
    row = get_db().execute("SELECT created_at FROM calendar_feeds WHERE user_id = ?",
                           [user.id]).fetchone()
    return dict(row) if row else None


def feed_ics(token: str) -> str:
    """The feed of the user the secret belongs to; NotFound for an unknown or revoked one."""
    if not isinstance(token, str) or not token.startswith(FEED_PREFIX) or len(token) > 100:
        raise NotFound()
    db = get_db()
    owner = db.execute("SELECT u.id, u.name FROM calendar_feeds f JOIN users u ON u.id = f.user_id"
                       " WHERE f.token_hash = ? AND u.active = 1", [_hash(token)]).fetchone()
    if owner is None:
        raise NotFound()
    since = timeutil.iso(timeutil.now() - timedelta(days=PAST_DAYS))
    rows = db.execute(store.EVENT_SELECT + " JOIN registrations m ON m.event_id = e.id"
                      " WHERE m.user_id = ? AND m.status = 'confirmed' AND e.status = 'published'"
                      " AND e.ends_at > ? ORDER BY e.starts_at", [owner["id"], since]).fetchall()
    items = []
    for row in rows:
        reg = store.registration_row(db, row["id"], owner["id"])
        items.append((store.to_event(db, row), dict(reg)))
    name = f"{current_app.config['PORTAL_NAME']} – {owner['name']}"
    return ics.feed(name, items)
