"""Search quality on benchmarks/eval/queries.jsonl: keyword-only, dense-only and hybrid.

Builds a temporary instance from knowledge/ and courses/ (kb sync + index rebuild
with the configured model, default the packaged all-MiniLM-L6-v2), then prints
MRR@10, nDCG@10 and recall@10 per mode.

    .venv/bin/python benchmarks/search_quality.py            # the table
    .venv/bin/python benchmarks/search_quality.py --tune     # + a grid over fusion settings
    .venv/bin/python benchmarks/search_quality.py --misses   # + queries hybrid gets wrong
    .venv/bin/python benchmarks/search_quality.py --runtime torch   # onnx-int8 | onnx-fp32 | torch
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path

from _setup import MODEL_CACHE, ROOT, machine  # noqa: E402  (also puts the project on the path)

from portal import create_app, migrations  # noqa: E402
from portal.db import get_db  # noqa: E402
from portal.search import embedder, fts, fusion, service, text  # noqa: E402

K = 10


def load_queries(path: Path) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def metrics(ranking: list[str], relevant: set[str]) -> tuple[float, float, float]:
    top = ranking[:K]
    rr = next((1 / (i + 1) for i, d in enumerate(top) if d in relevant), 0.0)
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(top) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), K)))
    recall = len([d for d in top if d in relevant]) / len(relevant)
    return rr, dcg / ideal if ideal else 0.0, recall


def evaluate(rankings: dict[str, list[list[str]]], queries) -> dict[str, tuple]:
    table = {}
    for mode, lists in rankings.items():
        scores = [metrics(r, set(q["relevant"])) for r, q in zip(lists, queries)]
        table[mode] = tuple(sum(s[i] for s in scores) / len(scores) for i in range(3))
    return table


def print_table(table, n) -> None:
    print(f"\n{n} queries; metrics @{K}\n")
    print("| mode | MRR@10 | nDCG@10 | recall@10 |")
    print("| --- | ---: | ---: | ---: |")
    for mode, (mrr, ndcg, recall) in table.items():
        print(f"| {mode} | {mrr:.3f} | {ndcg:.3f} | {recall:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default=str(ROOT / "benchmarks/eval/queries.jsonl"))
    parser.add_argument("--tune", action="store_true", help="grid over fusion settings")
    parser.add_argument("--misses", action="store_true", help="list hybrid's misses")
    parser.add_argument("--runtime", default="auto", help="EMBEDDING_RUNTIME (default auto)")
    args = parser.parse_args()
    queries = load_queries(Path(args.queries))

    with tempfile.TemporaryDirectory(prefix="search-quality-") as tmp:
        app = create_app({
            "INSTANCE_PATH": tmp, "SECRET_KEY": "bench",
            "KNOWLEDGE_DIR": str(ROOT / "knowledge"), "COURSES_DIR": str(ROOT / "courses"),
            "EMBEDDING_RUNTIME": args.runtime, "EMBEDDING_CACHE_FOLDER": MODEL_CACHE,
        })
        with app.app_context():
            from portal.kb import service as kb

            db = get_db()
            migrations.upgrade(db)
            synced = kb.sync_folders()
            report = service.rebuild_index()
            print(f"Documents: {report['documents']} ({len(synced['errors'])} load errors), "
                  f"chunks: {report['chunks']}, model: {report['model']}, "
                  f"build {report['seconds']} s")
            model = embedder.get_embedder(app.config)
            print(machine(model.runtime, model.threads))

            keyword, dense = [], []
            for q in queries:
                terms = text.query_terms(service.clean_query(q["query"]))
                keyword.append(fusion.collapse(fts.search(db, terms, None, service.KEYWORD_CHUNKS)))
                dense.append(service._dense(db, app.config, service.clean_query(q["query"]),
                                            None) or [])

            def hybrid(**params):
                return [[r.document_id for r in fusion.fuse(kw, de, **params)]
                        for kw, de in zip(keyword, dense)]

            rankings = {
                "keyword": [[d for d, _c, _s in kw] for kw in keyword],
                "dense": [[d for d, _c, _s in de] for de in dense],
                "hybrid": hybrid(),
            }
            table = evaluate(rankings, queries)
            print_table(table, len(queries))
            print(f"\nFusion: K={fusion.K}, keyword weight {fusion.KEYWORD_WEIGHT}, dense weight "
                  f"{fusion.DENSE_WEIGHT}, dense similarity floor {fusion.DENSE_FLOOR}")

            if args.tune:
                print("\n| K | dense weight | floor | MRR@10 | nDCG@10 | recall@10 |")
                print("| ---: | ---: | ---: | ---: | ---: | ---: |")
                results = []
                for k in (5, 10, 20, 60):
                    for weight in (0.2, 0.35, 0.5, 0.7, 1.0):
                        for floor in (0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
                            scores = evaluate({"h": hybrid(k=k, dense_weight=weight,
                                                           floor=floor)}, queries)["h"]
                            results.append(((k, weight, floor), scores))
                for (k, weight, floor), (mrr, ndcg, rec) in sorted(
                        results, key=lambda r: -r[1][1])[:15]:
                    print(f"| {k} | {weight} | {floor} | {mrr:.3f} | {ndcg:.3f} | {rec:.3f} |")

            if args.misses:
                print("\nQueries where hybrid's top 3 has no relevant document:")
                for q, ranking in zip(queries, rankings["hybrid"]):
                    if not set(ranking[:3]) & set(q["relevant"]):
                        print(f"- {q['query']!r}: got {ranking[:3]}, want {q['relevant']}")


if __name__ == "__main__":
    main()
