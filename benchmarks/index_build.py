"""Index build speed with the real model, and a rebuild with nothing changed.

Loads the algorithm register (1,530 entries, ../shared/data/algoritmeregister.json
or PORTAL_REGISTER_JSON) plus knowledge/ and courses/ into a temporary instance,
then runs `rebuild_index()` three times:

1. full build: every chunk embedded (chunks/s);
2. nothing changed: no chunk embedded, time for the whole rebuild;
3. one document changed: only its chunks embedded.

Then it embeds a fixed sample of register chunks with each precision/thread
setting (fp32 vs bf16 autocast, 1 vs 2 torch threads) to compare throughput, and
says whether the sentence-transformers ONNX backend can be used here.

    .venv/bin/python benchmarks/index_build.py [--compare]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import REGISTER, ROOT


def _app(instance: str, **config):
    from portal import create_app

    return create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                       "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
                       "COURSES_DIR": str(ROOT / "courses"), **config})


def builds() -> None:
    from portal import migrations
    from portal.db import get_db
    from portal.kb import register
    from portal.kb import service as kb
    from portal.search import service

    with tempfile.TemporaryDirectory(prefix="index-build-") as tmp:
        app = _app(tmp)
        with app.app_context():
            db = get_db()
            migrations.upgrade(db)
            kb.sync_folders()
            register.import_file(REGISTER)
            started = time.perf_counter()
            full = service.rebuild_index()
            seconds = time.perf_counter() - started
            print(f"Full build: {full['documents']} documents, {full['chunks']} chunks, "
                  f"{full['embedded']} embedded in {seconds:.1f} s "
                  f"(incl. model load): {full['embedded'] / seconds:.1f} chunks/s")
            started = time.perf_counter()
            same = service.rebuild_index()
            print(f"Rebuild, nothing changed: {same['embedded']} embedded, "
                  f"{time.perf_counter() - started:.2f} s")
            doc = next(iter(kb.documents_for_index()))
            db.execute("UPDATE documents SET body = body || ' Gewijzigd.', content_hash = 'x' "
                       "WHERE id = ?", [doc["id"]])
            started = time.perf_counter()
            one = service.rebuild_index()
            print(f"Rebuild, one document changed: {one['updated']} updated, "
                  f"{one['embedded']} embedded, {time.perf_counter() - started:.2f} s")


def throughput(precision: str, threads: int, count: int = 320) -> None:
    from portal.search import embedder

    data = json.loads(Path(REGISTER).read_text(encoding="utf-8"))
    entries = data["algoritmes"] if isinstance(data, dict) else data
    texts = [f"{e['title']}: {e['doel']}" for e in entries if e.get("doel")][:count]
    model = embedder.get_embedder({"EMBEDDING_PRECISION": precision, "EMBEDDING_THREADS": threads})
    model.encode(texts[:32])
    started = time.perf_counter()
    model.encode(texts, batch_size=32)
    rate = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(20):
        model.encode(["hoe vraag ik gegevens op over bijstand per wijk"])
    query_ms = (time.perf_counter() - started) / 20 * 1000
    print(f"| {precision} ({model.precision}) | {threads} | {rate:.1f} | {query_ms:.1f} |")


def onnx_available() -> str:
    try:
        import optimum.onnxruntime  # noqa: F401
    except ImportError:
        return ("not usable: sentence-transformers' ONNX backend needs `optimum`, which is not "
                "installed (onnxruntime alone is not enough)")
    return "available: set EMBEDDING_BACKEND=onnx to use it"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compare", action="store_true", help="precision/threads table only")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return throughput(args.one[0], int(args.one[1]))
    print(f"Machine: {os.cpu_count()} cores\n")
    if not args.compare:
        builds()
    print("\n| precision (effective) | torch threads | chunks/s (batch 32, ~100 words) "
          "| one query ms |")
    print("| --- | ---: | ---: | ---: |")
    for precision, threads in (("fp32", 1), ("fp32", 2), ("bf16", 1), ("bf16", 2)):
        subprocess.run([sys.executable, __file__, "--one", precision, str(threads)], check=False)
    print(f"\nONNX backend: {onnx_available()}")


if __name__ == "__main__":
    main()
