"""``portal retention run`` and ``portal privacy export|erase``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..migrations import ensure_schema

retention_cli = AppGroup("retention", help="Retention periods (AVG): remove what is kept too long.")
privacy_cli = AppGroup("privacy", help="One person's data: export (inzage) and erase (vergetelheid).")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Show per kind what would go; change nothing.")
@click.option("--kind", "kinds", multiple=True, help="Only this kind (repeatable).")
def retention_run(dry_run: bool, kinds) -> None:
    """Apply RETENTION to every kind of data, each kind in its own transaction."""
    from .registry import KINDS
    from .retention import run

    known = {k.key for k in KINDS}
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise click.UsageError(f"Unknown kind: {', '.join(unknown)}. Known: {', '.join(sorted(known))}")
    from flask import current_app

    from ..config import retention_days

    try:
        for kind in KINDS:
            retention_days(current_app.config, kind.key)
    except (KeyError, ValueError, TypeError) as exc:
        raise click.ClickException(f"RETENTION is not valid: {exc}") from exc
    ensure_schema()
    reports = run(dry_run=dry_run, kinds=set(kinds) or None)
    verb = "would go" if dry_run else "done"
    for report in reports:
        click.echo(f"{report['key']:<24} {report['days']:>5} days  {report['count']:>6} {verb}"
                   f"  ({report['label']}; before {report['cutoff']})")
        for example in report["examples"]:
            click.echo(f"    e.g. {example}")
    if dry_run:
        click.echo("Dry run: nothing was changed.")


@retention_cli.command("list")
def retention_list() -> None:
    """Print every kind with its configured period."""
    from flask import current_app

    from ..config import retention_days
    from .registry import KINDS

    for kind in KINDS:
        click.echo(f"{kind.key:<24} {retention_days(current_app.config, kind.key):>5} days")


@privacy_cli.command("export")
@click.argument("email")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The ZIP file to write.")
def privacy_export(email: str, output: str) -> None:
    """Write everything stored about EMAIL to a ZIP (JSON per feature plus their files)."""
    from .person import CLI, export_person

    ensure_schema()
    try:
        person, data = export_person(CLI, email)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    with open(output, "wb") as handle:
        handle.write(data)
    click.echo(f"Wrote {output} ({len(data)} bytes) for {person['email']} (id {person['id']}).")


def _echo_plan(plan: dict) -> None:
    for part, counts in plan.items():
        line = ", ".join(f"{what}: {n}" for what, n in counts.items())
        click.echo(f"  {part:<10} {line}")


@privacy_cli.command("erase")
@click.argument("email")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def privacy_erase(email: str, dry_run: bool, yes: bool) -> None:
    """Erase or anonymise EMAIL; tickets, events and certificates others rely on stay."""
    from .person import CLI, erase_person

    ensure_schema()
    try:
        preview = erase_person(CLI, email, dry_run=True)
        click.echo(f"{preview['person']['name']} <{preview['person']['email']}> "
                   f"(id {preview['person']['id']}):")
        _echo_plan(preview["plan"])
        if dry_run:
            click.echo("Dry run: nothing was changed.")
            return
        if not yes:
            click.confirm("Erase this person? This cannot be undone", abort=True)
        erase_person(CLI, email)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo("Erased.")


def register(app) -> None:
    app.cli.add_command(retention_cli)
    app.cli.add_command(privacy_cli)
