"""Bulk accounts from a CSV file (until single sign-on creates them on first login).

Columns: ``email, name, department, role, teams`` (header row required; teams
separated by ``;`` or ``|``; department by key or by its name). The import is
idempotent and all-or-nothing: every row is checked first, and a file with a bad
row changes nothing and reports each problem with its line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from .. import parsing
from ..db import get_db, transaction
from ..audit import log as audit
from . import service

COLUMNS = ("email", "name", "department", "role", "teams")
MAX_ROWS = 50_000


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)  # email -> changed fields
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)  # "line 7: ..."
    applied: bool = False


def _department(value: str) -> str | None:
    if not value:
        return None
    departments = current_app.config["DEPARTMENTS"]
    if value in departments:
        return value
    by_label = {str(label).casefold(): key for key, label in departments.items()}
    return by_label.get(value.casefold(), "?")


def _parse(text: str, report: ImportReport) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("email", "name") if c not in header]
    if missing:
        report.errors.append(_("line 1: the header needs the columns %(cols)s (found: %(found)s).",
                               cols=", ".join(COLUMNS), found=", ".join(header) or "-"))
        return []
    reader.fieldnames = header
    rows, seen = [], {}
    for row in reader:
        line = reader.line_num
        if len(rows) >= MAX_ROWS:
            report.errors.append(_("line %(n)d: at most %(max)d rows per file.", n=line, max=MAX_ROWS))
            break
        errors: dict = {}
        email = (parsing.text(row.get("email"), "email", errors, required=True, max_length=254,
                              multiline=False) or "").lower()
        name = parsing.text(row.get("name"), "name", errors, required=True, max_length=200,
                            multiline=False)
        role = (row.get("role") or "employee").strip().lower()
        department = _department((row.get("department") or "").strip())
        teams = sorted({t.strip() for t in (row.get("teams") or "").replace("|", ";").split(";")
                        if t.strip()})
        if email and not service.EMAIL_RE.match(email):
            errors["email"] = _("not a valid email address")
        if role not in service.ROLES:
            errors["role"] = _("role must be one of: %(roles)s", roles=", ".join(service.ROLES))
        if department == "?":
            errors["department"] = _("unknown department %(d)s", d=(row.get("department") or "")[:60])
        unknown = [t for t in teams if t not in current_app.config["TEAMS"]]
        if unknown:
            errors["teams"] = _("unknown team %(t)s", t=", ".join(unknown)[:80])
        elif teams and role == "employee":
            errors["teams"] = _("only staff and admins belong to Datashop teams")
        if email in seen:
            errors["email"] = _("%(email)s also appears on line %(n)d", email=email, n=seen[email])
        if errors:
            report.errors.append(_("line %(n)d: %(problems)s", n=line, problems="; ".join(
                f"{key}: {message}" for key, message in errors.items())))
            continue
        seen[email] = line
        rows.append((line, {"email": email, "name": name, "role": role,
                            "department": department, "teams": teams}))
    return rows


def import_users(text: str, dry_run: bool = False) -> ImportReport:
    """Create or update the accounts in the CSV ``text``; see the module docstring."""
    report = ImportReport()
    rows = _parse(text, report)
    if report.errors:
        return report
    db = get_db()
    with transaction(db):
        for _line, row in rows:
            user = service.find_by_email(row["email"])
            if user is None:
                if not dry_run:
                    service.create_user(row["email"], row["name"], row["role"],
                                        teams=row["teams"], department=row["department"])
                report.created.append(row["email"])
                continue
            changed = [key for key in ("name", "department", "role", "teams")
                       if getattr(user, key) != row[key]]
            if not changed:
                report.unchanged += 1
                continue
            report.updated[row["email"]] = changed
            if dry_run:
                continue
            db.execute("UPDATE users SET name = ?, department = ? WHERE id = ?",
                       [row["name"], row["department"], user.id])
            if "role" in changed or "teams" in changed:
                service.set_role(user.id, row["role"], teams=row["teams"])  # ends sessions
        if not dry_run:
            audit.record(db, None, "user.import", "users",
                         {"created": len(report.created), "updated": len(report.updated),
                          "unchanged": report.unchanged})
    report.applied = not dry_run
    return report
