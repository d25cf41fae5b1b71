"""The assistant on its labelled set benchmarks/eval/assistant.jsonl.

Builds a temporary instance from knowledge/ and courses/ (kb sync + index rebuild with
the configured model, default the packaged all-MiniLM-L6-v2), asks every message as a
fresh, not-logged-in conversation that is not stored, and prints:

- correct sourced answers: action "answer", a source among `docs`, the `fact` in the reply
- clarifications: action "clarify" on the lines labelled clarify
- action accuracy: the expected action on the `kind: action` lines
- out-of-scope answered confidently: an "answer" (or an action) on `kind: out_of_scope`
- p50/p95 time per turn, the CPU model and the search runtime
- the threshold trade-off (--tune): the same figures per answer threshold
- the passage weights (--tune-passages): correct sourced answers per weight setting of
  the passage choice (portal/chat/answer.PASSAGE_WEIGHTS), on the even lines (where they
  are chosen) and on the odd lines (held out), so a choice that only fits the lines it was
  tuned on shows as a gap between the two columns

    .venv/bin/python benchmarks/assistant_eval.py [--tune] [--tune-passages] [--misses]
    .venv/bin/python benchmarks/assistant_eval.py --set benchmarks/eval/assistant_holdout.jsonl

The second set was written afterwards from the knowledge base alone, by someone who had not
seen the assistant's code or its misses: the honest check of anything tuned on the first.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
from pathlib import Path

from _setup import ROOT  # noqa: E402  (also puts the project on the path)

from portal import create_app, migrations  # noqa: E402
from portal.db import get_db  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def normal(text: str) -> str:
    return " ".join((text or "").lower().split())


def judge(row: dict, out: dict) -> dict:
    action = out["action"]
    sources = {s["id"] for s in out["sources"]} | {s["id"] for s in out.get("choices", [])}
    verdict = {"correct": False, "clarified": False, "action_ok": False, "oos_confident": False}
    if row["kind"] == "question" and row["action"] == "answer":
        verdict["correct"] = (action == "answer" and bool(sources & set(row["docs"]))
                              and normal(row["fact"]) in normal(out["reply"]))
    elif row["kind"] == "question":  # clarify
        verdict["clarified"] = action == "clarify" and bool(sources & set(row["docs"]))
    elif row["kind"] == "action":
        verdict["action_ok"] = action == row["action"]
    else:
        verdict["oos_confident"] = action not in ("fallback", "greeting")
    return verdict


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(app, rows):
    from portal.chat import service as chat

    results = []
    for row in rows:
        out = chat.handle(None, row["message"], store_turn=False)
        results.append((row, out, judge(row, out)))
    return results


def halves(rows):
    """(even lines, odd lines), counting lines from 1 as an editor does."""
    return rows[1::2], rows[0::2]


def tune_passages(app, rows) -> None:
    from portal.chat import answer

    even, odd = ([r for r in half if r["kind"] == "question" and r["action"] == "answer"]
                 for half in halves(rows))
    grid = [{"heading": h, "similarity": s, "engine": e, "type": t, "cue": c}
            for h in (0.5, 1.0) for s in (0.0, 0.25) for e in (0.2, 0.5) for t in (0.0, 0.5)
            for c in (0.0, 1.0)]
    default = dict(answer.PASSAGE_WEIGHTS)
    print("\npassage weights (heading, similarity, engine, type, cue)   even lines (tune)   odd lines (held out)")
    best = None
    for weights in grid:
        answer.PASSAGE_WEIGHTS.update(weights)
        e = summary(run(app, even))["correct"]
        o = summary(run(app, odd))["correct"]
        mark = "  <- configured" if all(default[k] == v for k, v in weights.items()) else ""
        print(f"  {weights['heading']:>4} {weights['similarity']:>4} {weights['engine']:>4} "
              f"{weights['type']:>4} {weights['cue']:>4}"
              f"{fmt(e):>32}{fmt(o):>22}{mark}")
        if best is None or e[0] > best[0][0]:
            best = (e, o, weights)
    answer.PASSAGE_WEIGHTS.update(default)
    print(f"best on the even lines: {best[2]} -> even {fmt(best[0])}, odd {fmt(best[1])}")


def calibration(results) -> None:
    """How often an answer is right per confidence band: the reliability of the score."""
    bands = [(0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)]
    print("Confidence of the answers given to questions (reliability):")
    for low, high in bands:
        picked = [(r, out, v) for r, out, v in results if r["kind"] == "question"
                  and r["action"] == "answer" and out["action"] == "answer"
                  and low <= out["confidence"] < high]
        if not picked:
            continue
        source = sum(bool({x["id"] for x in out["sources"]} & set(r["docs"]))
                     for r, out, _ in picked)
        correct = sum(v["correct"] for _, _, v in picked)
        print(f"  {low:.1f}-{min(high, 1.0):.1f}: {len(picked):>3} answers, right source "
              f"{fmt((source, len(picked)))}, correct {fmt((correct, len(picked)))}")


def summary(results) -> dict:
    def share(kind, action, key):
        sel = [v for r, _, v in results if r["kind"] == kind and (action is None
                                                                  or r["action"] == action)]
        return sum(v[key] for v in sel), len(sel)

    return {"correct": share("question", "answer", "correct"),
            "clarified": share("question", "clarify", "clarified"),
            "actions": share("action", None, "action_ok"),
            "oos": share("out_of_scope", None, "oos_confident")}


def fmt(pair) -> str:
    n, total = pair
    return f"{n}/{total} ({100 * n / total:.1f}%)" if total else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default=str(ROOT / "benchmarks" / "eval" / "assistant.jsonl"))
    parser.add_argument("--tune", action="store_true", help="the threshold trade-off")
    parser.add_argument("--tune-passages", action="store_true",
                        help="passage weights, tuned on even lines, checked on odd lines")
    parser.add_argument("--misses", action="store_true", help="list the lines it gets wrong")
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.set).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench",
                          "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
                          "COURSES_DIR": str(ROOT / "courses")})
        with app.test_request_context("/"):
            from portal.kb import service as kb
            from portal.search import service as search

            migrations.upgrade(get_db())
            kb.sync_folders()
            report = search.rebuild_index()
            search.warm_up()
            mode = search.search("datashop").mode
            state = search.engine_state()
            print(f"CPU: {cpu_model()}; search runtime: {state.get('runtime') or state['state']}, "
                  f"model {report['model']}, mode {mode}")
            results = run(app, rows)
            s = summary(results)
            times = [out["took_ms"] for _, out, _ in results]
            print(f"Messages: {len(rows)}; threshold {app.config['ASSISTANT_ANSWER_THRESHOLD']}, "
                  f"clarify margin {app.config['ASSISTANT_CLARIFY_MARGIN']}")
            print(f"Correct sourced answers:          {fmt(s['correct'])}   (target >= 85%)")
            even, odd = halves(results)
            print(f"  of which on even lines {fmt(summary(even)['correct'])}, "
                  f"odd lines {fmt(summary(odd)['correct'])}")
            print(f"Clarifications (ambiguous lines): {fmt(s['clarified'])}")
            print(f"Actions recognised:               {fmt(s['actions'])}   (target >= 90%)")
            print(f"Out of scope answered confidently: {fmt(s['oos'])}   (target <= 5%)")
            print(f"Time per turn: p50 {percentile(times, 0.5):.1f} ms, "
                  f"p95 {percentile(times, 0.95):.1f} ms   (target p95 <= 150 ms)")
            calibration(results)
            if args.misses:
                for row, out, v in results:
                    if not any(v.values()) and row["kind"] != "out_of_scope" or v["oos_confident"]:
                        print(f"  {row['id']} want {row['action']:<13} got {out['action']:<13} "
                              f"{row['message'][:60]!r} -> {[x['id'] for x in out['sources']]}")
            if args.tune_passages:
                tune_passages(app, rows)
            if args.tune:
                print("\nthreshold  correct  wrong-doc answers  clarified  oos-confident")
                for threshold in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
                    app.config["ASSISTANT_ANSWER_THRESHOLD"] = threshold
                    tuned = run(app, rows)
                    t = summary(tuned)
                    wrong = sum(1 for r, out, _ in tuned if r["kind"] == "question"
                                and r["action"] == "answer" and out["action"] == "answer"
                                and not {x["id"] for x in out["sources"]} & set(r["docs"]))
                    print(f"{threshold:>9}  {fmt(t['correct']):>16}  {wrong:>17}  "
                          f"{fmt(t['clarified']):>14}  {fmt(t['oos'])}")


if __name__ == "__main__":
    main()
