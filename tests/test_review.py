"""Review governance: the reminder command, the admin filter and the public notice."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article

from .factories import make_article

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("review_report", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit:
        status = exit.code
    return status, out.getvalue(), err.getvalue()


def test_nothing_due_exits_zero():
    make_article(next_review_due=timezone.localdate() + timedelta(days=200))
    status, out, _ = run()
    assert status == 0
    assert "Overdue: 0" in out and "Due in the next 30 days: 0" in out


def test_overdue_and_due_soon_are_listed_and_overdue_exits_one():
    today = timezone.localdate()
    make_article(title="Old one", next_review_due=today - timedelta(days=3))
    make_article(title="Soon one", next_review_due=today + timedelta(days=10))
    make_article(title="Later one", next_review_due=today + timedelta(days=90))
    make_article(
        title="Draft one", status=Article.Status.DRAFT, next_review_due=today - timedelta(days=9)
    )
    status, out, err = run()
    assert status == 1
    assert "Overdue: 1" in out and "Old one" in out
    assert "Due in the next 30 days: 1" in out and "Soon one" in out
    assert "Later one" not in out and "Draft one" not in out
    assert "/admin/articles/article/" in out
    assert "1 article(s) overdue" in err
    _, wider, _ = run("--days", "120")
    assert "Later one" in wider


def test_bad_days_is_a_clear_error():
    status, _, err = run("--days", "-1")
    assert status == 2 and "--days" in err


def test_next_review_defaults_to_a_year_after_the_last():
    article = make_article(last_reviewed=timezone.localdate(), next_review_due=None)
    assert article.next_review_due == timezone.localdate() + timedelta(days=365)


def test_readers_see_a_notice_when_a_review_is_overdue(client):
    make_article(slug="stale", next_review_due=timezone.localdate() - timedelta(days=1))
    make_article(slug="fresh", next_review_due=timezone.localdate() + timedelta(days=100))
    assert b"overdue" in client.get("/articles/stale/").content.lower()
    assert b"overdue" not in client.get("/articles/fresh/").content.lower()


def test_admin_lists_overdue_and_due_soon(admin_client):
    today = timezone.localdate()
    make_article(title="Old one", next_review_due=today - timedelta(days=3))
    make_article(title="Soon one", next_review_due=today + timedelta(days=10))
    overdue = admin_client.get("/admin/articles/article/", {"review": "overdue"}).content
    soon = admin_client.get("/admin/articles/article/", {"review": "soon"}).content
    assert b"Old one" in overdue and b"Soon one" not in overdue
    assert b"Soon one" in soon and b"Old one" not in soon


def test_the_admin_dashboard_lists_reviews_due(admin_client):
    today = timezone.localdate()
    make_article(title="Old one", next_review_due=today - timedelta(days=3))
    make_article(title="Soon one", next_review_due=today + timedelta(days=10))
    make_article(title="Later one", next_review_due=today + timedelta(days=90))
    page = admin_client.get("/admin/").content.decode()
    assert "Reviews due" in page
    assert "Old one" in page and "Overdue:" in page and "Soon one" in page
    assert "Later one" not in page


# --- honest review status -------------------------------------------------------------------


def _staff_client(*groups):
    from django.contrib.auth.models import Group
    from django.test import Client

    from .factories import make_user

    user = make_user(staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    client = Client()
    client.force_login(user)
    return client


SOURCES = (
    "- [NHS: Sciatica](https://www.nhs.uk/conditions/sciatica/)\n"
    "- [NICE: Sciatica (NG59)](https://www.nice.org.uk/guidance/ng59)\n"
    "- [NHS: Back pain](https://www.nhs.uk/conditions/back-pain/)\n"
    "- [MedlinePlus: Sciatica](https://medlineplus.gov/ency/article/000686.htm)"
)


def test_an_article_no_clinician_reviewed_says_so_and_names_its_guidance(client):
    make_article(slug="sciatica", reviewed_by="kneeinfo editorial team", sources=SOURCES)
    html = client.get("/articles/sciatica/").content.decode()
    assert (
        "<strong>Who checked this page:</strong> kneeinfo editorial team, against guidance "
        "from NHS, NICE and MedlinePlus (listed under Sources)." in html
    )
    assert "It has not yet been reviewed by a clinician." in html
    assert "Clinically reviewed" not in html


def test_a_clinical_review_shows_the_reviewer_profession_and_date(client):
    make_article(
        slug="sciatica",
        clinical_reviewer="A. Reviewer",
        clinical_reviewer_profession="physiotherapist",
        clinically_reviewed_on=timezone.localdate().replace(year=2026, month=11, day=30),
    )
    html = client.get("/articles/sciatica/").content.decode()
    assert "Clinically reviewed by A. Reviewer, physiotherapist, on" in html
    assert "30 November 2026" in html
    assert "not yet been reviewed by a clinician" not in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )
    assert data["reviewedBy"] == {
        "@type": "Person", "name": "A. Reviewer", "jobTitle": "physiotherapist"
    }  # fmt: skip
    assert data["lastReviewed"] == "2026-11-30"  # the clinician's date, not the editors'


@pytest.mark.parametrize(
    "partial",
    [
        {"clinical_reviewer": "A. Reviewer"},
        {"clinical_reviewer": "A. Reviewer", "clinical_reviewer_profession": "GP"},
        {"clinically_reviewed_on": "2026-11-30"},
        {"clinical_reviewer": "   ", "clinical_reviewer_profession": "GP",
         "clinically_reviewed_on": "2026-11-30"},
    ],
)  # fmt: skip
def test_a_clinical_review_needs_name_profession_and_date(partial):
    from .test_admin import article_form, csrf_post

    client = _staff_client("Editors", "Reviewers")
    article = make_article()
    data = article_form(article.category, slug=article.slug, title=article.title, **partial)
    response = csrf_post(client, f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 200
    assert "their profession and the date. Fill in all three" in response.content.decode()
    article.refresh_from_db()
    assert not article.clinical_reviewer and article.clinically_reviewed_on is None


def test_the_database_refuses_half_a_clinical_review():
    from django.db import IntegrityError, transaction

    article = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(clinical_reviewer="A. Reviewer")


def test_only_reviewers_may_record_a_clinical_review():
    from .test_admin import article_form, csrf_post

    article = make_article()
    url = f"/admin/articles/article/{article.pk}/change/"
    claim = {
        "clinical_reviewer": "Dr Made Up",
        "clinical_reviewer_profession": "GP",
        "clinically_reviewed_on": "2026-11-30",
    }
    editor = _staff_client("Editors")
    form = editor.get(url).context["adminform"].form
    assert "clinical_reviewer" not in form.fields and "clinically_reviewed_on" not in form.fields
    data = article_form(article.category, slug=article.slug, title=article.title, **claim)
    data.pop("reviewed_by"), data.pop("last_reviewed"), data.pop("next_review_due")
    assert csrf_post(editor, url, data).status_code == 302  # saved, the claim ignored
    article.refresh_from_db()
    assert article.clinical_reviewer == "" and article.clinically_reviewed_on is None

    reviewer = _staff_client("Editors", "Reviewers")
    data = article_form(article.category, slug=article.slug, title=article.title, **claim)
    assert csrf_post(reviewer, url, data).status_code == 302
    article.refresh_from_db()
    assert article.clinically_reviewed and article.clinical_reviewer_profession == "GP"


def test_a_clinical_review_survives_export_and_import(tmp_path):
    from articles.markdown_files import article_file

    article = make_article(
        slug="sciatica",
        clinical_reviewer="A. Reviewer",
        clinical_reviewer_profession="GP",
        clinically_reviewed_on=timezone.localdate().replace(year=2026, month=11, day=30),
    )
    text = article_file(Article.objects.get(pk=article.pk))
    assert "clinical_reviewer: A. Reviewer\n" in text
    assert "clinically_reviewed_on: 2026-11-30\n" in text
    call_command("export_content", str(tmp_path), stdout=StringIO())
    Article.objects.all().delete()
    out = StringIO()
    call_command("import_content", str(tmp_path), stdout=out)
    assert "0 errors" in out.getvalue()
    again = Article.objects.get(slug="sciatica")
    assert (again.clinical_reviewer, again.clinical_reviewer_profession) == ("A. Reviewer", "GP")
    assert again.clinically_reviewed_on.isoformat() == "2026-11-30"


def test_an_article_without_a_clinical_review_exports_empty_review_keys():
    from articles.markdown_files import article_file

    text = article_file(Article.objects.get(pk=make_article().pk))
    assert "clinical_reviewer: ''\n" in text and "clinically_reviewed_on: null\n" in text


def test_importing_half_a_clinical_review_is_an_error_line(tmp_path):
    from django.core.management.base import CommandError

    from articles.markdown_files import article_file

    article = make_article(slug="sciatica")
    text = article_file(Article.objects.get(pk=article.pk))
    call_command("export_content", str(tmp_path), stdout=StringIO())
    path = tmp_path / "articles" / "sciatica.md"
    path.write_text(text.replace("clinical_reviewer: ''", "clinical_reviewer: X"))
    Article.objects.all().delete()
    out = StringIO()
    with pytest.raises(CommandError, match="could not be imported"):
        call_command("import_content", str(tmp_path), stdout=out, stderr=out)
    assert "needs the reviewer's name" in out.getvalue()
    assert not Article.objects.filter(slug="sciatica").exists()


def test_a_reviewed_article_reimports_unchanged_and_a_file_without_the_review_clears_it(
    tmp_path,
):
    article = make_article(
        slug="sciatica",
        clinical_reviewer="Dr  A.   Reviewer",  # spaces as pasted
        clinical_reviewer_profession="GP",
        clinically_reviewed_on=timezone.localdate().replace(year=2026, month=11, day=30),
    )
    article.full_clean()
    article.save()
    call_command("export_content", str(tmp_path), stdout=StringIO())
    out = StringIO()
    call_command("import_content", str(tmp_path), stdout=out)
    assert "0 updated" in out.getvalue() and "0 conflicts" in out.getvalue()
    call_command("import_content", str(tmp_path), stdout=(out := StringIO()))
    assert "0 created, 0 updated" in out.getvalue()  # and again: nothing moves
    path = tmp_path / "articles" / "sciatica.md"
    text = path.read_text()
    for key in ["clinical_reviewer", "clinical_reviewer_profession", "clinically_reviewed_on"]:
        text = re.sub(rf"^{key}: .*\n", "", text, flags=re.M)
    path.write_text(text)
    call_command("import_content", str(tmp_path), stdout=(out := StringIO()))
    assert "updated: article sciatica" in out.getvalue()
    assert not Article.objects.get(slug="sciatica").clinically_reviewed


def test_an_impossible_review_date_in_a_file_is_an_error_line(tmp_path):
    from django.core.management.base import CommandError

    from articles.markdown_files import article_file

    text = article_file(Article.objects.get(pk=make_article(slug="sciatica").pk))
    Article.objects.all().delete()
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "sciatica.md").write_text(
        text.replace("clinically_reviewed_on: null", "clinically_reviewed_on: '2026-02-30'")
    )
    out = StringIO()
    with pytest.raises(CommandError, match="could not be imported"):
        call_command("import_content", str(tmp_path), stdout=out, stderr=out)
    assert "'2026-02-30' is not a date" in out.getvalue()


def test_a_page_changed_after_its_clinical_review_says_so(client):
    from datetime import date

    article = make_article(
        slug="sciatica",
        clinical_reviewer="A. Reviewer",
        clinical_reviewer_profession="GP",
        clinically_reviewed_on=timezone.localdate(),
    )
    assert "changed since that review" not in client.get("/articles/sciatica/").content.decode()
    Article.objects.filter(pk=article.pk).update(clinically_reviewed_on=date(2026, 1, 2))
    html = client.get("/articles/sciatica/").content.decode()
    assert "Clinically reviewed by A. Reviewer, GP" in html
    assert "The page has been changed since that review." in html
