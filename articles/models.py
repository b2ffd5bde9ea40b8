import html
import re
from collections import Counter

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

from . import markdown
from .cache import cached_for_content

RELATED_LIMIT = 5
# "NHS" from a source listed as "- [NHS: Knee pain](…)", as rendered: <li><a …>NHS: Knee pain
SOURCE_BODY = re.compile(r"<li>\s*(?:<p>)?\s*<a\b[^>]*>([^<:]{2,60}):")
RELATED_PER_TAG = 100


def one_line(text):
    """A name as it is kept: one line, single spaces (a clinician's name, their profession)."""
    return " ".join(text.split())


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="Shown in menus and headings.")
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The last part of the address, as in /topics/nerves/",
    )
    summary = models.TextField(
        max_length=400, help_text="One or two plain sentences: what this group of causes is."
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Categories are listed from the lowest number up."
    )
    is_cause = models.BooleanField(
        "lists causes",
        default=True,
        help_text="Articles here describe a cause of knee weakness: they cannot be published "
        "without a 'when to get help' panel.",
    )
    import_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:category-detail", kwargs={"slug": self.slug})


class TagQuerySet(models.QuerySet):
    def published(self):
        """Tags that lead somewhere: at least one article readers may see carries them."""
        visible = Article.objects.published().filter(tags=models.OuterRef("pk"))
        return self.filter(models.Exists(visible))


class Tag(models.Model):
    name = models.CharField(
        max_length=100, unique=True, help_text="The symptom or body part, e.g. 'Tingling'."
    )
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The last part of the address, as in /tags/tingling/",
    )
    aliases = models.TextField(
        blank=True,
        help_text="The words readers use for this, one per line, e.g. 'pins and needles' for "
        "tingling. Shown as 'also called' and used by search.",
    )
    import_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # One alias per line, no blanks or repeats, whatever was pasted in.
        self.aliases = "\n".join(dict.fromkeys(self.alias_list))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:tag-detail", kwargs={"slug": self.slug})

    @property
    def alias_list(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: published, and not scheduled for later."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self):
        return self.select_related("category").only(*LISTING_FIELDS)


# What a list of articles shows (title, section, summary, dates): all it reads of each.
LISTING_FIELDS = [
    "title", "slug", "summary", "published_at", "updated_at", "category__name", "category__slug",
]  # fmt: skip


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200, help_text="Plain words a worried reader would use.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The last part of the address, as in /articles/sciatica-and-trapped-nerves/",
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="The group of causes this article belongs to.",
    )
    summary = models.TextField(
        max_length=300,
        help_text="One or two plain sentences, no Markdown. Shown under the title, in lists "
        "and as the description search engines show.",
    )
    body = MarkdownxField(help_text="The article in Markdown. Start sections at '## Heading'.")
    see_a_doctor = MarkdownxField(
        "see a doctor",
        blank=True,
        help_text="A Markdown list of signs that mean: see a GP or physiotherapist soon.",
    )
    urgent_help = MarkdownxField(
        "get urgent help",
        blank=True,
        help_text="A Markdown list of signs that mean: get help today (NHS 111 or a GP, urgent "
        "care in the US).",
    )
    emergency = MarkdownxField(
        "emergency",
        blank=True,
        help_text="A Markdown list of signs that mean: call 999, 911 or 112, or go to A&E now.",
    )
    sources = MarkdownxField(
        help_text="A Markdown list of links to the public sources this article is based on."
    )
    tags = models.ManyToManyField(
        Tag,
        blank=True,
        related_name="articles",
        help_text="Symptoms and body parts this article is about.",
    )
    related = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="picked_by",
        verbose_name="related articles",
        help_text="Articles to suggest first under this one. More are added by shared tags.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Only published articles are shown to readers.",
    )
    published_at = models.DateTimeField(
        "publish from",
        null=True,
        blank=True,
        help_text="When readers first see it. Leave empty to publish now; a future time "
        "schedules it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_by = models.CharField(
        "checked by",
        max_length=200,
        blank=True,
        help_text="Who checked the content against its sources, e.g. 'kneeinfo editorial team'. "
        "Not a clinical review: that has its own fields below.",
    )
    last_reviewed = models.DateField(
        "last checked",
        null=True,
        blank=True,
        help_text="When the content was last checked against its sources.",
    )
    next_review_due = models.DateField(
        null=True, blank=True, help_text="Leave empty for a year after the last review."
    )
    # A clinical review is a named person's, never the team's: all three or none.
    clinical_reviewer = models.CharField(
        max_length=200,
        blank=True,
        help_text="The clinician who reviewed this article, by name, e.g. 'Dr Jane Smith'. "
        "Leave empty until a clinician has reviewed it.",
    )
    clinical_reviewer_profession = models.CharField(
        "clinical reviewer's profession",
        max_length=200,
        blank=True,
        help_text="Their profession as readers would say it, e.g. 'GP' or 'physiotherapist'.",
    )
    clinically_reviewed_on = models.DateField(
        "clinically reviewed on",
        null=True,
        blank=True,
        help_text="The day the clinician reviewed it.",
    )

    # Derived on save, never edited: sanitised HTML and the table of contents.
    body_html = models.TextField(blank=True, editable=False)
    toc = models.JSONField(default=list, blank=True, editable=False)
    see_a_doctor_html = models.TextField(blank=True, editable=False)
    urgent_help_html = models.TextField(blank=True, editable=False)
    emergency_html = models.TextField(blank=True, editable=False)
    sources_html = models.TextField(blank=True, editable=False)
    import_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status", "published_at"]),
            # Sections list their articles by title, a page at a time (and the home page the
            # first few of each): read in order from here, not sorted from every article.
            models.Index(fields=["category", "title"], name="article_category_title"),
            # ...and count them from the index alone.
            models.Index(
                fields=["category", "status", "published_at"], name="article_category_visible"
            ),
            # Lets search filter thousands of matches without reading whole article rows.
            models.Index(
                fields=["id", "status", "published_at", "category"], name="article_search_cover"
            ),
        ]
        permissions = [("review_article", "Can set who reviewed an article and when")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed__isnull=True)
                | Q(next_review_due__isnull=True)
                | Q(next_review_due__gt=models.F("last_reviewed")),
                name="article_review_due_after_review",
            ),
            models.CheckConstraint(
                condition=Q(
                    clinical_reviewer="",
                    clinical_reviewer_profession="",
                    clinically_reviewed_on__isnull=True,
                )
                | (
                    ~Q(clinical_reviewer="")
                    & ~Q(clinical_reviewer_profession="")
                    & Q(clinically_reviewed_on__isnull=False)
                ),
                name="article_clinical_review_complete",
                violation_error_message="A clinical review needs the reviewer's name, their "
                "profession and the date. Fill in all three, or leave all three empty.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if self.last_reviewed and not self.next_review_due:
            self.next_review_due = self.last_reviewed + settings.REVIEW_INTERVAL
        self.body_html, self.toc = markdown.render_with_toc(self.body)
        self.see_a_doctor_html = markdown.render(self.see_a_doctor)
        self.urgent_help_html = markdown.render(self.urgent_help)
        self.emergency_html = markdown.render(self.emergency)
        self.sources_html = markdown.render(self.sources)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "body_html", "toc", "see_a_doctor_html", "urgent_help_html",
                "emergency_html", "sources_html", "published_at", "next_review_due",
            }  # fmt: skip
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:article-detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()  # publish now, unless a time was given
        if (
            self.status == self.Status.PUBLISHED
            and self.category_id
            and self.category.is_cause
            and not self.has_help_panel
        ):
            raise ValidationError(
                "A cause article needs at least one 'when to get help' list before it can be "
                "published. Fill in 'see a doctor', 'get urgent help' or 'emergency', or save "
                "it as a draft."
            )
        if (
            self.last_reviewed
            and self.next_review_due
            and self.next_review_due <= self.last_reviewed
        ):
            raise ValidationError({"next_review_due": "The next review must be after the last."})
        self.clinical_reviewer = one_line(self.clinical_reviewer)
        self.clinical_reviewer_profession = one_line(self.clinical_reviewer_profession)

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def review_overdue(self):
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()

    @property
    def clinically_reviewed(self):
        return bool(self.clinical_reviewer and self.clinically_reviewed_on)

    @property
    def changed_since_clinical_review(self):
        """Saved on a later day than the clinician's review: the page says so, since the
        clinician did not see those changes."""
        return (
            self.clinically_reviewed
            and self.updated_at is not None
            and timezone.localdate(self.updated_at) > self.clinically_reviewed_on
        )

    @property
    def source_bodies(self):
        """The public bodies the sources name, in order: "NHS" from "[NHS: Knee pain](…)".
        Read from the rendered list, which the article page loads anyway."""
        return list(
            dict.fromkeys(html.unescape(b).strip() for b in SOURCE_BODY.findall(self.sources_html))
        )

    @property
    def has_help_panel(self):
        return any(field.strip() for field in (self.see_a_doctor, self.urgent_help, self.emergency))

    def related_articles(self, limit=RELATED_LIMIT):
        """Editor picks first, then the articles sharing most tags; published ones only.

        Shared tags are counted among a bounded number of recent articles per tag
        (_sharing_tags), and the result is cached until content changes.
        """
        return cached_for_content(f"related:{self.pk}:{limit}", lambda: self._related(limit))

    def _sharing_tags(self, exclude):
        """Articles sharing this article's tags, with how many they share, among the most
        recently tagged RELATED_PER_TAG of each tag: one query whose cost follows the number
        of tags, not of articles (a count over every article with a common tag grows with the
        site)."""
        tag_ids = [tag.pk for tag in self.tags.all()]  # the article page has prefetched them
        if not tag_ids:
            return Counter()
        table = connection.ops.quote_name(Article.tags.through._meta.db_table)
        each = (
            f"SELECT * FROM (SELECT article_id FROM {table} WHERE tag_id = %s "
            f"ORDER BY id DESC LIMIT %s) AS tag_{n}"
            for n in range(len(tag_ids))
        )
        with connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(each),
                [value for tag_id in tag_ids for value in (tag_id, RELATED_PER_TAG)],
            )
            shared = Counter(row[0] for row in cursor.fetchall())
        for pk in exclude:
            shared.pop(pk, None)
        return shared

    def _related(self, limit):
        published = Article.objects.published().for_listing().exclude(pk=self.pk)
        picks = list(published.filter(picked_by=self).order_by("title")[:limit])
        if len(picks) < limit:
            candidates = self._sharing_tags(exclude={self.pk, *(pick.pk for pick in picks)})
            candidates = dict(candidates.most_common(limit * 4))
            by_tags = sorted(
                published.filter(pk__in=candidates),
                key=lambda a: (-candidates[a.pk], -a.published_at.timestamp(), a.title),
            )
            picks += by_tags[: limit - len(picks)]
        return picks


class TagListing(models.Model):
    """A tag page's list: one row per tag and article, with the article's title and whether
    readers may see it. A tag page then reads one page of titles in order from one index, as a
    section page does with (category, title), instead of sorting every article with the tag:
    2,688 of 10,000 for the largest tag in the benchmark, 15 ms. Derived, never edited: kept
    in step by search.index_articles(), which every change of an article or its tags calls."""

    # No index of their own: the two below start with each of them.
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="listings", db_index=False)
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="tag_listings", db_index=False
    )
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10)
    published_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "tag"], name="taglisting_article_tag")
        ]
        # In page order, and with what the visibility test needs: one index answers the page
        # and the count, and leaves the query planner nothing else to choose.
        indexes = [
            models.Index(
                fields=["tag", "title", "article", "status", "published_at"],
                name="taglisting_page",
            )
        ]

    def __str__(self):
        return f"{self.tag}: {self.title}"

    @classmethod
    def refresh(cls, articles):
        """Rewrite the rows of these articles (with their tags prefetched) from what they are
        now. Upserted after the delete, so that two saves of one article at once both end
        with one row per tag instead of one failing on the unique constraint."""
        cls.objects.filter(article__in=[a.pk for a in articles]).delete()
        cls.objects.bulk_create(
            [
                cls(
                    tag=tag,
                    article=article,
                    title=article.title,
                    status=article.status,
                    published_at=article.published_at,
                )
                for article in articles
                for tag in article.tags.all()
            ],
            update_conflicts=True,
            unique_fields=["article", "tag"],
            update_fields=["title", "status", "published_at"],
            batch_size=500,
        )


class SearchDocument(models.Model):
    """What search reads for one article: its text by field weight, kept in step on every save.

    On SQLite the same text also lives in an FTS5 table; on PostgreSQL `vector` holds the
    weighted tsvector with a GIN index. Both are created by migration 0002 for their engine.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    title = models.TextField()
    keywords = models.TextField(help_text="Tag names, their aliases and the category name.")
    summary = models.TextField()
    body = models.TextField(help_text="The body and the help panel as plain text.")
    terms = models.TextField(help_text="The distinct words of all fields, for spelling help.")
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["article"]

    def __str__(self):
        return self.title


class SearchTerm(models.Model):
    """A word the index holds, and in how many articles: the dictionary for 'Did you mean'."""

    term = models.CharField(max_length=60, unique=True)
    length = models.PositiveSmallIntegerField()
    documents = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["term"]
        indexes = [models.Index(fields=["length", "term"])]

    def __str__(self):
        return self.term


class SearchQueryLog(models.Model):
    """What readers search for, counted once per search; nothing about who searched."""

    query = models.CharField(max_length=200, unique=True)
    searches = models.PositiveIntegerField(default=0)
    results = models.PositiveIntegerField(
        default=0, help_text="How many articles the latest search found."
    )
    first_searched = models.DateTimeField(auto_now_add=True)
    last_searched = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-searches"]
        verbose_name = "search query"
        verbose_name_plural = "search log"

    def __str__(self):
        return self.query


class JargonTerm(models.Model):
    """A medical word the content checks flag, with the plain words to use instead."""

    term = models.CharField(
        max_length=100,
        unique=True,
        help_text="The word or phrase to flag, e.g. 'popliteal fossa'. Matched as a whole word "
        "in any case; a plural ending in -s or -es is flagged too.",
    )
    plain_alternative = models.CharField(
        "plain words",
        max_length=200,
        help_text="What to say instead, e.g. 'the hollow behind the knee'.",
    )
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Optional: when the term is fine to use, or how to explain it.",
    )

    class Meta:
        ordering = ["term"]
        verbose_name = "jargon term"
        verbose_name_plural = "jargon"
        constraints = [
            models.UniqueConstraint(
                Lower("term"),
                name="jargonterm_term_unique_any_case",
                violation_error_message="That term is already in the list.",
            )
        ]

    def __str__(self):
        return self.term


class Feedback(models.Model):
    """A reader's answer to "Was this page helpful?". Only the article, the answer, an optional
    comment and the day are kept: nothing about the reader."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    comment = models.TextField(max_length=500, blank=True)
    created_on = models.DateField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_on", "-pk"]
        verbose_name = "reader feedback"
        verbose_name_plural = "reader feedback"

    def __str__(self):
        return f"{'Helpful' if self.helpful else 'Not helpful'}: {self.article}"
