"""What admins see of the worker and the backups (rules and reading; SQL in leases.py)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from ..db import get_db
from ..errors import Forbidden
from . import backup, leases
from .worker import status


def _require_admin(actor) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.is_admin):
        raise Forbidden(_("Only administrators can see the background jobs."))


def overview(actor, backups: int = 10) -> dict:
    """Every job with its last and next run, and the newest backups (newest first)."""
    _require_admin(actor)
    config = current_app.config
    jobs = status(config, get_db())
    return {
        "jobs": jobs,
        "failing": [job["job"] for job in jobs if job["last_result"] == "error"],
        "backups": list(reversed(backup.list_backups(config)))[:backups],
        "backup_folder": str(backup.backup_folder(config)),
        "keep": config["BACKUP_KEEP"],
    }


def failing_count(db=None) -> int:
    """Jobs whose last run failed (the admin navigation and /healthz show it)."""
    return leases.failing_count(db or get_db())


def failing_jobs(db=None) -> list[str]:
    """Names of the jobs whose last run failed (for /healthz: names only, no messages)."""
    return leases.failing_jobs(db or get_db())
