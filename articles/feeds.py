"""/feed/: an Atom feed of new and updated articles, newest change first.

Each entry carries when it was first published and when it last changed, so feed readers
show an updated article again."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from .models import Article

FEED_LENGTH = 30


class LatestArticlesFeed(Feed):
    feed_type = Atom1Feed
    title = "kneeinfo: new and updated articles"
    subtitle = "Plain-language articles about weakness behind the knees."
    link = reverse_lazy("articles:home")
    feed_url = reverse_lazy("articles:feed")
    author_name = f"{settings.SITE_NAME} editorial team"
    language = "en-GB"

    def items(self):
        return Article.objects.published().for_listing().order_by("-updated_at")[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Atom's summary is HTML to feed readers: the plain-text summary is escaped once more,
        # so "<b>" typed into it reaches readers as those characters, never as markup.
        return escape(item.summary)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.category.name]
