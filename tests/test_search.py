"""Search by symptom, through the public pages, on whichever engine the database provides."""

import json
import re

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import search
from articles.models import Article, SearchQueryLog

from .factories import make_article, make_category, make_tag, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    nerves = make_category(name="Nerves", slug="nerves")
    joints = make_category(name="Joints", slug="joints")
    tingling = make_tag(name="Tingling", slug="tingling", aliases="pins and needles\nprickling")
    swelling = make_tag(name="Swelling", slug="swelling", aliases="swollen\nwater on the knee")
    sciatica = make_article(
        title="Sciatica and trapped nerves",
        slug="sciatica",
        category=nerves,
        summary="A trapped nerve in your back may send tingling down the leg.",
        body="## Signs\n\nShooting pain, numbness and weakness behind the knee.",
        tags=[tingling],
    )
    arthritis = make_article(
        title="Arthritis",
        slug="arthritis",
        category=joints,
        summary="Joint conditions that cause swelling and stiffness.",
        body="## Swelling\n\nA swelling knee may feel weak. <b>Bold</b> & more.",
        tags=[swelling],
    )
    return {"sciatica": sciatica, "arthritis": arthritis, "tingling": tingling,
            "swelling": swelling, "nerves": nerves, "joints": joints}  # fmt: skip


def slugs(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return [r.article.slug for r in response.context["results"].results]


def test_finds_by_title_with_stemming(client, corpus):
    assert slugs(client, q="sciatica") == ["sciatica"]
    assert slugs(client, q="nerve") == ["sciatica"]  # nerves
    assert slugs(client, q="swell") == ["arthritis"]  # swelling


def test_lay_words_search_the_tag_through_its_alias(client, corpus):
    assert slugs(client, q="pins and needles") == ["sciatica"]
    assert slugs(client, q="my knee is swollen") == ["arthritis"]
    html = client.get("/search/", {"q": "pins and needles"}).content.decode()
    assert "Also searched for" in html and 'href="/tags/tingling/"' in html
    assert "Tingling (you searched “pins and needles”)" in html
    # "and" is in the title too, but a little word like that is no reason to name the title.
    first = client.get("/search/", {"q": "pins and needles"}).context["results"].results[0]
    assert first.reasons == ["Tingling (you searched “pins and needles”)"]
    assert "title" in client.get("/search/", {"q": "trapped"}).context["results"].results[0].reasons


def test_an_alias_edit_takes_effect_at_once(client, corpus):
    assert slugs(client, q="fizzing") == []
    corpus["tingling"].aliases += "\nfizzing"
    corpus["tingling"].save()
    assert slugs(client, q="fizzing") == ["sciatica"]


def test_title_outranks_body(client, corpus):
    make_article(title="Weak knees", slug="weak-knees", body="Nothing else here.")
    assert slugs(client, q="weak")[0] == "weak-knees"


def test_snippet_is_escaped_then_marked(client, corpus):
    make_article(
        title="Danger", slug="danger", summary="plain",
        body="Some <script>alert(1)</script> hazard <img src=x onerror=alert(1)> text",
    )  # fmt: skip
    Article.objects.filter(slug="danger")  # rendered body drops the script, index keeps text
    response = client.get("/search/", {"q": "hazard"})
    html = response.content.decode()
    assert "<mark>hazard</mark>" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_snippet_never_passes_through_raw_markup():
    assert str(search.highlight("a <b>&\x02knee\x03")) == "a &lt;b&gt;&amp;<mark>knee</mark>"
    assert str(search.highlight("<mark>x</mark>")) == "x"


def test_a_misspelling_that_finds_nothing_shows_the_corrected_results(client, corpus):
    response = client.get("/search/", {"q": "sciatca"})
    results = response.context["results"]
    assert results.suggestion == "sciatica" and results.corrected_from == "sciatca"
    assert [r.article.slug for r in results.results][:1] == ["sciatica"]
    html = response.content.decode()
    assert "Showing results for <strong>sciatica</strong>." in html
    assert '<a href="?q=sciatca&amp;exact=1">Search instead for “sciatca”</a>' in html
    assert "article for “sciatica”" in html or "articles for “sciatica”" in html
    assert "Did you mean" not in html
    # What was typed is what the search log counts.
    from articles.models import SearchQueryLog

    # "Search instead for" is the same search again, not a second one.
    client.get("/search/", {"q": "sciatca", "exact": "1"})
    search.search_log.flush()
    logged = SearchQueryLog.objects.get(query="sciatca")
    assert (logged.searches, logged.results) == (1, 0)  # found nothing as typed
    assert not SearchQueryLog.objects.filter(query="sciatica").exists()


def test_spelling_links_keep_the_filters(client, corpus):
    html = client.get("/search/", {"q": "sciatca", "category": "nerves"}).content.decode()
    assert 'href="?q=sciatca&amp;category=nerves&amp;exact=1">Search instead' in html
    page = client.get("/search/", {"q": "sciatca", "category": "nerves", "exact": "1"})
    assert 'Did you mean <a href="?q=sciatica&amp;category=nerves">' in page.content.decode()


def test_search_instead_for_exactly_what_was_typed(client, corpus):
    response = client.get("/search/", {"q": "sciatca", "exact": "1"})
    results = response.context["results"]
    assert results.total == 0 and results.corrected_from == ""
    html = response.content.decode()
    assert 'Did you mean <a href="?q=sciatica">sciatica</a>' in html
    assert 'class="filters"' not in html  # nothing found: nothing to filter
    # Where there is something to filter, the filters keep searching for exactly that.
    found = client.get("/search/", {"q": "tingling", "exact": "1"}).content.decode()
    assert 'name="exact" value="1"' in found


def test_a_correction_that_finds_nothing_leaves_the_typed_results(client, corpus):
    # "osteosarcomma": the only article with the correction is a draft.
    make_article(title="Osteosarcoma", slug="draft-only", status=Article.Status.DRAFT)
    results = client.get("/search/", {"q": "osteosarcomma"}).context["results"]
    assert results.total == 0 and not results.corrected_from and not results.suggestion
    assert client.get("/search/", {"q": "swelng"}).context["results"].suggestion == "swelling"
    # Closest to a little word the index holds ("that", "then"): no suggestion, and no error.
    response = client.get("/search/", {"q": "thet"})
    assert response.status_code == 200 and response.context["results"].suggestion == ""


def test_did_you_mean_never_offers_a_word_only_drafts_hold(client, corpus):
    make_article(title="Osteosarcoma", slug="draft", status=Article.Status.DRAFT)
    assert client.get("/search/", {"q": "osteosarcomma"}).context["results"].suggestion == ""
    # Not either when another word of the query is found: each correction must find something.
    assert client.get("/search/", {"q": "osteosarcomma knee"}).context["results"].suggestion == ""
    make_article(title="Osteosarcoma explained", slug="published")
    assert client.get("/search/", {"q": "osteosarcomma"}).context["results"].suggestion == (
        "osteosarcoma"
    )


def test_nothing_found_offers_keywords_and_sections(client, corpus):
    html = client.get("/search/", {"q": "zebra"}).content.decode()
    assert "No articles found" in html
    assert 'href="/tags/tingling/"' in html and 'href="/topics/nerves/"' in html


def test_all_words_first_then_any(client, corpus):
    assert slugs(client, q="tingling swelling") != []
    assert client.get("/search/", {"q": "tingling swelling"}).context["results"].any_word


def test_filters_combine_with_the_query(client, corpus):
    make_article(title="Knee tingling", slug="knee-tingling", category=corpus["joints"])
    assert set(slugs(client, q="tingling")) == {"sciatica", "knee-tingling"}
    assert slugs(client, q="tingling", category="joints") == ["knee-tingling"]
    assert slugs(client, q="tingling", tag="tingling") == ["sciatica"]
    assert slugs(client, q="tingling", category="nope") != []  # unknown filter: ignored


def test_pagination_keeps_the_query(client, corpus):
    for i in range(25):
        make_article(title=f"Tingling {i}", slug=f"t-{i}")
    response = client.get("/search/", {"q": "tingling", "page": "2"})
    assert response.context["results"].total == 26
    assert len(response.context["results"].results) == 10
    html = response.content.decode()
    assert 'rel="next" href="?q=tingling&amp;page=3"' in html
    assert 'rel="prev" href="?q=tingling&amp;page=1"' in html


def test_counts_stop_at_the_cap_and_say_so(client, corpus, monkeypatch):
    monkeypatch.setattr(search, "MAX_RESULTS", 12)
    for i in range(14):
        make_article(title=f"Tingling {i}", slug=f"t-{i}")
    response = client.get("/search/", {"q": "tingling"})
    results = response.context["results"]
    assert results.more and results.total == 12
    assert "More than <strong>12</strong> articles" in response.content.decode()
    last = client.get("/search/", {"q": "tingling", "page": "99"}).context["results"]
    assert last.page.number == 2 and len(last.results) == 2  # 12 shown in all, never more
    exact = client.get("/search/", {"q": "sciatica"}).context["results"]
    assert not exact.more and exact.total == 1


def test_possessive_words(client, corpus):
    make_article(title="Knee pain in runners", slug="runners", body="Runners often feel it.")
    assert slugs(client, q="runner's knee") == ["runners"]
    assert slugs(client, q="runner’s knee") == ["runners"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="pruning is the SQLite engine's")
def test_pruned_ranking_gives_the_pages_full_ranking_gives(client, corpus, monkeypatch):
    """Only the matches holding the query's weightiest phrases are ranked when the others
    cannot reach the page ("knee" is in every article, so bm25 gives it no weight); every page
    must be exactly that of ranking every match, whichever way the pruning went."""
    from articles.search.engines import SQLiteEngine

    for i in range(24):
        make_article(
            title=f"Knee note {i}" + (" locking" if i % 7 == 0 else ""), slug=f"note-{i}",
            summary="About the knee " + "knee " * (i % 4) + ("stiff " if i % 3 == 0 else ""),
            body="Weakness behind the knee. " + ("It was swollen. " * (i % 3) if i % 2 else "")
            + ("The joint was stiff in the morning. " if i % 4 == 1 else "")
            + ("It was clicking. " if i % 6 == 0 else "")
            + ("A grinding feeling. " if i % 4 == 2 else ""),
            tags=[corpus["swelling"]] if i % 5 == 0 else [],
        )  # fmt: skip
    # Holds neither of the rarest words, yet belongs first for "locking clicking grinding".
    make_article(title="Grinding and clicking", slug="grinding", body="A grinding, clicking knee.")
    ranked = SQLiteEngine._ranked
    calls = []

    def spy(self, expression, filters, limit, offset, among=None):
        calls.append("pruned" if among else "full")
        return ranked(self, expression, filters, limit, offset, among)

    monkeypatch.setattr(SQLiteEngine, "_ranked", spy)
    ways = set()
    for query in [
        "swollen knee", "knee weakness", "swollen knee weakness", "knee", "stiff knee locking",
        "stiff swollen knee", "locking knee weakness", "morning stiff knee",
        "locking clicking grinding",  # no article has all three: ranked by any of them
        "swollen swelling knee",  # "swelling" and the tag's word twice: each scored twice
    ]:  # fmt: skip
        parsed = search.parse(query, search.tag_vocabulary())
        for operator in ("AND", "OR"):  # as the search does: any word when no article has all
            expression = SQLiteEngine()._expression(parsed, operator)
            everything = [pk for pk, _ in ranked(SQLiteEngine(), expression, {}, 100, 0)]
            if everything:
                break
        for per_page in (1, 3, 4):
            pages = []
            for number in range(1, -(-len(everything) // per_page) + 1):
                calls.clear()
                results = search.search(query, page=number, per_page=per_page)
                ways.add(" ".join(calls))
                assert results.total == len(everything)
                pages += [pk for pk, _ in results.page.object_list]  # the engine's order
            assert pages == everything, (query, per_page)
    # Pages came from a first pruned ranking, from a second one, and from the full ranking
    # after pruning could not tell.
    assert {"pruned", "full"} <= ways, ways
    assert any("pruned pruned" in way for way in ways), ways
    assert any("pruned full" in way for way in ways), ways


def test_an_alias_finds_a_tagged_article_that_never_uses_the_word(client, corpus):
    quiet = make_article(
        title="Nerve care", slug="nerve-care", category=corpus["nerves"],
        summary="What helps.", body="Rest and gentle movement.", tags=[corpus["tingling"]],
    )  # fmt: skip
    response = client.get("/search/", {"q": "prickling"})
    assert quiet.slug in [r.article.slug for r in response.context["results"].results]
    html = response.content.decode()
    # The index's word for the tag is never shown, suggested or logged.
    assert search.tag_token("tingling") not in html
    assert client.get("/search/", {"q": "kneeinfotagtinglin"}).context["results"].suggestion == ""
    assert all("kneeinfotag" not in term for term in response.context["results"].parsed.terms)


def test_drafts_and_future_articles_never_appear(client, corpus):
    from datetime import timedelta

    from django.utils import timezone

    make_article(title="Tingling draft", status="draft", published_at=None)
    make_article(title="Tingling later", published_at=timezone.now() + timedelta(days=1))
    assert slugs(client, q="tingling") == ["sciatica"]


class TestIndexFollowsChanges:
    def test_edit_publish_unpublish_delete(self, client, corpus):
        article = corpus["arthritis"]
        article.title = "Osteoarthritis"
        article.save()
        assert slugs(client, q="osteoarthritis") == ["arthritis"]
        article.status = "draft"
        article.save()
        assert slugs(client, q="osteoarthritis") == []
        article.status = "published"
        article.save()
        assert slugs(client, q="osteoarthritis") == ["arthritis"]
        article.delete()
        assert slugs(client, q="osteoarthritis") == []
        assert slugs(client, q="sciatica") == ["sciatica"]

    def test_tags_added_removed_renamed_deleted(self, client, corpus):
        article, tag = corpus["arthritis"], corpus["tingling"]
        article.tags.add(tag)
        assert "arthritis" in slugs(client, q="prickling")
        article.tags.remove(tag)
        assert "arthritis" not in slugs(client, q="prickling")
        tag.articles.add(article)
        assert "arthritis" in slugs(client, q="prickling")
        tag.articles.clear()
        assert "arthritis" not in slugs(client, q="prickling")
        swelling = corpus["swelling"]
        swelling.name = "Puffiness"
        swelling.save()
        assert slugs(client, q="puffiness") == ["arthritis"]
        swelling.delete()
        assert slugs(client, q="puffiness") == []

    def test_category_renamed(self, client, corpus):
        corpus["joints"].name = "Bones and joints"
        corpus["joints"].save()
        assert slugs(client, q="bones") == ["arthritis"]

    def test_rebuild_command(self, client, corpus):
        from django.core.management import call_command

        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DELETE FROM articles_search_fts")
            else:
                cursor.execute("UPDATE articles_searchdocument SET vector = NULL")
        assert slugs(client, q="sciatica") == []
        call_command("rebuild_search_index", stdout=__import__("io").StringIO())
        assert slugs(client, q="sciatica") == ["sciatica"]
        assert slugs(client, q="sciatca", exact="1") == []  # the index holds words, not typos


HOSTILE_QUERIES = [
    '"', '""', "'", "*", "NEAR", "NEAR(a b)", "AND", "OR", "NOT", "a AND", "OR b", "NOT NOT",
    "^", "title:knee", ":", "&", "|", "!", "(", ")", "((", "knee)", "a & b | !c", "a <-> b",
    "'; DROP TABLE articles_article; --", "1 OR 1=1", "\x00", "knee\x00pain", "\x1b[31m",
    "\u202e", "🦵🦵🦵", "ü" * 50, "k" * 10_000, "-", "+knee -pain", "knee*", "{a}", "[x]",
]  # fmt: skip


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_never_fails_on_input(client, corpus, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert len(response.context["query"]) <= search.MAX_QUERY_LENGTH
    assert client.get("/search/suggest/", {"q": query}).status_code == 200


@pytest.mark.parametrize("page", ["0", "-5", "abc", "1e9", "99999999999999999999999", "\x00"])
def test_never_fails_on_page(client, corpus, page):
    assert client.get("/search/", {"q": "tingling", "page": page}).status_code == 200
    # Nothing found, several words, a later page: the empty page ranks nothing.
    assert client.get("/search/", {"q": "xyzzy plugh", "page": page}).status_code == 200
    response = client.get("/search/", {"q": "knee pain", "category": "joints", "page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["a\x00b", "\x00", "x" * 500, "../nerves", "ner ves", "ü"])
def test_never_fails_on_filter_values(client, corpus, value):
    for name in ("category", "tag"):
        response = client.get("/search/", {"q": "tingling", name: value})
        assert response.status_code == 200
        assert [r.article.slug for r in response.context["results"].results] == ["sciatica"]


def test_invalid_utf8_in_the_url(client, corpus):
    assert client.get("/search/?q=%ff%fe%fd&category=%c3%28").status_code == 200


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_never_fails_on_any_text(client, corpus, query):
    assert client.get("/search/", {"q": query}).status_code == 200


def test_suggest(client, corpus):
    data = json.loads(client.get("/search/suggest/", {"q": "ting"}).content)
    assert data["items"][0] == {"label": "Tingling", "kind": "symptom", "url": "/tags/tingling/"}
    data = json.loads(client.get("/search/suggest/", {"q": "pins"}).content)
    assert data["items"][0]["label"] == "pins and needles (Tingling)"
    data = json.loads(client.get("/search/suggest/", {"q": "trapped"}).content)
    assert {"label": "Sciatica and trapped nerves", "kind": "article",
            "url": "/articles/sciatica/"} in data["items"]  # fmt: skip
    # A half-typed word whose stem is shorter ("swelling" is indexed as "swell").
    data = json.loads(client.get("/search/suggest/", {"q": "trapped nerv"}).content)
    assert data["items"][-1]["label"] == "Sciatica and trapped nerves"
    make_article(title="Swelling after a fall", slug="swelling-fall")
    labels = [
        i["label"]
        for i in json.loads(client.get("/search/suggest/", {"q": "swelli"}).content)["items"]
    ]
    assert "Swelling after a fall" in labels
    assert json.loads(client.get("/search/suggest/", {"q": "t"}).content)["items"] == []
    # Every word must be in the title, not only the first ("swelling" is in Arthritis's body).
    make_article(title="Knee pain", slug="knee-pain", body="Some swelling.")
    labels = [
        i["label"]
        for i in json.loads(client.get("/search/suggest/", {"q": "knee swel"}).content)["items"]
    ]
    assert "Knee pain" not in labels
    for i in range(12):
        make_article(title=f"Tingle {i}")
    assert len(json.loads(client.get("/search/suggest/", {"q": "tingl"}).content)["items"]) == 8


def test_search_query_counts_are_fixed(client, corpus, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get("/search/", {"q": "tingling"})
    for i in range(30):
        make_article(title=f"Tingling {i}", tags=[corpus["tingling"]])
    with django_assert_max_num_queries(12):
        client.get("/search/", {"q": "tingling", "page": "2"})


class TestSearchLog:
    def test_counted_once_per_search_not_per_page_or_filter(self, client, corpus):
        client.get("/search/", {"q": "  Pins   and NEEDLES "})
        client.get("/search/", {"q": "pins and needles", "page": "2"})
        client.get("/search/", {"q": "pins and needles", "category": "nerves"})
        client.get("/search/", {"q": "pins and needles", "tag": "tingling"})
        # "Apply filters" with none chosen, and the "Clear filters" link: the same search.
        client.get("/search/", {"q": "pins and needles", "category": "", "tag": ""})
        html = client.get("/search/", {"q": "pins and needles", "tag": "tingling"}).content
        clear = re.search(r'<a href="([^"]+)">Clear filters</a>', html.decode()).group(1)
        client.get("/search/" + clear.replace("&amp;", "&"))
        client.get("/search/", {"q": "pins and needles"})
        entry = SearchQueryLog.objects.get()
        assert entry.query == "pins and needles"
        assert entry.searches == 2 and entry.results == 1

    def test_zero_results_recorded_and_nothing_personal(self, client, corpus):
        client.get("/search/", {"q": "zebra"}, REMOTE_ADDR="203.0.113.9")
        entry = SearchQueryLog.objects.get()
        assert entry.results == 0
        fields = {f.name for f in SearchQueryLog._meta.get_fields()}
        assert fields == {"id", "query", "searches", "results", "first_searched", "last_searched"}

    def test_empty_query_is_not_logged(self, client, corpus):
        client.get("/search/", {"q": "   "})
        assert not SearchQueryLog.objects.exists()


def test_suggestions_leave_out_tags_no_published_article_carries(client, corpus):
    from datetime import timedelta

    from django.utils import timezone

    hidden = make_tag(name="Secrettag", slug="secrettag", aliases="hushhush")
    make_article(title="A draft", status="draft", published_at=None, tags=[hidden])
    make_article(title="Later", published_at=timezone.now() + timedelta(days=1), tags=[hidden])
    for prefix in ("secre", "hush"):
        assert json.loads(client.get("/search/suggest/", {"q": prefix}).content)["items"] == []
    make_article(title="Out now", tags=[hidden])
    items = json.loads(client.get("/search/suggest/", {"q": "hush"}).content)["items"]
    assert items[0]["label"] == "hushhush (Secrettag)"


def test_both_engines_read_words_alike(client, corpus):
    """Accents fold and small words count, on PostgreSQL as in SQLite's FTS5."""
    make_article(title="Osgood–Schlätter disease", slug="osgood", body="Over time it settles.")
    assert slugs(client, q="schlätter") == ["osgood"]
    assert slugs(client, q="schlatter") == ["osgood"]
    data = json.loads(client.get("/search/suggest/", {"q": "schlat"}).content)
    assert [i["label"] for i in data["items"]] == ["Osgood–Schlätter disease"]
    assert slugs(client, q="over") == ["osgood"]  # a stop word in PostgreSQL's English list
    # Contractions are small words too: "can't" is not looked for as "can" then "t".
    results = client.get("/search/", {"q": "I can't get over it"}).context["results"]
    assert [r.article.slug for r in results.results] == ["osgood"] and not results.any_word
    make_article(title="Both knees", slug="both", body="When both knees feel weak.")
    assert slugs(client, q="both knees") == ["both"]  # not every article with "knee"


def test_the_whole_text_is_searchable_not_only_its_start(client, corpus):
    filler = "Knees carry the body through every step of the day. " * 12  # over 600 characters
    make_article(
        title="Long read", slug="long-read", summary="Short summary. " * 20 + "Zirconium.",
        body=f"## Part one\n\n{filler}\n\n## Part two\n\nThe word is xylophone.",
        see_a_doctor=f"- {filler} Quokka.",
    )  # fmt: skip
    for word in ("xylophone", "quokka", "zirconium"):
        assert slugs(client, q=word) == ["long-read"], word


def test_a_title_that_says_the_query_comes_first_on_its_page(client, corpus):
    """Where most articles use a word, BM25 gives it almost no weight (FTS5) and ts_rank none
    for being rare, so the tagged articles outrank the one named for it: the page is
    rescored so that the article whose title says it comes first."""
    physio_tag = make_tag(name="Physiotherapy", slug="physio-tag", aliases="physical therapy")
    for n in range(6):
        make_article(
            title=f"Knee note {n}", slug=f"note-{n}",
            summary="See a physiotherapist. A physiotherapist helps, physiotherapy helps.",
            body="Physiotherapy helps. " * (n + 3), tags=[physio_tag] if n % 2 else [],
        )  # fmt: skip
    physio = make_article(
        title="Physiotherapy for knees", slug="physio", summary="Exercises that help.",
        body="Physiotherapy can help.",
    )  # fmt: skip
    results = client.get("/search/", {"q": "physical therapy"}).context["results"]
    engine_page = [pk for pk, _ in results.page.object_list]
    assert engine_page[0] != physio.pk  # the engine alone would not put it first
    assert results.results[0].article == physio
    # Only within the page: the engine's page holds the same articles.
    assert sorted(engine_page) == sorted(r.article.pk for r in results.results)
    # Three to a page: each page rescored on its own, no article on two pages or on none.
    seen = []
    for number in (1, 2, 3):
        page = search.search("physical therapy", page=number, per_page=3)
        assert sorted(pk for pk, _ in page.page.object_list) == sorted(
            r.article.pk for r in page.results
        )
        seen += [r.article.pk for r in page.results]
    assert len(seen) == len(set(seen)) == results.total


def test_a_word_no_article_has_is_not_corrected_when_others_are_found(client, corpus):
    # "thinning" is not in the index, "knee" is, and so is "thinking": the articles with
    # "knee" are shown, with "Did you mean", never results for a correction nobody typed.
    make_article(title="Thinking about knees", slug="thinking", body="Thinking it over.")
    results = client.get("/search/", {"q": "thinning knee"}).context["results"]
    assert results.suggestion == "thinking knee"
    assert results.total and results.any_word and not results.corrected_from


@pytest.mark.parametrize(
    ("typed", "word"), [("scar", "car"), ("sepsis", "sessions"), ("pilats", "plates")]
)
def test_a_correction_that_may_not_be_meant_is_only_offered(client, corpus, typed, word):
    """A word the site does not hold is shown its own empty page with "Did you mean", not
    another word's results: "scar" is not "car", nor "sepsis" "sessions"."""
    make_article(title=f"About {word}", slug="other", body=f"{word} and more {word}.")
    results = client.get("/search/", {"q": typed}).context["results"]
    assert results.total == 0 and not results.corrected_from


def test_a_misspelling_that_sounds_right_is_corrected(client, corpus):
    make_article(title="Baker's cyst", slug="bakers-cyst", body="A cyst behind the knee.")
    results = client.get("/search/", {"q": "sist"}).context["results"]
    assert results.suggestion == "cyst" and results.corrected_from == "sist"
    assert results.results[0].article.slug == "bakers-cyst"


def test_a_result_is_its_title_section_one_clean_snippet_and_why(client, corpus):
    make_article(
        title="Gout in the knee", slug="gout", category=corpus["joints"],
        summary="Crystals in the joint.",
        body="## What causes it\n\nThe most common cause is uric acid crystals.",
        tags=[corpus["swelling"], corpus["tingling"]],
    )  # fmt: skip
    html = client.get("/search/", {"q": "uric acid"}).content.decode()
    result = html[html.index('class="result"') :]
    result = result[: result.index("</li>")]
    text = " ".join(re.sub(r"<[^>]+>", " ", result).split())
    assert "What causes it. The most common cause" in text  # a heading ends its sentence
    assert "it The most" not in text
    assert 'class="tag"' not in result  # no row of tags on each result
    assert "Matched on" in text and "Joints" in text


def test_nothing_found_offers_what_readers_search_for_most_lay_words_first(client, corpus):
    from articles.models import JargonTerm

    from .factories import make_tag

    SearchQueryLog.objects.create(query="pins and needles", searches=3, results=1)
    SearchQueryLog.objects.create(query="water on the knee", searches=9, results=1)
    SearchQueryLog.objects.create(query="zebra crossing", searches=50, results=0)
    genu = make_tag(name="Genu valgum", slug="genu-valgum", aliases="knock knees")
    for n in range(3):  # carried by more articles than any other tag
        make_article(slug=f"knock-{n}", title=f"Knock knees {n}", tags=[genu])
    JargonTerm.objects.get_or_create(
        term="genu valgum", defaults={"plain_alternative": "knock knees"}
    )
    html = client.get("/search/", {"q": "zebra"}).content.decode()
    offered = re.findall(r'class="tag" href="/tags/([^/]+)/"', html)
    assert offered[:2] == ["swelling", "tingling"]  # most searched first
    assert offered[-1] == "genu-valgum"  # jargon after the lay words
    assert 'class="filters"' not in html  # nothing to filter
    assert 'class="filters"' in client.get("/search/", {"q": "tingling"}).content.decode()


def test_the_search_log_is_bounded_and_keeps_its_counts(client, corpus, settings):
    settings.SEARCH_LOG_MAX_ROWS = 5
    search.search_log.last_prune = -1e9  # kept to size at the next write
    for _ in range(3):
        client.get("/search/", {"q": "pins and needles"})
    for n in range(8):
        client.get("/search/", {"q": f"random {n} qzx"})
    search.search_log.last_prune = -1e9
    client.get("/search/", {"q": "pins and needles"})  # a write: the log is kept to size
    rows = dict(SearchQueryLog.objects.values_list("query", "searches"))
    other = rows.pop(search.OTHER_SEARCHES)
    assert len(rows) == 5 and rows["pins and needles"] == 4  # what readers really look for
    assert other + sum(rows.values()) == 4 + 8  # no search lost from the counts
    admin = client
    admin.force_login(make_user(superuser=True))
    listing = admin.get("/admin/articles/searchquerylog/").content.decode()
    assert listing.index("random") < listing.index(search.OTHER_SEARCHES)  # last, not "nothing"
