"""export_content: every object out as files that import_content reads back, nothing lost."""

import datetime
import os
import re
import textwrap
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.markdown_files import (
    FOLDERS,
    category_fields,
    category_file,
    read_category,
    read_tag,
    tag_fields,
    tag_file,
)
from articles.models import Article, Category, Tag

from .factories import make_article, make_category, make_tag

CONTENT = Path(__file__).resolve().parent.parent / "articles" / "content"
HOSTILE = 'Knee: "weak" & it\'s #1 - or: is it? ünïcødé ✓ — 膝'


def export(path):
    out = StringIO()
    call_command("export_content", str(path), stdout=out)
    return out.getvalue()


def import_(path):
    out = StringIO()
    call_command("import_content", str(path), stdout=out)
    return out.getvalue()


def files(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def delete_everything():
    Article.objects.all().delete()
    Tag.objects.all().delete()
    Category.objects.all().delete()


def editable_values(obj):
    """Every field an editor can change, with relations as slugs: what an export must keep."""
    values = {}
    for field in obj._meta.get_fields():
        if not (field.concrete and field.editable) or field.primary_key:
            continue
        value = field.value_from_object(obj)
        if field.many_to_many:
            value = sorted(other.slug for other in value)
        elif field.many_to_one:
            value = getattr(obj, field.name).slug
        values[field.name] = value
    return values


def snapshot():
    return {
        model.__name__: {obj.slug: editable_values(obj) for obj in model.objects.all()}
        for model in (Category, Tag, Article)
    }


@pytest.mark.django_db
def test_the_shipped_content_survives_export_import_export(tmp_path):
    assert "0 conflicts, 0 errors" in import_(CONTENT)
    before = snapshot()
    output = export(tmp_path / "a")
    counts = {folder: len(list((CONTENT / folder).glob("*.md"))) for folder in FOLDERS}
    n = sum(counts.values())
    assert (
        f"exported {counts['categories']} categories, {counts['tags']} tags, "
        f"{counts['articles']} articles" in output
    )
    assert f"{n} created, 0 updated, 0 unchanged, 0 other files left alone" in output

    # Re-importing our own export into the same database agrees with the import fingerprints.
    assert f"0 created, 0 updated, {n} unchanged, 0 conflicts, 0 errors" in import_(tmp_path / "a")

    delete_everything()
    assert f"{n} created, 0 updated, 0 unchanged, 0 conflicts, 0 errors" in import_(tmp_path / "a")
    assert snapshot() == before
    assert f"0 created, 0 updated, {n} unchanged, 0 conflicts, 0 errors" in import_(tmp_path / "a")
    export(tmp_path / "b")
    assert files(tmp_path / "b") == files(tmp_path / "a")


@pytest.mark.django_db
def test_an_export_of_admin_work_imports_cleanly_and_later_file_changes_apply(tmp_path):
    article = make_article(slug="sciatica", tags=[make_tag()])  # made in the admin: no import
    export(tmp_path)
    assert "0 created, 0 updated, 3 unchanged, 0 conflicts, 0 errors" in import_(tmp_path)
    path = tmp_path / "articles/sciatica.md"
    path.write_text(path.read_text().replace("Some text about knees.", "Changed in the file."))
    output = import_(tmp_path)
    assert "updated: article sciatica" in output and "1 updated" in output
    article.refresh_from_db()
    assert article.body.endswith("\n\nChanged in the file.")


@pytest.mark.django_db
def test_an_edit_that_travelled_through_an_export_is_never_overwritten_by_the_shipped_files(
    tmp_path,
):
    import_(CONTENT)
    Article.objects.filter(slug="sciatica-and-trapped-nerves").update(summary="An editor's words.")
    assert "kept): article sciatica-and-trapped-nerves" in import_(CONTENT)  # kept
    export(tmp_path / "export")
    shipped = sum(len(list((CONTENT / folder).glob("*.md"))) for folder in FOLDERS)
    assert f"{shipped} unchanged" in import_(tmp_path / "export")
    # The same site: the export did not make the edit into something the shipped file replaces.
    assert "kept): article sciatica-and-trapped-nerves" in import_(CONTENT)
    # A new site from the export, as the deploy guide moves content: `make setup` then imports
    # the shipped files, which must not put the old text back.
    delete_everything()
    import_(tmp_path / "export")
    output = import_(CONTENT)
    assert "0 updated" in output and "kept): article sciatica-and-trapped-nerves" in output
    summary = Article.objects.get(slug="sciatica-and-trapped-nerves").summary
    assert summary == "An editor's words."


@pytest.mark.django_db
def test_awkward_content_survives_export_import_export(tmp_path):
    category = make_category(
        name=HOSTILE,
        summary="- starts like a list item\n# then a heading: with a colon\n\n'quoted' line",
        is_cause=False,
        position=0,
    )
    tag = make_tag(
        name="- leading dash: yes",
        aliases="pins: needles\n- dash\n# hash\n'single' \"double\"\nyes\nnull\n123\n2026-01-01",
    )
    draft = make_article(
        title=HOSTILE,
        slug="draft",
        category=category,
        summary='Line one: "colon"\n- line two\n#three',
        status=Article.Status.DRAFT,
        published_at=None,
        reviewed_by="",
        last_reviewed=None,
        body="# Not front matter\n\n---\n\ntitle: not a key\n\n    indented code",
        see_a_doctor="",
        sources="- [NHS: Knee](https://www.nhs.uk/)",
    )
    make_article(
        title="[Scheduled] {later}",
        slug="scheduled",
        category=category,
        published_at=datetime.datetime(2099, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC),
        tags=[tag],
        related=[draft],
        urgent_help="- first\n    - nested: indented",
        emergency="trailing spaces   \nsecond line",
    )
    make_article(slug="bare", category=category, published_at=timezone.now(), tags=[], related=[])
    before = snapshot()

    output = export(tmp_path / "a")
    assert "exported 1 categories, 1 tags, 3 articles" in output
    scheduled_file = (tmp_path / "a/articles/scheduled.md").read_text()
    assert "published_at: 2099-05-06T07:08:09.123456Z\n" in scheduled_file
    assert "related: [draft]\n" in scheduled_file
    assert scheduled_file.endswith("Some text about knees.\n")
    assert "tags: []\nrelated: []\n" in (tmp_path / "a/articles/bare.md").read_text()
    assert "status: draft\npublished_at: null\n" in (tmp_path / "a/articles/draft.md").read_text()

    delete_everything()
    assert "5 created, 0 updated, 0 unchanged, 0 conflicts, 0 errors" in import_(tmp_path / "a")
    assert snapshot() == before
    assert Article.objects.get(slug="draft").status == "draft"
    assert not Article.objects.published().filter(slug="scheduled").exists()
    assert "0 created, 0 updated, 5 unchanged, 0 conflicts, 0 errors" in import_(tmp_path / "a")
    export(tmp_path / "b")
    assert files(tmp_path / "b") == files(tmp_path / "a")


@pytest.mark.django_db
def test_the_files_are_written_the_way_the_content_readme_shows(
    tmp_path, django_assert_num_queries
):
    nerves = make_category(name="Nerves", slug="nerves", position=3, summary="Nerve causes.")
    tingling = make_tag(name="Tingling", slug="tingling", aliases="pins and needles\nprickling")
    other = make_article(slug="pinched-nerve", category=nerves, status="draft", published_at=None)
    make_article(
        title="Sciatica: a trapped nerve",
        slug="sciatica",
        category=nerves,
        summary="A trapped nerve in the lower back.",
        tags=[tingling],
        related=[other],
        published_at=datetime.datetime(2026, 11, 24, 9, tzinfo=datetime.UTC),
        reviewed_by="Editorial team",
        last_reviewed=datetime.date(2026, 11, 20),
        see_a_doctor="- no better after two weeks\n- it keeps coming back",
        emergency="- loss of bladder control",
        sources="- [NHS: Sciatica](https://www.nhs.uk/conditions/sciatica/)",
        body="## What it is\n\nA nerve problem.",
    )
    with django_assert_num_queries(5):  # categories, tags, articles, their tags and related
        export(tmp_path)
    assert (tmp_path / "categories/nerves.md").read_text() == (
        "---\nname: Nerves\nslug: nerves\nposition: 3\nis_cause: true\n---\nNerve causes.\n"
    )
    assert (tmp_path / "tags/tingling.md").read_text() == (
        "---\nname: Tingling\nslug: tingling\naliases: [pins and needles, prickling]\n---\n"
    )
    assert (tmp_path / "articles/sciatica.md").read_text() == textwrap.dedent("""\
        ---
        title: 'Sciatica: a trapped nerve'
        slug: sciatica
        category: nerves
        summary: A trapped nerve in the lower back.
        tags: [tingling]
        related: [pinched-nerve]
        status: published
        published_at: 2026-11-24T09:00:00Z
        reviewed_by: Editorial team
        last_reviewed: 2026-11-20
        next_review_due: 2027-11-20
        clinical_reviewer: ''
        clinical_reviewer_profession: ''
        clinically_reviewed_on: null
        see_a_doctor: |-
          - no better after two weeks
          - it keeps coming back
        urgent_help: ''
        emergency: '- loss of bladder control'
        sources: '- [NHS: Sciatica](https://www.nhs.uk/conditions/sciatica/)'
        ---
        ## What it is

        A nerve problem.
    """)


@pytest.mark.django_db
def test_export_writes_only_its_own_files_and_says_what_it_wrote(tmp_path):
    category = make_category(slug="nerves")
    make_tag(slug="tingling")
    make_article(slug="sciatica", category=category)
    (tmp_path / "articles").mkdir()
    (tmp_path / "README.md").write_text("Not ours.\n")
    (tmp_path / "articles/old-article.md").write_text("An article the database no longer has.\n")
    (tmp_path / "articles/sciatica.md").write_text("An older export.\n")

    output = export(tmp_path)
    assert output.splitlines() == [
        "created: categories/nerves.md",
        "created: tags/tingling.md",
        "updated: articles/sciatica.md",
        "left alone (not in the database): articles/old-article.md",
        f"exported 1 categories, 1 tags, 1 articles to {tmp_path}: 2 created, 1 updated, "
        "0 unchanged, 1 other files left alone",
    ]
    assert (tmp_path / "README.md").read_text() == "Not ours.\n"
    assert (tmp_path / "articles/old-article.md").read_text().startswith("An article")
    assert (tmp_path / "articles/sciatica.md").read_text().startswith("---\ntitle: Article")
    assert export(tmp_path).splitlines()[-2:] == [
        "left alone (not in the database): articles/old-article.md",
        f"exported 1 categories, 1 tags, 1 articles to {tmp_path}: 0 created, 0 updated, "
        "3 unchanged, 1 other files left alone",
    ]


@pytest.mark.django_db
def test_a_folder_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file.md").write_text("")
    with pytest.raises(CommandError, match=r"file\.md is not a folder$"):
        export(tmp_path / "file.md")


@pytest.mark.django_db
def test_a_folder_that_cannot_be_created_is_a_clear_error(tmp_path):
    make_category()
    (tmp_path / "file.md").write_text("")
    with pytest.raises(CommandError, match=r"^cannot write .*file\.md/out/categories: Not a"):
        export(tmp_path / "file.md/out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
@pytest.mark.django_db
def test_a_read_only_folder_is_a_clear_error(tmp_path):
    make_category()
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(CommandError, match=r"^cannot write .*: Permission denied$"):
            export(tmp_path)
    finally:
        tmp_path.chmod(0o700)


# Any text in a name, alias or body comes back as it went out, after the import's own
# normalising (line endings, the spaces around it). A lone "\r" is read as a line break.
text = st.text(st.characters(exclude_characters="\r", exclude_categories=["Cs"]))
name = text.filter(str.strip)
line = name.filter(lambda value: len(value.splitlines()) == 1)  # one alias per line


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=name, summary=text, aliases=st.lists(line, unique_by=str.strip))
def test_any_text_survives_the_file_format(tmp_path, name, summary, aliases):
    category = Category(name=name, slug="c", summary=summary, position=3, is_cause=False)
    path = tmp_path / "c.md"
    path.write_bytes(category_file(category).encode())
    assert read_category(path) == category_fields(category)

    tag = Tag(name=name, slug="t", aliases="\n".join(aliases))
    path.write_bytes(tag_file(tag).encode())
    assert read_tag(path) == tag_fields(tag)
    assert re.fullmatch(r"---\n.*---\n", tag_file(tag), re.S)


@pytest.mark.django_db
def test_an_article_without_a_clinical_review_keeps_its_earlier_fingerprint():
    """Imports made before the clinical review fields existed still match, so the shipped
    files update those articles instead of reporting every one as an editor's change."""
    from articles.markdown_files import article_fields

    article = Article.objects.get(pk=make_article().pk)
    assert not {"clinical_reviewer", "clinically_reviewed_on"} & set(article_fields(article))
    article.clinical_reviewer, article.clinical_reviewer_profession = "A. Reviewer", "GP"
    article.clinically_reviewed_on = datetime.date(2026, 11, 30)
    assert article_fields(article)["clinically_reviewed_on"] == "2026-11-30"
