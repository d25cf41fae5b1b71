"""Job leases and job run records: all SQL of the worker lives here.

``job_leases`` holds at most one row per job: who runs it and until when the claim
holds. A lease is taken in one BEGIN IMMEDIATE transaction together with the check that
the job is due, so two workers can never both start a job; a crashed holder's lease
simply expires. ``job_runs`` keeps what each job did last and when it is due next.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

import sqlite_utils

from .. import timeutil
from ..db import transaction


def run_record(db: sqlite_utils.Database, job: str) -> dict | None:
    row = db.execute("SELECT * FROM job_runs WHERE job = ?", [job]).fetchone()
    return dict(row) if row else None


def claim(db: sqlite_utils.Database, job: str, holder: str, now: datetime, ttl_seconds: float,
          is_due: Callable[[dict | None], bool]) -> bool:
    """Take the lease on ``job`` for ``holder`` if nobody else holds it and it is due.

    ``is_due`` gets the job's run record (or None) read under the write lock, so the
    decision and the claim are one step: a job another worker just finished is no
    longer due here.
    """
    stamp = timeutil.iso(now)
    with transaction(db):
        lease = db.execute("SELECT holder, expires_at FROM job_leases WHERE job = ?",
                           [job]).fetchone()
        if lease and lease["holder"] != holder and lease["expires_at"] > stamp:
            return False
        if not is_due(run_record(db, job)):
            return False
        db.execute(
            "INSERT INTO job_leases (job, holder, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, "
            "expires_at = excluded.expires_at",
            [job, holder, timeutil.iso(now + timedelta(seconds=ttl_seconds))])
        db.execute(
            "INSERT INTO job_runs (job, last_started_at, last_holder) VALUES (?, ?, ?) "
            "ON CONFLICT (job) DO UPDATE SET last_started_at = excluded.last_started_at, "
            "last_holder = excluded.last_holder",
            [job, stamp, holder])
    return True


def renew(db: sqlite_utils.Database, job: str, holder: str, now: datetime,
          ttl_seconds: float) -> bool:
    """Extend a lease we hold (the heartbeat of a long job); False if it is no longer ours."""
    with transaction(db):
        return db.execute(
            "UPDATE job_leases SET expires_at = ? WHERE job = ? AND holder = ?",
            [timeutil.iso(now + timedelta(seconds=ttl_seconds)), job, holder]).rowcount == 1


def finish(db: sqlite_utils.Database, job: str, holder: str, finished: datetime, ok: bool,
           message: str | None, next_due: Callable[[int], datetime]) -> dict:
    """Record the result, compute the next due time from the failure count, drop the lease."""
    with transaction(db):
        record = run_record(db, job) or {"failures": 0}
        failures = 0 if ok else int(record.get("failures") or 0) + 1
        due = next_due(failures)
        db.execute(
            "UPDATE job_runs SET last_finished_at = ?, last_result = ?, last_message = ?, "
            "failures = ?, next_due_at = ? WHERE job = ?",
            [timeutil.iso(finished), "ok" if ok else "error", (message or "")[:2000], failures,
             timeutil.iso(due), job])
        db.execute("DELETE FROM job_leases WHERE job = ? AND holder = ?", [job, holder])
    return {"failures": failures, "next_due_at": due}


def release(db: sqlite_utils.Database, job: str, holder: str) -> None:
    with transaction(db):
        db.execute("DELETE FROM job_leases WHERE job = ? AND holder = ?", [job, holder])


def release_all(db: sqlite_utils.Database, holder: str) -> int:
    with transaction(db):
        return db.execute("DELETE FROM job_leases WHERE holder = ?", [holder]).rowcount


def overview(db: sqlite_utils.Database) -> dict[str, dict]:
    """Every job's run record with its current lease (if any), by job name."""
    rows = {row["job"]: dict(row) for row in db.execute("SELECT * FROM job_runs")}
    for lease in db.execute("SELECT job, holder, expires_at FROM job_leases"):
        entry = rows.setdefault(lease["job"], {"job": lease["job"]})
        entry["lease_holder"] = lease["holder"]
        entry["lease_expires_at"] = lease["expires_at"]
    return rows


def failing_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM job_runs WHERE last_result = 'error'").fetchone()[0]


def failing_jobs(db: sqlite_utils.Database) -> list[str]:
    return [row[0] for row in db.execute(
        "SELECT job FROM job_runs WHERE last_result = 'error' ORDER BY job")]
