import io
import os
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from articles.models import Article

from .factories import make_article, make_category, make_tag, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(superuser=True))
    return client


def csrf_post(client, url, data, **extra):
    """Post a form as a browser does: fetch the page for its CSRF token first."""
    page = client.get(url)
    assert page.status_code == 200
    data = {**data, "csrfmiddlewaretoken": page.context["csrf_token"]}
    adminform = page.context.get("adminform")
    if adminform is not None and "edit_base" in adminform.form.fields:
        # The values the editor started from, as a browser sends them.
        data.setdefault("edit_base", page.context["adminform"].form["edit_base"].value() or "")
    return client.post(url, data, **extra)


def article_form(category, **overrides):
    data = {
        "title": "Hamstring strain",
        "slug": "hamstring-strain",
        "category": category.pk,
        "summary": "A pulled muscle at the back of the thigh.",
        "body": "## What it is\n\nA tear in a hamstring muscle.",
        "emergency": "",
        "urgent_help": "",
        "see_a_doctor": "- it is no better after two weeks",
        "sources": "- [NHS: Hamstring injury](https://www.nhs.uk/conditions/hamstring-injury/)",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "reviewed_by": "Editorial team",
        "last_reviewed": "2026-11-01",
        "next_review_due": "",
        "tags": [],
        "related": [],
    }
    data.update(overrides)
    return data


def test_editor_adds_a_draft_then_publishes_it(editor_client, client):
    category = make_category(slug="muscles")
    tag = make_tag(slug="hamstrings")
    response = csrf_post(
        editor_client, "/admin/articles/article/add/", article_form(category, tags=[tag.pk])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="hamstring-strain")
    assert article.status == "draft"
    assert article.body_html.startswith('<h2 id="what-it-is">')
    assert article.next_review_due.isoformat() == "2027-11-01"
    assert list(article.tags.all()) == [tag]
    assert client.get("/articles/hamstring-strain/").status_code == 404

    url = f"/admin/articles/article/{article.pk}/change/"
    data = article_form(category, tags=[tag.pk], status="published")
    response = csrf_post(editor_client, url, data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "published" and article.published_at is not None
    assert client.get("/articles/hamstring-strain/").status_code == 200


def test_a_cause_article_without_help_panel_cannot_be_published(editor_client):
    category = make_category()
    data = article_form(category, status="published", see_a_doctor="")
    response = csrf_post(editor_client, "/admin/articles/article/add/", data)
    assert response.status_code == 200
    assert "at least one" in response.content.decode()
    assert not Article.objects.exists()


def test_a_new_review_date_moves_the_next_review(editor_client):
    article = make_article()
    data = article_form(
        article.category, slug=article.slug, title=article.title, last_reviewed="2026-06-01",
        next_review_due=article.next_review_due.isoformat(), status="published",
        published_at_0=article.published_at.strftime("%Y-%m-%d"),
        published_at_1=article.published_at.strftime("%H:%M:%S"),
    )  # fmt: skip
    response = csrf_post(editor_client, f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.next_review_due.isoformat() == "2027-06-01"


def test_admin_pages_for_editors(editor_client):
    article = make_article()
    make_tag(name="Tingling", aliases="pins and needles")
    for url in [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/?status__exact=draft",
        "/admin/articles/article/?review=overdue",
        "/admin/articles/article/?review=soon",
        "/admin/articles/article/?q=knee",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/articles/tag/",
        "/admin/articles/tag/?q=pins",
        "/admin/articles/category/",
        "/admin/autocomplete/?app_label=articles&model_name=article&field_name=tags&term=ti",
    ]:
        assert editor_client.get(url).status_code == 200, url
    change = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "markdownx" in change  # the editor with live preview
    assert 'href="/admin/r/' in change  # view on site
    # Help texts are not escaped by the admin: an example address, never "<slug>".
    assert "as in /articles/sciatica-and-trapped-nerves/" in change and "/articles//" not in change


def test_publish_and_unpublish_actions(editor_client):
    ok = make_article(status="draft", published_at=None)
    incomplete = make_article(status="draft", published_at=None, see_a_doctor="")
    page = editor_client.get("/admin/articles/article/")
    response = editor_client.post(
        "/admin/articles/article/",
        {
            "action": "publish",
            "_selected_action": [ok.pk, incomplete.pk],
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },  # fmt: skip
        follow=True,
    )
    text = response.content.decode()
    assert "1 article published" in text
    assert "Not published" in text
    ok.refresh_from_db()
    incomplete.refresh_from_db()
    assert ok.status == "published" and incomplete.status == "draft"
    response = editor_client.post(
        "/admin/articles/article/",
        {
            "action": "unpublish",
            "_selected_action": [ok.pk],
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },  # fmt: skip
        follow=True,
    )
    ok.refresh_from_db()
    assert ok.status == "draft"


def test_admin_refuses_anonymous_and_non_staff(client):
    assert client.get("/admin/articles/article/").status_code == 302
    client.force_login(make_user(staff=False))
    assert client.get("/admin/articles/article/").status_code == 302


# --- markdownx endpoints ------------------------------------------------------------------


def png_bytes(size=(4, 4), fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, fmt)
    return buffer.getvalue()


def upload(client, content, name="knee.png", content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/markdownx/upload/",
        {"image": SimpleUploadedFile(name, content, content_type=content_type)},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def article_editor():
    """Staff in the Editors group: may add and change articles, so may use the editor."""
    from django.contrib.auth.models import Group

    user = make_user(staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def stored_files(root):
    return [p for p in Path(root).rglob("*") if p.is_file()]


@pytest.mark.parametrize("user", [None, "plain", "inactive-staff"])
def test_markdownx_endpoints_refuse_anyone_but_staff(client, media, user):
    if user == "plain":
        client.force_login(make_user())
    elif user == "inactive-staff":
        inactive = article_editor()
        inactive.is_active = False
        inactive.save()
        client.force_login(inactive)
    assert upload(client, png_bytes()).status_code == 403
    response = client.post("/markdownx/markdownify/", {"content": "**x**"})
    assert response.status_code == 403
    assert stored_files(media) == []


def test_markdownx_endpoints_need_permission_to_edit_articles(client, media):
    """Staff status alone is not enough: the editor's upload and preview are for those who
    may add or change articles, as the article form is."""
    client.force_login(make_user(staff=True))  # staff, but no permissions
    assert upload(client, png_bytes()).status_code == 403
    assert client.post("/markdownx/markdownify/", {"content": "**x**"}).status_code == 403
    assert stored_files(media) == []
    client.force_login(article_editor())
    assert upload(client, png_bytes()).status_code == 200
    assert client.post("/markdownx/markdownify/", {"content": "**x**"}).status_code == 200


def test_markdownx_endpoints_check_csrf(media):
    client = Client(enforce_csrf_checks=True)
    client.force_login(article_editor())
    assert upload(client, png_bytes()).status_code == 403
    assert client.post("/markdownx/markdownify/", {"content": "x"}).status_code == 403
    assert stored_files(media) == []


def test_markdownx_preview_is_sanitised_for_staff(client):
    client.force_login(article_editor())
    response = client.post(
        "/markdownx/markdownify/", {"content": "**bold** <script>alert(1)</script>"}
    )
    assert response.status_code == 200
    assert response.content.decode() == "<p><strong>bold</strong> </p>"
    assert client.post("/markdownx/markdownify/", {}).status_code == 200  # no content: empty
    assert client.get("/markdownx/markdownify/").status_code == 405


@pytest.mark.parametrize("fmt,ext", [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_staff_upload_real_images(client, media, fmt, ext):
    client.force_login(article_editor())
    response = upload(client, png_bytes(fmt=fmt), name="photo.html", content_type="text/html")
    assert response.status_code == 200, response.content
    assert response.json()["image_code"].startswith("![")
    files = stored_files(media)
    assert len(files) == 1 and files[0].suffix == f".{ext}"  # named by content, not by upload


@pytest.mark.parametrize(
    "content,content_type",
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml"),
        (b"<html><script>alert(1)</script></html>", "image/png"),
        (b"GIF89a" + b"\x00" * 20, "image/gif"),
        (b"", "image/png"),
        (png_bytes()[:20], "image/png"),
    ],
)
def test_uploads_that_are_not_real_images_are_refused(client, media, content, content_type):
    client.force_login(article_editor())
    response = upload(client, content, content_type=content_type)
    assert response.status_code == 400
    assert stored_files(media) == []


def test_oversized_upload_is_refused(client, media, settings):
    settings.MARKDOWNX_UPLOAD_MAX_SIZE = 100
    client.force_login(article_editor())
    response = upload(client, png_bytes(size=(200, 200)) + os.urandom(200))
    assert response.status_code == 400
    assert "at most" in response.json()["image"][0]
    assert stored_files(media) == []


def test_search_log_lists_zero_result_queries_first(editor_client, client):
    make_article(title="Tingling", slug="tingling")
    for query in ["tingling", "tingling", "tingling", "zebra giraffe", "qwerty"]:
        client.get("/search/", {"q": query})
    html = editor_client.get("/admin/articles/searchquerylog/").content.decode()
    assert html.index("qwerty") < html.index("zebra giraffe") < html.index(">tingling<")
    only_zero = editor_client.get("/admin/articles/searchquerylog/?found=none").content.decode()
    assert ">tingling<" not in only_zero and "qwerty" in only_zero
    assert editor_client.get("/admin/articles/searchquerylog/add/").status_code == 403


def test_the_help_panel_form_says_the_order_it_shows(editor_client):
    article = make_article()
    html = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "most serious first" in html and "most serious last" not in html
    order = [html.index(f'name="{name}"') for name in ["emergency", "urgent_help", "see_a_doctor"]]
    assert order == sorted(order)


def test_the_admin_lists_content_first(editor_client):
    html = editor_client.get("/admin/").content.decode()
    content = html.index('class="app-articles')
    for other in ['class="app-auth', 'class="app-axes']:
        assert other in html and content < html.index(other), other
    page = editor_client.get("/admin/articles/article/").content.decode()
    sidebar = page[page.index('id="nav-sidebar"') :]
    assert sidebar.index("app-articles") < sidebar.index("app-auth")
    assert "kneeinfo editors" in html
