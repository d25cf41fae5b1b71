"""Liveness: 200 when the database answers; also says how far the search engine is.

``search`` is "ready" (hybrid answers), "loading" (keyword answers until the
background loader is done), "keyword-only" (switched off, or the model could not
load: ``search_reason`` says why) or "not-loaded" (nothing has asked for it yet;
servers start loading it when they start). Reading it never loads anything.
``jobs_failing`` lists the background jobs (portal worker) whose last run failed.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from .db import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    from .search import service as search

    engine = search.engine_state()
    details = {"search": engine["state"], "search_runtime": engine["runtime"]}
    if engine["reason"]:
        details["search_reason"] = engine["reason"]
    try:
        get_db().execute("SELECT 1").fetchone()
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return jsonify(status="error", database="unreachable", **details), 503
    try:  # the worker's jobs: names only, whether their last run failed (no messages)
        from .ops.service import failing_jobs

        details["jobs_failing"] = failing_jobs()
    except Exception:  # noqa: BLE001 - a database from before the worker's migration
        details["jobs_failing"] = None
    return jsonify(status="ok", database="ok", **details)
