"""Privacy of accounts: retention of login attempts and sessions, export and erasure.

Conventions shared by every feature's ``privacy.py`` (composed by portal/privacy):
- retention functions ``(db, cutoff, dry_run) -> {"count", "examples", "files"?}`` run
  inside the caller's transaction; ``cutoff`` is a UTC ISO moment, older data goes;
- ``export_person(db, user_id, include_internal) -> {"data": ..., "files": [(name, path)]}``;
- ``erase_person(db, user_id, dry_run) -> {"counts": {what: n}, "files": [paths]}``.
Files are removed by the caller after the transaction commits.
"""

from __future__ import annotations

import re

from .. import timeutil
from ..db import purge_rows

PLACEHOLDER_EMAIL = "verwijderde-gebruiker@portal.invalid"
PLACEHOLDER_NAME = "Verwijderde gebruiker"
NAME_MARK = "[naam]"
EMAIL_MARK = "[e-mailadres]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def placeholder_user_id(db) -> int:
    """The inactive account that takes over anonymised tickets and messages (made once)."""
    row = db.execute("SELECT id FROM users WHERE email = ?", [PLACEHOLDER_EMAIL]).fetchone()
    if row:
        return row["id"]
    return db.execute(
        "INSERT INTO users (email, name, role, active, created_at) VALUES (?, ?, 'employee', 0, ?)",
        [PLACEHOLDER_EMAIL, PLACEHOLDER_NAME, timeutil.iso()]).lastrowid


def person(db, user_id: int) -> dict | None:
    row = db.execute("SELECT * FROM users WHERE id = ?", [user_id]).fetchone()
    return dict(row) if row else None


def name_patterns(name: str, email: str) -> list[re.Pattern]:
    """Whole-word patterns for a person's full name and its longer parts (not "de", "van")."""
    parts = [name.strip()] + [p for p in re.split(r"[\s\-]+", name or "") if len(p) >= 3]
    local = (email or "").split("@")[0]
    parts += [p for p in re.split(r"[._\-]+", local) if len(p) >= 3]
    unique = sorted({p for p in parts if p}, key=len, reverse=True)
    return [re.compile(rf"(?<!\w){re.escape(p)}(?!\w)", re.IGNORECASE) for p in unique]


def scrub(text: str | None, patterns: list[re.Pattern]) -> str | None:
    """Replace e-mail addresses and the person's names in ``text``."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL_MARK, text)
    for pattern in patterns:
        text = pattern.sub(NAME_MARK, text)
    return text


# --- retention -------------------------------------------------------------

def purge_login_attempts(db, cutoff: str, dry_run: bool) -> dict:
    return purge_rows(db, "FROM login_attempts WHERE at < ?", [cutoff], "at, success",
                      lambda r: f"{r['at']} {'ok' if r['success'] else 'fout'}", "at", dry_run)


def purge_sessions(db, cutoff: str, dry_run: bool) -> dict:
    return purge_rows(db, "FROM user_sessions WHERE last_seen_at < ?", [cutoff],
                      "user_id, last_seen_at",
                      lambda r: f"user {r['user_id']}, last seen {r['last_seen_at']}",
                      "last_seen_at", dry_run)


# --- one person ------------------------------------------------------------

def export_person(db, user_id: int, include_internal: bool = True) -> dict:
    user = person(db, user_id)
    user.pop("password_hash", None)
    user["has_password"] = bool(db.execute("SELECT password_hash FROM users WHERE id = ?",
                                           [user_id]).fetchone()[0])
    rows = lambda sql, params: [dict(r) for r in db.execute(sql, params)]  # noqa: E731
    return {"data": {
        "account": user,
        "teams": [r["team"] for r in rows("SELECT team FROM user_teams WHERE user_id = ?",
                                          [user_id])],
        "api_tokens": rows("SELECT name, prefix, created_at, last_used_at, revoked_at"
                           " FROM api_tokens WHERE user_id = ? ORDER BY id", [user_id]),
        "sessions": rows("SELECT created_at, last_seen_at FROM user_sessions WHERE user_id = ?"
                         " ORDER BY created_at", [user_id]),
        "login_attempts": rows("SELECT at, success FROM login_attempts WHERE email = ?"
                               " ORDER BY at", [user["email"]]),
    }, "files": []}


def erase_person(db, user_id: int, dry_run: bool) -> dict:
    """Anonymise the account row (it stays, so tickets and events keep their links) and
    delete its sessions, tokens, teams and login attempts."""
    user = person(db, user_id)
    counts = {
        "account anonymised": 1,
        "login sessions": db.execute("SELECT count(*) FROM user_sessions WHERE user_id = ?",
                                     [user_id]).fetchone()[0],
        "API tokens": db.execute("SELECT count(*) FROM api_tokens WHERE user_id = ?",
                                 [user_id]).fetchone()[0],
        "login attempts": db.execute("SELECT count(*) FROM login_attempts WHERE email = ?",
                                     [user["email"]]).fetchone()[0],
    }
    if not dry_run:
        db.execute("DELETE FROM user_sessions WHERE user_id = ?", [user_id])
        db.execute("DELETE FROM api_tokens WHERE user_id = ?", [user_id])
        db.execute("DELETE FROM user_teams WHERE user_id = ?", [user_id])
        db.execute("DELETE FROM login_attempts WHERE email = ?", [user["email"]])
        db.execute(
            "UPDATE users SET email = ?, name = ?, department = NULL, password_hash = NULL,"
            " external_issuer = NULL, external_subject = NULL, locale = NULL, active = 0,"
            " last_login_at = NULL, role = 'employee' WHERE id = ?",
            [f"verwijderd-{user_id}@portal.invalid", PLACEHOLDER_NAME, user_id])
    return {"counts": counts, "files": []}
