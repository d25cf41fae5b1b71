"""``portal events``: reminders (for cron) and a quick look at the agenda."""

from __future__ import annotations

import click
from flask.cli import AppGroup

events_cli = AppGroup("events", help="Meetups and sessions.")


@events_cli.command("remind")
@click.option("--loop", is_flag=True, help="Keep running (stop with Ctrl+C); for `make run`.")
@click.option("--interval", default=60.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds between runs with --loop.")
def remind(loop: bool, interval: float) -> None:
    """Queue the reminder mails that are due (each seat is reminded once)."""
    import time

    from ..migrations import ensure_schema
    from .reminders import send_due_reminders

    ensure_schema()
    while True:
        count = send_due_reminders()
        if not loop or count:
            click.echo(f"Reminders queued: {count}. The outbox worker sends them"
                       " (portal outbox send).")
        if not loop:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            click.echo("Reminder loop stopped.")
            return


def register(app) -> None:
    app.cli.add_command(events_cli)
