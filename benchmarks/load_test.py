"""Serving figures: time from start to the first hybrid answer, and 50 concurrent users.

Builds a temporary instance (knowledge/ and courses/; --register adds the national
algorithm register), exports the ONNX model into the shared cache, then for each
server (gunicorn with gunicorn.conf.py and 2 workers; `portal run`, the dev server):

1. starts it and asks the search page every 50 ms: the time to the first answer,
   the time to the first *hybrid* answer (no keyword notice) and the slowest answer
   seen while the engine was still loading;
2. runs a bounded closed-loop load against 127.0.0.1 only: --users threads (50), each
   sending --requests search-page requests (20) with a random think time of 0 to
   2 x --think seconds between them; every query is distinct (no query cache hits);
3. reports p50/p95/max, errors, requests/s and the resident memory of the serving
   processes.

    .venv/bin/python benchmarks/load_test.py [--servers gunicorn portal-run] [--think 0.25]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from _setup import MODEL_CACHE, REGISTER, ROOT, machine

BIN = Path(sys.executable).parent
EXTRA = ["wijk", "buurt", "gegevens", "2024", "gemeente", "inwoners", "kaart", "overzicht",
         "aanvraag", "privacy", "data", "rapport", "dashboard", "analyse", "register"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_instance(folder: str, with_register: bool) -> dict:
    env = {**os.environ, "PORTAL_INSTANCE_PATH": folder,
           "PORTAL_EMBEDDING_CACHE_FOLDER": MODEL_CACHE}
    subprocess.run([str(BIN / "portal"), "kb", "sync"], env=env, check=True,
                   capture_output=True)
    if with_register:
        subprocess.run([str(BIN / "portal"), "kb", "import-algoritmeregister", str(REGISTER)],
                       env=env, check=True, capture_output=True)
    out = subprocess.run([str(BIN / "portal"), "index", "rebuild", "--no-progress"], env=env,
                         check=True, capture_output=True, text=True).stdout
    print("  " + "\n  ".join(out.strip().splitlines()))
    return env


def queries(count: int) -> list[str]:
    base = [json.loads(line)["query"] for line in
            (ROOT / "benchmarks/eval/queries.jsonl").read_text().splitlines() if line.strip()]
    out = []
    for extra in [""] + EXTRA:
        out += [f"{q} {extra}".strip() for q in base]
    random.Random(3).shuffle(out)
    return out[:count]


def is_hybrid(html: str) -> bool:
    return "search-notice" not in html


def start(kind: str, env: dict, port: int) -> subprocess.Popen:
    if kind == "gunicorn":
        cmd = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
        env = {**env, "PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_WORKERS": "2"}
    else:
        cmd = [str(BIN / "portal"), "run", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def time_to_hybrid(base: str, started: float, limit: float = 120) -> dict:
    import requests

    first = hybrid = None
    slowest_while_loading = 0.0
    while time.perf_counter() - started < limit:
        asked = time.perf_counter()
        try:
            page = requests.get(f"{base}/zoeken/?q=gegevens+aanvragen", timeout=30)
        except requests.RequestException:
            time.sleep(0.05)
            continue
        took = time.perf_counter() - asked
        if first is None:
            first = time.perf_counter() - started
        if page.status_code == 200 and is_hybrid(page.text):
            hybrid = time.perf_counter() - started
            break
        slowest_while_loading = max(slowest_while_loading, took)
        time.sleep(0.05)
    return {"first_answer_s": round(first or -1, 2), "first_hybrid_s": round(hybrid or -1, 2),
            "slowest_answer_while_loading_ms": round(slowest_while_loading * 1000)}


def load(base: str, users: int, per_user: int, think: float, deadline_s: float) -> dict:
    import requests

    texts = queries(users * per_user)
    took, errors, modes = [], [], {"hybrid": 0, "keyword": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + deadline_s

    def user(n: int) -> None:
        rng = random.Random(n)
        session = requests.Session()
        for i in range(per_user):
            if time.perf_counter() > stop_at:
                return
            q = texts[n * per_user + i]
            started = time.perf_counter()
            try:
                page = session.get(f"{base}/zoeken/?q={quote(q)}", timeout=30)
                ok = page.status_code == 200
                hybrid = ok and is_hybrid(page.text)
            except requests.RequestException as exc:
                ok, hybrid, page = False, False, exc
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    took.append(elapsed)
                    modes["hybrid" if hybrid else "keyword"] += 1
                else:
                    errors.append(str(getattr(page, "status_code", page))[:80])
            time.sleep(rng.uniform(0, 2 * think))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    took.sort()
    return {"requests": len(took) + len(errors), "errors": len(errors),
            "error_samples": errors[:3], "modes": modes,
            "p50_ms": round(statistics.median(took), 1) if took else None,
            "p95_ms": round(took[int(0.95 * (len(took) - 1))], 1) if took else None,
            "max_ms": round(took[-1], 1) if took else None,
            "requests_per_s": round(len(took) / seconds, 1)}


def rss_mb(pid: int) -> dict:
    """Resident memory of a process and its children (gunicorn: master + workers)."""
    out = {}
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)],
                                                    capture_output=True, text=True).stdout.split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[p] = int(line.split()[1]) // 1024
        except OSError:
            pass
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", nargs="*", default=["gunicorn", "portal-run"])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per user")
    parser.add_argument("--think", type=float, default=0.25, help="mean think time, seconds")
    parser.add_argument("--deadline", type=float, default=240, help="seconds per load run")
    parser.add_argument("--register", action="store_true", help="also index the register")
    args = parser.parse_args()
    print(machine("onnx-int8 (default auto)", 1) + " per query; gunicorn: 2 workers x 4 "
          "threads; the load script runs on the same 2 cores (noisy)")
    with tempfile.TemporaryDirectory(prefix="load-test-") as tmp:
        print("Instance:")
        env = build_instance(tmp, args.register)
        rows = []
        for kind in args.servers:
            port = free_port()
            started = time.perf_counter()
            server = start(kind, env, port)
            try:
                base = f"http://127.0.0.1:{port}"
                startup = time_to_hybrid(base, started)
                time.sleep(1)  # let every worker finish loading before the load
                result = load(base, args.users, args.requests, args.think, args.deadline)
                memory = rss_mb(server.pid)
            finally:
                server.terminate()
                server.wait(timeout=30)
            row = {"server": kind, **startup, **result, "rss_mb": memory}
            print(f"{kind}: {json.dumps(row)}", flush=True)
            rows.append(row)
    print(f"\n{args.users} users x {args.requests} search-page requests, think time "
          f"0-{2 * args.think:g} s\n")
    print("| server | first answer s | first hybrid answer s | slowest answer while loading ms "
          "| requests | errors | p50 ms | p95 ms | max ms | req/s | RSS MB per process |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        print(f"| {r['server']} | {r['first_answer_s']} | {r['first_hybrid_s']} | "
              f"{r['slowest_answer_while_loading_ms']} | {r['requests']} | {r['errors']} | "
              f"{r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['requests_per_s']} | "
              f"{', '.join(str(v) for v in r['rss_mb'].values())} |")


if __name__ == "__main__":
    main()
