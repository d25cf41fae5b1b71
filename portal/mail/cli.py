"""``portal outbox``: send, inspect and re-queue outgoing mail."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_db
from ..parsing import IntParam
from ..errors import DomainError

outbox_cli = AppGroup("outbox", help="Outgoing mail.")


def _print_report(report) -> None:
    line = f"Sent {report.sent}, retry later {report.retried}, failed {report.failed}."
    if report.stopped:
        line += f" Stopped early: {report.stopped}"
    click.echo(line)
    for error in report.errors:
        click.echo(f"  {error}", err=True)


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="Most messages to send per run.")
@click.option("--loop", is_flag=True, help="Keep running: a small worker (stop with Ctrl+C).")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between runs with --loop.")
def send(limit: int, loop: bool, interval: float) -> None:
    """Send messages that are due."""
    from .sender import send_pending

    try:
        from .backends import make_backend

        make_backend(current_app.config)  # a wrong MAIL_BACKEND is reported at once
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not loop:
        report = send_pending(limit=limit)
        _print_report(report)
        if report.stopped:
            raise SystemExit(1)
        return

    stop = threading.Event()

    def on_signal(signum, _frame):
        if stop.is_set():  # asked twice: stop now; the claimed message is retried later
            raise KeyboardInterrupt
        click.echo("Stopping after the current message (again to stop at once).", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    click.echo(f"Outbox worker: {current_app.config['MAIL_BACKEND']} backend,"
               f" every {interval:g}s. Ctrl+C stops.")
    try:
        while not stop.is_set():
            try:
                report = send_pending(limit=limit, should_stop=stop.is_set)
            except Exception as exc:  # keep the worker alive (e.g. database busy)
                current_app.logger.exception("outbox run failed")
                click.echo(f"Run failed: {exc}", err=True)
                stop.wait(interval)
                continue
            if report.processed:
                _print_report(report)
            # A full batch without trouble means more may be waiting: go on at once.
            if report.processed < limit or report.stopped:
                stop.wait(interval)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Outbox worker stopped.")


@outbox_cli.command("status")
@click.option("--errors", default=10, show_default=True, type=click.IntRange(min=0),
              help="How many recent errors to show.")
def status(errors: int) -> None:
    """Counts per status, the oldest waiting message and recent errors."""
    from .outbox import summary

    info = summary(get_db(), errors=errors)
    counts = info["counts"]
    click.echo(f"Backend: {current_app.config['MAIL_BACKEND']}")
    click.echo(f"Pending: {counts['pending']} ({info['due']} due now)   "
               f"Sent: {counts['sent']}   Failed: {counts['failed']}")
    oldest = info["oldest_pending"]
    if oldest:
        click.echo(f"Oldest pending: #{oldest['id']} to {oldest['to_addr']}, queued "
                   f"{oldest['created_at']}, {oldest['attempts']} attempt(s)")
    if info["recent_errors"]:
        click.echo("Recent errors:")
        for row in info["recent_errors"]:
            when = "" if row["status"] == "failed" else f", next try {row['next_attempt_at']}"
            click.echo(f"  #{row['id']} {row['status']} to {row['to_addr']}"
                       f" ({row['attempts']} attempt(s){when}): {row['last_error']}")


@outbox_cli.command("retry")
@click.option("--id", "message_id", type=IntParam(low=1), help="Re-queue one message (failed or waiting).")
@click.option("--all-failed", is_flag=True, help="Re-queue every failed message.")
def retry(message_id: int | None, all_failed: bool) -> None:
    """Re-queue failed messages with a fresh attempt budget; they are due at once."""
    from .outbox import requeue

    if (message_id is None) == (not all_failed):
        raise click.UsageError("Give either --id N or --all-failed.")
    try:
        count = requeue(get_db(), message_id=message_id, all_failed=all_failed)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Re-queued {count} message(s). Send them with: portal outbox send")
