"""sitemap.xml: every public page with the time its content last changed.

A category's or tag's page changes when one of its published articles does, so its lastmod is
the latest of theirs; categories and tags with no published article are left out (their pages
have nothing to find yet). Drafts and scheduled articles never appear."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from .models import Article, Category, Tag


def _with_lastmod(queryset):
    """Annotate categories or tags with the last change to their published articles."""
    published = Q(
        articles__status=Article.Status.PUBLISHED, articles__published_at__lte=timezone.now()
    )
    latest = Max("articles__updated_at", filter=published)
    return queryset.annotate(lastmod=latest).filter(lastmod__isnull=False)


class HomeSitemap(Sitemap):
    changefreq = "weekly"
    priority = 1.0

    def items(self):
        self.latest = Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]
        return ["articles:home", "articles:tag-list"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return self.latest


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return _with_lastmod(Category.objects.only("slug")).order_by("position", "pk")

    def lastmod(self, item):
        return item.lastmod


class TagSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return _with_lastmod(Tag.objects.only("slug")).order_by("pk")

    def lastmod(self, item):
        return item.lastmod


SITEMAPS = {
    "pages": HomeSitemap,
    "categories": CategorySitemap,
    "articles": ArticleSitemap,
    "tags": TagSitemap,
}
