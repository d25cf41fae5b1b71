"""The worker's jobs: what runs, on which schedule, and the registry to add one.

A job is a function ``run(db, now) -> str | None`` called inside an app context (so
services that use ``get_db()`` and ``current_app`` work); it returns a short summary
for ``portal worker status`` (None: nothing to report) and raises on failure (the
worker logs it and tries again later). Jobs must be idempotent: after a crash the same
run may happen again.

Schedules are either a number of seconds between runs, or a local time "HH:MM" for a
daily job (TIMEZONE). A daily job whose time passed while no worker ran (a fresh
instance, a stopped server) runs as soon as a worker starts. ``WORKER_SCHEDULE``
overrides a default per job; ``false`` switches a job off.

To add a job, append a ``Job(name, run, schedule, description)`` to ``JOBS`` (or call
:func:`register`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Schedule:
    every: float | None = None  # seconds between runs
    at: time | None = None  # daily, local time

    def next_after(self, moment: datetime, tz: str) -> datetime:
        if self.every is not None:
            return moment + timedelta(seconds=self.every)
        zone = ZoneInfo(tz)
        local = moment.astimezone(zone)
        candidate = datetime.combine(local.date(), self.at, tzinfo=zone)
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), self.at, tzinfo=zone)
        return candidate.astimezone(moment.tzinfo)

    @property
    def label(self) -> str:
        if self.every is not None:
            return f"every {self.every:g}s"
        return f"daily {self.at.strftime('%H:%M')}"


def parse_schedule(value) -> Schedule | None:
    """Seconds (a number) or "HH:MM"; None or False: switched off."""
    if value is None or value is False:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a schedule: {value!r}")
    if isinstance(value, (int, float)):
        if value <= 0:
            raise ValueError(f"an interval must be positive, not {value!r}")
        return Schedule(every=float(value))
    match = re.fullmatch(r"\s*(?:daily\s+)?([01]?\d|2[0-3]):([0-5]\d)\s*", str(value))
    if not match:
        raise ValueError(f"not a schedule (seconds or HH:MM): {value!r}")
    return Schedule(at=time(int(match.group(1)), int(match.group(2))))


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable
    default_schedule: float | str
    description: str = ""
    lease_seconds: float | None = None  # None: WORKER_LEASE_SECONDS (renewed while it runs)


# --- stopping ---------------------------------------------------------------
# The worker sets this when SIGTERM/SIGINT arrives; a job that loops (the outbox)
# asks it between items and ends early. Anything not done is done next run.
_current = threading.local()  # .stop: the running worker's stop event, per thread


def stopping() -> bool:
    event = getattr(_current, "stop", None)
    return bool(event and event.is_set())


# --- the jobs ---------------------------------------------------------------

def _outbox(db, now):
    from ..mail.sender import send_pending

    report = send_pending(limit=100, db=db, should_stop=stopping)
    summary = f"sent {report.sent}, retry later {report.retried}, failed {report.failed}"
    if report.stopped:  # the mail server is down: show it as a failed run, try again soon
        raise RuntimeError(f"{summary}; stopped early: {report.stopped}")
    return summary if report.processed else None


def _events_remind(db, now):
    from ..events.reminders import send_due_reminders

    count = send_due_reminders(db)
    return f"{count} reminder(s) queued" if count else None


def _close_resolved(db, now):
    from ..desk.lifecycle import close_resolved

    numbers = close_resolved(now)
    return f"closed {len(numbers)} ticket(s)" + (f": {', '.join(numbers)}" if numbers else "")


def _retention(db, now):
    """Every retention period (RETENTION), the search log and assistant included."""
    from ..privacy import retention

    reports = retention.run(actor="worker", moment=now)
    removed = [f"{r['key']} {r['count']}" for r in reports if r["count"]]
    return ("removed or anonymised: " + ", ".join(removed)) if removed else None


def _kb_index(db, now):
    """Load changed knowledge files; update the index only when something changed."""
    from ..kb import service as kb
    from ..search import service as search

    report = kb.sync_folders()
    changed = report["added"] + report["updated"] + report["removed"]
    stale = search.index_status()["stale_documents"]
    problems = "; ".join(f"{e['path']}: {e['message']}" for e in report.get("errors", []))
    if not changed and not stale:
        if problems:
            raise RuntimeError(f"knowledge files not loaded: {problems}")
        return None
    built = search.rebuild_index()
    summary = (f"synced {report['added']} added, {report['updated']} updated, "
               f"{report['removed']} removed; indexed {built['embedded']} chunk(s), "
               f"version {built['version']}")
    if problems:
        raise RuntimeError(f"{summary}; knowledge files not loaded: {problems}")
    return summary


def _backup(db, now):
    from . import backup

    result = backup.create(current_app.config, current_app.instance_path, now=now)
    removed = backup.prune(current_app.config)
    return (f"{result['name']} ({result['size']} bytes, {len(result['manifest']['files'])} "
            f"file(s))" + (f"; removed {len(removed)} old" if removed else ""))


JOBS: list[Job] = [
    Job("outbox", _outbox, 10,
        _l("Sends the mail that is due (portal outbox send).")),
    Job("events-remind", _events_remind, 300,
        _l("Queues the reminders of upcoming events (portal events remind).")),
    Job("desk-close-resolved", _close_resolved, "02:00",
        _l("Closes requests resolved longer ago than the reopen period "
           "(portal desk close-resolved).")),
    Job("retention", _retention, "02:30",
        _l("Applies every retention period: tickets, sign-ups, learning data, conversations, "
           "search log, mail (portal retention run).")),
    Job("kb-index", _kb_index, 300,
        _l("Loads changed knowledge files and updates the search index (portal kb sync).")),
    Job("backup", _backup, "03:00",
        _l("Backs up the database and files (portal backup create).")),
]


def register(job: Job) -> None:
    """Add a job (or replace one with the same name)."""
    JOBS[:] = [j for j in JOBS if j.name != job.name] + [job]


@dataclass(frozen=True)
class ScheduledJob:
    job: Job
    schedule: Schedule | None  # None: switched off

    @property
    def name(self) -> str:
        return self.job.name


def registry(config) -> list[ScheduledJob]:
    """Every known job with its schedule from WORKER_SCHEDULE (or its default)."""
    overrides = dict(config.get("WORKER_SCHEDULE") or {})
    unknown = set(overrides) - {job.name for job in JOBS}
    if unknown:
        raise ValueError(f"WORKER_SCHEDULE names unknown job(s): {', '.join(sorted(unknown))}")
    out = []
    for job in JOBS:
        value = overrides.get(job.name, job.default_schedule)
        try:
            schedule = parse_schedule(value)
        except ValueError as exc:
            raise ValueError(f"WORKER_SCHEDULE[{job.name!r}]: {exc}") from exc
        out.append(ScheduledJob(job, schedule))
    return out


def retry_delay(config, failures: int) -> float:
    """Seconds before a failed job is tried again: WORKER_RETRY_SECONDS, doubling, at most 1 h."""
    base = float(config.get("WORKER_RETRY_SECONDS") or 60)
    return min(base * 2 ** max(failures - 1, 0), 3600.0)


def due_at(item: ScheduledJob, record: dict | None, config) -> datetime | None:
    """When the job is due, from its last run; None means "now" (never ran)."""
    from .. import timeutil

    if not record or not record.get("last_finished_at"):
        return None
    finished = timeutil.parse(record["last_finished_at"])
    failures = int(record.get("failures") or 0)
    if record.get("last_result") == "error" and failures:
        delay = retry_delay(config, failures)
        if item.schedule.every is not None:
            delay = min(delay, item.schedule.every)
        return finished + timedelta(seconds=delay)
    return item.schedule.next_after(finished, config["TIMEZONE"])


def next_due_after_run(item: ScheduledJob, finished: datetime, failures: int, config) -> datetime:
    return due_at(item, {"last_finished_at": finished.isoformat(), "failures": failures,
                         "last_result": "error" if failures else "ok"}, config)
