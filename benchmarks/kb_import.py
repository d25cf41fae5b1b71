"""Time `kb sync` of the demo folders and the import of a full algorithm register export.

Usage: .venv/bin/python benchmarks/kb_import.py [EXPORT.json]
(default: ../shared/data/algoritmeregister.json). Uses a temporary instance.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _setup import REGISTER  # also puts the project on the path

from portal import create_app, migrations
from portal.db import get_db
from portal.kb import register, service



def timed(label, func):
    started = time.perf_counter()
    report = func()
    counts = {k: report[k] for k in ("added", "updated", "removed", "unchanged")}
    print(f"{label:<34} {time.perf_counter() - started:6.2f}s  {counts}")


def main() -> None:
    export = Path(sys.argv[1] if len(sys.argv) > 1 else REGISTER)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench"})
        with app.app_context():
            migrations.upgrade(get_db())
            timed("kb sync (first)", service.sync_folders)
            timed("kb sync (nothing changed)", service.sync_folders)
            entries = register.read_export(export)
            timed(f"register import ({len(entries)} entries)", lambda: register.import_entries(entries))
            timed("register re-import (unchanged)", lambda: register.import_entries(entries))
            timed("register import, one organisation",
                  lambda: register.import_entries(entries, "Gemeente Den Haag"))


if __name__ == "__main__":
    main()
