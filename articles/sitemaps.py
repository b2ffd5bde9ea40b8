from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Category
from .views import published_tags


class HomeSitemap(Sitemap):
    changefreq = "weekly"
    priority = 1.0

    def items(self):
        return ["articles:home", "articles:tag-list"]

    def location(self, item):
        return reverse(item)


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
        return Category.objects.all()


class TagSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return published_tags().order_by("pk")


SITEMAPS = {
    "pages": HomeSitemap,
    "categories": CategorySitemap,
    "articles": ArticleSitemap,
    "tags": TagSitemap,
}
