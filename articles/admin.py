from datetime import timedelta
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Q, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext
from markdownx.widgets import AdminMarkdownxWidget
from reversion.admin import VersionAdmin

from . import checks
from .concurrency import GuardedModelForm
from .history import HistoryMixin
from .models import Article, Category, Feedback, JargonTerm, SearchQueryLog, Tag
from .search import OTHER_SEARCHES


class CategoryAdminForm(GuardedModelForm):
    class Meta:
        model = Category
        fields = ["name", "slug", "position", "is_cause", "summary"]


class TagAdminForm(GuardedModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug", "aliases"]


@admin.register(Category)
class CategoryAdmin(HistoryMixin, VersionAdmin):
    form = CategoryAdminForm
    list_display = ["name", "slug", "position", "is_cause"]
    list_editable = ["position"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(HistoryMixin, VersionAdmin):
    form = TagAdminForm
    list_display = ["name", "slug", "alias_summary"]
    search_fields = ["name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="also called")
    def alias_summary(self, tag):
        return ", ".join(tag.alias_list)


class ReviewDueFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue"),
            ("soon", "Due in the next 30 days"),
            ("none", "No review date"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lt=today)
        if self.value() == "soon":
            return queryset.filter(
                next_review_due__gte=today, next_review_due__lte=today + timedelta(days=30)
            )
        if self.value() == "none":
            return queryset.filter(next_review_due__isnull=True)
        return queryset


# Only editors with the review permission may set these, on the form or by a restore.
REVIEW_FIELDS = [
    "reviewed_by", "last_reviewed", "next_review_due",
    "clinical_reviewer", "clinical_reviewer_profession", "clinically_reviewed_on",
]  # fmt: skip


class ArticleAdminForm(GuardedModelForm):
    class Meta:
        model = Article
        fields = [
            "title", "slug", "category", "summary", "body", "emergency", "urgent_help",
            "see_a_doctor", "sources", "tags", "related", "status", "published_at",
            *REVIEW_FIELDS,
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
            "body": AdminMarkdownxWidget(attrs={"rows": 24}),
            "see_a_doctor": AdminMarkdownxWidget(attrs={"rows": 5}),
            "urgent_help": AdminMarkdownxWidget(attrs={"rows": 5}),
            "emergency": AdminMarkdownxWidget(attrs={"rows": 5}),
            "sources": AdminMarkdownxWidget(attrs={"rows": 5}),
        }

    def clean(self):
        cleaned = super().clean()
        # A new review date moves the next one on, unless the editor set that too.
        if "last_reviewed" in self.changed_data and "next_review_due" not in self.changed_data:
            last = cleaned.get("last_reviewed")
            cleaned["next_review_due"] = last + settings.REVIEW_INTERVAL if last else None
            self.instance.next_review_due = cleaned["next_review_due"]
        # Links to pages readers cannot open block publishing; a draft may have them. (A cause
        # article without a help list is refused by Article.clean().)
        if cleaned.get("status") == Article.Status.PUBLISHED:
            submitted = Article(
                **{
                    name: cleaned.get(name, getattr(self.instance, name))
                    for name in ["slug", "status", "published_at", *checks.MARKDOWN_FIELDS]
                }
            )
            broken = checks.broken_links(submitted)
            if broken:
                self.add_error(
                    None,
                    [problem.message for problem in broken]
                    + ["Fix the links, or save the article as a draft."],
                )
        return cleaned


@admin.register(Article)
class ArticleAdmin(HistoryMixin, VersionAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "category",
        "status",
        "published_at",
        "updated_at",
        "next_review_due",
        "review_overdue",
        "helpful_votes",
    ]
    list_filter = ["status", "category", ReviewDueFilter, "tags"]
    list_select_related = ["category"]
    search_fields = ["title", "slug", "summary", "body", "tags__name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "related"]
    date_hierarchy = "updated_at"
    save_on_top = True
    actions = ["publish", "unpublish"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "category", "summary", "body", "edit_base"]}),
        (
            "When to get help",
            {
                "description": "Lists of signs, most serious first, in the order readers see "
                "them. A cause article needs at least one list before it can be published.",
                "fields": ["emergency", "urgent_help", "see_a_doctor"],
            },
        ),
        (None, {"fields": ["sources", "tags", "related"]}),
        ("Publishing", {"fields": ["status", "published_at", "created_at", "updated_at"]}),
        (
            "Review",
            {
                "description": "The editorial check against the sources comes first. A clinical "
                "review is a named clinician's: fill in their name, profession and the date only "
                "once they have reviewed the article. Readers see which of the two it had.",
                "fields": REVIEW_FIELDS,
            },
        ),
    ]

    @admin.display(boolean=True, description="review overdue")
    def review_overdue(self, article):
        return article.review_overdue

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                helpful_yes=Count("feedback", filter=Q(feedback__helpful=True)),
                helpful_no=Count("feedback", filter=Q(feedback__helpful=False)),
            )
        )

    @admin.display(description="helpful? yes / no", ordering="helpful_no")
    def helpful_votes(self, article):
        url = reverse("admin:articles_feedback_changelist") + f"?article__id__exact={article.pk}"
        return format_html('<a href="{}">{} / {}</a>', url, article.helpful_yes, article.helpful_no)

    def get_readonly_fields(self, request, obj=None):
        """Only reviewers may say who reviewed an article and when."""
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("articles.review_article"):
            fields += REVIEW_FIELDS
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The content checks of the article as saved, or as just submitted when the form is
        # shown again with errors; templates/admin/articles/article/change_form.html lists them.
        form = context["adminform"].form
        if obj is not None or form.is_bound:
            context["content_checks"] = checks.check_article(form.instance)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self._report_checks(request, obj, response)
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        self._report_checks(request, obj, response)
        return response

    def _report_checks(self, request, obj, response):
        """After a save, one warning message per content problem, unless the editor lands on
        the article's own form, which lists them already."""
        change_url = reverse("admin:articles_article_change", args=[obj.pk])
        if (
            IS_POPUP_VAR in request.POST
            or urlsplit(response.get("Location", "")).path == change_url
        ):
            return
        report = checks.check_article(obj)
        for problem in report.errors + report.warnings:
            prefix = "Must be fixed before publishing: " if problem.blocking else ""
            self.message_user(request, f"“{obj}”: {prefix}{problem.message}", messages.WARNING)

    @admin.action(description="Publish the selected articles", permissions=["change"])
    def publish(self, request, queryset):
        published, refused = 0, []
        for article in queryset.select_related("category").exclude(status="published"):
            article.status = Article.Status.PUBLISHED
            try:
                article.full_clean()
                broken = checks.broken_links(article)
                if broken:
                    raise ValidationError([problem.message for problem in broken])
            except Exception as error:  # noqa: BLE001 - report every refusal, publish the rest
                refused.append(f"{article}: {'; '.join(getattr(error, 'messages', [str(error)]))}")
                continue
            article.save()
            published += 1
        self.message_user(
            request,
            ngettext("%d article published.", "%d articles published.", published) % published,
        )
        for line in refused:
            self.message_user(request, f"Not published — {line}", messages.ERROR)

    @admin.action(
        description="Unpublish the selected articles (back to draft)", permissions=["change"]
    )
    def unpublish(self, request, queryset):
        count = 0
        for article in queryset.filter(status=Article.Status.PUBLISHED):
            article.status = Article.Status.DRAFT
            article.save()
            count += 1
        self.message_user(
            request, ngettext("%d article unpublished.", "%d articles unpublished.", count) % count
        )


@admin.register(JargonTerm)
class JargonTermAdmin(admin.ModelAdmin):
    """The words the content checks flag, with what to say instead. A change here counts from
    the next check: the terms are read afresh each time."""

    list_display = ["term", "plain_alternative", "note"]
    search_fields = ["term", "plain_alternative", "note"]


class ResultsFilter(admin.SimpleListFilter):
    title = "results"
    parameter_name = "found"

    def lookups(self, request, model_admin):
        return [("none", "Found nothing"), ("some", "Found something")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(results=0)
        if self.value() == "some":
            return queryset.filter(results__gt=0)
        return queryset


@admin.register(SearchQueryLog)
class SearchQueryLogAdmin(admin.ModelAdmin):
    """What readers look for: searches that found nothing first, then the most frequent.

    A query that finds nothing is a hint: add an alias to a tag, or write the article."""

    list_display = ["query", "searches", "results", "found_nothing", "last_searched"]
    list_filter = [ResultsFilter]
    search_fields = ["query"]
    readonly_fields = ["query", "searches", "results", "first_searched", "last_searched"]
    date_hierarchy = "last_searched"

    # The row that counts the rare searches removed to bound the log (search.prune_search_log)
    # goes last: it is not a query that found nothing.
    ordering = [
        Case(When(query=OTHER_SEARCHES, then=2), When(results=0, then=0), default=1).asc(),
        "-searches",
        "query",
    ]

    @admin.display(boolean=True, description="found nothing", ordering="results")
    def found_nothing(self, entry):
        return entry.results == 0

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Readers' answers to "Was this page helpful?", newest first; filter by article to see one
    page's answers (the article list shows the totals)."""

    list_display = ["article", "helpful", "comment", "created_on"]
    list_filter = ["helpful", "created_on", ("article", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["article"]
    search_fields = ["comment", "article__title"]
    date_hierarchy = "created_on"
    readonly_fields = ["article", "helpful", "comment", "created_on"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if hasattr(response, "context_data") and "cl" in response.context_data:
            totals = response.context_data["cl"].queryset.aggregate(
                yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
            )
            response.context_data["subtitle"] = (
                f"{totals['yes']} helpful, {totals['no']} not helpful"
            )
        return response
