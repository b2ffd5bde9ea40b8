"""Review governance: the reminder command, the admin filter and the public notice."""

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
