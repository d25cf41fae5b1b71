"""Command group (stub)."""


def register(app) -> None:
    pass
