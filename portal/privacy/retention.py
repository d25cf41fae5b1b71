"""``portal retention run``: apply RETENTION to every kind, each in its own transaction.

Idempotent: what has gone (or has been anonymised) is not found again. A dry run counts
and shows examples, and changes nothing. The worker calls :func:`run` nightly.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app

from .. import timeutil
from ..audit import log as audit
from ..config import retention_days
from ..db import get_db, transaction
from .registry import KINDS

log = logging.getLogger(__name__)


def cutoff_for(key: str, moment=None) -> str:
    days = retention_days(current_app.config, key)
    return timeutil.iso((moment or timeutil.now()) - timedelta(days=days))


def remove_files(paths) -> int:
    removed = 0
    for path in paths or ():
        try:
            Path(path).unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def run(dry_run: bool = False, kinds=None, actor=None, moment=None) -> list[dict]:
    """Apply every kind (or only ``kinds``); one report per kind:
    {key, label, days, cutoff, count, examples}. Files go after their kind commits."""
    db = get_db()
    reports = []
    for kind in KINDS:
        if kinds and kind.key not in kinds:
            continue
        cutoff = cutoff_for(kind.key, moment)
        with transaction(db):
            result = kind.purge(db, cutoff, dry_run)
        if not dry_run:
            remove_files(result.get("files"))
        reports.append({"key": kind.key, "label": kind.label,
                        "days": retention_days(current_app.config, kind.key), "cutoff": cutoff,
                        "count": result["count"], "examples": result.get("examples", [])})
    if not dry_run:
        with transaction(db):
            audit.record(db, actor, "retention.run", "retention",
                         {r["key"]: r["count"] for r in reports})
        log.info("retention run: %s", {r["key"]: r["count"] for r in reports})
    return reports
