"""Embedding speed and agreement per runtime, on real Dutch chunks.

Chunks the national algorithm register (../shared/data/algoritmeregister.json or
PORTAL_REGISTER_JSON) the way the index does, takes a fixed sample, and for each
runtime and thread count measures in a fresh process:

- chunks/s embedding the sample (batch 32, sorted by length as the index does);
- one query embedding: median and p95 over 200 short queries;
- for ONNX: cosine against plain sentence-transformers fp32 on the same chunks.

    .venv/bin/python benchmarks/embedding_runtime.py [--sample 320]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

from _setup import MODEL_CACHE, REGISTER, ROOT, machine

RUNS = [("onnx-int8", 1), ("onnx-int8", 2), ("onnx-fp32", 1), ("onnx-fp32", 2),
        ("torch-fp32", 1), ("torch-fp32", 2), ("torch-bf16", 1)]
QUERIES = ["hoe vraag ik gegevens op over bijstand per wijk", "dpia", "parkeerdruk",
           "algoritme voor fraudedetectie bij uitkeringen", "open data over afval",
           "wie helpt met een dashboard", "energiearmoede", "camera's in de openbare ruimte"]


def sample_chunks(count: int) -> list[str]:
    """Embed texts of the register's chunks (title and heading prefixed), every n-th."""
    from portal import create_app, migrations
    from portal.db import get_db
    from portal.kb import register
    from portal.kb import service as kb
    from portal.search import chunking

    with tempfile.TemporaryDirectory(prefix="embedding-sample-") as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench",
                          "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
                          "COURSES_DIR": str(ROOT / "courses")})
        with app.app_context():
            migrations.upgrade(get_db())
            register.import_file(REGISTER)
            texts = [c.embed_text for doc in kb.documents_for_index()
                     for c in chunking.chunk_document(doc)]
    step = max(1, len(texts) // count)
    return texts[::step][:count]


def config_for(runtime: str, threads: int) -> dict:
    if runtime.startswith("torch-"):
        return {"EMBEDDING_RUNTIME": "torch", "EMBEDDING_PRECISION": runtime[6:],
                "EMBEDDING_THREADS": threads}
    return {"EMBEDDING_RUNTIME": runtime, "EMBEDDING_THREADS": threads,
            "EMBEDDING_CACHE_FOLDER": MODEL_CACHE}


def one(runtime: str, threads: int, path: str) -> None:
    import numpy as np

    from portal.search import embedder

    texts = json.loads(open(path, encoding="utf-8").read())
    started = time.perf_counter()
    model = embedder.get_embedder(config_for(runtime, threads))
    load = time.perf_counter() - started
    assert model.runtime == runtime, (model.runtime, model.fallback_reason)
    model.encode(texts[:32])
    started = time.perf_counter()
    vectors = model.encode(texts, batch_size=32)
    rate = len(texts) / (time.perf_counter() - started)
    took = []
    for i in range(200):
        started = time.perf_counter()
        model.encode([f"{QUERIES[i % len(QUERIES)]} {i}"])
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    np.save(path + f".{runtime}.npy", vectors)
    print(json.dumps({"runtime": runtime, "threads": threads, "load_s": round(load, 2),
                      "chunks_per_s": round(rate, 1),
                      "query_ms_p50": round(statistics.median(took), 2),
                      "query_ms_p95": round(took[int(0.95 * (len(took) - 1))], 2),
                      "machine": machine(runtime, threads)}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=320)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--runs", nargs="*", help="e.g. onnx-int8:2 torch-fp32:1")
    args = parser.parse_args()
    if args.one:
        return one(args.one[0], int(args.one[1]), args.one[2])
    import numpy as np

    runs = [(r.split(":")[0], int(r.split(":")[1])) for r in args.runs] if args.runs else RUNS
    texts = sample_chunks(args.sample)
    words = statistics.mean(len(t.split()) for t in texts)
    print(machine("(per row)", 0).split("; runtime")[0])
    print(f"Sample: {len(texts)} register chunks, {words:.0f} words on average; "
          f"the timings share 2 cores with other work on this machine (noisy)\n")
    with tempfile.TemporaryDirectory(prefix="embedding-runtime-") as tmp:
        path = f"{tmp}/texts.json"
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(texts, handle)
        rows = []
        for runtime, threads in runs:
            out = subprocess.run([sys.executable, __file__, "--one", runtime, str(threads), path],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{runtime} x{threads}: failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"  {rows[-1]}", flush=True)
        reference = None
        try:
            reference = np.load(path + ".torch-fp32.npy")
        except OSError:
            pass
        base = next((r["chunks_per_s"] for r in rows
                     if (r["runtime"], r["threads"]) == ("torch-fp32", 1)), None)
        print("\n| runtime | threads | chunks/s | × torch fp32 1 thread | query p50 ms "
              "| query p95 ms | load s | cosine to torch fp32 (mean / min) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for r in rows:
            cosine = ""
            if reference is not None:
                vectors = np.load(path + f".{r['runtime']}.npy")
                cos = (vectors * reference).sum(axis=1)
                cosine = f"{cos.mean():.4f} / {cos.min():.4f}"
            ratio = f"{r['chunks_per_s'] / base:.1f}" if base else ""
            print(f"| {r['runtime']} | {r['threads']} | {r['chunks_per_s']} | {ratio} | "
                  f"{r['query_ms_p50']} | {r['query_ms_p95']} | {r['load_s']} | {cosine} |")


if __name__ == "__main__":
    main()
