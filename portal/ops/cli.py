"""``portal worker`` (every background job, one process) and ``portal backup``."""

from __future__ import annotations

import logging
import signal
import sqlite3
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..db import get_db
from ..errors import DomainError
from ..migrations import ensure_schema


def _log_to_stderr() -> None:
    logger = logging.getLogger("portal.worker")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s worker %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _make_worker(jobs: tuple[str, ...] = ()):
    from .worker import Worker

    ensure_schema()
    try:
        return Worker(current_app._get_current_object(), only=list(jobs) or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("worker", invoke_without_command=True)
@click.option("--once", is_flag=True,
              help="Run the jobs that are due once, then exit (cron, tests).")
@click.option("--job", "jobs", multiple=True, help="Only this job (repeatable).")
@click.option("--force", is_flag=True, help="With --once: run the jobs even if they are not due.")
@click.pass_context
@with_appcontext
def worker_cli(ctx, once: bool, jobs: tuple[str, ...], force: bool) -> None:
    """Run every background job on its schedule (Ctrl+C or SIGTERM stops after the current job).

    Jobs take a lease in the database, so running two workers is safe."""
    if ctx.invoked_subcommand is not None:
        return
    _log_to_stderr()
    worker = _make_worker(jobs)
    if once:
        try:
            results = worker.run_due(force=force)
        finally:
            worker.release()
        for result in results:
            click.echo(f"{result.job}: {'ok' if result.ok else 'FAILED'}"
                       + (f" - {result.message}" if result.message else ""))
        if not results:
            click.echo("No job was due.")
        if any(not r.ok for r in results):
            raise SystemExit(1)
        return
    previous = worker.install_signal_handlers()
    names = ", ".join(f"{i.name} ({i.schedule.label})" for i in worker.jobs)
    click.echo(f"Worker {worker.holder}: {names}. Ctrl+C stops.", err=True)
    try:
        worker.loop()
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Worker stopped.", err=True)


@worker_cli.command("status")
@with_appcontext
def worker_status() -> None:
    """Every job: schedule, last run and result, next run, and who runs it now."""
    from .worker import status

    ensure_schema()
    try:
        rows = status(current_app.config, get_db())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    from .. import timeutil

    zone = current_app.config["TIMEZONE"]

    def local(stamp):
        return timeutil.local(timeutil.parse(stamp), zone).strftime("%Y-%m-%d %H:%M:%S") \
            if stamp else None

    click.echo(f"Times in {zone}.")
    click.echo(f"{'job':<20} {'schedule':<14} {'last run':<20} {'result':<9} {'next run':<20}")
    for row in rows:
        result = row["last_result"] or "-"
        if row["failures"] > 1:
            result += f" x{row['failures']}"
        click.echo(f"{row['job']:<20} {row['schedule']:<14} "
                   f"{local(row['last_finished_at']) or 'never':<20} "
                   f"{result:<9} {local(row['next_due_at']) or '-':<20}"
                   + (f" running in {row['running']}" if row["running"] else ""))
        if row["last_result"] == "error" and row["last_message"]:
            click.echo(f"    {row['last_message']}")


backup_cli = AppGroup("backup", help="Backups of the database and instance files.")


@backup_cli.command("create")
@click.option("--include-models/--no-models", default=None,
              help="Also back up the ONNX model cache (default: BACKUP_INCLUDE_MODELS, off).")
def backup_create(include_models) -> None:
    """Back up the database (online, consistent) and the instance files.

    Keeps the newest BACKUP_KEEP backups."""
    from . import backup

    config = current_app.config
    try:
        result = backup.create(config, current_app.instance_path, include_models=include_models)
        removed = backup.prune(config)
    except (DomainError, RuntimeError, OSError, sqlite3.Error) as exc:
        raise click.ClickException(str(getattr(exc, "message", "") or exc)) from exc
    manifest = result["manifest"]
    click.echo(f"Backup {result['name']}: {result['path']} ({result['size']:,} bytes)")
    click.echo(f"  schema {manifest['schema_version']}, integrity {manifest['integrity']}, "
               f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
               f"{len(manifest['files'])} files ({', '.join(manifest['included'])})")
    if removed:
        click.echo(f"  removed old backup(s): {', '.join(removed)}")


@backup_cli.command("list")
def backup_list() -> None:
    """The backups in BACKUP_FOLDER, oldest first."""
    from . import backup

    rows = backup.list_backups(current_app.config)
    for row in rows:
        if "error" in row:
            click.echo(f"{row['name']:<28} {row['size']:>14,}  {row['error']}")
        else:
            click.echo(f"{row['name']:<28} {row['size']:>14,}  {row['created_at']}  "
                       f"{row['schema_version']}  {row['rows']} rows, {row['files']} files")
    click.echo(f"{len(rows)} backup(s) in {backup.backup_folder(current_app.config)}", err=True)


@backup_cli.command("verify")
@click.argument("name")
def backup_verify(name: str) -> None:
    """Open backup NAME (a name from `backup list` or a path) and check it; exit 1 if it is bad."""
    from . import backup

    try:
        report = backup.verify(current_app.config, name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Backup: {report['path']}")
    manifest = report["manifest"]
    if manifest:
        click.echo(f"Made:   {manifest.get('created_at')} on {manifest.get('host')}, "
                   f"schema {manifest.get('schema_version')}")
    for table, count in report["tables"].items():
        click.echo(f"  {table:<40} {count:>10}")
    click.echo(f"integrity_check: {report['integrity']}")
    if not report["ok"]:
        for problem in report["problems"]:
            click.echo(f"problem: {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {len(manifest['files'])} files match their checksums.")


@backup_cli.command("restore")
@click.argument("name")
@click.option("--to", "target", required=True, type=click.Path(file_okay=False),
              help="The instance folder to restore into (PORTAL_INSTANCE_PATH of the portal).")
@click.option("--force", is_flag=True,
              help="Replace the database and files of a non-empty instance folder.")
def backup_restore(name: str, target: str, force: bool) -> None:
    """Restore backup NAME into an instance folder (it is checked first)."""
    from . import backup

    try:
        result = backup.restore(current_app.config, name, target, force=force)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Restored {result['name']} into {result['target']}: "
               f"{sum(result['tables'].values())} rows, schema {result['schema_version']}.")
    click.echo(f"Start the portal with PORTAL_INSTANCE_PATH={result['target']} "
               "(run `portal db upgrade` if this code is newer than the backup).")


def register(app) -> None:
    app.cli.add_command(worker_cli)
    app.cli.add_command(backup_cli)
