"""Admins see the background jobs (last and next run, failures) and the backups."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..accounts.access import admin_required
from . import service

bp = Blueprint("ops", __name__, url_prefix="/beheer/taken")


@bp.app_context_processor
def failing_jobs():
    """Admins see a count of failing jobs in the navigation."""
    if getattr(current_user, "is_authenticated", False) and current_user.is_admin:
        try:
            return {"failing_jobs_count": service.failing_count()}
        except Exception:  # noqa: BLE001 - a database without the worker's tables yet
            return {}
    return {}


@bp.get("/", endpoint="index")
@admin_required
def index():
    return render_template("ops/jobs.html", **service.overview(current_user))
