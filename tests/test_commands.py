import textwrap
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import Article, Category, Tag

pytestmark = pytest.mark.django_db


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


ARTICLE = """
    ---
    title: Sciatica
    slug: sciatica
    category: nerves
    summary: A trapped nerve in the lower back.
    tags: [tingling]
    related: [pinched-nerve]
    status: published
    published_at: 2026-11-24T09:00:00Z
    reviewed_by: Editorial team
    last_reviewed: 2026-11-20
    see_a_doctor: |
      - no better after two weeks
    emergency: |
      - loss of bladder control
    sources: |
      - [NHS: Sciatica](https://www.nhs.uk/conditions/sciatica/)
    ---
    ## What it is

    A nerve problem.
"""


@pytest.fixture
def content(tmp_path):
    write(
        tmp_path / "categories/nerves.md",
        "---\nname: Nerves\nslug: nerves\nposition: 3\n---\nNerve causes.\n",
    )
    write(
        tmp_path / "tags/tingling.md",
        "---\nname: Tingling\nslug: tingling\naliases:\n  - pins and needles\n---\n",
    )
    write(tmp_path / "articles/sciatica.md", ARTICLE)
    write(
        tmp_path / "articles/pinched-nerve.md",
        ARTICLE.replace("title: Sciatica", "title: Pinched nerve")
        .replace("slug: sciatica", "slug: pinched-nerve")
        .replace("related: [pinched-nerve]", "related: [sciatica]"),
    )  # fmt: skip
    return tmp_path


def run(*args):
    out = StringIO()
    call_command("import_content", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_import_creates_everything(content):
    output = run(content)
    assert "4 created, 0 updated, 0 unchanged, 0 conflicts, 0 errors" in output
    article = Article.objects.get(slug="sciatica")
    assert article.category == Category.objects.get(slug="nerves")
    assert list(article.tags.values_list("slug", flat=True)) == ["tingling"]
    assert list(article.related.values_list("slug", flat=True)) == ["pinched-nerve"]
    assert article.status == "published"
    assert article.published_at.isoformat() == "2026-11-24T09:00:00+00:00"
    assert article.next_review_due.isoformat() == "2027-11-20"
    assert article.body_html == '<h2 id="what-it-is">What it is</h2>\n<p>A nerve problem.</p>'
    assert Tag.objects.get().alias_list == ["pins and needles"]


def test_import_twice_changes_nothing(content):
    run(content)
    before = {a.slug: a.updated_at for a in Article.objects.all()}
    output = run(content)
    assert "0 created, 0 updated, 4 unchanged, 0 conflicts, 0 errors" in output
    assert {a.slug: a.updated_at for a in Article.objects.all()} == before


def test_a_changed_file_updates_an_untouched_article(content):
    run(content)
    path = content / "articles/sciatica.md"
    path.write_text(path.read_text().replace("A nerve problem.", "A problem with a nerve."))
    output = run(content)
    assert "updated: article sciatica" in output
    assert "A problem with a nerve." in Article.objects.get(slug="sciatica").body


def test_import_never_overwrites_an_editors_newer_edit(content):
    run(content)
    article = Article.objects.get(slug="sciatica")
    article.body = "An editor's better wording."
    article.save()
    tag = Tag.objects.get()
    tag.aliases = "pins and needles\nprickling"
    tag.save()
    path = content / "articles/sciatica.md"
    path.write_text(path.read_text().replace("A nerve problem.", "Changed in the file."))
    (content / "tags/tingling.md").write_text("---\nname: Tingling\nslug: tingling\n---\n")
    output = run(content)
    assert "since the last import from here; kept): article sciatica" in output
    assert "since the last import from here; kept): tag tingling" in output
    assert Article.objects.get(slug="sciatica").body == "An editor's better wording."
    assert Tag.objects.get().alias_list == ["pins and needles", "prickling"]


def test_an_editors_tag_change_on_an_article_is_kept(content):
    run(content)
    Article.objects.get(slug="sciatica").tags.clear()
    assert "since the last import from here; kept): article sciatica" in run(content)
    assert not Article.objects.get(slug="sciatica").tags.exists()


def test_an_article_an_editor_created_first_is_not_overwritten(content):
    run(content)
    # As if an editor had written it in the admin: it never came from the files.
    Article.objects.filter(slug="sciatica").update(import_hash="", body="Mine.")
    assert "since the last import from here; kept): article sciatica" in run(content)
    assert Article.objects.get(slug="sciatica").body == "Mine."


def test_dry_run_writes_nothing(content):
    output = run(content, "--dry-run")
    assert "4 created" in output and "dry run" in output
    assert not Article.objects.exists() and not Tag.objects.exists()


def test_bad_files_are_reported_and_the_rest_imported(content):
    write(content / "articles/broken.md", "---\ntitle: [unclosed\n---\nBody\n")
    write(content / "articles/no-slug.md", "---\ntitle: No slug\ncategory: nerves\n---\nBody\n")
    write(
        content / "articles/unknown-tag.md",
        ARTICLE.replace("slug: sciatica", "slug: other").replace("[tingling]", "[nope]"),
    )
    write(
        content / "articles/no-panel.md",
        "---\ntitle: No panel\nslug: no-panel\ncategory: nerves\nsummary: s\nstatus: published\n"
        "sources: '- x'\n---\nBody\n",
    )
    with pytest.raises(CommandError, match="4 file"):
        run(content)
    assert Article.objects.filter(slug__in=["sciatica", "pinched-nerve"]).count() == 2
    assert not Article.objects.filter(slug__in=["other", "no-panel"]).exists()


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        run(tmp_path / "missing")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite online backup")
@pytest.mark.django_db(transaction=True)  # as in real use: no transaction left open
def test_backup_database_copies_a_consistent_sqlite_file(tmp_path):
    import sqlite3

    Category.objects.create(name="Nerves", slug="nerves", summary="s")
    out = StringIO()
    call_command("backup_database", str(tmp_path / "copy.sqlite3"), stdout=out)
    assert "integrity check ok" in out.getvalue()
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        assert copy.execute("SELECT slug FROM articles_category").fetchall() == [("nerves",)]
    with pytest.raises(CommandError, match="exists"):  # never overwrites a backup
        call_command("backup_database", str(tmp_path / "copy.sqlite3"))
    with pytest.raises(CommandError, match="not a folder"):
        call_command("backup_database", str(tmp_path / "no" / "such.sqlite3"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL")
def test_backup_database_on_postgresql_points_at_pg_dump(tmp_path):
    with pytest.raises(CommandError, match="pg_dump"):
        call_command("backup_database", str(tmp_path / "copy.sqlite3"))
