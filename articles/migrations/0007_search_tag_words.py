"""Add each tag's index word (articles.search.query.tag_token) to the indexed keywords of the
articles that carry it, so that existing databases need no manual rebuild. Written against the
historical models: the index word is computed here the same way, frozen."""

import re

from django.db import migrations

PREFIX = "kneeinfotag"


def add_tag_words(apps, schema_editor):
    SearchDocument = apps.get_model("articles", "SearchDocument")
    Article = apps.get_model("articles", "Article")
    connection = schema_editor.connection
    tags_of = {}
    for article_id, slug in Article.tags.through.objects.values_list("article_id", "tag__slug"):
        tags_of.setdefault(article_id, []).append(PREFIX + re.sub(r"[^a-z0-9]", "", slug.lower()))
    changed = []
    for document in SearchDocument.objects.only("keywords").iterator():
        words = [w for w in document.keywords.split() if not w.startswith(PREFIX)]
        keywords = " ".join(words + tags_of.get(document.pk, []))
        if keywords != document.keywords:
            document.keywords = keywords
            changed.append(document)
    SearchDocument.objects.bulk_update(changed, ["keywords"], batch_size=500)
    if not changed:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for document in changed:
                # An FTS5 row is replaced whole: delete it and insert it again from the document.
                cursor.execute("DELETE FROM articles_search_fts WHERE rowid = %s", [document.pk])
                cursor.execute(
                    "INSERT INTO articles_search_fts (rowid, title, keywords, summary, body) "
                    "SELECT article_id, title, keywords, summary, body "
                    "FROM articles_searchdocument WHERE article_id = %s",
                    [document.pk],
                )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE articles_searchdocument SET vector = "
                "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
                "setweight(to_tsvector('english', coalesce(keywords, '')), 'B') || "
                "setweight(to_tsvector('english', coalesce(summary, '')), 'C') || "
                "setweight(to_tsvector('english', coalesce(body, '')), 'D') "
                "WHERE article_id = ANY(%s)",
                [[document.pk for document in changed]],
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_article_search_cover")]

    operations = [migrations.RunPython(add_tag_words, migrations.RunPython.noop)]
