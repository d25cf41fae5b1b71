"""``portal desk ...``: housekeeping for the desk (cron-friendly)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

desk_cli = AppGroup("desk", help="The desk: tickets and canned replies.")


@desk_cli.command("close-resolved")
def close_resolved() -> None:
    """Close tickets resolved more than REOPEN_DAYS ago (run daily from cron)."""
    from .lifecycle import close_resolved as close

    numbers = close()
    click.echo(f"Closed {len(numbers)} ticket(s)" + (f": {', '.join(numbers)}" if numbers else "."))


@desk_cli.command("canned-add")
@click.option("--title", required=True)
@click.option("--body", required=True, help="Text; {requester}, {number}, {subject}, {me} are filled in.")
@click.option("--team", default=None)
def canned_add(title, body, team) -> None:
    """Add a canned reply."""
    from ..errors import Invalid
    from .canned import create_canned

    try:
        item = create_canned(None, title, body, team)
    except Invalid as exc:
        raise click.ClickException(f"{exc.message} {exc.fields}") from exc
    click.echo(f"Added canned reply {item['id']}: {item['title']}")


def register(app) -> None:
    app.cli.add_command(desk_cli)
