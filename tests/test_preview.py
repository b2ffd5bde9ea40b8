"""The staff-only preview: drafts as readers will see them, never public, never cached."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

from .factories import make_article, make_user

pytestmark = pytest.mark.django_db


def editor():
    user = make_user(staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def draft():
    return make_article(
        title="Unfinished draft", slug="unfinished", status=Article.Status.DRAFT,
        body="## Draft heading\n\nDraft text.",
    )  # fmt: skip


def test_staff_preview_a_draft_as_readers_will_see_it(client, draft):
    client.force_login(editor())
    response = client.get(reverse("article-preview", args=[draft.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unfinished draft" in html and "Draft heading" in html
    assert response.templates[0].name == "articles/article_detail.html"
    assert response.context["preview"] is True
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_scheduled_articles_can_be_previewed(client):
    later = make_article(slug="later", published_at=timezone.now() + timedelta(days=2))
    client.force_login(editor())
    assert client.get(reverse("article-preview", args=[later.pk])).status_code == 200
    assert client.get("/articles/later/").status_code == 404


def test_the_public_never_sees_a_draft(client, draft):
    url = reverse("article-preview", args=[draft.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    client.force_login(make_user(staff=False))
    assert client.get(url).status_code == 302
    assert client.get("/articles/unfinished/").status_code == 404


def test_staff_who_may_not_see_articles_may_not_preview_them(client, draft):
    client.force_login(make_user(staff=True))  # staff, in no group: no article permission
    assert client.get(reverse("article-preview", args=[draft.pk])).status_code == 403


def test_a_new_draft_with_no_date_yet_can_be_previewed(client):
    draft = make_article(slug="undated", status=Article.Status.DRAFT, published_at=None)
    client.force_login(editor())
    response = client.get(reverse("article-preview", args=[draft.pk]))
    assert response.status_code == 200 and "datePublished" not in response.content.decode()


def test_preview_of_a_missing_article_is_404(client):
    client.force_login(editor())
    assert client.get(reverse("article-preview", args=[999999])).status_code == 404


def test_the_change_form_links_to_the_preview(admin_client, draft):
    page = admin_client.get(f"/admin/articles/article/{draft.pk}/change/").content.decode()
    assert reverse("article-preview", args=[draft.pk]) in page
    preview = admin_client.get(reverse("article-preview", args=[draft.pk])).content.decode()
    assert "Preview." in preview and "not public yet" in preview
    assert "Was this page helpful?" not in preview
