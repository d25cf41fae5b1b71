"""The ``portal`` console script: Flask's CLI for create_app plus our command groups."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, ScriptInfo, get_debug_flag
from flask.cli import run_command as flask_run
from werkzeug.serving import is_running_from_reloader

from .db import get_db


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Datashop portal management."""


@main.command("run", params=list(flask_run.params), help=flask_run.help,
              short_help="Serve the portal; the search engine loads in the background.")
@click.pass_context
def run_command(ctx, **options) -> None:
    """Flask's development server, plus the search engine loading as the server starts.

    Searches answer by keyword until the model is ready, so no request waits for it.
    With the reloader, only the serving child process loads it."""
    reload = options.get("reload")
    if not (get_debug_flag() if reload is None else reload) or is_running_from_reloader():
        from .search.service import start_engine

        start_engine(ctx.ensure_object(ScriptInfo).load_app())
    ctx.invoke(flask_run, **options)


db_cli = AppGroup("db", help="Database schema.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    from . import migrations

    ran = migrations.upgrade(get_db())
    click.echo(f"Applied: {', '.join(ran)}" if ran else "Database is up to date.")
    click.echo(f"Database: {current_app.config['DATABASE']}")


@db_cli.command("status")
def db_status() -> None:
    """List pending migrations."""
    from . import migrations

    todo = migrations.pending(get_db())
    click.echo("Pending: " + ", ".join(todo) if todo else "Database is up to date.")


users_cli = AppGroup("users", help="Accounts and roles.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--role", type=click.Choice(["employee", "staff", "admin"]), default="employee")
@click.option("--team", "teams", multiple=True, help="Datashop team (repeatable), for staff.")
@click.option("--department", default=None, help="Department key.")
@click.option("--password", default=None, help="Password; asked for when omitted.")
def users_create(email, name, role, teams, department, password) -> None:
    """Create a local account."""
    from .accounts import service
    from .errors import Invalid

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = service.create_user(email, name, role, password=password, teams=teams,
                                   department=department)
    except Invalid as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.role} {user.email} (id {user.id})"
               + (f", teams: {', '.join(user.teams)}" if user.teams else ""))


@users_cli.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
def users_import(csv_file, dry_run) -> None:
    """Create or update accounts from a CSV file: email, name, department, role, teams.

    Idempotent: running it again changes nothing. A file with a bad row changes
    nothing and lists every problem with its line number.
    """
    from .accounts.importer import import_users

    report = import_users(csv_file.read(), dry_run=dry_run)
    if report.errors:
        for error in report.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(report.errors)} bad row(s); nothing was changed.")
    verb = "Would create" if dry_run else "Created"
    click.echo(f"{verb} {len(report.created)}, "
               f"{'would update' if dry_run else 'updated'} {len(report.updated)}, "
               f"unchanged {report.unchanged}.")
    for email in report.created:
        click.echo(f"  + {email}")
    for email, fields in report.updated.items():
        click.echo(f"  ~ {email}: {', '.join(fields)}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(["employee", "staff", "admin"]))
@click.option("--team", "teams", multiple=True, help="Datashop team (repeatable), for staff.")
def users_set_role(email, role, teams) -> None:
    """Change a user's role (and teams); their login sessions end."""
    from .accounts import service
    from .errors import Invalid

    user = service.find_by_email(email)
    if not user:
        raise click.ClickException(f"No user {email}")
    try:
        user = service.set_role(user.id, role, teams=list(teams) if teams else None)
    except Invalid as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{user.email} is now {user.role}" + (f" ({', '.join(user.teams)})" if user.teams else ""))


@users_cli.command("list")
def users_list() -> None:
    from .accounts import service

    for user in service.list_users():
        click.echo(f"{user.id:>4}  {user.role:<8}  {user.email:<40}  {','.join(user.teams)}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_set_password(email, password) -> None:
    from .accounts import service
    from .errors import Invalid

    user = service.find_by_email(email)
    if not user:
        raise click.ClickException(f"No user {email}")
    try:
        service.set_password(user.id, password)
    except Invalid as exc:
        raise click.ClickException(exc.message) from exc
    click.echo("Password changed.")


token_cli = AppGroup("token", help="Personal access tokens for the API.")


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli", help="A label for the token.")
def token_create(email, name) -> None:
    """Print a new personal access token for EMAIL (shown once)."""
    from .accounts import service

    user = service.find_by_email(email)
    if not user:
        raise click.ClickException(f"No user {email}")
    click.echo(service.create_token(user.id, name))


@token_cli.command("revoke")
@click.argument("email")
def token_revoke(email) -> None:
    """Revoke every token of EMAIL."""
    from .accounts import service

    user = service.find_by_email(email)
    if not user:
        raise click.ClickException(f"No user {email}")
    click.echo(f"Revoked {service.revoke_tokens(user.id)} token(s).")


def register(app) -> None:
    for group in (db_cli, users_cli, token_cli):
        app.cli.add_command(group)
    # Feature command groups live with their features.
    from .demo.cli import demo_cli
    from .mail.cli import outbox_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(outbox_cli)
    from .chat.cli import register as register_chat
    from .desk.cli import register as register_desk
    from .events.cli import register as register_events
    from .kb.cli import register as register_kb
    from .ops.cli import register as register_ops
    from .privacy.cli import register as register_privacy
    from .search.cli import register as register_search
    from .accounts.cli import register as register_sso

    register_sso(app)
    register_chat(app)
    register_desk(app)
    register_events(app)
    register_kb(app)
    register_ops(app)
    register_privacy(app)
    register_search(app)
