"""Database access: one sqlite-utils Database per request (or CLI command)."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import sqlite_utils
from flask import current_app, g


def connect(path: str) -> sqlite_utils.Database:
    """Open the database with the settings every connection must have."""
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA busy_timeout = 30000")
    return sqlite_utils.Database(conn)


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


@contextmanager
def transaction(db: sqlite_utils.Database):
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error.

    The connection runs in autocommit mode (isolation_level=None), so a block
    of writes is atomic only inside this context. IMMEDIATE takes the write
    lock up front, which avoids deadlocks between concurrent writers.
    Nested use joins the outer transaction.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def purge_rows(db: sqlite_utils.Database, where: str, params: list, columns: str, example,
               order: str, dry_run: bool) -> dict:
    """One retention step: count the rows of ``where`` ("FROM t WHERE ..."), describe up to
    three (``example(row)`` over ``columns``, in ``order``) and, unless ``dry_run``, delete
    them. {count, examples}, as the retention kinds of portal/privacy return."""
    count = db.execute(f"SELECT count(*) {where}", params).fetchone()[0]
    examples = [example(row) for row in db.execute(
        f"SELECT {columns} {where} ORDER BY {order} LIMIT 3", params)]
    if not dry_run and count:
        db.execute(f"DELETE {where}", params)
    return {"count": count, "examples": examples}


def init_app(app) -> None:
    app.teardown_appcontext(close_db)
