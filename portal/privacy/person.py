"""One person: export everything stored about them (inzageverzoek) and erase or anonymise
them (recht op vergetelheid). Admins act on anyone; every user may export their own data.

The export is a ZIP with one JSON file per feature and the person's files (attachments,
assignment files, certificate PDFs). The erasure keeps what others rely on: tickets stay
with "Verwijderde gebruiker", what staff wrote stays, registrations stay as counts,
certificates stay verifiable as revoked, the audit log keeps its rows.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..audit import log as audit
from ..db import get_db, transaction
from ..errors import Forbidden, Invalid, NotFound
from .registry import PARTS
from .retention import remove_files

CLI = None  # the command line acts with server access: ``actor=CLI``


def _require_admin(actor) -> None:
    if actor is not CLI and not getattr(actor, "is_admin", False):
        raise Forbidden(_("Only administrators can see or erase another person's data."))


def find_person(email) -> dict:
    email = (email or "").strip()
    if not email or len(email) > 254:
        raise Invalid(_("Enter an e-mail address."), {"email": _("Required.")})
    row = get_db().execute("SELECT id, email, name, role, active FROM users WHERE email = ?",
                           [email]).fetchone()
    if row is None:
        raise NotFound(_("No account with this e-mail address."))
    return dict(row)


def _zip(user_id: int, include_internal: bool) -> bytes:
    db = get_db()
    buffer = io.BytesIO()
    manifest = {"exported_at": timeutil.iso(), "portal": current_app.config["PORTAL_NAME"],
                "user_id": user_id, "parts": [], "files": [], "missing_files": []}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in PARTS:
            result = part.export(db, user_id, include_internal)
            archive.writestr(f"{part.key}.json", json.dumps(
                result["data"], ensure_ascii=False, indent=2, default=str))
            manifest["parts"].append(f"{part.key}.json")
            for name, content in result["files"]:
                name = "files/" + name.replace("..", "_")
                if isinstance(content, (bytes, bytearray)):
                    archive.writestr(name, bytes(content))
                elif Path(content).is_file():
                    archive.write(content, name)
                else:
                    manifest["missing_files"].append(name)
                    continue
                manifest["files"].append(name)
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def export_person(actor, email) -> tuple[dict, bytes]:
    """An admin's (or the CLI's) export of anyone, internal notes included; audited."""
    _require_admin(actor)
    person = find_person(email)
    data = _zip(person["id"], include_internal=True)
    db = get_db()
    with transaction(db):
        audit.record(db, actor, "privacy.export", f"user:{person['id']}",
                     {"email": person["email"], "bytes": len(data)})
    return person, data


def export_own(user) -> bytes:
    """Every user's own data ("Mijn gegevens"), as they may see it (no internal notes)."""
    if not getattr(user, "is_authenticated", False):
        raise Forbidden(_("Log in to download your data."))
    data = _zip(user.id, include_internal=False)
    db = get_db()
    with transaction(db):
        audit.record(db, user, "privacy.self_export", f"user:{user.id}", {"bytes": len(data)})
    return data


def overview(user_id: int) -> dict:
    """{part: number of items} the user can download, for "Mijn gegevens"."""
    db = get_db()
    out = {}
    for part in PARTS:
        data = part.export(db, user_id, False)["data"]
        out[part.key] = sum(len(v) for v in data.values() if isinstance(v, list)) \
            or (1 if part.key == "account" else 0)
    return out


def summary(user_id: int) -> dict:
    """{part: {what: count}} of what the erasure would do (a dry run), for the pages."""
    db = get_db()
    return {part.key: part.erase(db, user_id, True)["counts"] for part in PARTS}


def erase_person(actor, email, dry_run: bool = False) -> dict:
    """Erase or anonymise one person, in one transaction; returns {person, plan}.

    ``dry_run``: the plan (what would happen, per feature), nothing changes."""
    _require_admin(actor)
    person = find_person(email)
    if actor is not CLI and actor.id == person["id"]:
        raise Invalid(_("You cannot erase your own account."))
    if not person["active"] and person["email"].endswith("@portal.invalid"):
        raise Invalid(_("This account has already been erased."))
    db = get_db()
    plan, files = {}, []
    with transaction(db):
        for part in PARTS:
            result = part.erase(db, person["id"], dry_run)
            plan[part.key] = result["counts"]
            files += result.get("files") or []
        if not dry_run:
            audit.record(db, actor, "privacy.erase", f"user:{person['id']}",
                         {k: v for k, v in plan.items()})
    if not dry_run:
        remove_files(files)
    return {"person": person, "plan": plan, "dry_run": dry_run}
