from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .feedback import article_feedback
from .feeds import LatestArticlesFeed
from .pagecache import cache_public_page as cached
from .sitemaps import SITEMAPS

app_name = "articles"

urlpatterns = [
    # Public pages come from the page cache (pagecache.py) until content changes.
    path("", cached(views.HomeView.as_view()), name="home"),
    path(
        "topics/<slug:slug>/",
        cached(views.CategoryDetailView.as_view(), params=["page"]),
        name="category-detail",
    ),
    path("articles/<slug:slug>/", cached(views.ArticleDetailView.as_view()), name="article-detail"),
    path("articles/<slug:slug>/feedback/", article_feedback, name="article-feedback"),
    path("tags/", cached(views.TagListView.as_view()), name="tag-list"),
    path(
        "tags/<slug:slug>/",
        cached(views.TagDetailView.as_view(), params=["page"]),
        name="tag-detail",
    ),
    path(
        "search/",
        cached(
            views.SearchView.as_view(),
            on_hit=views.count_cached_search,
            params=["q", "category", "tag", "page", "exact"],
            timeout=3600,
        ),
        name="search",
    ),
    path("search/suggest/", cached(views.search_suggest, params=["q"]), name="search-suggest"),
    path("feed/", cached(LatestArticlesFeed()), name="feed"),
    path("sitemap.xml", cached(sitemap, params=["p"]), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
]
