"""Pages: "Mijn gegevens" for everyone, the privacy desk and the audit log for admins."""

from __future__ import annotations

from datetime import timedelta

from flask import (Blueprint, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import parsing, timeutil
from ..accounts.access import admin_required
from ..audit import log as audit
from ..db import get_db
from ..downloads import download
from ..errors import DomainError, Invalid
from ..htmx import render
from . import person, register

bp = Blueprint("privacy", __name__)

PART_LABELS = {
    "desk": _l("Requests and messages"), "events": _l("Event registrations"),
    "learning": _l("Learning track"), "assistant": _l("Assistant conversations"),
    "mail": _l("Mail sent to you"), "account": _l("Account and logins"),
    "audit": _l("Admin actions (audit log)"),
}
# What an erasure does, per item the features report (portal/*/privacy.py).
PLAN_LABELS = {
    "requests anonymised": _l("requests kept without the name"),
    "attachments deleted": _l("own attachments deleted"),
    "open requests unassigned": _l("open requests no longer assigned"),
    "seats given up": _l("seats in upcoming events given up"),
    "registrations anonymised": _l("registrations kept as counts"),
    "enrolments": _l("enrolments deleted"),
    "quiz attempts": _l("quiz attempts deleted"),
    "assignments": _l("assignments deleted"),
    "certificates revoked": _l("certificates revoked (verifiable, without name)"),
    "teacher sessions": _l("sessions as teacher removed"),
    "conversations": _l("assistant conversations deleted"),
    "mails": _l("mails deleted"),
    "account anonymised": _l("account anonymised"),
    "login sessions": _l("login sessions ended"),
    "API tokens": _l("API tokens deleted"),
    "login attempts": _l("login attempts deleted"),
    "audit entries kept": _l("audit log entries kept"),
}
AUDIT_PAGE = 100


@bp.context_processor
def helpers():
    return {"plan_label": lambda key: PLAN_LABELS.get(key, key)}


def _zip_response(data: bytes, name: str):
    return download(data, "application/zip", name)


@bp.get("/mijn-gegevens")
@login_required
def my_data():
    return render_template("privacy/mine.html", overview=person.overview(current_user.id),
                           labels=PART_LABELS, register_id=register.DOC_ID)


@bp.post("/mijn-gegevens/download")
@login_required
def my_data_download():
    data = person.export_own(current_user)
    return _zip_response(data, f"mijn-gegevens-{timeutil.now():%Y%m%d}.zip")


@bp.get("/beheer/privacy")
@admin_required
def admin():
    email = (request.args.get("email") or "").strip()
    found, plan, error = None, None, None
    if email:
        try:
            found = person.find_person(email)
            plan = person.summary(found["id"])
        except DomainError as exc:
            error = exc.message
    return render_template("privacy/admin.html", email=email, found=found, plan=plan,
                           error=error, labels=PART_LABELS), (404 if error else 200)


@bp.post("/beheer/privacy/export")
@admin_required
def admin_export():
    found, data = person.export_person(current_user, request.form.get("email"))
    return _zip_response(data, f"inzage-{found['id']}-{timeutil.now():%Y%m%d}.zip")


@bp.route("/beheer/privacy/verwijderen", methods=["GET", "POST"])
@admin_required
def admin_erase():
    email = (request.values.get("email") or "").strip()
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            flash(_("Tick the box to confirm the erasure."), "error")
        else:
            result = person.erase_person(current_user, email)
            flash(_("%(name)s has been erased. Their tickets, registrations and certificates "
                    "remain without their name.", name=result["person"]["name"]), "success")
            return redirect(url_for("privacy.admin"), 303)
    preview = person.erase_person(current_user, email, dry_run=True)
    return render_template("privacy/erase.html", email=email, found=preview["person"],
                           plan=preview["plan"], labels=PART_LABELS)


def _utc(day) -> str:
    return timeutil.local_midnight(day, current_app.config["TIMEZONE"])


@bp.get("/beheer/audit")
@admin_required
def audit_log():
    errors: dict = {}
    since = parsing.day(request.args.get("van"), "van", errors)
    until = parsing.day(request.args.get("tot"), "tot", errors)
    page = parsing.integer(request.args.get("page"), "page", {}, low=1, high=100_000) or 1
    actor = parsing.text(request.args.get("actor"), "actor", errors, required=False, max_length=200)
    action = parsing.text(request.args.get("action"), "action", errors, required=False,
                          max_length=100)
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    rows, total = audit.list_entries(
        get_db(), actor=actor or None, action=action or None,
        since=_utc(since) if since else None,
        until=_utc(until + timedelta(days=1)) if until else None,
        limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE)
    return render("privacy/audit.html", "privacy/_audit_rows.html", rows=rows, total=total,
                  page_number=page, pages=max(1, -(-total // AUDIT_PAGE)), actions=audit.ACTIONS,
                  filters={"actor": actor or "", "action": action or "",
                           "van": request.args.get("van", ""), "tot": request.args.get("tot", "")})
