"""Rebuild the search documents from the whole text. Until now the index kept only the first
200 characters of the title, summary, keywords and each of the body and help sections (the
indexing reused the reader's query clean-up, which caps a query at 200 characters), so most
of every article could not be found.

Written against the historical models, with the text handling of articles.search frozen
here; it does what `manage.py rebuild_search_index` does, so existing databases need no
manual step. The spelling dictionary is recounted from the new documents."""

import html
import re
import unicodedata
from collections import Counter

from django.db import migrations
from django.utils.html import strip_tags

PREFIX = "kneeinfotag"
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def _normalise(text):
    text = "".join(ch if unicodedata.category(ch)[0] not in "CZ" else " " for ch in str(text or ""))
    return " ".join(text.split())


def _words(text):
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w.replace("’", "'") for w in WORD.findall(folded)]


def _aliases(tag):
    return [line.strip() for line in tag.aliases.splitlines() if line.strip()]


def rebuild(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    SearchDocument = apps.get_model("articles", "SearchDocument")
    SearchTerm = apps.get_model("articles", "SearchTerm")
    connection = schema_editor.connection
    counts = Counter()
    documents = []
    articles = Article.objects.select_related("category").prefetch_related("tags")
    for article in articles.iterator(chunk_size=500):
        tags = list(article.tags.all())
        keywords = " ".join(
            [tag.name for tag in tags]
            + [alias for tag in tags for alias in _aliases(tag)]
            + [article.category.name]
        )
        tokens = " ".join(PREFIX + re.sub(r"[^a-z0-9]", "", tag.slug.lower()) for tag in tags)
        body = " ".join(
            _normalise(html.unescape(strip_tags(part)))
            for part in (
                article.body_html,
                article.emergency_html,
                article.urgent_help_html,
                article.see_a_doctor_html,
            )
        )
        title, summary = _normalise(article.title), _normalise(article.summary)
        terms = {  # spelling help leaves the tag words out
            w
            for text in (title, keywords, summary, body)
            for w in _words(text)
            if w.isalpha() and 3 <= len(w) <= 40
        }
        keywords = f"{_normalise(keywords)} {tokens}".strip()
        counts.update(terms)
        documents.append(
            SearchDocument(
                article_id=article.pk,
                title=title,
                keywords=keywords,
                summary=summary,
                body=body,
                terms=" ".join(sorted(terms)),
            )
        )
    SearchDocument.objects.bulk_update(
        documents, ["title", "keywords", "summary", "body", "terms"], batch_size=500
    )
    SearchTerm.objects.all().delete()
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=t, length=len(t), documents=n) for t, n in counts.items()],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM articles_search_fts")
            cursor.execute(
                "INSERT INTO articles_search_fts (rowid, title, keywords, summary, body) "
                "SELECT article_id, title, keywords, summary, body FROM articles_searchdocument"
            )
        elif connection.vendor == "postgresql":  # the configuration of migration 0012
            cursor.execute(
                "UPDATE articles_searchdocument SET vector = "
                "setweight(to_tsvector('kneeinfo', coalesce(title, '')), 'A') || "
                "setweight(to_tsvector('kneeinfo', coalesce(keywords, '')), 'B') || "
                "setweight(to_tsvector('kneeinfo', coalesce(summary, '')), 'C') || "
                "setweight(to_tsvector('kneeinfo', coalesce(body, '')), 'D')"
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_postgres_search_like_sqlite")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
