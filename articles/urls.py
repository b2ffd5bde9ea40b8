from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .feeds import LatestArticlesFeed
from .sitemaps import SITEMAPS

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("topics/<slug:slug>/", views.CategoryDetailView.as_view(), name="category-detail"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article-detail"),
    path("tags/", views.TagListView.as_view(), name="tag-list"),
    path("tags/<slug:slug>/", views.TagDetailView.as_view(), name="tag-detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/suggest/", views.search_suggest, name="search-suggest"),
    path("feed/", LatestArticlesFeed(), name="feed"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("healthz", views.healthz, name="healthz"),
]
