"""`portal demo load` and `portal demo logins`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data: accounts and a living desk.")


@demo_cli.command("load")
def load() -> None:
    """Create demo accounts and demo tickets (once; safe to run again)."""
    from . import users

    created = users.ensure_users()
    click.echo(f"Demo accounts: {len(created)}")
    try:
        from . import tickets
    except ImportError:
        return
    report = tickets.load_tickets(created)
    click.echo(report)


@demo_cli.command("logins")
def logins() -> None:
    """Print the demo logins."""
    from . import users

    click.echo(users.logins_text(current_app.config["BASE_URL"]))
