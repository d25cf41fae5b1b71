"""`portal kb ...`: load the knowledge folders, import the algorithm register, list documents."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from ..errors import Invalid
from ..migrations import ensure_schema

kb_cli = AppGroup("kb", help="Knowledge base: documents from folders and the algorithm register.")


def _echo_report(report: dict, seconds: float) -> None:
    click.echo(f"added {report['added']}, updated {report['updated']}, "
               f"removed {report['removed']}, unchanged {report['unchanged']} "
               f"({seconds:.1f}s)")
    for warning in report.get("warnings", []):
        click.echo(f"warning: {warning['path']}: {warning['message']}", err=True)
    for error in report.get("errors", []):
        click.echo(f"error: {error['path']}: {error['message']}", err=True)


@kb_cli.command("sync")
@click.option("--strict", is_flag=True, help="Exit with status 1 when a file could not be loaded.")
def sync(strict: bool) -> None:
    """Load KNOWLEDGE_DIR and COURSES_DIR into the database (only changed files are written)."""
    from flask import current_app

    from . import service

    ensure_schema()
    started = time.perf_counter()
    click.echo(f"Knowledge: {current_app.config['KNOWLEDGE_DIR']}")
    click.echo(f"Courses:   {current_app.config['COURSES_DIR']}")
    report = service.sync_folders()
    _echo_report(report, time.perf_counter() - started)
    if report["errors"]:
        click.echo(f"{len(report['errors'])} file(s) not loaded; see the errors above.", err=True)
        if strict:
            raise SystemExit(1)


@kb_cli.command("import-algoritmeregister")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--organisation", "--organisatie", default=None,
              help='Import only this organisation (exact, case-insensitive), '
                   'e.g. "Gemeente Den Haag". Only its vanished entries are removed.')
def import_register(file: str, organisation: str | None) -> None:
    """Import an export (JSON) of the national algorithm register as algorithm documents."""
    from . import register

    ensure_schema()
    started = time.perf_counter()
    try:
        report = register.import_file(file, organisation)
    except Invalid as exc:
        raise click.ClickException(exc.message) from exc
    scope = f" of {report['organisation']}" if report["organisation"] else ""
    click.echo(f"{report['matched']} of {report['total']} entries{scope} imported.")
    _echo_report(report, time.perf_counter() - started)


@kb_cli.command("list")
@click.option("--type", "doc_type", default=None, help="Only this document type.")
@click.option("--source", type=click.Choice(["knowledge", "courses", "register"]), default=None)
def list_documents(doc_type: str | None, source: str | None) -> None:
    """List documents: id, type, source and title."""
    from . import service

    docs = service.list_documents(type=doc_type, source=source)
    for doc in docs:
        click.echo(f"{doc['id']:<40}  {doc['type']:<10}  {doc['source']:<9}  {doc['title']}")
    click.echo(f"{len(docs)} document(s)", err=True)


def register(app) -> None:
    app.cli.add_command(kb_cli)
