from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, Tag

from .factories import make_article, make_category, make_tag

pytestmark = pytest.mark.django_db


def test_slugs_are_unique_in_the_database():
    make_article(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(slug="same")
    make_tag(slug="t")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_tag(slug="t")
    make_category(slug="c")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_category(slug="c")


def test_database_refuses_a_published_article_without_a_date_and_an_unknown_status():
    article = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(published_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(status="live")


def test_database_refuses_a_review_due_before_the_last_review():
    article = make_article(last_reviewed=date(2026, 5, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(next_review_due=date(2026, 4, 1))


def test_published_excludes_drafts_and_future_articles():
    live = make_article()
    make_article(status=Article.Status.DRAFT, published_at=None)
    make_article(published_at=timezone.now() + timedelta(hours=1))
    assert list(Article.objects.published()) == [live]


def test_publishing_without_a_date_publishes_now():
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    assert article.published_at is None
    article.status = Article.Status.PUBLISHED
    article.save()
    assert article.published_at <= timezone.now()
    assert article in Article.objects.published()


def test_next_review_defaults_to_a_year_after_the_last():
    article = make_article(last_reviewed=date(2026, 3, 1))
    assert article.next_review_due == date(2027, 3, 1)
    kept = make_article(last_reviewed=date(2026, 3, 1), next_review_due=date(2026, 9, 1))
    assert kept.next_review_due == date(2026, 9, 1)


def test_review_overdue():
    assert make_article(next_review_due=timezone.localdate() - timedelta(days=1)).review_overdue
    assert not make_article(next_review_due=timezone.localdate()).review_overdue


def test_markdown_is_rendered_on_save_with_a_table_of_contents():
    article = make_article(
        body="## What it is\n\nText.\n\n### Detail\n\nMore.", emergency="- **call 999**"
    )
    assert article.body_html == (
        '<h2 id="what-it-is">What it is</h2>\n<p>Text.</p>\n'
        '<h3 id="detail">Detail</h3>\n<p>More.</p>'
    )
    assert article.toc == [
        {"id": "what-it-is", "title": "What it is", "level": 2},
        {"id": "detail", "title": "Detail", "level": 3},
    ]
    assert article.emergency_html == "<ul>\n<li><strong>call 999</strong></li>\n</ul>"


def test_a_cause_article_cannot_be_published_without_any_help_tier():
    article = make_article(see_a_doctor="", urgent_help="", emergency="")
    with pytest.raises(ValidationError, match="when to get help"):
        article.full_clean()
    article.status = Article.Status.DRAFT
    article.full_clean()  # a draft may be incomplete
    article.category = make_category(is_cause=False)
    article.status = Article.Status.PUBLISHED
    article.full_clean()  # management articles need no panel


def test_tag_aliases_are_normalised_one_per_line():
    tag = make_tag(aliases="pins and needles\r\n\r\n  prickling \npins and needles")
    tag.refresh_from_db()
    assert tag.aliases == "pins and needles\nprickling"
    assert tag.alias_list == ["pins and needles", "prickling"]


def test_string_and_urls():
    article = make_article(title="Sciatica", slug="sciatica")
    assert str(article) == "Sciatica"
    assert article.get_absolute_url() == "/articles/sciatica/"
    assert article.category.get_absolute_url() == f"/topics/{article.category.slug}/"
    assert make_tag(slug="numbness").get_absolute_url() == "/tags/numbness/"


class TestRelatedArticles:
    def test_editor_picks_first_then_most_shared_tags(self):
        a, b, c = make_tag(), make_tag(), make_tag()
        one_shared = make_article(title="One shared", tags=[a])
        two_shared = make_article(title="Two shared", tags=[a, b])
        three_shared = make_article(title="Three shared", tags=[a, b, c])
        make_article(title="Unrelated", tags=[make_tag()])
        pick = make_article(title="Picked by editor")
        article = make_article(tags=[a, b, c], related=[pick])
        assert [r.title for r in article.related_articles()] == [
            "Picked by editor",
            "Three shared",
            "Two shared",
            "One shared",
        ]
        assert one_shared and two_shared and three_shared

    def test_drafts_future_and_itself_are_excluded(self):
        tag = make_tag()
        draft = make_article(tags=[tag], status=Article.Status.DRAFT, published_at=None)
        future = make_article(tags=[tag], published_at=timezone.now() + timedelta(days=1))
        article = make_article(tags=[tag], related=[draft, future])
        article.related.add(article)
        assert article.related_articles() == []

    def test_limit_and_no_duplicates(self):
        tag = make_tag()
        others = [make_article(tags=[tag]) for _ in range(7)]
        article = make_article(tags=[tag], related=others[:2])
        related = article.related_articles()
        assert len(related) == 5
        assert len({r.pk for r in related}) == 5
        assert related[:2] == sorted(others[:2], key=lambda r: r.title)

    def test_a_content_change_shows_at_once(self):
        tag = make_tag()
        article = make_article(tags=[tag])
        assert article.related_articles() == []  # now cached
        newcomer = make_article(tags=[tag])
        assert article.related_articles() == [newcomer]
        newcomer.tags.clear()
        assert article.related_articles() == []


def test_tags_m2m_and_related_names():
    tag = make_tag()
    article = make_article(tags=[tag])
    assert list(tag.articles.all()) == [article]
    assert Tag.objects.count() == 1


def test_related_articles_share_most_tags_picks_first_published_only(monkeypatch):
    knee, nerve, leg = make_tag(), make_tag(), make_tag()
    article = make_article(tags=[knee, nerve, leg])
    two = make_article(title="Shares two", tags=[knee, nerve])
    one = make_article(title="Shares one", tags=[leg])
    make_article(title="A draft", tags=[knee, nerve, leg], status=Article.Status.DRAFT)
    pick = make_article(title="Editor's pick")
    article.related.add(pick)
    assert [a.title for a in article._related(5)] == [pick.title, two.title, one.title]


def test_related_articles_look_at_a_bounded_number_per_tag(
    monkeypatch, django_assert_max_num_queries
):
    import articles.models

    monkeypatch.setattr(articles.models, "RELATED_PER_TAG", 2)
    knee = make_tag()
    article = make_article(tags=[knee])
    older = make_article(title="Older", tags=[knee])
    newer = [make_article(title=f"Newer {i}", tags=[knee]) for i in range(2)]
    with django_assert_max_num_queries(4):  # picks, tags, shared counts, the articles
        titles = [a.title for a in article._related(5)]
    assert older.title not in titles  # past the two most recently tagged
    assert set(titles) == {a.title for a in newer}


def test_migration_0015_stores_old_crlf_text_as_the_admin_now_does():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("articles.migrations.0015_text_line_endings")
    article = make_article(body="## A\n\nText.")
    Article.objects.filter(pk=article.pk).update(body="## A\r\n\r\nText.\r", summary="One\r\ntwo")
    migration.normalise(apps, None)
    article.refresh_from_db()
    assert (article.body, article.summary) == ("## A\n\nText.\n", "One\ntwo")
