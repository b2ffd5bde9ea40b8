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
from articles.models import Article, Category, Tag

CONTENT = Path(__file__).resolve().parent.parent / "articles" / "content"
TITLE_PARTS = [
    "Knee weakness after {}", "Living with {}", "{} and the back of the knee",
    "What to do about {}", "{}: signs, causes and help", "Understanding {}",
    "{} in older adults", "{} in runners", "Recovering from {}", "{} at work",
]  # fmt: skip


def build(count, seed=7):
    """Load our content, then add `count` generated articles; returns seconds spent indexing."""
    call_command("import_content", str(CONTENT), stdout=StringIO())
    rng = random.Random(seed)
    shipped = list(Article.objects.all())
    sentences = [
        s.strip()
        for a in shipped
        for s in re.split(r"(?<=[.!?])\s+", re.sub(r"^#+ .*$", "", a.body, flags=re.M))
        if len(s.split()) > 4
    ]
    topics = [t.name.lower() for t in Tag.objects.all()]
    categories = list(Category.objects.all())
    tags = list(Tag.objects.all())
    template = shipped[0]
    now = timezone.now()
    articles = []
    for i in range(count):
        topic = rng.choice(topics)
        body = "\n\n".join(
            f"## {rng.choice(topics).capitalize()}\n\n" + " ".join(rng.sample(sentences, 6))
            for _ in range(4)
        )
        article = Article(
            title=rng.choice(TITLE_PARTS).format(topic).capitalize() + f" ({i})",
            slug=f"generated-{i}",
            category=rng.choice(categories),
            summary=" ".join(rng.sample(sentences, 2))[:290],
            body=body,
            see_a_doctor=template.see_a_doctor,
            urgent_help=template.urgent_help,
            emergency=template.emergency,
            sources=template.sources,
            status="published" if rng.random() > 0.05 else "draft",
            published_at=now,
            reviewed_by="Benchmark",
            last_reviewed=now.date(),
        )
        # What save() derives, without a signal per row (the help panels are the template's).
        article.body_html, article.toc = search_markdown(article.body)
        for field in ("see_a_doctor", "urgent_help", "emergency", "sources"):
            setattr(article, f"{field}_html", getattr(template, f"{field}_html"))
        article.next_review_due = template.next_review_due
        articles.append(article)
    with transaction.atomic():
        created = Article.objects.bulk_create(articles, batch_size=500)
        through = Article.tags.through
        through.objects.bulk_create(
            [
                through(article_id=a.pk, tag_id=t.pk)
                for a in created
                for t in rng.sample(tags, rng.randint(2, 6))
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
