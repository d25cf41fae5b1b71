"""`portal index rebuild|status` and `portal search`.

`portal index rebuild` applies pending database migrations first (cheap and
idempotent), so on a fresh instance the sequence

    portal kb sync; portal index rebuild; portal search "..."

works; it does not load the folders itself (that is `portal kb sync`, or
`portal index rebuild --sync` to do both in one go).
"""

from __future__ import annotations

import json
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..kb import service as kb_service
from ..migrations import ensure_schema

index_cli = AppGroup("index", help="The search index (keywords and vectors).")


@index_cli.command("rebuild")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: when stderr is a terminal).")
@click.option("--full", is_flag=True, help="Re-chunk and re-embed every document.")
@click.option("--sync", "sync_first", is_flag=True, help="Run `portal kb sync` first.")
def index_rebuild(progress, full, sync_first) -> None:
    """Bring the index up to date; only changed documents are embedded again."""
    from . import service

    ensure_schema()
    if sync_first:
        report = kb_service.sync_folders()
        click.echo(f"Synced: {report['added']} added, {report['updated']} updated, "
                   f"{report['removed']} removed, {report['unchanged']} unchanged.")
    if progress is None:
        progress = sys.stderr.isatty()
    report = service.rebuild_index(progress=progress, full=full)
    export = report.get("onnx_export")
    if export and export.get("error"):
        click.echo(f"Warning: ONNX export failed ({export['error']}); "
                   "search uses sentence-transformers.", err=True)
    elif export:
        click.echo(f"ONNX model: {'exported to' if export['exported'] else 'cached in'} "
                   f"{export['folder']} ({export['seconds']} s).")
    if report.get("warning"):
        click.echo(f"Warning: {report['warning']}; built the keyword index only.", err=True)
    click.echo(
        f"Indexed {report['documents']} documents ({report['added']} added, "
        f"{report['updated']} updated, {report['removed']} removed, {report['unchanged']} "
        f"unchanged): {report['chunks']} chunks, {report['embedded']} embedded, "
        f"mode {report['mode']}, version {report['version']}, {report['seconds']} s.")
    if not report["documents"]:
        click.echo("No documents are loaded: run `portal kb sync` first "
                   f"(knowledge folder: {current_app.config['KNOWLEDGE_DIR']}).", err=True)
    # Keep the similar-tickets index warm too, so no staff page pays for a first build.
    from .similar import sync as sync_similar

    click.echo(f"Similar-ticket index: {sync_similar()} ticket(s) brought up to date.")


@index_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def index_status(as_json) -> None:
    """Documents, chunks, vectors, model, index file, version and stale documents."""
    from . import service

    ensure_schema()
    status = service.index_status()
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    stale = status["stale_documents"]
    lines = [
        ("Documents", status["documents"]),
        ("Indexed documents", status["indexed_documents"]),
        ("Chunks", status["chunks"]),
        ("Embedded", f"{status['embedded']} (model {status['model']})"),
        ("Index file", f"{status['index_file']} "
                       + (f"({status['index_vectors']} vectors)" if status["index_file_exists"]
                          else "(missing)")),
        ("Version", f"{status['version']}, built {status['built_at'] or 'never'}"),
        ("Engine", status["engine"]),
        ("Stale documents", f"{len(stale)}" + (": " + ", ".join(stale[:10]) if stale else "")
         + (" …" if len(stale) > 10 else "")),
    ]
    for label, value in lines:
        click.echo(f"{label + ':':<19} {value}")
    if stale:
        click.echo("Run `portal index rebuild` to bring the index up to date.")


def _result_json(hit) -> dict:
    return {"id": hit.id, "title": hit.title, "type": hit.type, "score": hit.score,
            "url": hit.url, "snippet": hit.snippet_text}


@click.command("search")
@click.argument("query", required=False)
@click.option("--type", "types", multiple=True, help="Only this document type (repeatable).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help="One query per line (- for stdin); one JSON object per line out.")
@with_appcontext
def search_command(query, types, limit, as_json, batch) -> None:
    """Search the knowledge base: portal search "QUERY"."""
    from . import service

    if (query is None) == (batch is None):
        raise click.UsageError('Give a QUERY or --batch FILE (one query per line).')
    ensure_schema()
    if not kb_service.count_documents():
        click.echo("No documents are loaded: run `portal kb sync` and `portal index rebuild` "
                   f"(knowledge folder: {current_app.config['KNOWLEDGE_DIR']}).", err=True)
    if batch is not None:
        started = time.perf_counter()
        service.warm_up()  # so took_ms measures queries, not loading the model
        click.echo(f"Engine ready in {time.perf_counter() - started:.1f} s.", err=True)
        for line in batch:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            response = service.search(line, types=list(types), limit=limit)
            click.echo(json.dumps({"query": line, "took_ms": round(response.took_ms, 2),
                                   "mode": response.mode,
                                   "results": [_result_json(h) for h in response.results]},
                                  ensure_ascii=False))
        return
    response = service.search(query, types=list(types), limit=limit)
    if as_json:
        click.echo(json.dumps({"query": response.query, "took_ms": round(response.took_ms, 2),
                               "mode": response.mode, "notice": response.notice,
                               "total": response.total,
                               "results": [_result_json(h) for h in response.results]},
                              ensure_ascii=False, indent=2))
        return
    if response.notice:
        click.echo(response.notice, err=True)
    if not response.results:
        click.echo("No results.")
        return
    for rank, hit in enumerate(response.results, start=1):
        click.echo(f"{rank:>2}. {hit.score:7.3f}  {hit.type:<10} {hit.id}  {hit.title}")
        click.echo(f"    {hit.snippet_text}")
    click.echo(f"{len(response.results)} of {response.total} ({response.mode}, "
               f"{response.took_ms:.0f} ms)")


def register(app) -> None:
    app.cli.add_command(index_cli)
    app.cli.add_command(search_command)
