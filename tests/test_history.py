"""Revision history and no silent overwrite, through the admin with real sessions and CSRF."""

import re

import pytest
from django.test import Client
from reversion.models import Version

from articles.models import Article, Category, Tag

from .factories import make_article, make_category, make_tag, make_user

pytestmark = pytest.mark.django_db


def editor(name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(staff=True, superuser=True, username=name))
    return client


class Form:
    """A change form as a browser holds it: every field's value as rendered, plus the token."""

    def __init__(self, client, url):
        self.client, self.url = client, url
        page = client.get(url)
        assert page.status_code == 200
        form = page.context["adminform"].form
        self.data = {"csrfmiddlewaretoken": page.context["csrf_token"]}
        for name in form.fields:
            value = form[name].value()
            if isinstance(value, list):
                self.data[name] = [str(v) for v in value]
            elif name == "published_at" and value:
                local = form[name].value()
                self.data["published_at_0"] = local.strftime("%Y-%m-%d")
                self.data["published_at_1"] = local.strftime("%H:%M:%S")
            elif isinstance(value, bool):
                if value:
                    self.data[name] = "on"
            elif value is not None:
                self.data[name] = str(value)

    def save(self, **changes):
        self.data.update(changes)
        return self.client.post(self.url, self.data)


def change_url(obj):
    return f"/admin/articles/{obj._meta.model_name}/{obj.pk}/change/"


def errors(response):
    return " ".join(str(e) for e in response.context["adminform"].form.non_field_errors())


def test_second_editor_is_refused_sees_the_changes_and_loses_nothing():
    article = make_article(title="Sciatica", body="## Start\n\nFirst text.")
    alice, bob = editor("alice"), editor("bob")
    alices_form = Form(alice, change_url(article))
    bobs_form = Form(bob, change_url(article))

    saved = alices_form.save(title="Sciatica explained", body="## Start\n\nAlice's text.")
    assert saved.status_code == 302

    refused = bobs_form.save(summary="Bob's better summary.")
    assert refused.status_code == 200
    message = errors(refused)
    assert "Someone else saved this article while you were editing it" in message
    assert "alice" in message
    assert "Sciatica explained" in message  # the other editor's change, shown
    assert "Alice&#x27;s text." in message or "Alice's text." in message
    # Bob's own work is still in the form, and nothing of his was written.
    assert "Bob&#x27;s better summary." in refused.content.decode()
    article.refresh_from_db()
    assert article.title == "Sciatica explained" and article.summary != "Bob's better summary."

    # Bob merges by hand (keeps Alice's title and body, adds his summary) and saves again.
    merged = refused.context["adminform"].form
    bobs_form.data["edit_base"] = merged["edit_base"].value()
    bobs_form.data.update(title="Sciatica explained", body="## Start\n\nAlice's text.")
    assert bobs_form.save().status_code == 302
    article.refresh_from_db()
    assert article.summary == "Bob's better summary." and article.title == "Sciatica explained"


def test_a_change_to_tags_counts_as_a_change_too():
    article = make_article(tags=[make_tag(slug="numbness")])
    alice, bob = editor("alice"), editor("bob")
    alices_form, bobs_form = Form(alice, change_url(article)), Form(bob, change_url(article))
    new_tag = make_tag(slug="tingling")
    assert alices_form.save(tags=[str(new_tag.pk)]).status_code == 302
    assert bobs_form.save(title="Bob's title").status_code == 200
    assert Article.objects.get(pk=article.pk).title != "Bob's title"


def test_a_save_from_outside_the_admin_is_not_overwritten_either():
    article = make_article(title="Before")
    form = Form(editor("alice"), change_url(article))
    Article.objects.filter(pk=article.pk).update(title="Changed by import")
    assert form.save(summary="Alice's summary").status_code == 200
    assert Article.objects.get(pk=article.pk).title == "Changed by import"


def test_a_tampered_or_missing_edit_base_is_refused():
    article = make_article(title="Before")
    form = Form(editor("alice"), change_url(article))
    form.data["edit_base"] = "forged"
    response = form.save(title="After")
    assert response.status_code == 200 and "out of date" in errors(response)
    assert Article.objects.get(pk=article.pk).title == "Before"


@pytest.mark.parametrize(
    ("make", "field", "value"),
    [
        (lambda: make_tag(name="Tingling", slug="tingling"), "aliases", "pins and needles"),
        (lambda: make_category(name="Nerves", slug="nerves"), "summary", "Nerve problems."),
    ],
    ids=["tag", "category"],
)
def test_tags_and_categories_are_protected_the_same_way(make, field, value):
    obj = make()
    alice, bob = editor("alice"), editor("bob")
    alices_form, bobs_form = Form(alice, change_url(obj)), Form(bob, change_url(obj))
    assert alices_form.save(**{field: value}).status_code == 302
    refused = bobs_form.save(name="Bob's name")
    assert refused.status_code == 200
    assert "Someone else saved this" in errors(refused)
    obj.refresh_from_db()
    assert obj.name != "Bob's name" and getattr(obj, field) == value


def test_every_admin_save_is_a_revision_with_who_and_when():
    article = make_article(title="First")
    alice = editor("alice")
    Form(alice, change_url(article)).save(title="Second")
    Form(alice, change_url(article)).save(title="Third")
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 2
    assert {v.revision.user.username for v in versions} == {"alice"}
    history = alice.get(f"/admin/articles/article/{article.pk}/history/")
    assert history.status_code == 200
    assert history.content.decode().count("What changed") == 2


def test_the_diff_between_two_revisions_is_readable():
    article = make_article(title="First", body="## A\n\nOne.\n\nTwo.")
    alice = editor("alice")
    Form(alice, change_url(article)).save(body="## A\n\nOne.\n\nThree.")
    Form(alice, change_url(article)).save(title="Second")
    older, newer = Version.objects.get_for_object(article).order_by("pk")
    url = f"/admin/articles/article/{article.pk}/history/compare/"
    page = alice.get(url, {"a": older.pk, "b": newer.pk}).content.decode()
    assert re.search(r"diff-del.*First", page, re.S) and re.search(r"diff-add.*Second", page, re.S)
    first = alice.get(url, {"b": older.pk}).content.decode()  # against the save before it
    assert "Three." in first
    assert alice.get(url, {"a": "999999", "b": newer.pk}).status_code == 404
    nobody = Client()
    nobody.force_login(make_user(staff=False))
    assert nobody.get(url).status_code == 302


def test_restore_an_old_revision():
    article = make_article(title="Good title")
    alice = editor("alice")
    Form(alice, change_url(article)).save(summary="Kept summary.")
    Form(alice, change_url(article)).save(title="Bad title")
    good = Version.objects.get_for_object(article).order_by("pk").first()
    revision_url = f"/admin/articles/article/{article.pk}/history/{good.pk}/"
    form = Form(alice, revision_url)
    assert form.data["title"] == "Good title"
    assert Article.objects.get(pk=article.pk).title == "Bad title"  # viewing changes nothing
    assert form.save().status_code == 302
    assert Article.objects.get(pk=article.pk).title == "Good title"


def test_recover_a_deleted_article():
    article = make_article(title="Deleted by mistake", slug="oops")
    alice = editor("alice")
    Form(alice, change_url(article)).save(summary="Saved once in the admin.")
    page = alice.get(f"/admin/articles/article/{article.pk}/delete/")
    alice.post(
        f"/admin/articles/article/{article.pk}/delete/",
        {"post": "yes", "csrfmiddlewaretoken": page.context["csrf_token"]},
    )
    assert not Article.objects.filter(slug="oops").exists()
    listing = alice.get("/admin/articles/article/recover/")
    assert "Deleted by mistake" in listing.content.decode()
    version = Version.objects.get_deleted(Article).get(object_repr="Deleted by mistake")
    form = Form(alice, f"/admin/articles/article/recover/{version.pk}/")
    assert form.save().status_code == 302
    restored = Article.objects.get(slug="oops")
    assert restored.summary == "Saved once in the admin."
    assert Client().get("/articles/oops/").status_code == 200


def test_categories_and_tags_keep_history_too():
    tag, category = make_tag(name="Tingling", slug="tingling"), make_category(slug="nerves")
    alice = editor("alice")
    Form(alice, change_url(tag)).save(aliases="pins and needles")
    Form(alice, change_url(category)).save(summary="Nerves.")
    assert Version.objects.get_for_object(Tag.objects.get(pk=tag.pk)).count() == 1
    assert Version.objects.get_for_object(Category.objects.get(pk=category.pk)).count() == 1


def test_an_import_is_recorded_as_a_revision():
    from io import StringIO

    from django.core.management import call_command

    call_command("import_content", "articles/content", stdout=StringIO())
    article = Article.objects.get(slug="sciatica-and-trapped-nerves")
    version = Version.objects.get_for_object(article).get()
    assert "Imported from content files" in version.revision.get_comment()


def test_restoring_one_article_from_an_import_leaves_the_others_alone():
    """An import saves every article in one revision; restoring one must not restore (and
    republish) the rest."""
    from io import StringIO

    from django.core.management import call_command

    call_command("import_content", "articles/content", stdout=StringIO())
    alice, bob = editor("alice"), editor("bob")
    sciatica = Article.objects.get(slug="sciatica-and-trapped-nerves")
    fractures = Article.objects.get(slug="fractures-around-the-knee")
    assert (
        Form(bob, change_url(fractures)).save(title="Bob's rewrite", status="draft").status_code
        == 302
    )
    Form(alice, change_url(sciatica)).save(summary="Alice changed this.")
    imported = Version.objects.get_for_object(sciatica).order_by("pk").first()
    assert imported.revision.version_set.count() > 1  # the whole import
    revision_url = f"/admin/articles/article/{sciatica.pk}/history/{imported.pk}/"
    assert Form(alice, revision_url).save().status_code == 302
    assert Article.objects.get(pk=sciatica.pk).summary == imported.field_dict["summary"]
    fractures.refresh_from_db()
    assert (fractures.title, fractures.status) == ("Bob's rewrite", "draft")
    assert Client().get(f"/articles/{fractures.slug}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_restoring_a_revision_whose_tag_was_deleted_since_leaves_the_tag_out():
    keep, gone = make_tag(name="Keep", slug="keep"), make_tag(name="Gone", slug="gone")
    article = make_article(title="Tagged", tags=[keep, gone])
    alice = editor("alice")
    Form(alice, change_url(article)).save(summary="First admin save.")
    Form(alice, change_url(article)).save(summary="Second admin save.", tags=[str(keep.pk)])
    gone.delete()
    first = Version.objects.get_for_object(article).order_by("pk").first()
    revision_url = f"/admin/articles/article/{article.pk}/history/{first.pk}/"
    assert Form(alice, revision_url).save().status_code == 302
    article.refresh_from_db()
    assert article.summary == "First admin save."
    assert [t.slug for t in article.tags.all()] == ["keep"]


def test_a_restore_over_someone_elses_later_save_is_refused_like_any_other():
    article = make_article(title="Good title")
    alice, bob = editor("alice"), editor("bob")
    Form(alice, change_url(article)).save(summary="First summary.")
    Form(alice, change_url(article)).save(title="Bad title")
    good = Version.objects.get_for_object(article).order_by("pk").first()
    restore = Form(alice, f"/admin/articles/article/{article.pk}/history/{good.pk}/")
    assert Form(bob, change_url(article)).save(summary="Bob's summary.").status_code == 302
    refused = restore.save()
    assert refused.status_code == 200
    assert "Someone else saved this article" in errors(refused)
    kept = Article.objects.get(pk=article.pk)
    assert (kept.title, kept.summary) == ("Bad title", "Bob's summary.")


def test_restoring_or_recovering_when_the_section_was_deleted_since():
    old, new = make_category(name="Old", slug="old"), make_category(name="New", slug="new")
    article = make_article(title="Moved", slug="moved", category=old)
    alice = editor("alice")
    Form(alice, change_url(article)).save(summary="In the old section.")
    Form(alice, change_url(article)).save(category=str(new.pk))
    old.delete()
    first = Version.objects.get_for_object(article).order_by("pk").first()
    # Restore: the old text comes back, in the section it has now.
    assert (
        Form(alice, f"/admin/articles/article/{article.pk}/history/{first.pk}/").save().status_code
        == 302
    )
    article.refresh_from_db()
    assert (article.summary, article.category) == ("In the old section.", new)
    # Recover, with no section to keep: a message, not an error page.
    version = Version.objects.get_for_object(article).order_by("pk").first()
    Article.objects.filter(pk=article.pk).delete()
    response = alice.get(f"/admin/articles/article/recover/{version.pk}/", follow=True)
    assert response.status_code == 200
    assert "no longer exists" in response.content.decode()


def _staff(name, *groups):
    from django.contrib.auth.models import Group

    user = make_user(staff=True, username=name)
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_restoring_a_revision_keeps_the_review_an_editor_may_not_set():
    """An editor without the review permission cannot set the review on the form, so neither
    by restoring a revision from before a reviewer changed it."""
    import datetime

    article = make_article(title="Reviewed page")
    reviewer = _staff("reviewer", "Editors", "Reviewers")
    Form(reviewer, change_url(article)).save(
        clinical_reviewer="A. Reviewer", clinical_reviewer_profession="GP",
        clinically_reviewed_on="2026-11-30", last_reviewed="2026-11-30",
    )  # fmt: skip
    Form(reviewer, change_url(article)).save(
        clinical_reviewer="", clinical_reviewer_profession="", clinically_reviewed_on="",
        title="Reviewed page, later",
    )  # fmt: skip
    assert not Article.objects.get(pk=article.pk).clinically_reviewed
    older = Version.objects.get_for_object(article).order_by("pk").first()
    editor_only = _staff("editor", "Editors")
    form = Form(editor_only, f"/admin/articles/article/{article.pk}/history/{older.pk}/")
    assert form.save().status_code == 302
    restored = Article.objects.get(pk=article.pk)
    assert restored.title == "Reviewed page"  # the text came back
    assert not restored.clinically_reviewed and restored.clinical_reviewer == ""  # not the review
    assert restored.last_reviewed == datetime.date(2026, 11, 30)

    # A reviewer restoring the same revision brings the review back with it.
    form = Form(reviewer, f"/admin/articles/article/{article.pk}/history/{older.pk}/")
    assert form.save().status_code == 302
    assert Article.objects.get(pk=article.pk).clinical_reviewer == "A. Reviewer"


def test_a_save_from_a_browser_records_only_what_was_changed():
    """Browsers send every text area with CRLF line endings; only the body was edited, so
    only the body is recorded as changed, stored as the importer stores text, and shown."""
    from django.contrib.admin.models import LogEntry

    article = make_article(
        body="## Start\n\nFirst text.\n\nMore.",
        emergency="- one\n- two",
        urgent_help="- three\n- four",
        see_a_doctor="- five\n- six",
        sources="- [NHS: A](https://www.nhs.uk/a/)\n- [NHS: B](https://www.nhs.uk/b/)",
    )
    alice = editor("alice")
    Form(alice, change_url(article)).save()  # a first revision to compare with
    form = Form(alice, change_url(article))
    for name, value in list(form.data.items()):
        if isinstance(value, str) and "\n" in value:
            form.data[name] = value.replace("\n", "\r\n")  # as a browser sends it
    response = form.save(body="## Start\r\n\r\nChanged text.\r\n\r\nMore.\r\n")
    assert response.status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert saved.body == "## Start\n\nChanged text.\n\nMore." and "\r" not in saved.emergency
    message = LogEntry.objects.filter(object_id=str(article.pk)).latest("pk").get_change_message()
    assert message == "Changed Body.", message
    versions = Version.objects.get_for_object(article).order_by("-pk")
    page = alice.get(
        f"/admin/articles/article/{article.pk}/history/compare/",
        {"a": versions[1].pk, "b": versions[0].pk},
    ).content.decode()
    assert "Changed text." in page
    for label in ["Emergency", "Get urgent help", "See a doctor", "Sources", "edit_base"]:
        assert f"<h2>{label}</h2>" not in page and label not in message


def test_every_history_row_opens_this_objects_own_version():
    """An import saves every article in one revision: the row's "What changed" must open the
    version of the article whose history it is, not the revision's first article."""
    from io import StringIO

    from django.core.management import call_command

    call_command("import_content", "articles/content", stdout=StringIO())
    alice = editor("alice")
    for slug in ["weakness-behind-the-knee", "sciatica-and-trapped-nerves", "meniscus-tear"]:
        article = Article.objects.get(slug=slug)
        page = alice.get(f"/admin/articles/article/{article.pk}/history/").content.decode()
        ids = re.findall(r"compare/\?b=(\d+)", page)
        assert ids, slug
        for version in Version.objects.filter(pk__in=ids):
            assert version.object_id == str(article.pk), slug
        compare = alice.get(f"/admin/articles/article/{article.pk}/history/compare/?b={ids[0]}")
        assert article.title in compare.content.decode()
