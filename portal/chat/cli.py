"""``portal assistant``: ask (one message or a batch, JSON lines) and purge old conversations.

Each message is a fresh conversation for the ``--as`` user that is not stored, so a
proposed change (sign up, cancel, handover) waits for a confirmation that never comes:
a batch changes nothing.
"""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup, with_appcontext



@click.group("assistant", cls=AppGroup, invoke_without_command=True)
@click.option("--batch", "batch_file", type=click.File("r", encoding="utf-8"), default=None,
              help="One message per line; prints one JSON object per line.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines (always on with --batch).")
@click.option("--as", "email", default=None, help="Act as this user (default: not logged in).")
@click.pass_context
@with_appcontext
def assistant_cli(ctx, batch_file, as_json, email) -> None:
    """The assistant: `ask MESSAGE`, `--batch FILE --json`, `purge`."""
    if batch_file is not None:
        _batch(batch_file, email)
        ctx.exit(0)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def _user(email: str | None):
    if not email:
        return None
    from ..accounts import service as accounts

    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user {email}")
    return user


def _ask(user, message: str) -> dict:
    from ..errors import DomainError
    from . import service

    try:
        return service.to_json(service.handle(user, message, store_turn=False))
    except DomainError as exc:
        return {"message": message, "error": exc.message}


@assistant_cli.command("ask")
@click.argument("message")
@click.option("--as", "email", default=None, help="Act as this user (default: not logged in).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def ask(message, email, as_json) -> None:
    """Ask the assistant one MESSAGE."""
    from ..migrations import ensure_schema

    ensure_schema()
    out = _ask(_user(email), message)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    if "error" in out:
        raise click.ClickException(out["error"])
    click.echo(f"[{out['action']}] {out['reply']}")
    for src in out["sources"]:
        click.echo(f"  bron: {src['title']} ({src['url']})")


def _batch(file, email) -> None:
    from ..migrations import ensure_schema

    ensure_schema()
    user = _user(email)
    for line in file:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        click.echo(json.dumps(_ask(user, line), ensure_ascii=False))


@assistant_cli.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Keep this many days (default: RETENTION['assistant_conversations'], 30).")
def purge(days) -> None:
    """Delete conversations older than the retention period."""
    from ..migrations import ensure_schema
    from . import store

    ensure_schema()
    click.echo(f"Deleted {store.purge(days)} conversation(s).")


def register(app) -> None:
    app.cli.add_command(assistant_cli)
