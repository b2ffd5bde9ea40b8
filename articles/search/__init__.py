"""
Search by symptom: one interface in front of SQLite FTS5 and PostgreSQL full-text search.

    results = search("pins and needles behind my knee", category=None, tag=None, page=1)
    suggest("sciat")            # as-you-type: article titles and tags
    index_articles([article])   # keep the index in step (signals call it on every change)
    rebuild()                   # from scratch (`manage.py rebuild_search_index`)
"""

import atexit
import contextlib
import difflib
import functools
import html
import logging
import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from ..cache import cached_for_content
from ..models import (
    Article,
    JargonTerm,
    SearchDocument,
    SearchQueryLog,
    SearchTerm,
    Tag,
    TagListing,
)
from .engines import START, STOP, engine
from .query import MAX_QUERY_LENGTH, clean, is_stopword, normalise, parse, tag_token, words

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_QUERY_LENGTH", "clean", "index_articles", "log_query", "rebuild", "remove_articles",
    "search", "suggest", "words",
]  # fmt: skip

PER_PAGE = 10
# Results are counted exactly up to here and shown as "more than 1,000" beyond: an exact
# count of every article that mentions "knee" costs more than ranking them, and the pages
# past the hundredth are never read.
MAX_RESULTS = 1000
SUGGESTIONS = 8


# --- Indexing ---------------------------------------------------------------------------------


# A heading ends its sentence, so a snippet reads "What causes it. The most common cause",
# not "What causes it The most common cause".
_HEADING_END = re.compile(r"([^.?!:\s])\s*(</h[1-6]>)")


def _plain(rendered_html):
    ended = _HEADING_END.sub(r"\1.\2 ", rendered_html)
    return normalise(html.unescape(strip_tags(ended)))


def _terms(*texts):
    return {w for text in texts for w in words(text) if w.isalpha() and 3 <= len(w) <= 40}


def _document(article):
    tags = list(article.tags.all())
    keywords = " ".join(
        [tag.name for tag in tags] + [a for tag in tags for a in tag.alias_list]
        + [article.category.name]
    )  # fmt: skip
    body = " ".join(
        _plain(part)
        for part in (
            article.body_html,
            article.emergency_html,
            article.urgent_help_html,
            article.see_a_doctor_html,
        )
    )
    # Whole: `clean` is for what readers type, and would keep only the first 200 characters.
    title, summary = normalise(article.title), normalise(article.summary)
    # The keywords end with one word per tag (query.tag_token), never shown to anyone: how a
    # lay word finds every article with its tag. Spelling help leaves them out.
    tokens = " ".join(tag_token(tag.slug) for tag in tags)
    return SearchDocument(
        article_id=article.pk,
        title=title,
        keywords=f"{normalise(keywords)} {tokens}".strip(),
        summary=summary,
        body=body,
        terms=" ".join(sorted(_terms(title, keywords, summary, body))),
    )


def _count_terms(terms, delta):
    if not terms:
        return
    if delta > 0:
        SearchTerm.objects.bulk_create(
            [SearchTerm(term=t, length=len(t), documents=0) for t in terms],
            ignore_conflicts=True,
            batch_size=500,
        )
    SearchTerm.objects.filter(term__in=terms).update(documents=F("documents") + delta)


def index_articles(articles):
    """(Re)index these articles, whatever their status: public search filters at query time.
    The tag pages' lists (TagListing) are refreshed here too: every change that reaches the
    search index reaches them."""
    articles = list(articles)
    if not articles:
        return
    articles = list(
        Article.objects.filter(pk__in=[a.pk for a in articles])
        .select_related("category")
        .prefetch_related("tags")
    )
    with transaction.atomic():
        old = {
            d.pk: set(d.terms.split())
            for d in SearchDocument.objects.filter(pk__in=[a.pk for a in articles]).only("terms")
        }
        documents = [_document(article) for article in articles]
        SearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=["title", "keywords", "summary", "body", "terms"],
        )
        added, removed = Counter(), Counter()
        for document in documents:
            before, after = old.get(document.pk, set()), set(document.terms.split())
            added.update(after - before)
            removed.update(before - after)
        for delta_terms, sign in ((added, 1), (removed, -1)):
            by_count = {}
            for term, count in delta_terms.items():
                by_count.setdefault(count, []).append(term)
            for count, terms in by_count.items():
                _count_terms(terms, sign * count)
        engine().index(documents)
        TagListing.refresh(articles)


def remove_articles(article_ids):
    article_ids = list(article_ids)
    with transaction.atomic():
        removed = Counter()
        for document in SearchDocument.objects.filter(pk__in=article_ids).only("terms"):
            removed.update(document.terms.split())
        by_count = {}
        for term, count in removed.items():
            by_count.setdefault(count, []).append(term)
        for count, terms in by_count.items():
            _count_terms(terms, -count)
        engine().remove(article_ids)
        SearchDocument.objects.filter(pk__in=article_ids).delete()


def rebuild(batch_size=500):
    """Rebuild the whole index from the articles; returns how many were indexed."""
    with transaction.atomic():
        engine().clear()
        TagListing.objects.all().delete()
        SearchDocument.objects.all().delete()
        SearchTerm.objects.all().delete()
        counts = Counter()
        total = 0
        queryset = Article.objects.select_related("category").prefetch_related("tags")
        ids = list(queryset.values_list("pk", flat=True).order_by("pk"))
        for start in range(0, len(ids), batch_size):
            batch = list(queryset.filter(pk__in=ids[start : start + batch_size]))
            documents = [_document(article) for article in batch]
            SearchDocument.objects.bulk_create(documents)
            engine().index(documents)
            TagListing.refresh(batch)
            for document in documents:
                counts.update(document.terms.split())
            total += len(documents)
        SearchTerm.objects.bulk_create(
            [SearchTerm(term=t, length=len(t), documents=n) for t, n in counts.items()],
            batch_size=1000,
        )
    return total


# --- Searching --------------------------------------------------------------------------------


def tag_vocabulary():
    """Every tag name and alias as (phrase, tag name, tag slug): how lay words become tags."""

    def build():
        entries = []
        for tag in Tag.objects.only("name", "slug", "aliases"):
            entries.append((tag.name, tag.name, tag.slug))
            entries += [(alias, tag.name, tag.slug) for alias in tag.alias_list]
        return entries

    return cached_for_content("search:tag-vocabulary", build)


def highlight(snippet):
    """Escape first, then mark: no article text can put markup on the results page."""
    escaped = html.escape(snippet.replace("<mark>", "").replace("</mark>", ""))
    return mark_safe(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


@dataclass
class Result:
    article: Article
    snippet: str
    reasons: list


@dataclass
class Results:
    query: str
    parsed: object = None
    page: object = None
    results: list = field(default_factory=list)
    total: int = 0  # exact up to MAX_RESULTS; `more` is true when there are more than that
    more: bool = False
    any_word: bool = False
    suggestion: str = ""
    corrected_from: str = ""  # what was typed, when these are the results for `suggestion`
    expansions: list = field(default_factory=list)


class _Hits:
    """A lazy sequence over the engine, so Django's Paginator pages through it. The window
    already fetched (the page asked for, ranked and counted in one query) is not fetched again."""

    def __init__(self, parsed, filters, operator, total, fetched=None):
        self.parsed, self.filters, self.operator, self.total = parsed, filters, operator, total
        self.fetched = fetched or {}

    def __len__(self):
        return self.total

    def __getitem__(self, window):
        limit = max(window.stop - window.start, 0)
        if not limit:  # the Paginator's empty page: nothing to rank
            return []
        start, fetched = self.fetched.get("start"), self.fetched.get("hits", [])
        if window.start == start and (limit <= len(fetched) or start + len(fetched) >= self.total):
            return fetched[:limit]
        hits, _ = engine().match(
            self.parsed, self.filters, limit, window.start, self.operator, MAX_RESULTS + 1
        )
        return hits


def _in_title(term, title_words):
    """Whether the title holds the word, or a word of the same stem ("strengthen" and
    "strengthening"; "knee" and "knees"): the same first five letters."""
    return term in title_words or any(w.startswith(term[:5]) for w in title_words)


def _word_weights(parsed):
    """{word: weight} for the words of the query, rarer words weighing more: Lucene's idf,
    ln(1 + (N - n + 0.5) / (n + 0.5)), from how many articles use each word (the spelling
    dictionary counts them). Never zero, unlike FTS5's, which gives a word in half the
    articles no weight at all. One query."""
    query_words = {w for unit in parsed.units for phrase in unit for w in phrase}
    counts = dict(SearchTerm.objects.filter(term__in=query_words).values_list("term", "documents"))
    total = max(cached_for_content("search:documents", SearchDocument.objects.count), 1)
    return {
        w: math.log(1 + (total - min(counts.get(w, 0), total) + 0.5) / (counts.get(w, 0) + 0.5))
        for w in query_words
    }


def _title_score(title, parsed, weights):
    """How much of the query the title says: for each part of the query, the weight of the
    words of the best of its phrases that are all in the title ("physical therapy" also
    searches for "physiotherapy": a title with that word says that much of it)."""
    title_words = set(words(title))
    score = 0.0
    for unit in parsed.units:
        best = 0.0
        for phrase in unit:
            found = [w for w in phrase if not is_stopword(w)]
            if found and all(len(w) > 2 and _in_title(w, title_words) for w in found):
                best = max(best, sum(weights[w] for w in found))
        score += best
    return score


def _reasons(article, parsed, tag_slugs):
    reasons = []
    title_words = set(words(article.title))
    if any(_in_title(term, title_words)
           for term in parsed.terms if len(term) > 2 and not is_stopword(term)):  # fmt: skip
        reasons.append("title")
    for expansion in parsed.expansions:
        if expansion.tag_slug in tag_slugs:
            if words(expansion.matched) != words(expansion.tag_name):
                reasons.append(f"{expansion.tag_name} (you searched “{expansion.matched}”)")
            else:
                reasons.append(expansion.tag_name)
    if not reasons:
        reasons.append("text")
    return reasons


def _page_number(page):
    """What Paginator.get_page accepts, as a number: anything unusable is the first page."""
    try:
        return max(int(str(page)[:12]), 1)
    except (TypeError, ValueError):
        return 1


def search(query, category=None, tag=None, page=1, per_page=PER_PAGE, correct=True, suggest=True):
    """Ranked, filtered, paginated results; never raises on what a reader typed.

    A misspelt query that finds nothing, whose correction is surely what was meant
    (`sure_of`) and finds something, gives the corrected results at once, with
    `corrected_from` saying what was typed; `correct=False` searches for exactly what was
    typed, still with "Did you mean" (none with `suggest=False`). When some of its words find
    articles, those are shown with "Did you mean": a word the site does not use is not always
    a misspelling."""
    parsed = parse(query, tag_vocabulary())
    results = Results(query=parsed.text, parsed=parsed, expansions=parsed.expansions)
    if not parsed:
        return results
    filters = {"category": category.pk if category else None, "tag": tag.pk if tag else None}
    # The page asked for is ranked and counted in one query; a separate count only when that
    # page is empty (nothing found, or a page past the end).
    number = _page_number(page)
    offset = min(number - 1, MAX_RESULTS // per_page) * per_page
    cap = MAX_RESULTS + 1
    operator, hits, total = "AND", *engine().match(parsed, filters, per_page, offset, cap=cap)
    if total is None:
        total = engine().count(parsed, filters, operator, cap=cap)
    if total == 0 and len(parsed.units) > 1:
        operator, hits, total = "OR", *engine().match(parsed, filters, per_page, offset, "OR", cap)
        if total is None:
            total = engine().count(parsed, filters, operator, cap=cap)
        results.any_word = total > 0
    results.more = total > MAX_RESULTS
    results.total = total = min(total, MAX_RESULTS)
    fetched = {"start": offset, "hits": hits}
    sequence = _Hits(parsed, filters, operator, total, fetched)
    results.page = Paginator(sequence, per_page).get_page(number)
    hits = list(results.page.object_list)
    ids = [pk for pk, _ in hits]
    articles = Article.objects.filter(pk__in=ids).for_listing().in_bulk()
    # Which of the tags the query named each article carries, for "Matched on": one query of
    # plain rows, none when the query named no tag.
    named = {expansion.tag_slug for expansion in parsed.expansions}
    tagged = {}
    if named:
        for article_id, slug in Article.tags.through.objects.filter(
            article_id__in=ids, tag__slug__in=named
        ).values_list("article_id", "tag__slug"):
            tagged.setdefault(article_id, set()).add(slug)
    for pk, snippet in hits:
        article = articles.get(pk)
        if article is not None:
            reasons = _reasons(article, parsed, tagged.get(pk, set()))
            results.results.append(Result(article, highlight(snippet), reasons))
    # Rescore the page (as a second ranking phase does): the articles whose titles say most of
    # the query first, rare words weighing more; the engine's order otherwise. FTS5's BM25
    # gives a word found in half the articles no weight, wherever it is, and ts_rank has no
    # idf at all, so neither lifts "Physiotherapy and strengthening exercises" for "physical
    # therapy" above the many articles that mention physiotherapy.
    # Only within the page: every article stays on the page the engine put it on. Not when
    # no article has every word: then the rarest words found decide, as the engine ranks.
    if not results.any_word and len(results.results) > 1:
        weights = _word_weights(parsed)
        results.results.sort(
            key=lambda result: -_title_score(result.article.title, parsed, weights)
        )
    if suggest and (total == 0 or results.any_word):
        results.suggestion = did_you_mean(parsed)
        sure = results.suggestion and sure_of(parsed.text, results.suggestion)
        if correct and total == 0 and sure:
            corrected = search(
                results.suggestion, category, tag, page, per_page, correct=False, suggest=False
            )
            if corrected.total:
                corrected.suggestion, corrected.corrected_from = results.suggestion, parsed.text
                return corrected
    return results


def _finds_something(word):
    """Whether a published article holds the word: the dictionary also holds the words of
    drafts and scheduled articles, which must neither show nor lead to an empty page."""
    parsed = parse(word, tag_vocabulary())
    return bool(parsed) and engine().count(parsed, {}, "OR", 1) > 0


SOUNDS_ALIKE = {"c": "ks", "k": "c", "s": "c", "f": "p", "p": "f", "n": "k"}
_SPOKEN = [
    (re.compile(r"ph"), "f"), (re.compile(r"c(?=[eiy])"), "s"), (re.compile(r"ck|c|q"), "k"),
    (re.compile(r"y"), "i"), (re.compile(r"^kn"), "n"), (re.compile(r"(.)\1"), r"\1"),
]  # fmt: skip


CLOSE = 0.75  # letters alike enough to offer "Did you mean"
MAX_CORRECTED = 5  # unknown words looked up in one query: a long one costs no more than that
SURE = 0.85  # ...and to show the corrected results at once, in a word of 5 letters or more


@functools.lru_cache(maxsize=4096)
def _spoken(word):
    """A rough key for how a word sounds: "cyst" and "sist" both read "sist"."""
    for pattern, replacement in _SPOKEN:
        word = pattern.sub(replacement, word)
    return word


def _likeness(typed, term):
    """(sounds the same, how alike the letters are), or None when neither is close: a word
    that sounds the same ("sist", "cyst") comes before one that only looks alike."""
    same_sound = _spoken(typed) == _spoken(term)
    matcher = difflib.SequenceMatcher(None, typed, term)
    if not same_sound and matcher.real_quick_ratio() < CLOSE:
        return None
    letters = matcher.ratio()
    return (same_sound, letters) if same_sound or letters >= CLOSE else None


def sure_of(typed, corrected):
    """Whether every corrected word is surely what was meant, so that its results can be
    shown without asking: it sounds the same, or its letters are very close in a longer word.
    "menicus" is surely "meniscus"; "scar" is not "car", nor "sepsis" "sessions"."""
    for before, after in zip(words(typed), words(corrected), strict=False):
        if before == after:
            continue
        alike = _likeness(before, after)
        if alike is None:
            return False
        same_sound, letters = alike
        if not (same_sound or (letters >= SURE and len(before) >= 5)):
            return False
    return True


def did_you_mean(parsed, tries=3):
    """The query with unknown words replaced by the closest words the index holds that
    published articles use (the closest `tries` are checked), or ''."""
    typed = parsed.typed_words
    if not typed:
        return ""
    known = set(
        SearchTerm.objects.filter(term__in=typed, documents__gt=0).values_list("term", flat=True)
    )
    changed, corrected, tried = False, [], {}
    for word in words(parsed.text):
        if word in known or not word.isalpha() or len(word) < 4 or word not in typed:
            corrected.append(word)
            continue
        if word in tried or len(tried) >= MAX_CORRECTED:  # each word once, a few at most
            corrected.append(tried.get(word) or word)
            continue
        # Same first letter, or one that sounds alike ("sist" for "cyst").
        starts = Q()
        for letter in {word[0], *SOUNDS_ALIKE.get(word[0], "")}:
            starts |= Q(term__startswith=letter)
        candidates = SearchTerm.objects.filter(
            starts, length__gte=len(word) - 2, length__lte=len(word) + 2, documents__gt=0,
        ).values_list("term", "documents")  # fmt: skip
        scored = sorted(
            (
                (alike, documents, term)
                for term, documents in candidates
                if (alike := _likeness(word, term)) is not None
            ),
            reverse=True,
        )
        # Never a little word ("thet" is not "that"): it searches for nothing.
        close = [term for _, _, term in scored if not is_stopword(term)][:tries]
        best = next((term for term in close if _finds_something(term)), None)
        tried[word] = best
        corrected.append(best or word)
        changed = changed or best is not None
    return " ".join(corrected) if changed else ""


class _SearchLogBuffer:
    """Searches are counted in memory and written to the log in one transaction at most every
    `SEARCH_LOG_FLUSH_SECONDS` (and when the worker exits), so that a busy search page does
    not turn every reader's search into a database write. 0 writes at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = {}  # normalised query -> [searches, latest result count]
        self.last_flush = time.monotonic()
        self.last_prune = 0.0  # the log is kept to size at most once a minute per worker

    def add(self, text, total):
        with self.lock:
            entry = self.pending.setdefault(text, [0, total])
            entry[0] += 1
            entry[1] = total
            due = time.monotonic() - self.last_flush >= settings.SEARCH_LOG_FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self):
        with self.lock:
            pending, self.pending = self.pending, {}
            self.last_flush = time.monotonic()
        if not pending:
            return
        try:
            with transaction.atomic() if len(pending) > 1 else contextlib.nullcontext():
                # In one order in every worker: two workers flushing at once then wait for
                # each other briefly instead of deadlocking (and losing one batch).
                for text, (searches, total) in sorted(pending.items()):
                    _count(text, searches, total)
            if time.monotonic() - self.last_prune >= PRUNE_SECONDS:
                self.last_prune = time.monotonic()
                prune_search_log()
        except DatabaseError:  # the log is never worth a reader's page
            logger.warning("could not write %d search log entries", len(pending), exc_info=True)


OTHER_SEARCHES = "(other searches, each made rarely)"
PRUNE_SECONDS = 60


def prune_search_log():
    """Keep the log to `settings.SEARCH_LOG_MAX_ROWS` queries: beyond it, the queries searched
    least (and longest ago) are removed and their searches counted in one row, so random
    queries cannot grow it without bound or bury what readers really look for."""
    kept = SearchQueryLog.objects.exclude(query=OTHER_SEARCHES)
    excess = kept.count() - settings.SEARCH_LOG_MAX_ROWS
    if excess <= 0:
        return
    doomed = list(
        kept.order_by("searches", "last_searched", "pk").values_list("pk", "searches")[:excess]
    )
    SearchQueryLog.objects.filter(pk__in=[pk for pk, _ in doomed]).delete()
    _count(OTHER_SEARCHES, sum(searches for _, searches in doomed), 0)


def _count(text, searches, total):
    updated = SearchQueryLog.objects.filter(query=text).update(
        searches=F("searches") + searches, results=total
    )
    if not updated:
        try:
            with transaction.atomic():
                SearchQueryLog.objects.create(query=text, searches=searches, results=total)
        except IntegrityError:  # someone else logged it first: count ours too
            SearchQueryLog.objects.filter(query=text).update(
                searches=F("searches") + searches, results=total
            )


search_log = _SearchLogBuffer()
atexit.register(search_log.flush)


def log_query(query, total):
    """Count one search of this normalised query; nothing about the reader is kept."""
    text = " ".join(words(query))[:200]
    if text:
        search_log.add(text, total)


def popular_tags(limit=12, queries=200):
    """The symptoms readers search for most, for a page that found nothing: the tags named
    by the most-searched queries that found something (the search log), then the tags most
    articles carry; a tag named by a term of the editors' jargon list ("Genu valgum") after
    the lay ones. Published tags only."""
    visible = Tag.objects.published().only("name", "slug").annotate(carried=Count("articles"))
    vocabulary = tag_vocabulary()
    weight = Counter()
    for text, searches in (
        SearchQueryLog.objects.filter(results__gt=0)
        .order_by("-searches")
        .values_list("query", "searches")[:queries]
    ):
        for expansion in parse(text, vocabulary).expansions:
            weight[expansion.tag_slug] += searches
    jargon = {term.lower() for term in JargonTerm.objects.values_list("term", flat=True)}
    ranked = sorted(
        visible,
        key=lambda tag: (tag.name.lower() in jargon, -weight[tag.slug], -tag.carried, tag.name),
    )
    return ranked[:limit]


def suggest(prefix, limit=SUGGESTIONS):
    """As-you-type: tags (by name or alias) and article titles starting with the prefix."""
    prefix = clean(prefix)[:50]
    if len(prefix) < 2:
        return []
    lowered = prefix.lower()
    items = []
    # Only tags that lead somewhere: a tag only drafts carry would lead to an empty page.
    tags = Tag.objects.published().filter(
        Q(name__istartswith=prefix) | Q(aliases__icontains=prefix)
    )
    for tag in tags.only("name", "slug", "aliases")[: limit * 2]:
        if tag.name.lower().startswith(lowered):
            items.append({"label": tag.name, "kind": "symptom", "url": tag.get_absolute_url()})
            continue
        alias = next((a for a in tag.alias_list if a.lower().startswith(lowered)), None)
        if alias:
            label = f"{alias} ({tag.name})"
            items.append({"label": label, "kind": "symptom", "url": tag.get_absolute_url()})
    items = items[:limit]
    prefix_words = [w for w in (re.sub(r"\W", "", w) for w in words(prefix)) if w][:6]
    if len(prefix_words) > 1 and len(prefix_words[-1]) < 3:
        prefix_words.pop()  # "back o": a one- or two-letter prefix matches half the index
    if prefix_words and len(items) < limit:
        items += _titles_starting(prefix_words, limit - len(items))
    return items[:limit]


def _titles_starting(prefix_words, limit):
    """Titles through the full-text index, not a scan of every title. The index holds stems
    ("swelling" is kept as "swell"), so a half-typed word ("swelli") may match no stem as a
    prefix: then shorter prefixes are tried and the titles checked for the word as typed."""
    *whole, last = prefix_words
    attempts = [last] + [last[:n] for n in range(len(last) - 1, max(len(last) - 4, 3), -1)]
    for attempt in attempts:
        ids = engine().titles([*whole, attempt], limit if attempt == last else limit * 5)
        found = Article.objects.filter(pk__in=ids).only("title", "slug").in_bulk()
        titles = [found[pk] for pk in ids if pk in found]
        if attempt != last:
            titles = [a for a in titles if any(w.startswith(last) for w in words(a.title))]
        if titles:
            return [
                {"label": a.title, "kind": "article", "url": a.get_absolute_url()}
                for a in titles[:limit]
            ]
    return []
