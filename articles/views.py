from django.conf import settings
from django.core.validators import slug_re
from django.db import DatabaseError, connection
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, TemplateView

from . import search
from .cache import cached_for_content
from .models import Article, Category, Tag, TagListing
from .structured_data import article_json_ld, breadcrumbs_json_ld

HOME_ARTICLES_PER_CATEGORY = 4
HOME_TAGS = 40


def published_tags():
    """Tags that lead somewhere: at least one published article carries them."""
    return Tag.objects.published().only("name", "slug", "aliases")


def also_called(article, tags, limit=8):
    """The lay words for what the article is about: aliases of the tags its title names."""
    title = f" {' '.join(search.words(article.title))} "
    named = [
        tag
        for tag in tags
        if any(f" {' '.join(search.words(w))} " in title for w in [tag.name, *tag.alias_list])
    ]
    aliases = (alias for tag in named or tags[:1] for alias in tag.alias_list)
    return list(dict.fromkeys(a for a in aliases if a.lower() not in title))[:limit]


class PublishedArticlesMixin:
    """The public only ever reads published articles, with what a list of them shows."""

    def get_queryset(self):
        return Article.objects.published().for_listing()


class ForgivingPaginationMixin:
    """`?page=` out of range or not a number shows the nearest page instead of an error."""

    paginate_by = 20

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        # The first few titles of each section, in one query whatever the number of sections
        # or articles: each is a correlated subquery that reads a handful of rows from the
        # (category, title) index. (A window over every article would read them all.)
        def nth_title(n):
            in_section = Article.objects.published().filter(category=OuterRef("pk"))
            return Subquery(in_section.order_by("title").values("pk")[n : n + 1])

        firsts = [f"first_{n}" for n in range(HOME_ARTICLES_PER_CATEGORY)]
        categories = list(
            Category.objects.annotate(**{name: nth_title(n) for n, name in enumerate(firsts)})
        )
        ids = [getattr(c, name) for c in categories for name in firsts]
        articles = Article.objects.for_listing().in_bulk([pk for pk in ids if pk])
        for category in categories:
            top = (articles.get(getattr(category, name)) for name in firsts)
            category.top_articles = [article for article in top if article]
        return super().get_context_data(
            categories=categories,
            start_here=next((c.top_articles[0] for c in categories if c.top_articles), None),
            tags=list(published_tags()[:HOME_TAGS]),
            **kwargs,
        )


class CategoryDetailView(ForgivingPaginationMixin, PublishedArticlesMixin, ListView):
    template_name = "articles/category_detail.html"
    context_object_name = "articles"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(category=self.category).order_by("title")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            category=self.category,
            categories=Category.objects.only("name", "slug"),
            breadcrumbs_json_ld=breadcrumbs_json_ld(self.request, [self.category]),
            **kwargs,
        )


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return (
            Article.objects.published()
            .select_related("category")
            .prefetch_related(
                Prefetch("tags", queryset=Tag.objects.only("name", "slug", "aliases"))
            )
            .defer("body", "see_a_doctor", "urgent_help", "emergency", "sources")
        )

    def get_context_data(self, **kwargs):
        article = self.object
        tags = list(article.tags.all())
        return super().get_context_data(
            tags=tags,
            trail=[article.category],
            also_called=also_called(article, tags),
            related=article.related_articles(),
            json_ld=article_json_ld(self.request, article, tags),
            breadcrumbs_json_ld=breadcrumbs_json_ld(self.request, [article.category, article]),
            **kwargs,
        )


class TagListView(ListView):
    template_name = "articles/tag_list.html"
    context_object_name = "tags"

    def get_queryset(self):
        return published_tags().order_by("name")

    def get_context_data(self, **kwargs):
        letters = {}
        for tag in self.object_list:
            letters.setdefault(tag.name[:1].upper(), []).append(tag)
        return super().get_context_data(letters=letters, **kwargs)


class TagDetailView(ForgivingPaginationMixin, ListView):
    """A tag's published articles by title. The page's ids are read in order from the tag's
    listing (models.TagListing), not sorted from every article with the tag; only the
    page's twenty articles are read, even when the page is far down the list."""

    template_name = "articles/tag_detail.html"
    context_object_name = "article_ids"

    def get_queryset(self):
        # A tag no published article carries is hidden everywhere else: 404, like a draft.
        self.tag = get_object_or_404(Tag.objects.published(), slug=self.kwargs["slug"])
        return (
            TagListing.objects.filter(
                tag=self.tag, status=Article.Status.PUBLISHED, published_at__lte=timezone.now()
            )
            .order_by("title", "article")
            .values_list("article", flat=True)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(tag=self.tag, **kwargs)
        page = context["page_obj"].object_list  # a subquery: the page's ids, in one query
        context["articles"] = (
            Article.objects.for_listing().filter(pk__in=page).order_by("title", "pk")
        )
        return context


@require_safe
def robots_txt(request):
    sitemap_url = request.build_absolute_uri(reverse("articles:sitemap"))
    # A moved admin path is not announced here; the admin's responses carry X-Robots-Tag instead.
    admin_path = "/admin/" if settings.ADMIN_PATH == "admin/" else None
    text = render_to_string("robots.txt", {"sitemap_url": sitemap_url, "admin_path": admin_path})
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    """/favicon.ico, which browsers and crawlers ask for whatever the page says: the icon's
    hashed static file (a redirect, so the file keeps its long cache lifetime)."""
    response = HttpResponseRedirect(static("img/favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def healthz(request):
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def search_filters():
    """The sections and tags a search can be narrowed to: the same for every search."""
    categories = list(Category.objects.only("name", "slug"))
    return categories, list(published_tags().only("name", "slug").order_by("name"))


class SearchView(TemplateView):
    """Search by symptom. Whatever is typed gets a normal page: see articles/search/."""

    template_name = "articles/search.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        query = search.clean(params.get("q", ""))
        category = tag = None
        # Only what could be a slug reaches the database (a NUL byte is an error there).
        if slug_re.match(slug := params.get("category", "")[:100]):
            category = Category.objects.filter(slug=slug).first()
        if slug_re.match(slug := params.get("tag", "")[:100]):
            tag = Tag.objects.filter(slug=slug).first()
        # "Search instead for" what was typed, when the results shown were for a correction.
        exact = params.get("exact") == "1"
        results = search.search(
            query, category=category, tag=tag, page=params.get("page"), correct=not exact
        )
        # A page, filter, "clear filters" or "search instead for" click is the same search
        # again, even when empty.
        fresh = not any(key in params for key in ("page", "category", "tag", "exact"))
        # What was typed, with what it found as typed: a misspelling shown corrected results
        # still found nothing itself, and editors look for those.
        found = 0 if results.corrected_from else results.total
        if query and fresh:
            search.log_query(query, found)  # once per search, not per page or filter
        categories, filter_tags = cached_for_content("search:filters", search_filters)
        context = {
            "query": query,
            "exact": exact,
            "results": results,
            "page_obj": results.page,
            "category": category,
            "tag": tag,
            "categories": categories,
            "filter_tags": filter_tags,
        }
        if query and not results.total:
            context["popular_tags"] = cached_for_content("search:popular-tags", search.popular_tags)
        self.log_entry = (query, found) if query and fresh else None
        return super().get_context_data(**context, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response.page_cache_extra = self.log_entry  # counted again when served from the cache
        return response


def count_cached_search(request, log_entry):
    """A search served from the page cache is still one search for the editors' log."""
    if log_entry:
        search.log_query(*log_entry)


@require_safe
def search_suggest(request):
    """As-you-type suggestions as JSON: at most eight tags and article titles."""
    items = search.suggest(request.GET.get("q", ""))
    response = JsonResponse({"query": search.clean(request.GET.get("q", ""))[:50], "items": items})
    response["Cache-Control"] = "public, max-age=60"
    return response
