"""
Content checks: what an editor should look at in an article before readers see it.

`check_article(article)` returns a `Report`: the reading level and a list of `Problem`s.
Most are warnings (reading level, long sentences, jargon, heading order, images without alt
text). Two block publishing: links to pages of this site that readers cannot open, and a cause
article without a "when to get help" list. The admin shows the report on the change form and
refuses to publish with a blocking problem; `manage.py check_content` prints it for every
article. The article does not need to be saved: the admin checks what the editor submitted.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

import pyphen
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from . import markdown
from .models import Article, Category, JargonTerm, Tag

WARNING = "warning"
ERROR = "error"  # blocks publishing

MAX_GRADE = 8  # Flesch-Kincaid grade: the site's rule (a reading age of about 12-13)
MIN_READING_EASE = 60
MIN_WORDS_FOR_LEVEL = 20  # a grade computed from a sentence or two means nothing
MAX_SENTENCE_WORDS = 25
QUOTE_WORDS = 8  # how much of a long sentence to quote

TEXT_FIELDS = ["summary", "body", "emergency", "urgent_help", "see_a_doctor"]
MARKDOWN_FIELDS = ["body", "emergency", "urgent_help", "see_a_doctor", "sources"]
UPLOAD_PLACEHOLDER_ALT = "describe the image here"  # what the markdownx upload inserts

_BLOCK_TAGS = {
    "p", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "table", "tr", "td", "th", "div",
    "hr", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
_SKIPPED_TAGS = {"script", "style", "template"}
_HEADING = re.compile(r"h([1-6])")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|Dr|Mr|Mrs|Ms)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"'”’)\]])\s+")
_VOWELS = re.compile(r"[aeiouy]+")
_SILENT_ENDING = re.compile(
    r"[^aeiouyl]e$|[^aeiouylsxzcgh]es$|[^aeiouytd]ed$"
)  # make, takes, walked
_hyphenator = pyphen.Pyphen(lang="en_US")


@dataclass(frozen=True)
class Problem:
    level: str  # WARNING or ERROR
    check: str  # a short name: "reading-level", "broken-link", ...
    message: str
    field: str | None = None

    @property
    def blocking(self):
        return self.level == ERROR


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def reading_ease(self):
        """Flesch reading ease: 60-70 is plain English, higher is easier."""
        return 206.835 - 1.015 * self.words / self.sentences - 84.6 * self.syllables / self.words

    @property
    def grade(self):
        """Flesch-Kincaid grade: the US school year a reader needs."""
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    def __str__(self):
        return f"grade {self.grade:.1f}, reading ease {self.reading_ease:.0f}"


@dataclass
class Report:
    readability: Readability | None = None  # None when there is too little text to measure
    problems: list[Problem] = field(default_factory=list)
    max_grade = MAX_GRADE
    min_reading_ease = MIN_READING_EASE

    @property
    def errors(self):
        return [problem for problem in self.problems if problem.blocking]

    @property
    def warnings(self):
        return [problem for problem in self.problems if not problem.blocking]


# --- text ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One run of text a reader sees as a unit: a paragraph, list item, heading or cell."""

    field: str
    kind: str  # "text", "heading" or "code"
    text: str


class _Page(HTMLParser):
    """Rendered Markdown, read for its text blocks, headings, images and links."""

    def __init__(self, field_name):
        super().__init__(convert_charrefs=True)
        self.field = field_name
        self.blocks, self.headings, self.images, self.links = [], [], [], []
        self._buffer, self._kind, self._skipping = [], "text", 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self._flush()
            heading = _HEADING.fullmatch(tag)
            self._kind = "heading" if heading else "code" if tag == "pre" else self._kind
            if heading:
                self.headings.append([int(heading.group(1)), ""])
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "br":
            self._buffer.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            text = self._flush()
            if _HEADING.fullmatch(tag) and self.headings:
                self.headings[-1][1] = text
            if tag == "pre" or _HEADING.fullmatch(tag):
                self._kind = "text"

    def handle_data(self, data):
        if not self._skipping:
            self._buffer.append(data)

    def _flush(self):
        text = " ".join("".join(self._buffer).split())
        self._buffer = []
        if text:
            self.blocks.append(Block(self.field, self._kind, text))
        return text

    def close(self):
        super().close()
        self._flush()


def _read(field_name, text):
    """Parse a Markdown field rendered as the site renders it, except that an h1 stays an h1
    (the site quietly demotes it), so it can be reported. Never shown: nothing is sanitised."""
    md = markdown._markdown()
    md.treeprocessors.deregister("demote_h1")
    page = _Page(field_name)
    page.feed(md.convert(text or ""))
    page.close()
    return page


def label(field_name):
    return str(Article._meta.get_field(field_name).verbose_name)


def sentences(text):
    protected = _ABBREVIATION.sub(lambda match: match.group(0).replace(".", "\0"), text)
    for sentence in _SENTENCE_END.split(protected):
        if sentence.strip():
            yield sentence.replace("\0", ".").strip()


def words(text):
    return _WORD.findall(text)


def syllables(word):
    """Syllables: the en_US hyphenation points (pyphen) or the vowel groups, whichever is more.

    Hyphenation alone undercounts: it never breaks near the ends of a word, so "body", "about"
    and "medicines" come out as one syllable. Counting vowel groups (less a silent final e)
    catches those; hyphenation catches "sciatica" and "cruciate", where vowels run together."""
    parts = word.lower().replace("'", "").replace("’", "").split("-")
    return sum(
        max(len(_hyphenator.positions(part)) + 1, _vowel_groups(part)) for part in parts if part
    )


def _vowel_groups(part):
    count = len(_VOWELS.findall(part))
    if count > 1 and _SILENT_ENDING.search(part):
        count -= 1
    return count


def readability(texts):
    """Flesch reading ease and Flesch-Kincaid grade of some blocks of plain text.

    Each block (paragraph, list item) ends a sentence even without a full stop."""
    word_count = sentence_count = syllable_count = 0
    for text in texts:
        for sentence in sentences(text):
            found = words(sentence)
            if found:
                sentence_count += 1
                word_count += len(found)
                syllable_count += sum(syllables(word) for word in found)
    if not word_count:
        return None
    return Readability(word_count, sentence_count, syllable_count)


# --- checks -------------------------------------------------------------------------------


def jargon_patterns(terms=None):
    """(term, compiled pattern) for each jargon term: whole words, any case, plural -s/-es."""
    if terms is None:
        terms = JargonTerm.objects.all()
    patterns = []
    for term in terms:
        phrase = r"\s+".join(re.escape(word) for word in term.term.split())
        if phrase:
            patterns.append((term, re.compile(rf"(?<!\w){phrase}(?:e?s)?(?!\w)", re.IGNORECASE)))
    return patterns


def check_article(article, jargon=None):
    """Everything worth an editor's attention in one article, saved or not.

    `jargon` is the result of `jargon_patterns()`; pass it when checking many articles."""
    pages = {name: _read(name, getattr(article, name)) for name in MARKDOWN_FIELDS}
    blocks = [
        Block("title", "heading", article.title or ""),
        Block("summary", "text", " ".join((article.summary or "").split())),
    ]
    for name in TEXT_FIELDS[1:]:
        blocks += pages[name].blocks
    prose = [block for block in blocks if block.kind == "text" and block.text]

    level = readability(block.text for block in prose)
    report = Report(readability=level if level and level.words >= MIN_WORDS_FOR_LEVEL else None)
    report.problems += _reading_level(report.readability)
    report.problems += _long_sentences(prose)
    report.problems += _jargon(blocks, jargon_patterns() if jargon is None else jargon)
    report.problems += _heading_order(pages["body"].headings)
    for name, page in pages.items():
        report.problems += _images_without_alt(name, page.images)
    report.problems += broken_links(article, pages)
    report.problems += _missing_help_panel(article)
    return report


def _reading_level(level):
    if level is None:
        return []
    if level.grade > MAX_GRADE or level.reading_ease < MIN_READING_EASE:
        return [
            Problem(
                WARNING,
                "reading-level",
                f"Hard to read: {level} (aim for grade {MAX_GRADE} or below, reading ease "
                f"{MIN_READING_EASE} or above). Shorter sentences and everyday words help.",
            )
        ]
    return []


def _long_sentences(prose):
    problems = []
    for block in prose:
        for sentence in sentences(block.text):
            found = words(sentence)
            if len(found) > MAX_SENTENCE_WORDS:
                start = " ".join(sentence.split()[:QUOTE_WORDS])
                problems.append(
                    Problem(
                        WARNING,
                        "long-sentence",
                        f"Long sentence ({len(found)} words) in {label(block.field)}: "
                        f"“{start} …”. Try splitting it.",
                        block.field,
                    )
                )
    return problems


def _jargon(blocks, patterns):
    problems = []
    for term, pattern in patterns:
        fields = {}
        for block in blocks:
            if block.kind != "code":
                count = len(pattern.findall(block.text))
                if count:
                    fields[block.field] = fields.get(block.field, 0) + count
        if fields:
            total = sum(fields.values())
            where = ", ".join(label(name) for name in fields)
            times = "once" if total == 1 else f"{total} times"
            message = (
                f"Jargon: “{term.term}” ({times}, in {where}); try “{term.plain_alternative}”."
            )
            if term.note:
                message += f" {term.note}"
            problems.append(Problem(WARNING, "jargon", message, next(iter(fields))))
    return problems


def _heading_order(headings):
    problems = []
    previous_level, previous_title = 1, None  # the page title is the h1
    for level, title in headings:
        if level == 1:
            problems.append(
                Problem(
                    WARNING,
                    "heading-order",
                    f"Top-level heading “{title}” in the body: the title is the page's only "
                    "top-level heading. Start it with ## instead of #.",
                    "body",
                )
            )
            level = 2  # as the site shows it
        elif level > previous_level + 1:
            after = f"after “{previous_title}”" if previous_title else "before any ## heading"
            problems.append(
                Problem(
                    WARNING,
                    "heading-order",
                    f"Heading “{title}” skips a level {after}: start it with "
                    f"{'#' * (previous_level + 1)}, not {'#' * level}.",
                    "body",
                )
            )
        previous_level, previous_title = level, title
    return problems


def _images_without_alt(field_name, images):
    problems = []
    for image in images:
        alt = " ".join((image.get("alt") or "").split())
        source = image.get("src") or "(no address)"
        if not alt:
            reason = "has no alt text"
        elif alt.lower() == UPLOAD_PLACEHOLDER_ALT:
            reason = "still has the placeholder alt text"
        else:
            continue
        problems.append(
            Problem(
                WARNING,
                "image-alt",
                f"Image {source} in {label(field_name)} {reason}: describe what it shows, "
                "as in ![A swollen knee seen from behind](…), for readers who cannot see it.",
                field_name,
            )
        )
    return problems


def _missing_help_panel(article):
    if article.category_id and article.category.is_cause and not article.has_help_panel:
        return [
            Problem(
                ERROR,
                "help-panel",
                "No 'when to get help' list: a cause article needs 'see a doctor', 'get urgent "
                "help' or 'emergency' filled in before it can be published.",
            )
        ]
    return []


# --- internal links -----------------------------------------------------------------------


def _site_path(href, base):
    """The path on this site an href leads to, or None when it leads elsewhere."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:  # "http://[oops": reported as a link that leads nowhere
        return href.strip()
    if parts.netloc:
        site = urlsplit(settings.SITE_URL).netloc.lower()
        if parts.scheme not in {"", "http", "https"} or not site or parts.netloc.lower() != site:
            return None
        return unquote(parts.path) or "/"
    if parts.scheme or not parts.path:  # mailto:, tel:, or only #fragment / ?query
        return None
    return urljoin(base, unquote(parts.path))


def _resolve(path):
    candidates = [path] if path.endswith("/") else [path, f"{path}/"]  # APPEND_SLASH
    for candidate in candidates:
        try:
            return resolve(candidate)
        except Resolver404:
            continue
    return None


def broken_links(article, pages=None):
    """Links in the article to pages of this site that readers cannot open: these block
    publishing. A linked article must be published by the time this one is."""
    if pages is None:
        pages = {name: _read(name, getattr(article, name)) for name in MARKDOWN_FIELDS}
    base = f"/articles/{article.slug or 'new'}/"
    goes_live = timezone.now()
    if article.status == Article.Status.PUBLISHED and article.published_at:
        goes_live = max(goes_live, article.published_at)

    found = []  # (field, href, url name, slug or None)
    for name, page in pages.items():
        for href in page.links:
            path = _site_path(href, base)
            if path is None:
                continue
            match = _resolve(path)
            if match is None:
                found.append((name, href, None, None))
            elif match.view_name in {
                "articles:article-detail", "articles:category-detail", "articles:tag-detail",
            }:  # fmt: skip
                found.append((name, href, match.view_name, match.kwargs["slug"]))

    def slugs(view_name):
        return {slug for _, _, name, slug in found if name == view_name}

    linked = {
        target.slug: target
        for target in Article.objects.filter(slug__in=slugs("articles:article-detail")).only(
            "title", "slug", "status", "published_at"
        )
    }
    categories = set(
        Category.objects.filter(slug__in=slugs("articles:category-detail")).values_list(
            "slug", flat=True
        )
    )
    tags = set(
        Tag.objects.filter(slug__in=slugs("articles:tag-detail")).values_list("slug", flat=True)
    )

    problems = []
    for name, href, view_name, slug in found:
        if view_name is None:
            reason = "no page on this site has that address"
        elif view_name == "articles:category-detail":
            reason = None if slug in categories else f"there is no topic “{slug}”"
        elif view_name == "articles:tag-detail":
            reason = None if slug in tags else f"there is no tag “{slug}”"
        elif slug == article.slug:
            reason = None  # a link to itself is live when the article is
        elif slug not in linked:
            reason = f"there is no article “{slug}”"
        else:
            reason = _unpublished(linked[slug], goes_live)
        if reason:
            problems.append(
                Problem(
                    ERROR,
                    "broken-link",
                    f"Broken link in {label(name)}: {href} — {reason}, so readers would get "
                    "“page not found”.",
                    name,
                )
            )
    return problems


def _unpublished(target, goes_live):
    if target.status != Article.Status.PUBLISHED or target.published_at is None:
        return f"“{target.title}” is a draft"
    if target.published_at > goes_live:
        when = timezone.localtime(target.published_at)
        when = f"{when.day} {when:%b %Y %H:%M}"
        return f"“{target.title}” is not published until {when}"
    return None
