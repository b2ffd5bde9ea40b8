"""`make bench-load`: a load test that must hold. gunicorn on loopback, wrk with 64 connections
for 60 seconds over a mix of pages (home, sections, 300 articles, tags, searches), while an
editor saves an article every second (bench/editor.py). It reports requests and latency; 5xx
and socket errors (a request unanswered after BENCH_TIMEOUT, 10 s, is one); "database is
locked" in the logs; the worker processes' memory every 10 seconds; and how long each save
took to reach readers. SQLite with the local memory cache, then PostgreSQL with Redis when
they answer. Exits non-zero when a check fails.

Environment: BENCH_LOAD_SECONDS (60), BENCH_LOAD_CONNECTIONS (64), BENCH_LOAD_ARTICLES (1000).
"""

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import (  # noqa: E402
    PYTHON,
    ROOT,
    Server,
    answers,
    drop_pg_database,
    flush_cache,
    pg_database,
    prepare_workdir,
    wrk,
)  # fmt: skip

SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "64"))
ARTICLES = int(os.environ.get("BENCH_LOAD_ARTICLES", "1000"))


def worker_rss_mb(master_pid):
    """Resident memory of each worker process (children of the gunicorn master), in MB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def run(label, env, workdir):
    prepared = subprocess.run(
        [PYTHON, "bench/prepare.py", str(ARTICLES)], cwd=ROOT, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(prepared.stdout.strip().splitlines()[-1])
    paths = info["paths"]
    mix = (
        paths["home"] * 20 + paths["category"] * 3 + paths["article"][:300] + paths["tag"]
        + paths["search"]
    )  # fmt: skip
    edited = paths["article"][-1].strip("/").split("/")[-1]
    flush_cache(env)
    log = workdir / f"{label.split()[0]}.log"
    with Server(env, page_cache=True, log=log) as server:
        for path in mix[:50]:
            server.get(path)
        rss_start = worker_rss_mb(server.process.pid)
        editor = subprocess.Popen(
            [PYTHON, "bench/editor.py", edited, str(server.port), str(SECONDS - 2)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        rss_samples = []
        stop = threading.Event()

        def sample():
            while not stop.wait(10):
                rss_samples.append(sum(worker_rss_mb(server.process.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        rps, p50, p99, errors, requests, longest = wrk(
            server.port, mix, workdir, CONNECTIONS, SECONDS
        )
        stop.set()
        out, err = editor.communicate(timeout=60)
        rss_end = worker_rss_mb(server.process.pid)
    edits = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"errors": [err[-500:]]}
    text = log.read_text()
    locked = text.count("database is locked")
    server_errors = text.count('"status": 5') + text.count("Internal Server Error")
    delays = sorted(edits.get("delays", []))
    return {
        "label": label, "articles": info["articles"], "requests": requests, "rps": rps,
        "p50": p50, "p99": p99, "longest": longest, "errors": errors, "locked": locked,
        "server_errors": server_errors, "saves": edits.get("saves", 0),
        "edit_errors": edits.get("errors", []),
        "visible_median": delays[len(delays) // 2] if delays else None,
        "visible_max": delays[-1] if delays else None,
        "rss_start": sum(rss_start), "rss_end": sum(rss_end), "rss_samples": rss_samples,
        "workers": len(rss_end),
    }  # fmt: skip


def main():
    if not shutil.which("wrk"):
        sys.exit("make bench-load needs wrk: apt-get install wrk")
    workdir, base = prepare_workdir("load")
    configs = [("SQLite + local memory", {"DATABASE_URL": f"sqlite:///{workdir}/load.db"})]
    if answers(5432):
        redis = {"REDIS_URL": "redis://127.0.0.1:6379/14"} if answers(6379) else {}
        name = "PostgreSQL + Redis" if redis else "PostgreSQL"
        configs.append((name, {"DATABASE_URL": pg_database("kneeinfo_load"), **redis}))
    print(f"{SECONDS} s, wrk {CONNECTIONS} connections, an editor saving every second")
    print()
    print("| database | articles | requests (req/s) | p50 / p99 / max ms | 5xx + socket errors "
          "| database is locked | saves | save visible, median / max | workers' memory every 10 s |")  # fmt: skip  # noqa: E501
    print("|---|---|---|---|---|---|---|---|---|")
    failed = False
    try:
        for label, extra in configs:
            r = run(label, base | extra, workdir)
            visible = (
                f"{r['visible_median']:.2f} / {r['visible_max']:.2f} s"
                if r["visible_max"] is not None else "–"
            )  # fmt: skip
            memory = [r["rss_start"], *r["rss_samples"], r["rss_end"]]
            print(
                f"| {label} | {r['articles']:,} | {r['requests']:,} ({r['rps']:.0f}) "
                f"| {r['p50']:.0f} / {r['p99']:.0f} / {r['longest']:.0f} "
                f"| {r['errors'] + r['server_errors']} "
                f"| {r['locked']} | {r['saves']} | {visible} "
                f"| {' → '.join(f'{m:.0f}' for m in memory)} MB ({r['workers']} workers) |",
                flush=True,
            )
            for error in r["edit_errors"][:5]:
                print(f"  editor: {error}")
            # Flat: over the second half of the run (the first fills caches) it grows < 5 %.
            halfway = memory[len(memory) // 2]
            growth = (r["rss_end"] - halfway) / max(halfway, 1)
            failed |= bool(
                r["errors"] or r["server_errors"] or r["locked"] or r["edit_errors"]
                or r["visible_max"] is None or r["visible_max"] > 5 or growth > 0.05
            )  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if answers(5432):
            drop_pg_database("kneeinfo_load")
    if failed:
        sys.exit("bench-load: a check failed (see the table)")


if __name__ == "__main__":
    main()
