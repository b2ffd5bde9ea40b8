"""Small factory helpers: make_article(**overrides) and friends, with sensible defaults."""

import itertools
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, Category, Tag

_counter = itertools.count(1)


def make_category(**overrides):
    n = next(_counter)
    fields = {
        "name": f"Category {n}",
        "slug": f"category-{n}",
        "summary": "A group of causes.",
        "position": n,
        "is_cause": True,
    }
    fields.update(overrides)
    return Category.objects.create(**fields)


def make_tag(**overrides):
    n = next(_counter)
    fields = {"name": f"Tag {n}", "slug": f"tag-{n}", "aliases": ""}
    fields.update(overrides)
    return Tag.objects.create(**fields)


def make_article(tags=(), related=(), **overrides):
    n = next(_counter)
    fields = {
        "title": f"Article {n}",
        "slug": f"article-{n}",
        "summary": f"A plain summary of article {n}.",
        "body": f"## Heading {n}\n\nSome text about knees.",
        "see_a_doctor": "- your knee still feels weak after two weeks",
        "sources": "- [NHS: Knee pain](https://www.nhs.uk/conditions/knee-pain/)",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(days=1),
        "reviewed_by": "Test reviewer",
        "last_reviewed": date(2026, 1, 1),
    }
    fields.update(overrides)
    if "category" not in fields:
        fields["category"] = make_category()
    article = Article.objects.create(**fields)
    if tags:
        article.tags.set(tags)
    if related:
        article.related.set(related)
    return article


def make_user(staff=False, superuser=False, **overrides):
    n = next(_counter)
    fields = {"username": f"user{n}", "password": "a-long-test-password-1"}
    fields.update(overrides)
    User = get_user_model()
    if superuser:
        return User.objects.create_superuser(**fields)
    return User.objects.create_user(is_staff=staff, **fields)
