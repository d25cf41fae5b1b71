"""``portal search-log``: retention of the search log and suggestion records."""

from __future__ import annotations

import click
from flask.cli import AppGroup

search_log_cli = AppGroup("search-log", help="The search log (no personal data) and its retention.")


@search_log_cli.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep this many days (default: SEARCH_LOG_RETENTION_DAYS, 365).")
def purge(days) -> None:
    """Delete search log rows and suggestion sessions older than the retention period."""
    from . import log

    report = log.purge(days)
    click.echo(f"Removed {report['searches']} search(es) and {report['suggest_sessions']} "
               f"suggestion session(s) from before {report['cutoff']}.")


@search_log_cli.command("top")
@click.option("--days", type=click.IntRange(min=1, max=3660), default=30)
@click.option("--limit", type=click.IntRange(min=1, max=500), default=20)
@click.option("--zero", is_flag=True, help="Only queries that found nothing.")
def top(days, limit, zero) -> None:
    """Print the most frequent queries (or those without results)."""
    from . import log

    class _Operator:  # the CLI runs with server access: it acts as staff
        is_authenticated = True
        is_staff = True

    rows = (log.zero_result_queries if zero else log.top_queries)(_Operator(), days, limit)
    for row in rows:
        click.echo(f"{row['searches']:>6}  {row['query']}")
    if not rows:
        click.echo("No searches in this period.")
