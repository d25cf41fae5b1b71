"""The one worker: leased jobs, retries, status, and stopping a real process on SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from portal import timeutil
from portal.db import get_db
from portal.ops import jobs, leases
from portal.ops.worker import Worker
from portal.ops.worker import status as worker_status

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def only_jobs(monkeypatch):
    """Replace the registry with the given jobs for one test."""
    def install(*job_list):
        monkeypatch.setattr(jobs, "JOBS", list(job_list))

    return install


@pytest.fixture
def clock():
    class Clock:
        def __init__(self):
            self.now = timeutil.now().replace(microsecond=0)
            timeutil.set_now(self.now)

        def advance(self, **delta):
            self.now += timedelta(**delta)
            timeutil.set_now(self.now)

    yield Clock()
    timeutil.set_now(None)


def status(app):
    with app.app_context():
        return worker_status(app.config, get_db())


def test_two_workers_never_run_the_same_job_at_once(app, only_jobs):
    active, most, runs, lock = [0], [0], [], threading.Lock()

    def exclusive(db, now):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.02)  # widen the window in which a second runner would overlap
        with lock:
            active[0] -= 1
            runs.append(threading.current_thread().name)
        return "ran"

    only_jobs(jobs.Job("exclusive", exclusive, 3600))
    workers = [Worker(app, holder=f"worker-{n}") for n in range(2)]
    refused = []
    start = threading.Barrier(2)

    def hammer(worker):
        start.wait()
        for _ in range(15):
            result = worker.run_job(worker.jobs[0], force=True)  # forced: only the lease decides
            if result is None:
                refused.append(worker.holder)

    threads = [threading.Thread(target=hammer, args=(w,), name=w.holder) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1, "two workers ran the job at the same time"
    assert len(runs) + len(refused) == 30 and runs
    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM job_leases").fetchone()[0] == 0


def test_a_due_job_runs_once_even_when_both_workers_look(app, only_jobs):
    calls = []
    only_jobs(jobs.Job("daily", lambda db, now: calls.append(now), "03:00"))
    first, second = Worker(app, holder="a"), Worker(app, holder="b")
    assert [r.job for r in first.run_due()] == ["daily"]  # never ran: due at once
    assert second.run_due() == []  # just done by the other: not due until tomorrow 03:00
    assert len(calls) == 1


def test_a_crashed_holders_lease_expires(app, only_jobs, clock):
    only_jobs(jobs.Job("mail", lambda db, now: "sent", 10))
    with app.app_context():  # a worker took the lease and died without releasing it
        assert leases.claim(get_db(), "mail", "dead-host:1:x", clock.now, 120, lambda r: True)
    survivor = Worker(app, holder="alive")
    assert survivor.run_due() == []
    assert status(app)[0]["running"] == "dead-host:1:x"
    clock.advance(seconds=121)
    assert [r.message for r in survivor.run_due()] == ["sent"]
    assert status(app)[0]["running"] is None


def test_a_failing_job_is_logged_and_retried_later_without_stopping_the_others(
        app, only_jobs, clock, caplog):
    attempts = []

    def flaky(db, now):
        attempts.append(now)
        if len(attempts) < 3:
            raise ConnectionError("SMTP server down")
        return "recovered"

    only_jobs(jobs.Job("flaky", flaky, 300), jobs.Job("steady", lambda db, now: "fine", 300))
    worker = Worker(app)
    with caplog.at_level("ERROR", logger="portal.worker"):
        results = {r.job: r for r in worker.run_due()}
    assert not results["flaky"].ok and results["steady"].ok
    assert any("flaky failed" in r.getMessage() and r.exc_info for r in caplog.records)
    rows = {row["job"]: row for row in status(app)}
    assert rows["flaky"]["last_result"] == "error"
    assert "SMTP server down" in rows["flaky"]["last_message"]
    assert rows["steady"]["last_result"] == "ok"

    assert worker.run_due() == []  # not before WORKER_RETRY_SECONDS (60)
    clock.advance(seconds=61)
    assert [r.ok for r in worker.run_due()] == [False]  # second failure: next wait doubles
    clock.advance(seconds=61)
    assert worker.run_due() == []
    clock.advance(seconds=60)
    assert [(r.job, r.message) for r in worker.run_due()] == [("flaky", "recovered")]
    rows = {row["job"]: row for row in status(app)}
    assert rows["flaky"]["last_result"] == "ok" and rows["flaky"]["failures"] == 0


def test_worker_schedule_overrides_and_switches_jobs_off(app):
    app.config["WORKER_SCHEDULE"] = {"outbox": 30, "backup": "01:30", "kb-index": False}
    rows = {row["job"]: row for row in status(app)}
    assert rows["outbox"]["schedule"] == "every 30s"
    assert rows["backup"]["schedule"] == "daily 01:30"
    assert rows["kb-index"]["schedule"] == "off" and rows["kb-index"]["next_due_at"] is None
    assert "kb-index" not in [item.name for item in Worker(app).jobs]
    app.config["WORKER_SCHEDULE"] = {"outbx": 30}
    with pytest.raises(ValueError, match="outbx"):
        Worker(app)


def test_worker_once_runs_every_real_job_and_status_shows_them(app, make_user, tmp_path):
    from tests.desk_support import create

    (tmp_path / "knowledge").mkdir()
    (tmp_path / "courses").mkdir()
    employee = make_user("employee")
    ticket = create(app, employee)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["worker", "--once"])
    assert first.exit_code == 0, first.output
    for job in ("outbox", "events-remind", "desk-close-resolved", "retention", "kb-index",
                "backup"):
        assert f"{job}: ok" in first.output
    with app.app_context():
        sent = get_db().execute("SELECT status FROM outbox WHERE ticket_id = ?",
                                [ticket["id"]]).fetchone()[0]
    assert sent == "sent"  # the confirmation mail went out
    assert list(Path(app.config["BACKUP_FOLDER"]).glob("portal-*.tar.gz"))
    again = runner.invoke(args=["worker", "--once", "--job", "backup"])
    assert again.exit_code == 0 and "No job was due." in again.output
    shown = runner.invoke(args=["worker", "status"])
    assert shown.exit_code == 0
    lines = {line.split()[0]: line for line in shown.output.splitlines()[2:]}
    assert set(lines) == {"outbox", "events-remind", "desk-close-resolved", "retention",
                          "kb-index", "backup"}
    assert all(" ok " in line for line in lines.values())
    assert "daily 03:00" in lines["backup"]


def test_worker_once_exits_non_zero_when_a_job_fails(app, only_jobs):
    def broken(db, now):
        raise RuntimeError("disk full")

    only_jobs(jobs.Job("broken", broken, 60), jobs.Job("fine", lambda db, now: None, 60))
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "broken: FAILED - RuntimeError: disk full" in result.output
    assert "fine: ok" in result.output


SLOW_WORKER = """
import sys, time
from pathlib import Path
from portal.ops import jobs

marks = Path(sys.argv[1])

def slow(db, now):
    (marks / "started").write_text("1")
    for _ in range(600):  # until the test says go (at most a minute)
        if (marks / "go").exists():
            break
        time.sleep(0.1)
    (marks / "finished").write_text("1")
    return "slow job done"

jobs.JOBS[:] = [jobs.Job("slow", slow, 3600)]
from portal.cli import main
main(["worker"])
"""


def start_slow_worker(app, marks: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_INSTANCE_PATH=app.instance_path, PYTHONPATH=str(ROOT),
               PORTAL_EMBEDDING_CACHE_FOLDER=os.environ.get("PORTAL_EMBEDDING_CACHE_FOLDER", ""))
    process = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, str(marks)], env=env,
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    for _ in range(600):
        if (marks / "started").exists() or process.poll() is not None:
            break
        time.sleep(0.1)
    if not (marks / "started").exists():
        process.kill()
        pytest.fail(f"the worker did not start its job: {process.communicate(timeout=5)}")
    return process


@pytest.mark.parametrize("signals", [
    (signal.SIGTERM,),  # systemd
    (signal.SIGINT, signal.SIGTERM),  # Ctrl+C in `make run`, then its trap's kill
], ids=["sigterm", "ctrl-c-then-sigterm"])
def test_sigterm_lets_the_current_job_finish_and_releases_its_lease(app, tmp_path, signals):
    marks = tmp_path / "marks"
    marks.mkdir()
    process = start_slow_worker(app, marks)
    try:
        db = sqlite3.connect(app.config["DATABASE"])
        assert db.execute("SELECT COUNT(*) FROM job_leases WHERE job = 'slow'").fetchone()[0] == 1
        for signum in signals:
            process.send_signal(signum)
        (marks / "go").write_text("1")  # the job is still running when the signal arrives
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert (marks / "finished").exists()
    assert "Worker stopped." in err
    assert db.execute("SELECT COUNT(*) FROM job_leases").fetchone()[0] == 0
    result, message = db.execute(
        "SELECT last_result, last_message FROM job_runs WHERE job = 'slow'").fetchone()
    assert (result, message) == ("ok", "slow job done")


def test_the_same_signal_twice_stops_at_once_and_still_releases_the_lease(app, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    process = start_slow_worker(app, marks)
    try:
        process.send_signal(signal.SIGINT)
        seen = ""
        while "stopping after the current job" not in seen:  # the first one was handled
            line = process.stderr.readline()
            assert line, seen
            seen += line
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
        err = seen + err
    finally:
        if process.poll() is None:
            process.kill()
    assert "Interrupted." in err
    assert not (marks / "finished").exists()  # the job was cut short; it runs again later
    db = sqlite3.connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM job_leases").fetchone()[0] == 0
    assert db.execute("SELECT last_finished_at FROM job_runs WHERE job = 'slow'").fetchone()[0] \
        is None


def test_kb_index_updates_the_index_only_when_knowledge_files_changed(app, tmp_path):
    from portal.search import service as search

    knowledge = Path(app.config["KNOWLEDGE_DIR"])
    (knowledge / "howto").mkdir(parents=True)
    (tmp_path / "courses").mkdir()
    page = knowledge / "howto" / "dashboard.md"
    page.write_text("---\ntitle: Een dashboard aanvragen\ntype: howto\n---\n"
                    "Vraag een dashboard aan via de Datashop.\n", encoding="utf-8")
    app.config["EMBEDDING_MODEL"] = "fake:32"
    worker = Worker(app, only=["kb-index"])
    item = worker.jobs[0]

    first = worker.run_job(item, force=True)
    assert first.ok and "1 added" in first.message
    with app.app_context():
        assert search.index_status()["indexed_documents"] == 1
        version = search.index_status()["version"]

    unchanged = worker.run_job(item, force=True)
    assert unchanged.ok and unchanged.message is None  # nothing changed: no rebuild
    with app.app_context():
        assert search.index_status()["version"] == version

    page.write_text(page.read_text(encoding="utf-8") + "\nOok voor Power BI.\n", encoding="utf-8")
    changed = worker.run_job(item, force=True)
    assert changed.ok and "1 updated" in changed.message
    with app.app_context():
        assert search.index_status()["version"] > version
        assert search.index_status()["stale_documents"] == []


def test_a_worker_does_not_poll_a_job_another_worker_holds(app, only_jobs, clock):
    only_jobs(jobs.Job("backup", lambda db, now: "done", "03:00"))
    with app.app_context():
        assert leases.claim(get_db(), "backup", "other", clock.now, 120, lambda r: True)
    waiting = Worker(app, holder="me")
    waiting.poll = 600
    assert waiting.seconds_until_next() == 120  # when the other's lease runs out, not at once
