"""Build a benchmark database and describe it, for bench/pages.py.

Run with DATABASE_URL (and REDIS_URL) pointing at a throw-away database:
`python bench/prepare.py COUNT` loads our content plus COUNT generated articles, then prints
one JSON object: sample paths per page type, queries per page type and compressed bytes."""

import gzip
import json
import os
import random
import sys
from io import StringIO

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeinfo.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from articles.models import Article, Category, Tag  # noqa: E402
from bench.corpus import build  # noqa: E402
from bench.search import QUERIES  # noqa: E402


def main():
    count = int(sys.argv[1])
    call_command("migrate", verbosity=0)
    if count:
        build(count)
    else:
        call_command("import_content", "articles/content", stdout=StringIO())
    rng = random.Random(1)
    slugs = list(Article.objects.published().values_list("slug", flat=True))
    paths = {
        "home": ["/"],
        "category": [f"/topics/{s}/" for s in Category.objects.values_list("slug", flat=True)],
        "article": [f"/articles/{s}/" for s in rng.sample(slugs, min(len(slugs), 500))],
        "tag": [f"/tags/{s}/" for s in Tag.objects.values_list("slug", flat=True)],
        "search": ["/search/?" + django.utils.http.urlencode({"q": q}) for q in QUERIES],
        "cold article": [f"/articles/{s}/" for s in rng.sample(slugs, min(len(slugs), 3000))],
    }
    settings.PAGE_CACHE = False
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    queries, sizes = {}, {}
    for name, urls in paths.items():
        if name == "cold article":
            continue
        counts, compressed = [], []
        for url in urls[:20]:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            counts.append(len(captured))
            compressed.append(len(gzip.compress(response.content)))
        queries[name] = max(counts)
        sizes[name] = round(sum(compressed) / len(compressed))
    print(
        json.dumps(
            {
                "articles": Article.objects.count(),
                "paths": paths,
                "queries": queries,
                "bytes": sizes,
            }
        )
    )


if __name__ == "__main__":
    main()
