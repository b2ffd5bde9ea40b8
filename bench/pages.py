"""`make bench`: the site under gunicorn on loopback, driven by wrk.

For each database (SQLite with the local memory cache; PostgreSQL with Redis when they answer)
and each corpus (our 12 articles; 10,000 generated), it serves the site with gunicorn and
measures the home, category, article, tag and search pages with the page cache off (every
request renders) and on (warm), article pages cold (a fresh server, the cache cleared, every
path different), and a static file served by WhiteNoise from the same server in the same run
as the ceiling. It prints one Markdown table. Loopback only,
bounded in time (BENCH_SECONDS per measurement), and it stops everything it started.

Environment: BENCH_COUNTS (default "0,10000"; 0 means our shipped articles only),
BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 16), BENCH_COLD_CONNECTIONS (default 4).
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
# Cold pages are measured at two connections per core: at 16 on 2 cores a request mostly
# waits for the 15 before it, and p99 measures the queue rather than the page.
# Seconds of load over every page before the warm rows, so that every worker's cache is full.
WARMUP = int(os.environ.get("BENCH_WARMUP", "15"))
# A request without an answer after this long counts as an error (wrk's own default is 2 s).
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "10"))
COLD_CONNECTIONS = int(os.environ.get("BENCH_COLD_CONNECTIONS", "4"))
COUNTS = [int(n) for n in os.environ.get("BENCH_COUNTS", "0,10000").split(",")]
PAGES = ["home", "category", "article", "tag", "search"]
LUA = """
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})
end
"""


def answers(port):
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_wrk(output):
    def ms(value, unit):
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s|m)\b", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", output)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    longest = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)\b", output)
    return rps, ms(*p50.groups()), ms(*p99.groups()), errors, requests, ms(*longest.groups())


def wrk(port, paths, workdir, connections=None, seconds=None):
    connections, seconds = connections or CONNECTIONS, seconds or SECONDS
    path_file = workdir / "paths.txt"
    path_file.write_text("\n".join(paths) + "\n")
    script = workdir / "rotate.lua"
    script.write_text(LUA)
    result = subprocess.run(
        ["wrk", "-t2", "--timeout", f"{TIMEOUT}s", f"-c{connections}", f"-d{seconds}s",
         "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        env={**os.environ, "WRK_PATHS": str(path_file)},
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    )  # fmt: skip
    if os.environ.get("BENCH_VERBOSE"):
        print(result.stdout, file=sys.stderr)
    return parse_wrk(result.stdout)


class Server:
    def __init__(self, env, page_cache, log=None):
        self.port = free_port()
        self.env = {**env, "PORT": str(self.port), "DJANGO_PAGE_CACHE": "1" if page_cache else "0"}
        self.log = log

    def __enter__(self):
        out = open(self.log, "w") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [GUNICORN, "kneeinfo.wsgi", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
            cwd=ROOT, env=self.env, stdout=out, stderr=out,
        )  # fmt: skip
        for _ in range(300):
            if answers(self.port):
                break
            time.sleep(0.1)
        return self

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
            return r.read()

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(20)


def run(label, env, count, static_path, workdir):
    prepared = subprocess.run(
        [PYTHON, "bench/prepare.py", str(count)], cwd=ROOT, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(prepared.stdout.strip().splitlines()[-1])
    rows = []
    for page_cache in (False, True):
        flush_cache(env)
        with Server(env, page_cache) as server:
            mode = "warm" if page_cache else "uncached"
            if page_cache:
                rows.append(cold_article_row(label, info, server, workdir))
            for name, paths in info["paths"].items():  # warm what each worker caches
                for path in paths[: 500 if page_cache else 3] if name != "cold article" else []:
                    server.get(path)
            if page_cache and WARMUP:  # each worker has its own cache without Redis: fill them
                every = [p for name in PAGES for p in info["paths"][name]]
                wrk(server.port, every, workdir, seconds=WARMUP)
            ceiling = wrk(server.port, [static_path], workdir)
            static = (label, info["articles"], mode, "static CSS (ceiling)", *ceiling[:4])
            rows.append((*static, "1.00", 0, "–"))
            for page in PAGES:
                rps, p50, p99, errors, *_ = wrk(server.port, info["paths"][page], workdir)
                rows.append((
                    label, info["articles"], mode, page, rps, p50, p99, errors,
                    f"{rps / ceiling[0]:.2f}", info["queries"][page], info["bytes"][page],
                ))  # fmt: skip
    return rows


def cold_article_row(label, info, server, workdir):
    """Article pages on a freshly started server with the cache cleared: the paths are all
    different, so each request renders (and computes the related articles) unless wrk came
    round to a path again; the row says how many requests over how many distinct paths."""
    paths = info["paths"]["cold article"]
    # Every worker opens its database connection first (a second of /healthz from several
    # connections at once reaches them all): "cold" is about the caches, not the processes.
    wrk(server.port, ["/healthz"], workdir, connections=8, seconds=1)
    rps, p50, p99, errors, requests, _ = wrk(server.port, paths, workdir, COLD_CONNECTIONS)
    page = f"article, cold ({requests} req. over {len(paths)} pages, {COLD_CONNECTIONS} conn.)"
    return (label, info["articles"], "cold", page, rps, p50, p99, errors, "–",
            info["queries"]["article"], info["bytes"]["article"])  # fmt: skip


def flush_cache(env):
    if env.get("REDIS_URL"):
        subprocess.run([PYTHON, "-c", FLUSH_REDIS], env=env, check=True)


FLUSH_REDIS = """
import os, redis
client = redis.Redis.from_url(os.environ["REDIS_URL"])
for key in client.scan_iter(os.environ["DJANGO_CACHE_PREFIX"] + ":*"):
    client.delete(key)
"""


def prepare_workdir(name):
    """A throw-away folder with the static files collected, and the environment for a site
    that knows nothing of this machine's own settings."""
    workdir = Path(tempfile.mkdtemp(prefix=f"kneeinfo-{name}-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    base |= {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_CACHE_PREFIX": f"kneeinfo-{name}-{secrets.token_hex(4)}",
        "HOST": "127.0.0.1",
    }
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env={**base, "DATABASE_URL": f"sqlite:///{workdir / 'x.sqlite3'}"}, check=True,
    )  # fmt: skip
    return workdir, base


def main():
    if not shutil.which("wrk"):
        sys.exit("make bench needs wrk: apt-get install wrk")
    workdir, base = prepare_workdir("bench")
    manifest = json.loads((workdir / "static" / "staticfiles.json").read_text())
    static_path = "/static/" + manifest["paths"]["css/site.css"]
    configs = [("SQLite + local memory", lambda n: {"DATABASE_URL": f"sqlite:///{workdir}/{n}.db"})]
    if answers(5432):
        redis = {"REDIS_URL": "redis://127.0.0.1:6379/14"} if answers(6379) else {}
        name = "PostgreSQL + Redis" if redis else "PostgreSQL"
        configs.append(
            (name, lambda n: {"DATABASE_URL": pg_database(f"kneeinfo_bench_{n}"), **redis})
        )
    only = os.environ.get("BENCH_ONLY", "").lower()  # e.g. "postgres": that database only
    configs = [config for config in configs if only in config[0].lower()]
    print(f"wrk: 2 threads, {CONNECTIONS} connections, {SECONDS} s per row; gunicorn as configured")
    print()
    print("| database | articles | pages | page | req/s | p50 ms | p99 ms | errors "
          "| ÷ ceiling | queries | bytes (gzip) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    try:
        for label, make_env in configs:
            for count in COUNTS:
                for row in run(label, base | make_env(count), count, static_path, workdir):
                    cells = [f"{c:.1f}" if isinstance(c, float) else str(c) for c in row]
                    print("| " + " | ".join(cells) + " |", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if answers(5432):
            for count in COUNTS:
                drop_pg_database(f"kneeinfo_bench_{count}")


def pg_database(name):
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(name):
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
