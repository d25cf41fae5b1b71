"""The audit log: who did what, when, for admin actions (a small low-level package).

Feature services call :func:`record` inside the transaction of the change, so an
audit row exists exactly when the change was committed. Nothing here imports a feature.
"""

from .log import ACTIONS, actor_label, list_entries, purge, record

__all__ = ["ACTIONS", "actor_label", "list_entries", "purge", "record"]
