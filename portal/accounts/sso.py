"""Single sign-on rules: from the identity provider's claims to a portal account.

The OpenID Connect protocol (redirects, tokens, signatures) is in ``oidc.py``; this
module gets claims that were already checked and decides who the person is here:
which account (by issuer and subject, else by email once), their name, email and
department, and their role and teams from the group claim through
``OIDC_GROUP_ROLES``. Every SSO login brings the account up to date with the IdP in
one transaction; a changed role (or teams) ends the person's other login sessions,
as ``service.set_role`` does. Nothing here touches ``request`` or the session.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..audit import log as audit
from ..db import get_db, transaction
from ..errors import Forbidden
from . import service
from .service import EMAIL_RE, ROLES, User

log = logging.getLogger(__name__)
_RANK = {role: rank for rank, role in enumerate(ROLES)}  # employee < staff < admin


class Refused(Forbidden):
    """The IdP vouched for the person, but the portal does not let them in."""


@dataclass
class Profile:
    """What the claims say about a person, in the portal's terms."""

    issuer: str
    subject: str
    email: str
    name: str
    email_verified: bool | None = None
    department: str | None = None  # a key of DEPARTMENTS, or None when unknown/absent
    role: str = "employee"
    teams: list[str] | None = None  # None: the claims say nothing about teams
    groups: list[str] = field(default_factory=list)


enabled = service.sso_enabled


def password_form_for_everyone(config=None) -> bool:
    """Whether the login page shows the password form open (else: only for admins)."""
    config = config or current_app.config
    return not (enabled(config) and config.get("PASSWORD_LOGIN") == "admins")


def _first_claim(claims: dict, names) -> object:
    for name in [names] if isinstance(names, str) else list(names or []):
        value = claims.get(name)
        if value not in (None, "", []):
            return value
    return None


def _groups(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if isinstance(v, (str, int)) and str(v)]
    return []


def map_groups(groups: list[str], config=None) -> tuple[str | None, list[str] | None]:
    """The role and teams that the groups give, through OIDC_GROUP_ROLES.

    The highest role of the matched groups wins; teams of every matched group add up,
    only for staff and admins. Returns (None, None) when no group matches and
    OIDC_DEFAULT_ROLE is None (the login is then refused). Teams are None when no
    matched group names teams (the account keeps the teams it has).
    """
    config = config or current_app.config
    mapping = config.get("OIDC_GROUP_ROLES") or {}
    known_teams = config["TEAMS"]
    role, teams, matched = None, None, False
    for group in groups:
        entry = mapping.get(group)
        if entry is None:
            continue
        if isinstance(entry, str):
            entry = {"role": entry}
        group_role = entry.get("role", "employee")
        if group_role not in _RANK:
            log.warning("OIDC_GROUP_ROLES[%r] has an unknown role %r; ignored", group, group_role)
            continue
        matched = True
        if role is None or _RANK[group_role] > _RANK[role]:
            role = group_role
        if "teams" in entry:
            teams = set(teams or ())
            for team in entry.get("teams") or []:
                if team in known_teams:
                    teams.add(team)
                else:
                    log.warning("OIDC_GROUP_ROLES[%r] names an unknown team %r; ignored",
                                group, team)
    if not matched:
        default = config.get("OIDC_DEFAULT_ROLE")
        return (default, None) if default in _RANK else (None, None)
    if role == "employee":
        return role, []
    return role, (sorted(teams) if teams is not None else None)


def _department(value, config) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    departments = config["DEPARTMENTS"]
    mapped = (config.get("OIDC_DEPARTMENTS") or {}).get(value)
    if mapped in departments:
        return mapped
    if value in departments:
        return value
    for key, label in departments.items():
        if str(label).casefold() == value.casefold() or key.casefold() == value.casefold():
            return key
    return None


def profile_from_claims(issuer: str, claims: dict, config=None) -> Profile:
    """Read the configured claims; refuse a person the portal cannot identify or admit."""
    config = config or current_app.config
    subject = claims.get("sub")
    if not issuer or not isinstance(subject, str) or not subject:
        raise Refused(_("The identity provider did not say who you are."))
    # The first configured claim that holds an email address (Keycloak's
    # preferred_username may be a plain user name; Entra ID's may be the UPN).
    email = ""
    names = config.get("OIDC_EMAIL_CLAIM")
    for claim in [names] if isinstance(names, str) else list(names or []):
        value = claims.get(claim)
        if isinstance(value, str) and EMAIL_RE.match(value.strip()):
            email = value.strip().lower()
            break
    if not email or len(email) > 254:
        raise Refused(_("Your municipality account has no email address, so the portal "
                        "cannot make an account for you. Ask the service desk to add one."))
    name = _first_claim(claims, config.get("OIDC_NAME_CLAIM"))
    if not isinstance(name, str) or not name.strip():
        given, family = claims.get("given_name"), claims.get("family_name")
        name = " ".join(p for p in (given, family) if isinstance(p, str) and p.strip())
    name = (name or email.split("@")[0]).strip()[:200]
    groups = _groups(claims.get(config.get("OIDC_GROUPS_CLAIM") or "groups"))
    role, teams = map_groups(groups, config)
    if role is None:
        raise Refused(_("Your municipality account is not in a group that may use the "
                        "Datashop portal. Ask your manager for access."))
    verified = claims.get("email_verified")
    return Profile(
        issuer=issuer, subject=subject, email=email, name=name,
        email_verified=verified if isinstance(verified, bool) else None,
        department=_department(claims.get(config.get("OIDC_DEPARTMENT_CLAIM") or "department"),
                               config),
        role=role, teams=teams, groups=groups,
    )


def _row(db, sql: str, params: list) -> dict | None:
    rows = list(db.query(sql, params))
    return rows[0] if rows else None


def sign_in(profile: Profile, id_token: str | None = None) -> tuple[User, str]:
    """Create or update the account from ``profile`` and start a login session.

    Returns the user and the new session id. All in one write transaction: a refused
    login stores nothing. When the role or teams change, the person's other login
    sessions end first (they carried the old permissions).
    """
    config = current_app.config
    db = get_db()
    with transaction(db):
        row = _row(db, "SELECT * FROM users WHERE external_issuer = ? AND external_subject = ?",
                   [profile.issuer, profile.subject])
        if row is None:
            by_email = _row(db, "SELECT * FROM users WHERE email = ?", [profile.email])
            if by_email is not None:
                if by_email["external_subject"] or not config.get("OIDC_LINK_BY_EMAIL"):
                    raise Refused(_("There already is a portal account with the email address "
                                    "%(email)s. Ask the Datashop team to link it to your "
                                    "municipality account.", email=profile.email))
                if profile.email_verified is False:
                    raise Refused(_("The identity provider has not verified your email "
                                    "address, so it cannot be linked to your portal account."))
                row = by_email
                db.execute("UPDATE users SET external_issuer = ?, external_subject = ? "
                           "WHERE id = ?", [profile.issuer, profile.subject, row["id"]])
                log.info("SSO linked %s to user %s", profile.subject, row["id"])
                audit.record(db, "sso", "user.sso_link", f"user:{row['id']}",
                             {"email": profile.email, "issuer": profile.issuer})
        if row is None:
            user = service.create_user(
                profile.email, profile.name, profile.role, teams=profile.teams or (),
                department=profile.department, external_issuer=profile.issuer,
                external_subject=profile.subject)
            user_id = user.id
        else:
            user_id = row["id"]
            if not row["active"]:
                raise Refused(_("Your portal account has been deactivated. Ask the Datashop "
                                "team if you need it again."))
            if profile.email != row["email"].lower() and _row(
                    db, "SELECT id FROM users WHERE email = ? AND id != ?",
                    [profile.email, user_id]):
                raise Refused(_("Your new email address %(email)s already belongs to another "
                                "portal account. Ask the Datashop team to merge them.",
                                email=profile.email))
            db.execute("UPDATE users SET email = ?, name = ?, department = ? WHERE id = ?",
                       [profile.email, profile.name,
                        profile.department or row["department"], user_id])
            old = service.get_user(user_id)
            teams = profile.teams if profile.teams is not None else old.teams
            if profile.role == "employee":
                teams = []
            if profile.role != old.role or teams != old.teams:
                db.execute("UPDATE users SET role = ? WHERE id = ?", [profile.role, user_id])
                db.execute("DELETE FROM user_teams WHERE user_id = ?", [user_id])
                for team in teams:
                    db["user_teams"].insert({"user_id": user_id, "team": team})
                ended = service.end_sessions(user_id)
                log.info("SSO changed user %s from %s %s to %s %s (%d sessions ended)",
                         user_id, old.role, old.teams, profile.role, teams, ended)
                audit.record(db, "sso", "user.role", f"user:{user_id}",
                             {"email": profile.email, "old": old.role, "new": profile.role,
                              "old_teams": old.teams, "teams": teams, "groups": profile.groups})
        db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [timeutil.iso(), user_id])
        session_id = service.start_session(user_id, sso_id_token=id_token)
    return service.get_user(user_id), session_id


def session_id_token(session_id: str | None) -> str | None:
    """The ID token a login session was started with (None: not an SSO session)."""
    return service.session_sso_id_token(session_id)
