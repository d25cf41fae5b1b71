"""Index build speed with the real model, and a rebuild with nothing changed.

Loads the algorithm register (1,530 entries, ../shared/data/algoritmeregister.json
or PORTAL_REGISTER_JSON) plus knowledge/ and courses/ into a temporary instance,
then runs `rebuild_index()` three times:

1. full build: every chunk embedded (chunks/s), with the configured runtime
   (default: ONNX int8 on every core; the ONNX export is cached, so not timed);
2. nothing changed: no chunk embedded, time for the whole rebuild;
3. one document changed: only its chunks embedded.

Then, in the same run, plain sentence-transformers fp32 on one thread embeds a
sample of the same chunks, for the speed-up (`--runtime` and `--threads` choose the
build's runtime; benchmarks/embedding_runtime.py compares all runtimes).

    .venv/bin/python benchmarks/index_build.py [--runtime auto] [--threads 0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

from _setup import MODEL_CACHE, REGISTER, ROOT, machine


def _app(instance: str, **config):
    from portal import create_app

    return create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                       "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
                       "COURSES_DIR": str(ROOT / "courses"),
                       "EMBEDDING_CACHE_FOLDER": MODEL_CACHE, **config})


def builds(runtime: str, threads: int, baseline_sample: int) -> None:
    from portal import migrations
    from portal.db import get_db
    from portal.kb import register
    from portal.kb import service as kb
    from portal.search import embedder, service

    with tempfile.TemporaryDirectory(prefix="index-build-") as tmp:
        app = _app(tmp, EMBEDDING_RUNTIME=runtime, EMBEDDING_BUILD_THREADS=threads)
        with app.app_context():
            db = get_db()
            migrations.upgrade(db)
            kb.sync_folders()
            register.import_file(REGISTER)
            embedder.export_onnx(app.config)  # set-up step of `portal index rebuild`, cached
            started = time.perf_counter()
            full = service.rebuild_index()
            seconds = time.perf_counter() - started
            model = embedder.get_embedder(app.config, threads=embedder.build_threads(app.config))
            print(machine(model.runtime, model.threads))
            rate = full["embedded"] / seconds
            print(f"Full build: {full['documents']} documents, {full['chunks']} chunks, "
                  f"{full['embedded']} embedded in {seconds:.1f} s "
                  f"(incl. model load): {rate:.1f} chunks/s")
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
            texts = [row[0] for row in db.execute("SELECT embed_text FROM search_chunks "
                                                  "ORDER BY id")]
        step = max(1, len(texts) // baseline_sample)
        path = f"{tmp}/baseline.json"
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(texts[::step][:baseline_sample], handle)
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks/embedding_runtime.py"),
                              "--one", "torch-fp32", "1", path], capture_output=True, text=True)
        if out.returncode:
            print(f"Baseline failed: {out.stderr.strip().splitlines()[-1:]}")
            return
        base = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"Baseline in the same run: {base['machine']}: {base['chunks_per_s']} chunks/s on "
              f"{baseline_sample} of the same chunks; the build was "
              f"{rate / base['chunks_per_s']:.1f}x that")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", default="auto", help="EMBEDDING_RUNTIME for the build")
    parser.add_argument("--threads", type=int, default=0, help="build threads (0: every core)")
    parser.add_argument("--baseline-sample", type=int, default=200)
    args = parser.parse_args()
    print("Timings share the machine's cores with other work here: noisy.")
    builds(args.runtime, args.threads, args.baseline_sample)


if __name__ == "__main__":
    main()
