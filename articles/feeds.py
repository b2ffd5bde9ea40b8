from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from .models import Article


class LatestArticlesFeed(Feed):
    feed_type = Atom1Feed
    title = "kneeinfo: new and updated articles"
    subtitle = "Plain-language articles about weakness behind the knees."
    link = reverse_lazy("articles:home")

    def items(self):
        return Article.objects.published().for_listing().order_by("-updated_at")[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.category.name]
