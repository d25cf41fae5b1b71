"""`portal demo load` and `portal demo logins`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data: accounts and a living desk.")


@demo_cli.command("load")
@click.option("--reset-tickets", is_flag=True,
              help="Delete the demo employees' tickets first and load them again.")
def load(reset_tickets: bool) -> None:
    """Create demo accounts, demo tickets, canned replies, a year of events, the learning
    track with its teacher pool, search/assistant activity and, when the knowledge base
    is indexed, assistant conversations (once; safe to run again)."""
    from ..migrations import ensure_schema
    from . import activity, conversations, events, learning, privacy, tickets, users

    ensure_schema()
    created = users.ensure_users()
    click.echo(f"Demo accounts: {len(created)}")
    try:
        click.echo(tickets.load_tickets(created, reset=reset_tickets))
    except tickets.DemoDataError as exc:
        raise click.ClickException(f"{exc} Nothing was loaded.") from exc
    click.echo(events.load_events(created))
    click.echo(learning.load_learning(created))
    click.echo(activity.load_activity(created))
    click.echo(conversations.load_conversations(created))
    click.echo(privacy.load_privacy(created))


@demo_cli.command("logins")
def logins() -> None:
    """Print the demo logins."""
    from . import users

    click.echo(users.logins_text(current_app.config["BASE_URL"]))
