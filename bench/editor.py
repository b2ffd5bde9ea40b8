"""The editor of `make bench-load`: saves one article every second through the ORM (the same
save the admin makes, in its own process, against the same database and cache) and measures
how long readers take to see each save. Prints one JSON line at the end.

    python bench/editor.py SLUG PORT SECONDS
"""

import json
import os
import sys
import time
import urllib.request

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeinfo.settings")
django.setup()

from django.db import transaction  # noqa: E402

from articles.models import Article  # noqa: E402


def main():
    slug, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    url = f"http://127.0.0.1:{port}/articles/{slug}/"
    delays, errors, saves = [], [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        marker = f"bench-save-{saves}-{time.time_ns()}"
        try:
            with transaction.atomic():
                article = Article.objects.select_for_update().get(slug=slug)
                article.summary = f"Saved by the benchmark editor: {marker}."
                article.save()
            saves += 1
            saved = time.monotonic()
            while True:  # until a reader gets the new text (or 30 s pass)
                with urllib.request.urlopen(url, timeout=10) as response:
                    if marker in response.read().decode():
                        delays.append(time.monotonic() - saved)
                        break
                if time.monotonic() - saved > 30:
                    errors.append(f"save {saves} not visible after 30 s")
                    break
                time.sleep(0.05)
        except Exception as error:  # noqa: BLE001 - counted and reported, not fatal
            errors.append(repr(error))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    print(json.dumps({"saves": saves, "delays": delays, "errors": errors}))


if __name__ == "__main__":
    main()
