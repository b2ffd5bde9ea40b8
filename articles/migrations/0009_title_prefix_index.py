"""PostgreSQL: a GIN index over the titles' plain words (the "simple" configuration: no
stemming), for as-you-type suggestions by word prefix. SQLite uses its FTS5 table instead."""

from django.db import migrations

INDEX = (
    "CREATE INDEX IF NOT EXISTS articles_article_title_words "
    "ON articles_article USING gin (to_tsvector('simple', title))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS articles_article_title_words")


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_section_listing_indexes")]

    operations = [migrations.RunPython(create, drop)]
