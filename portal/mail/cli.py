"""Outbox commands (stub)."""

from flask.cli import AppGroup

outbox_cli = AppGroup("outbox", help="Outgoing mail.")
