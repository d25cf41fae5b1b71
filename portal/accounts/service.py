"""Users, roles, teams, passwords, login throttling and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from .. import parsing, timeutil
from ..audit import log as audit
from ..db import get_db, transaction
from ..errors import Invalid, Locked, NotFound

ROLES = ("employee", "staff", "admin")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "dsp_"
_dummy_hash: str | None = None


def _dummy() -> str:
    """A real hash to check against when the email is unknown, so timing does not tell
    (made on first use: hashing costs ~80 ms, too much for every process start)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash("not-a-password")
    return _dummy_hash


@dataclass
class User:
    id: int
    email: str
    name: str
    role: str
    department: str | None = None
    locale: str | None = None
    active: bool = True
    teams: list[str] = field(default_factory=list)
    external_subject: str | None = None

    # Flask-Login protocol
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_staff(self) -> bool:
        """Datashop staff and admins may triage the desk."""
        return self.role in ("staff", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def to_public(self) -> dict:
        return {"id": self.id, "name": self.name, "email": self.email, "role": self.role,
                "department": self.department, "teams": self.teams}


def _row_to_user(row: dict, teams: list[str]) -> User:
    return User(
        id=row["id"], email=row["email"], name=row["name"], role=row["role"],
        department=row["department"], locale=row["locale"], active=bool(row["active"]),
        teams=teams, external_subject=row["external_subject"],
    )


def _teams_of(db, user_id: int) -> list[str]:
    return [r["team"] for r in db.query(
        "SELECT team FROM user_teams WHERE user_id = ? ORDER BY team", [user_id])]


def get_user(user_id: int) -> User:
    db = get_db()
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    if not rows:
        raise NotFound(_("User not found."))
    return _row_to_user(rows[0], _teams_of(db, user_id))


def find_by_email(email: str) -> User | None:
    db = get_db()
    rows = list(db.query("SELECT * FROM users WHERE email = ?", [email.strip()]))
    return _row_to_user(rows[0], _teams_of(db, rows[0]["id"])) if rows else None


def load_session_user(user_id: str) -> User | None:
    number = parsing.integer(user_id, "user", {}, low=1)
    if number is None:
        return None
    try:
        user = get_user(number)
    except NotFound:
        return None
    return user if user.active else None


def list_users(role: str | None = None, team: str | None = None,
               roles: tuple[str, ...] | None = None) -> list[User]:
    """Active users by name, optionally of one role (or any of ``roles``) and one team."""
    db = get_db()
    sql = "SELECT * FROM users WHERE active = 1"
    params: list = []
    if role:
        roles = (role,)
    if roles:
        sql += f" AND role IN ({', '.join('?' * len(roles))})"
        params.extend(roles)
    if team:
        sql += " AND id IN (SELECT user_id FROM user_teams WHERE team = ?)"
        params.append(team)
    sql += " ORDER BY name"
    rows = list(db.query(sql, params))
    teams: dict[int, list[str]] = {}
    for r in db.query("SELECT user_id, team FROM user_teams ORDER BY team"):
        teams.setdefault(r["user_id"], []).append(r["team"])
    return [_row_to_user(r, teams.get(r["id"], [])) for r in rows]


def list_staff(team: str | None = None) -> list[User]:
    """Active staff and admins (of ``team``): filtered in SQL, not among every employee."""
    return list_users(team=team, roles=("staff", "admin"))


def validate_teams(teams) -> list[str]:
    known = current_app.config["TEAMS"]
    teams = sorted({t.strip() for t in teams if t and t.strip()})
    unknown = [t for t in teams if t not in known]
    if unknown:
        raise Invalid(_("Unknown team: %(teams)s. Known teams: %(known)s.",
                        teams=", ".join(unknown), known=", ".join(known)), {"team": "unknown"})
    return teams


def create_user(email: str, name: str, role: str = "employee", password: str | None = None,
                teams=(), department: str | None = None, locale: str | None = None,
                external_issuer: str | None = None, external_subject: str | None = None) -> User:
    email = (email or "").strip().lower()
    name = (name or "").strip() or email.split("@")[0]
    errors = {}
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = _("Enter a valid email address.")
    if role not in ROLES:
        errors["role"] = _("Role must be one of: %(roles)s.", roles=", ".join(ROLES))
    if password is not None and len(password) < current_app.config["MIN_PASSWORD_LENGTH"]:
        errors["password"] = _("The password needs at least %(n)d characters.",
                               n=current_app.config["MIN_PASSWORD_LENGTH"])
    if department and department not in current_app.config["DEPARTMENTS"]:
        errors["department"] = _("Unknown department.")
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    teams = validate_teams(teams)
    if teams and role == "employee":
        raise Invalid(_("Only staff and admins belong to Datashop teams."), {"team": "role"})
    db = get_db()
    with transaction(db):
        if find_by_email(email):
            raise Invalid(_("A user with this email address already exists."), {"email": "exists"})
        user_id = db["users"].insert({
            "email": email, "name": name[:200], "role": role, "department": department,
            "password_hash": generate_password_hash(password) if password else None,
            "external_issuer": external_issuer, "external_subject": external_subject,
            "locale": locale, "active": 1, "created_at": timeutil.iso(),
        }).last_pk
        for team in teams:
            db["user_teams"].insert({"user_id": user_id, "team": team})
    return get_user(user_id)


def set_password(user_id: int, password: str, actor=None) -> None:
    """Set a new password; every login session of the user ends (server-side).
    ``actor``: the admin (None: the command line), for the audit log."""
    if len(password or "") < current_app.config["MIN_PASSWORD_LENGTH"]:
        raise Invalid(_("The password needs at least %(n)d characters.",
                        n=current_app.config["MIN_PASSWORD_LENGTH"]), {"password": "short"})
    db = get_db()
    with transaction(db):
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                   [generate_password_hash(password), user_id])
        end_sessions(user_id)
        audit.record(db, actor, "user.password", f"user:{user_id}")


def set_role(user_id: int, role: str, teams=None, actor=None) -> User:
    """Change a user's role (and teams); every login session of the user ends.
    A change is audited (``actor``: the admin, None: the command line)."""
    if role not in ROLES:
        raise Invalid(_("Role must be one of: %(roles)s.", roles=", ".join(ROLES)), {"role": role})
    user = get_user(user_id)
    teams = validate_teams(user.teams if teams is None else teams)
    if role == "employee":
        teams = []
    db = get_db()
    with transaction(db):
        db.execute("UPDATE users SET role = ? WHERE id = ?", [role, user_id])
        db.execute("DELETE FROM user_teams WHERE user_id = ?", [user_id])
        for team in teams:
            db["user_teams"].insert({"user_id": user_id, "team": team})
        if role != user.role or teams != user.teams:
            end_sessions(user_id)
            audit.record(db, actor, "user.role", f"user:{user_id}",
                         {"email": user.email, "old": user.role, "new": role,
                          "old_teams": user.teams, "teams": teams})
    return get_user(user_id)


# --- Server-side login sessions --------------------------------------------
# The session cookie carries a random session id; only its hash is stored. A
# session is valid while its row exists, so logout, a password change and a role
# change end it for every copy of the cookie.

def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(user_id: int, sso_id_token: str | None = None) -> str:
    """Create a login session and return its id (for the cookie). A session started by
    single sign-on keeps its ID token for the IdP logout (see accounts.sso)."""
    session_id = secrets.token_urlsafe(32)
    stamp = timeutil.iso()
    get_db().execute("INSERT INTO user_sessions (id, user_id, created_at, last_seen_at,"
                     " sso_id_token) VALUES (?, ?, ?, ?, ?)",
                     [_session_key(session_id), user_id, stamp, stamp, sso_id_token])
    return session_id


def session_sso_id_token(session_id: str | None) -> str | None:
    """The ID token of an SSO login session; None for a password login or no session."""
    if not session_id or not isinstance(session_id, str) or len(session_id) > 100:
        return None
    row = get_db().execute("SELECT sso_id_token FROM user_sessions WHERE id = ?",
                           [_session_key(session_id)]).fetchone()
    return row["sso_id_token"] if row else None


def session_user(user_id: str, session_id: str | None) -> User | None:
    """The active user of a valid login session, or None (the cookie is then worthless)."""
    if not session_id or not isinstance(session_id, str) or len(session_id) > 100:
        return None
    user_id_int = parsing.integer(user_id, "user", {}, low=1)
    if user_id_int is None:
        return None
    db = get_db()
    row = db.execute("SELECT last_seen_at FROM user_sessions WHERE id = ? AND user_id = ?",
                     [_session_key(session_id), user_id_int]).fetchone()
    if row is None:
        return None
    now = timeutil.now()
    if (now - timeutil.parse(row["last_seen_at"])).total_seconds() > 300:  # cheap: once in 5 min
        db.execute("UPDATE user_sessions SET last_seen_at = ? WHERE id = ?",
                   [timeutil.iso(now), _session_key(session_id)])
    return load_session_user(str(user_id_int))


def end_session(session_id: str | None) -> None:
    if session_id and isinstance(session_id, str):
        get_db().execute("DELETE FROM user_sessions WHERE id = ?", [_session_key(session_id)])


def end_sessions(user_id: int) -> int:
    """End every login session of a user (password or role change, deactivation)."""
    return get_db().execute("DELETE FROM user_sessions WHERE user_id = ?", [user_id]).rowcount


# --- Login with throttling -------------------------------------------------

def _lockout_until(db, email: str):
    """The moment the lockout for ``email`` ends, or None when not locked."""
    cfg = current_app.config
    now = timeutil.now()
    window_start = timeutil.iso(now - timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]))
    last_success = db.execute(
        "SELECT MAX(at) FROM login_attempts WHERE email = ? AND success = 1", [email]).fetchone()[0]
    since = max(window_start, last_success or "")
    rows = db.execute(
        "SELECT at FROM login_attempts WHERE email = ? AND success = 0 AND at > ? ORDER BY at DESC",
        [email, since]).fetchall()
    if len(rows) < cfg["LOGIN_MAX_FAILURES"]:
        return None
    until = timeutil.parse(rows[0][0]) + timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"])
    return until if until > now else None


def _locked() -> Locked:
    return Locked(_("Too many failed attempts. Try again in %(m)d minutes.",
                    m=current_app.config["LOGIN_LOCKOUT_MINUTES"]))


def authenticate(email: str, password: str) -> User:
    """Check a password login. Raises Locked after repeated failures, Invalid otherwise.

    The same message is given for an unknown email and a wrong password.
    Attempts are counted per email address, whether or not it exists.

    The lockout holds under parallel guesses: the check and the recording of the
    attempt happen in one write transaction, and the attempt is recorded as a
    failure *before* the password is checked (only a correct password turns it
    into a success afterwards). So at most LOGIN_MAX_FAILURES passwords are ever
    checked in a window, however many requests arrive at once.
    """
    email = (email or "").strip().lower()[:254]
    db = get_db()
    with transaction(db):
        if _lockout_until(db, email):
            raise _locked()
        attempt_id = db.execute("INSERT INTO login_attempts (email, success, at) VALUES (?, 0, ?)",
                                [email, timeutil.iso()]).lastrowid
    rows = list(db.query("SELECT * FROM users WHERE email = ?", [email]))
    row = rows[0] if rows else None
    ok = check_password_hash(row["password_hash"] if row and row["password_hash"] else _dummy(),
                             password or "")
    ok = ok and row is not None and bool(row["password_hash"]) and bool(row["active"])
    if ok and not password_login_allowed(row["role"]):
        # The password was right, but this instance lets only admins use one.
        raise Invalid(_("Log in with your municipality account: on this portal only "
                        "administrators log in with a password."))
    if ok:
        with transaction(db):
            db.execute("UPDATE login_attempts SET success = 1 WHERE id = ?", [attempt_id])
            db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [timeutil.iso(), row["id"]])
    if not ok:
        if _lockout_until(db, email):
            raise _locked()
        raise Invalid(_("Unknown email address or wrong password."))
    return get_user(row["id"])


def sso_enabled(config=None) -> bool:
    """Single sign-on is on when an IdP discovery URL and a client id are configured."""
    config = config or current_app.config
    return bool(config.get("OIDC_DISCOVERY_URL") and config.get("OIDC_CLIENT_ID"))


def password_login_allowed(role: str, config=None) -> bool:
    """PASSWORD_LOGIN = "admins" (with SSO on): only admins log in with a password."""
    config = config or current_app.config
    if config.get("PASSWORD_LOGIN") == "admins" and sso_enabled(config):
        return role == "admin"
    return True


def set_locale(user_id: int, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise Invalid(_("Unknown language."))
    get_db().execute("UPDATE users SET locale = ? WHERE id = ?", [locale, user_id])


# --- Personal access tokens ------------------------------------------------

def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user_id: int, name: str = "cli") -> str:
    """Create a personal access token; the plain token is shown once, only its hash is kept."""
    get_user(user_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    get_db()["api_tokens"].insert({
        "user_id": user_id, "name": (name or "token")[:100], "token_hash": _hash_token(token),
        "prefix": token[:10], "created_at": timeutil.iso(),
    })
    return token


def user_for_token(token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    db = get_db()
    rows = list(db.query(
        "SELECT id, user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        [_hash_token(token)]))
    if not rows:
        return None
    db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [timeutil.iso(), rows[0]["id"]])
    user = load_session_user(str(rows[0]["user_id"]))
    return user


def revoke_tokens(user_id: int) -> int:
    cur = get_db().execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        [timeutil.iso(), user_id])
    return cur.rowcount
