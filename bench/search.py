"""`make bench-search`: search latency at 10,000 articles against a naive icontains baseline.

Run by bench/run_search.sh once per engine with DATABASE_URL pointing at a throw-away database.
Prints one Markdown table row per measurement."""

import os
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeinfo.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402

from articles import search  # noqa: E402
from articles.models import Article  # noqa: E402
from bench.corpus import build  # noqa: E402

QUERIES = [
    "back of my knee feels weak", "pins and needles", "knee gives way", "swollen after a fall",
    "bow legs", "knock knees", "sciatica", "shooting pain down my leg", "numb leg", "torn acl",
    "heard a pop", "broken kneecap", "cannot put weight on my leg", "wear and tear", "gout",
    "pseudogout", "stiff knee in the morning", "hot swollen joint", "weak thigh muscles",
    "quads", "hamstring strain", "too much running", "tired legs", "exercises for knees",
    "physio", "painkillers", "ibuprofen", "ice or heat", "desk job", "good shoes",
    "when to see a doctor", "bladder control", "flat feet", "osteonecrosis", "dashboard injury",
    "sciatca", "arthritus", "ligement", "swelling behind knee", "calf pain", "tingling",
    "weakness", "stiffness", "instability", "knee pain when climbing stairs", "runner's knee",
    "pain at night", "cracked bone", "trapped nerve", "water on the knee",
]  # fmt: skip


def timed(function, repeat=3):
    samples = []
    for _ in range(repeat):
        for query in QUERIES:
            started = time.perf_counter()
            function(query)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def naive(query):
    """The baseline: every word must appear somewhere, by icontains, newest first; like our
    page, it shows the number of results and the first ten."""
    condition = Q()
    for word in search.words(query):
        condition &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
    found = Article.objects.published().filter(condition)
    return found.count(), list(found.order_by("-published_at")[:10])


def yardstick():
    """Seconds for a plain Python loop: how fast this machine runs Python today. Machines
    here differ by up to 2.5x from session to session, and the search page is mostly Python
    while the naive baseline is mostly SQLite's own C code, so compare runs with it."""
    started = time.perf_counter()
    total = 0
    for number in range(5_000_000):
        total += number
    return time.perf_counter() - started


def main():
    count = int(os.environ.get("BENCH_ARTICLES", "10000"))
    loop_seconds = min(yardstick() for _ in range(3))
    call_command("migrate", verbosity=0)
    index_seconds = build(count)
    engine = connection.vendor
    total = Article.objects.count()
    from django.conf import settings

    settings.PAGE_CACHE = False  # measure the search itself, not the page cache
    client = Client()

    def get(path, query):
        response = client.get(path, query)
        # An error page is fast too: time only real answers.
        assert response.status_code == 200, (path, query, response.status_code)
        return response

    rows = []
    for name, function in [
        ("search function", lambda q: search.search(q)),
        ("/search/ page", lambda q: get("/search/", {"q": q, "page": "1"})),
        ("/search/suggest/", lambda q: get("/search/suggest/", {"q": q[:4]})),
        ("naive icontains", naive),
    ]:
        function(QUERIES[0])  # warm up
        median, p95 = timed(function)
        rows.append((name, median, p95))
    print(f"| {engine} | articles | {total} | index build | {index_seconds:.1f} s |")
    print(f"| {engine} | Python yardstick: 5M-step loop | {loop_seconds:.2f} s | | |")
    for name, median, p95 in rows:
        print(f"| {engine} | {name} | median {median:.2f} ms | p95 {p95:.2f} ms | |")
    naive_p95 = rows[-1][2]
    print(f"| {engine} | naive p95 / search page p95 | {naive_p95 / rows[1][2]:.1f}x | | |")
    print(f"| {engine} | naive p95 / search function p95 | {naive_p95 / rows[0][2]:.1f}x | | |")


if __name__ == "__main__":
    main()
