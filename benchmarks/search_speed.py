"""Query latency and memory of the search engine at 10,000 and 100,000 chunks.

For each size a temporary instance is filled with synthetic documents made from
the algorithm register's texts (../shared/data/algoritmeregister.json, or
PORTAL_REGISTER_JSON), repeated with variations, chunked and keyword-indexed
the normal way. Their vectors come from a fast random embedder (embedding
100,000 chunks with the real model would take half an hour and does not change
what an exhaustive faiss search costs). Queries are then run end to end through
service.search() in a fresh process with the real packaged model embedding
each query (default runtime: ONNX int8, one thread; --runtime torch for
sentence-transformers), faiss on one OpenMP thread. Resident memory is read from
/proc/self/status (VmRSS, VmHWM) in that query process, which also reports
whether torch was imported there.

    .venv/bin/python benchmarks/search_speed.py [--sizes 10000 100000] [--queries 200]
                                                [--runtime auto|onnx-int8|onnx-fp32|torch]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import MODEL_CACHE, REGISTER, ROOT, machine
HEADINGS = ["Doel", "Werking", "Gegevens", "Menselijke tussenkomst", "Risico's", "Status"]


def _app(instance: str, **config):
    from portal import create_app

    return create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                       "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
                       "COURSES_DIR": str(ROOT / "courses"),
                       "EMBEDDING_CACHE_FOLDER": MODEL_CACHE,
                       "EMBEDDING_RUNTIME": os.environ.get("BENCH_RUNTIME", "auto"), **config})


def _texts() -> list[str]:
    data = json.loads(Path(REGISTER).read_text(encoding="utf-8"))
    entries = data["algoritmes"] if isinstance(data, dict) else data
    return [f"{e.get('title', '')}. {e.get('doel', '')} {e.get('organisatie', '')}"
            for e in entries if e.get("doel")]


class RandomEmbedder:
    """Normalised random vectors: as costly to search as real ones, free to make."""

    def __init__(self, dim=384):
        self.dim, self.name = dim, "bench-random"
        self.rng = __import__("numpy").random.default_rng(7)

    def encode(self, texts, batch_size=32, progress=False):
        import numpy as np

        vectors = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def build(instance: str, chunks: int) -> None:
    from portal import migrations
    from portal.db import get_db
    from portal.kb import service as kb
    from portal.search import embedder, indexer

    texts = _texts()
    rng = random.Random(1)
    app = _app(instance, EMBEDDING_MODEL="bench:random")
    embedder.install(app.config, RandomEmbedder())
    per_doc = 5
    docs = []
    for n in range(chunks // (per_doc + 1)):  # + the summary chunk
        parts = []
        for heading in HEADINGS[:per_doc]:
            words = " ".join(rng.sample(texts, 3)).split()
            parts.append(f"## {heading}\n\n" + " ".join(words[:150]))
        base = texts[n % len(texts)]
        docs.append({"id": f"synth-{n}", "type": rng.choice(["algorithm", "dataset", "project"]),
                     "title": base.split(".")[0][:80] + f" ({n})", "summary": base[:200],
                     "body": "\n\n".join(parts), "tags": [], "source": "bench",
                     "content_hash": f"h{n}"})
    with app.app_context():
        db = get_db()
        migrations.upgrade(db)
        started = time.perf_counter()
        kb.apply_documents(docs, ("bench",))
        report = indexer.rebuild(db, app.config, kb.documents_for_index())
        print(f"  built {report['chunks']} chunks from {len(docs)} documents in "
              f"{time.perf_counter() - started:.0f} s", flush=True)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def query(instance: str, count: int) -> None:
    from portal.search import embedder, service

    queries = [json.loads(line)["query"] for line in
               (ROOT / "benchmarks/eval/queries.jsonl").read_text().splitlines() if line.strip()]
    texts = _texts()
    rng = random.Random(2)
    while len(queries) < count:  # more queries: word pairs from the register
        words = rng.choice(texts).split()
        start = rng.randrange(max(1, len(words) - 3))
        queries.append(" ".join(words[start:start + rng.choice((1, 2, 3))]))
    app = _app(instance)  # the real packaged model for queries
    with app.app_context():
        first = time.perf_counter()
        warm = service.search("warm up")
        load_ms = (time.perf_counter() - first) * 1000
        assert warm.mode == "hybrid", warm.notice
        took = []
        for q in queries[:count]:
            started = time.perf_counter()
            service.search(q, limit=10)
            took.append((time.perf_counter() - started) * 1000)
        model = embedder.get_embedder(app.config)
        heavy = [m for m in ("torch", "sentence_transformers") if m in sys.modules]
        embed = []  # the query embedding alone (part of the end-to-end time above)
        for q in queries[:count]:
            started = time.perf_counter()
            model.encode([q])
            embed.append((time.perf_counter() - started) * 1000)
        app.config["SEARCH_ENGINE"] = "keyword"  # the same queries without the dense side
        keyword = []
        for q in queries[:count]:
            started = time.perf_counter()
            service.search(q, limit=10)
            keyword.append((time.perf_counter() - started) * 1000)
    embed.sort()
    keyword.sort()
    took.sort()
    p95 = took[int(0.95 * (len(took) - 1))]
    print(json.dumps({"machine": machine(model.runtime, model.threads),
                      "torch_loaded": bool(heavy), "queries": len(took),
                      "p50_ms": round(statistics.median(took), 1),
                      "p95_ms": round(p95, 1), "max_ms": round(took[-1], 1),
                      "embed_p50_ms": round(statistics.median(embed), 1),
                      "embed_p95_ms": round(embed[int(0.95 * (len(embed) - 1))], 1),
                      "keyword_only_p50_ms": round(statistics.median(keyword), 1),
                      "keyword_only_p95_ms": round(keyword[int(0.95 * (len(keyword) - 1))], 1),
                      "first_query_ms": round(load_ms), "vmrss_mb": _status_kb("VmRSS") // 1024,
                      "vmhwm_mb": _status_kb("VmHWM") // 1024}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--build", nargs=2, metavar=("INSTANCE", "CHUNKS"), help=argparse.SUPPRESS)
    parser.add_argument("--query", metavar="INSTANCE", help=argparse.SUPPRESS)
    parser.add_argument("--runtime", default=os.environ.get("BENCH_RUNTIME", "auto"),
                        help="EMBEDDING_RUNTIME of the query process")
    args = parser.parse_args()
    os.environ["BENCH_RUNTIME"] = args.runtime  # reaches the build and query processes
    if args.build:
        return build(args.build[0], int(args.build[1]))
    if args.query:
        return query(args.query, args.queries)
    from portal.search import embedder

    with tempfile.TemporaryDirectory() as tmp:  # export once, outside the timed processes
        embedder.export_onnx(_app(tmp).config)
    print("faiss exhaustive inner product (float16 index), 1 OpenMP thread; timings share the "
          "cores with other work on this machine (noisy)\n")
    rows, machine_line = [], ""
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"search-speed-{size}-") as tmp:
            print(f"{size} chunks:", flush=True)
            subprocess.run([sys.executable, __file__, "--build", tmp, str(size)], check=True)
            out = subprocess.run([sys.executable, __file__, "--query", tmp,
                                  "--queries", str(args.queries)], check=True,
                                 capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            print(f"  {result}", flush=True)
            machine_line = result["machine"]
            rows.append((size, result))
    print(f"\n{machine_line}; torch in the query process: "
          f"{'yes' if rows and rows[-1][1]['torch_loaded'] else 'no'}")
    print("\n| chunks | queries | p50 ms | p95 ms | max ms | query embedding p50 / p95 ms "
          "| keyword-only p50 / p95 ms | first query ms (model load) | VmRSS MB | VmHWM MB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, r in rows:
        print(f"| {size:,} | {r['queries']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | "
              f"{r['embed_p50_ms']} / {r['embed_p95_ms']} | "
              f"{r['keyword_only_p50_ms']} / {r['keyword_only_p95_ms']} | {r['first_query_ms']} | "
              f"{r['vmrss_mb']} | {r['vmhwm_mb']} |")


if __name__ == "__main__":
    main()
