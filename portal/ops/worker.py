"""``portal worker``: every background job in one process, each under a lease.

The loop: for every switched-on job that is due, take its lease (leases.claim, one
BEGIN IMMEDIATE transaction that also checks it is still due), run it in a fresh app
context, record the result and next due time, drop the lease. While a job runs, a
heartbeat thread renews its lease (every third of WORKER_LEASE_SECONDS), so a long
backup keeps its claim and a crashed worker's lease runs out within that time.

A failing job is logged with its traceback, recorded as "error" and tried again after
WORKER_RETRY_SECONDS (doubling per failure, at most an hour); the other jobs go on.
SIGTERM or SIGINT: the current job finishes (the outbox stops between messages), leases
are released, the process exits 0. The same signal a second time stops at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from .. import timeutil
from ..db import connect, get_db
from . import jobs as jobs_module
from . import leases

log = logging.getLogger("portal.worker")


@dataclass
class RunResult:
    job: str
    ok: bool
    message: str | None
    seconds: float
    next_due_at: datetime


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _Heartbeat:
    """Renews one lease on its own connection while the job runs."""

    def __init__(self, path: str, job: str, holder: str, ttl: float):
        self.path, self.job, self.holder, self.ttl = path, job, holder, ttl
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease-{job}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.done.set()
        self.thread.join(timeout=self.ttl)

    def _beat(self) -> None:
        db = None
        try:
            while not self.done.wait(self.ttl / 3):
                db = db or connect(self.path)
                if not leases.renew(db, self.job, self.holder, timeutil.now(), self.ttl):
                    log.warning("lease on %s was lost while it ran", self.job)
        except Exception:  # noqa: BLE001 - the job goes on; a lost lease is logged
            log.exception("could not renew the lease on %s", self.job)
        finally:
            if db is not None:
                db.conn.close()


class Worker:
    def __init__(self, app: Flask, holder: str | None = None, only: list[str] | None = None):
        self.app = app
        self.holder = holder or new_holder()
        self.stop_event = threading.Event()
        config = app.config
        every = jobs_module.registry(config)  # raises ValueError on a bad WORKER_SCHEDULE
        unknown = set(only or ()) - {item.name for item in every}
        if unknown:
            raise ValueError(f"unknown job(s): {', '.join(sorted(unknown))}")
        self.jobs = [item for item in every if item.schedule is not None
                     and (not only or item.name in only)]
        self.ttl = float(config.get("WORKER_LEASE_SECONDS") or 120)
        self.poll = float(config.get("WORKER_POLL_SECONDS") or 5)

    # --- one job ------------------------------------------------------------

    def run_job(self, item: jobs_module.ScheduledJob, force: bool = False) -> RunResult | None:
        """Run ``item`` if it is due (or ``force``) and no other worker holds it."""
        config = self.app.config
        ttl = float(item.job.lease_seconds or self.ttl)
        with self.app.app_context():
            db = get_db()
            now = timeutil.now()

            def is_due(record):
                due = jobs_module.due_at(item, record, config)
                return force or due is None or due <= now

            if not leases.claim(db, item.name, self.holder, now, ttl, is_due):
                return None
            started = time.monotonic()
            ok, message = True, None
            jobs_module._current.stop = self.stop_event
            try:
                with _Heartbeat(config["DATABASE"], item.name, self.holder, ttl):
                    message = item.job.run(db, now)
            except Exception as exc:  # noqa: BLE001 - one failing job never stops the others
                log.exception("job %s failed", item.name)
                ok, message = False, f"{type(exc).__name__}: {exc}"
            except BaseException:  # interrupted at once (second signal): let go of the lease
                self._rollback(db)
                leases.release(db, item.name, self.holder)
                raise
            self._rollback(db)
            seconds = time.monotonic() - started
            finished = timeutil.now()
            record = leases.finish(
                db, item.name, self.holder, finished, ok, message,
                lambda failures: jobs_module.next_due_after_run(item, finished, failures, config))
        level = logging.INFO if (message or not ok) else logging.DEBUG
        log.log(level, "%s %s in %.1fs%s; next %s", item.name, "ok" if ok else "FAILED", seconds,
                f": {message}" if message else "", timeutil.iso(record["next_due_at"]))
        return RunResult(item.name, ok, message, seconds, record["next_due_at"])

    @staticmethod
    def _rollback(db) -> None:
        if db.conn.in_transaction:  # a job that left a transaction open must not hold the lock
            db.conn.execute("ROLLBACK")

    # --- every job ----------------------------------------------------------

    def run_due(self, force: bool = False) -> list[RunResult]:
        results = []
        for item in self.jobs:
            if self.stop_event.is_set():
                break
            result = self.run_job(item, force=force)
            if result:
                results.append(result)
        return results

    def seconds_until_next(self) -> float:
        """How long the loop may sleep: until the earliest due job, at most WORKER_POLL_SECONDS."""
        config = self.app.config
        with self.app.app_context():
            records = leases.overview(get_db())
        now = timeutil.now()
        wait = self.poll
        for item in self.jobs:
            record = records.get(item.name) or {}
            due = jobs_module.due_at(item, record, config) or now
            held = record.get("lease_holder") not in (None, self.holder) and \
                timeutil.parse(record.get("lease_expires_at"))
            if held and held > due:  # another worker runs it: look again when its lease ends
                due = held
            wait = min(wait, (due - now).total_seconds())
        return max(wait, 0.2)

    def loop(self) -> None:
        """Run until stopped (SIGTERM/SIGINT in the main thread, or ``stop()``)."""
        try:
            while not self.stop_event.is_set():
                try:
                    self.run_due()
                    wait = self.seconds_until_next()
                except Exception:  # noqa: BLE001 - e.g. the database was locked for 30 s
                    log.exception("worker round failed; trying again")
                    wait = self.poll
                self.stop_event.wait(wait)
        finally:
            self.release()

    def stop(self) -> None:
        self.stop_event.set()

    def release(self) -> int:
        with self.app.app_context():
            return leases.release_all(get_db(), self.holder)

    def install_signal_handlers(self) -> dict:
        received: set[int] = set()

        def on_signal(signum, _frame):
            # The same signal twice (Ctrl+C, Ctrl+C) stops at once. A different one does
            # not: Ctrl+C in `make run` reaches the worker and then the Makefile's SIGTERM.
            if signum in received:
                raise KeyboardInterrupt
            received.add(signum)
            if not self.stop_event.is_set():
                log.info("%s: stopping after the current job (again to stop at once)",
                         signal.Signals(signum).name)
            self.stop_event.set()

        return {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}


def status(config, db) -> list[dict]:
    """Every job: schedule, last run and result, next due, current lease."""
    records = leases.overview(db)
    now = timeutil.now()
    out = []
    for item in jobs_module.registry(config):
        record = records.get(item.name) or {}
        due = jobs_module.due_at(item, record, config) if item.schedule else None
        lease_live = bool(record.get("lease_expires_at")) and \
            record["lease_expires_at"] > timeutil.iso(now)
        out.append({
            "job": item.name,
            "description": item.job.description,
            "schedule": item.schedule.label if item.schedule else "off",
            "every": item.schedule.every if item.schedule else None,
            "at": item.schedule.at.strftime("%H:%M") if item.schedule and item.schedule.at
            else None,
            "enabled": item.schedule is not None,
            "last_started_at": record.get("last_started_at"),
            "last_finished_at": record.get("last_finished_at"),
            "last_result": record.get("last_result"),
            "last_message": record.get("last_message"),
            "failures": int(record.get("failures") or 0),
            "next_due_at": (timeutil.iso(due) if due else timeutil.iso(now))
            if item.schedule else None,
            "running": record.get("lease_holder") if lease_live else None,
        })
    return out
