"""A synthetic corpus for benchmarks: N realistic articles built from the sentences, tags and
categories we ship, written straight to a throw-away database and then indexed."""

import random
import re
import time
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from articles import search
from articles.models import Article, Tag

CONTENT = Path(__file__).resolve().parent.parent / "articles" / "content"
TITLE_PARTS = [
    "Knee weakness after {}", "Living with {}", "{} and the back of the knee",
    "What to do about {}", "{}: signs, causes and help", "Understanding {}",
    "{} in older adults", "{} in runners", "Recovering from {}", "{} at work",
]  # fmt: skip


def _sentences(article):
    text = re.sub(r"^#+ .*$", "", article.body, flags=re.M)
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) > 4]


def build(count, seed=7):
    """Load our content, then add `count` generated articles; returns seconds spent indexing.

    Each generated article is about one tag, as a real one is about one thing: its sentences,
    summary, help panels, section and other tags come from the shipped articles with that tag,
    with one sentence in six from anywhere (articles mention other causes too). Words of a
    topic are then common in its articles and rare elsewhere, as in real writing; a corpus of
    sentences drawn from everything would put every topic's words in a third of all articles
    and the same help panels in every one."""
    call_command("import_content", str(CONTENT), stdout=StringIO())
    rng = random.Random(seed)
    shipped = list(Article.objects.select_related("category").prefetch_related("tags"))
    everywhere = [s for a in shipped for s in _sentences(a)]
    tags = list(Tag.objects.all())
    sources = {t.pk: [a for a in shipped if t in a.tags.all()] or shipped for t in tags}
    pools = {pk: [s for a in found for s in _sentences(a)] for pk, found in sources.items()}
    now = timezone.now()
    articles, article_tags = [], []
    for i in range(count):
        tag = rng.choice(tags)
        pool, source = pools[tag.pk], rng.choice(sources[tag.pk])
        source_tags = list(source.tags.all())
        body = "\n\n".join(
            f"## {rng.choice(source_tags + [tag]).name}\n\n"
            + " ".join(rng.sample(pool, min(5, len(pool))) + [rng.choice(everywhere)])
            for _ in range(4)
        )
        article = Article(
            title=rng.choice(TITLE_PARTS).format(tag.name.lower()).capitalize() + f" ({i})",
            slug=f"generated-{i}",
            category=source.category,
            summary=" ".join(rng.sample(pool, 2))[:290],
            body=body,
            see_a_doctor=source.see_a_doctor,
            urgent_help=source.urgent_help,
            emergency=source.emergency,
            sources=source.sources,
            status="published" if rng.random() > 0.05 else "draft",
            published_at=now,
            reviewed_by="Benchmark",
            last_reviewed=now.date(),
        )
        # What save() derives, without a signal per row (the help panels are the source's).
        article.body_html, article.toc = search_markdown(article.body)
        for field in ("see_a_doctor", "urgent_help", "emergency", "sources"):
            setattr(article, f"{field}_html", getattr(source, f"{field}_html"))
        article.next_review_due = source.next_review_due
        articles.append(article)
        others = [t for t in source_tags if t != tag]
        article_tags.append([tag, *rng.sample(others, min(len(others), rng.randint(1, 3)))])
    with transaction.atomic():
        created = Article.objects.bulk_create(articles, batch_size=500)
        through = Article.tags.through
        through.objects.bulk_create(
            [
                through(article_id=a.pk, tag_id=t.pk)
                for a, chosen in zip(created, article_tags, strict=True)
                for t in chosen
            ],
            batch_size=2000,
        )
    started = time.perf_counter()
    search.rebuild()
    elapsed = time.perf_counter() - started
    # Planner statistics, as a live database has them (autovacuum, or SQLite's optimize).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return elapsed


def search_markdown(text):
    from articles.markdown import render_with_toc

    return render_with_toc(text)
