"""PostgreSQL: search words the way SQLite's FTS5 does, so both engines find the same.

- Accents: FTS5 folds them ("Schlätter" is "schlatter"); PostgreSQL's `english` configuration
  does not, so an accented word was found by neither spelling. `unaccent` now runs first.
- Small words: `english` drops 127 stop words at both ends, so "over" or "no" found nothing
  and "both knees" found every article with "knee". FTS5 keeps every word; the query parser
  drops its own short list for both engines. The `kneeinfo` configuration stems English
  without a stop-word list.

The stored vectors are rebuilt with it, and the titles' word index for suggestions (0009) is
remade with a plain configuration that also folds accents. `unaccent` comes with PostgreSQL;
since PostgreSQL 13 the database's owner may create it (docs/deploy.md)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH DICTIONARY kneeinfo_english (TEMPLATE = snowball, LANGUAGE = english)",
    "CREATE TEXT SEARCH CONFIGURATION kneeinfo (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION kneeinfo ALTER MAPPING FOR asciiword, asciihword, "
    "hword_asciipart, word, hword, hword_part WITH unaccent, kneeinfo_english",
    "CREATE TEXT SEARCH CONFIGURATION kneeinfo_plain (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION kneeinfo_plain ALTER MAPPING FOR asciiword, asciihword, "
    "hword_asciipart, word, hword, hword_part WITH unaccent, simple",
    "DROP INDEX IF EXISTS articles_article_title_words",
    "CREATE INDEX articles_article_title_words "
    "ON articles_article USING gin (to_tsvector('kneeinfo_plain', title))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS articles_article_title_words",
    "CREATE INDEX articles_article_title_words "
    "ON articles_article USING gin (to_tsvector('simple', title))",
]
BACKWARD_AFTER_VECTORS = [
    "DROP TEXT SEARCH CONFIGURATION kneeinfo_plain",
    "DROP TEXT SEARCH CONFIGURATION kneeinfo",
    "DROP TEXT SEARCH DICTIONARY kneeinfo_english",
]
# What PostgresEngine.index() writes, for every document at once.
VECTORS = """
    UPDATE articles_searchdocument SET vector =
        setweight(to_tsvector('{config}', coalesce(title, '')), 'A')
        || setweight(to_tsvector('{config}', coalesce(keywords, '')), 'B')
        || setweight(to_tsvector('{config}', coalesce(summary, '')), 'C')
        || setweight(to_tsvector('{config}', coalesce(body, '')), 'D')
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)
        schema_editor.execute(VECTORS.format(config="kneeinfo"))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)
        schema_editor.execute(VECTORS.format(config="english"))
        for statement in BACKWARD_AFTER_VECTORS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_tag_listing")]

    operations = [migrations.RunPython(forward, backward)]
