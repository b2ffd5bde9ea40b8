from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from articles.preview import ArticlePreviewView

urlpatterns = [
    # Before the admin's own URLs, which would otherwise claim the path.
    path(
        f"{settings.ADMIN_PATH}preview/articles/<int:pk>/",
        ArticlePreviewView.as_view(),
        name="article-preview",
    ),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("markdownx/", include("articles.markdownx_urls")),
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    path("", include("articles.urls")),
]
