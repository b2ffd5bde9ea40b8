"""Readers' feedback and the editors' roles."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from articles.models import Article, Feedback

from .factories import make_article, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return make_article(title="Sciatica", slug="sciatica")


def send(client, helpful="yes", comment="", slug="sciatica", **extra):
    page = client.get(f"/articles/{slug}/feedback/", {"helpful": helpful})
    token = page.cookies["csrftoken"].value
    return client.post(
        f"/articles/{slug}/feedback/",
        {"helpful": helpful, "comment": comment, "csrfmiddlewaretoken": token},
        **extra,
    )


def test_the_article_page_asks_and_stays_cacheable(client, settings, article):
    settings.PAGE_CACHE = True
    page = client.get("/articles/sciatica/")
    html = page.content.decode()
    assert "Was this page helpful?" in html
    assert 'action="/articles/sciatica/feedback/"' in html and 'method="get"' in html
    assert "csrfmiddlewaretoken" not in html and not page.cookies
    assert "public" in page["Cache-Control"]


def test_a_reader_says_yes_with_a_comment(article):
    client = Client(enforce_csrf_checks=True)
    response = send(client, "yes", "Clear and calm, thank you.")
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert b"Thank you" in thanks.content
    feedback = Feedback.objects.get()
    assert feedback.article == article and feedback.helpful is True
    assert feedback.comment == "Clear and calm, thank you."
    assert {f.name for f in Feedback._meta.fields} == {
        "id", "article", "helpful", "comment", "created_on"
    }  # fmt: skip


def test_the_form_page_is_never_cached(client, article):
    page = client.get("/articles/sciatica/feedback/", {"helpful": "no"})
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    assert page["X-Robots-Tag"] == "noindex"
    assert re.search(r'value="no"[^>]*checked', page.content.decode())


def test_csrf_is_required(article):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/articles/sciatica/feedback/", {"helpful": "yes"})
    assert response.status_code == 403
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{"helpful": "maybe"}, {"helpful": ""}, {"helpful": "yes", "comment": "x" * 501}],
    ids=["bad answer", "no answer", "comment too long"],
)
def test_bad_input_gets_the_form_back_with_an_error(client, article, data):
    response = client.post("/articles/sciatica/feedback/", data)
    assert response.status_code == 400
    assert b"field-error" in response.content
    assert not Feedback.objects.exists()


def test_drafts_and_unknown_articles_take_no_feedback(client):
    make_article(slug="draft", status=Article.Status.DRAFT)
    assert client.get("/articles/draft/feedback/").status_code == 404
    assert client.post("/articles/nothing/feedback/", {"helpful": "yes"}).status_code == 404


def test_each_client_is_throttled(client, article):
    from articles.feedback import LIMIT_PER_HOUR

    for _ in range(LIMIT_PER_HOUR):
        assert send(client).status_code == 302
    refused = send(client)
    assert refused.status_code == 429
    assert b"not saved" in refused.content
    assert Feedback.objects.count() == LIMIT_PER_HOUR
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert send(other).status_code == 302


def test_editors_see_totals_per_article(admin_client, article):
    Feedback.objects.create(article=article, helpful=True)
    Feedback.objects.create(article=article, helpful=True)
    Feedback.objects.create(article=article, helpful=False, comment="Too long")
    listing = admin_client.get("/admin/articles/article/").content.decode()
    assert "2 / 1" in listing
    feedback = admin_client.get("/admin/articles/feedback/", {"article__id__exact": article.pk})
    assert "2 helpful, 1 not helpful" in feedback.content.decode()
    assert "Too long" in feedback.content.decode()


def test_the_editors_group_has_the_least_needed_permissions():
    editors = Group.objects.get(name="Editors")
    codenames = set(editors.permissions.values_list("codename", flat=True))
    assert {"change_article", "add_tag", "change_category", "view_searchquerylog"} <= codenames
    assert "view_feedback" in codenames and "change_jargonterm" in codenames
    assert not any(c.endswith(("_user", "_group", "_permission")) for c in codenames)
    assert "review_article" not in codenames
    reviewers = Group.objects.get(name="Reviewers")
    assert "review_article" in set(reviewers.permissions.values_list("codename", flat=True))


def _member_of(group):
    user = make_user(staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_edits_content_but_not_users_or_review_fields(article):
    client = _member_of("Editors")
    assert client.get("/admin/articles/article/").status_code == 200
    assert client.get("/admin/articles/tag/add/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    form = client.get(f"/admin/articles/article/{article.pk}/change/").context["adminform"].form
    assert "reviewed_by" not in form.fields and "title" in form.fields


def test_a_reviewer_may_set_the_review_fields(article):
    client = _member_of("Reviewers")
    form = client.get(f"/admin/articles/article/{article.pk}/change/").context["adminform"].form
    assert {"reviewed_by", "last_reviewed", "next_review_due"} <= set(form.fields)
