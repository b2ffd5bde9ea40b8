"""Findable and shareable: what search engines, feed readers and link previews get.

sitemap.xml and robots.txt, the Atom feed, and in every page's <head> the title, description,
canonical address, Open Graph and Twitter card tags and schema.org JSON-LD."""

import json
from datetime import timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles.models import Article

from .factories import make_article, make_category, make_tag

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}


class Head(HTMLParser):
    """The parts of a page that are for machines: <title>, <meta>, <link> and JSON-LD."""

    def __init__(self, html):
        super().__init__()
        self.title = ""
        self.meta = {}
        self.links = {}
        self.json_ld = []
        self._in = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in = "title"
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "json_ld"
            self.json_ld.append("")
        elif tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        elif tag == "link" and "rel" in attrs:
            self.links.setdefault(attrs["rel"], attrs.get("href"))

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json_ld":
            self.json_ld[-1] += data

    def structured(self, kind):
        return next(block for block in map(json.loads, self.json_ld) if block["@type"] == kind)


def head(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return Head(response.content.decode())


@pytest.fixture
def site():
    """Published articles in two categories with tags, an old one updated lately, a draft, a
    scheduled article, a category with nothing published and a tag only a draft uses."""
    now = timezone.now()
    nerves = make_category(name="Nerves", slug="nerves", summary="Trapped and irritated nerves.")
    muscles = make_category(name="Muscles", slug="muscles", summary="Weak or tight muscles.")
    make_category(name="Empty", slug="empty")
    tingling = make_tag(name="Tingling", slug="tingling", aliases="pins and needles")
    # A tag with the same name as a category: their pages must still have different titles.
    make_tag(name="Nerves", slug="nerves-tag").articles.add(
        make_article(title="Nerve pain", slug="nerve-pain", category=nerves)
    )
    sciatica = make_article(
        title="Sciatica",
        slug="sciatica",
        category=nerves,
        summary="A trapped nerve in the back.",
        emergency="- numbness in both legs",
        tags=[tingling],
    )
    make_article(title="Weak thighs", slug="weak-thighs", category=muscles, tags=[tingling])
    old = make_article(
        title="Old but updated", slug="old-but-updated", category=muscles,
        published_at=now - timedelta(days=400),
    )  # fmt: skip
    Article.objects.filter(pk=old.pk).update(updated_at=now + timedelta(minutes=1))
    draft = make_article(title="Secret draft", slug="secret-draft", category=nerves,
                         status="draft", published_at=None)  # fmt: skip
    make_tag(name="Draft only", slug="draft-only").articles.add(draft)
    make_article(title="Scheduled", slug="scheduled", category=nerves,
                 published_at=now + timedelta(days=3))  # fmt: skip
    return {"sciatica": sciatica, "old": Article.objects.get(pk=old.pk)}


# --- sitemap.xml and robots.txt ---------------------------------------------------------------


def sitemap(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("s:url", SITEMAP_NS)
    }


def test_sitemap_lists_every_public_page_with_lastmod_and_no_drafts(client, site):
    urls = sitemap(client)
    base = "http://testserver"
    published = Article.objects.published()
    expected = {
        f"{base}/",
        f"{base}/tags/",
        f"{base}/topics/nerves/",
        f"{base}/topics/muscles/",
        f"{base}/tags/tingling/",
        f"{base}/tags/nerves-tag/",
        *(f"{base}{article.get_absolute_url()}" for article in published),
    }
    assert set(urls) == expected  # no draft, no scheduled article, nothing without content
    assert all(urls.values()), "every URL has a lastmod"
    assert urls[f"{base}/articles/sciatica/"] == site["sciatica"].updated_at.date().isoformat()
    # A category changes when its newest article does.
    assert urls[f"{base}/topics/muscles/"] == site["old"].updated_at.date().isoformat()
    assert urls[f"{base}/"] == site["old"].updated_at.date().isoformat()


def test_robots_txt_points_at_the_sitemap(client, site):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "User-agent: *" in lines
    assert "Disallow: /articles/" not in lines and "Disallow: /" not in lines


# --- The Atom feed ----------------------------------------------------------------------------


def test_feed_is_valid_atom_of_new_and_updated_articles_with_absolute_links(client, site):
    response = client.get("/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    # What RFC 4287 requires of a feed: id, title, updated, and an author.
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert feed.findtext(required, namespaces=ATOM_NS), required
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", ATOM_NS)}
    assert links == {"alternate": "http://testserver/", "self": "http://testserver/feed/"}

    entries = feed.findall("a:entry", ATOM_NS)
    titles = [entry.findtext("a:title", namespaces=ATOM_NS) for entry in entries]
    assert titles[0] == "Old but updated"  # newest change first, however old the article
    assert "Secret draft" not in titles and "Scheduled" not in titles
    assert len(titles) == Article.objects.published().count()
    for entry in entries:
        for required in ("a:id", "a:title", "a:updated", "a:published", "a:summary"):
            assert entry.findtext(required, namespaces=ATOM_NS), required
        href = entry.find("a:link", ATOM_NS).get("href")
        assert href.startswith("http://testserver/articles/")
    old = entries[0]
    published = old.findtext("a:published", namespaces=ATOM_NS)
    updated = old.findtext("a:updated", namespaces=ATOM_NS)
    assert published < updated


def test_plain_text_reaches_the_feed_as_text(client):
    from .factories import make_article

    make_article(title="Tags <i>and</i> & more", slug="marked", summary="Bold <b>move</b> & more")
    feed = ElementTree.fromstring(client.get("/feed/").content)
    entry = feed.find("a:entry", ATOM_NS)
    summary = entry.find("a:summary", ATOM_NS)
    assert summary.get("type") == "html"
    # The HTML a feed reader renders shows the characters that were typed, not markup.
    assert summary.text == "Bold &lt;b&gt;move&lt;/b&gt; &amp; more"
    assert entry.findtext("a:title", namespaces=ATOM_NS) == "Tags <i>and</i> & more"
    assert entry.find("a:title", ATOM_NS).get("type") in (None, "text")


# --- <head>: titles, descriptions, canonical, Open Graph, Twitter -----------------------------

PAGES = {
    "home": ("/", "website"),
    "category": ("/topics/nerves/", "website"),
    "article": ("/articles/sciatica/", "article"),
    "tags A-Z": ("/tags/", "website"),
    "tag": ("/tags/tingling/", "website"),
    "tag named like a category": ("/tags/nerves-tag/", "website"),
    "search": ("/search/?q=tingling", "website"),
}


def test_every_page_type_has_a_unique_title_description_canonical_and_share_tags(client, site):
    titles = {}
    for name, (url, og_type) in PAGES.items():
        page = head(client, url)
        assert page.title.endswith(" – kneeinfo"), (name, page.title)
        titles.setdefault(page.title, []).append(name)
        assert page.meta["description"].strip(), name
        canonical = page.links["canonical"]
        assert canonical == f"http://testserver{url}", name
        for prop in ("og:title", "og:description", "og:type", "og:url", "og:site_name"):
            assert page.meta.get(prop), (name, prop)
        assert page.meta["og:type"] == og_type
        assert page.meta["og:url"] == canonical
        assert page.meta["og:site_name"] == "kneeinfo"
        assert page.meta["twitter:card"] == "summary"
    duplicates = {title: names for title, names in titles.items() if len(names) > 1}
    assert not duplicates


def test_article_head_describes_the_article(client, site):
    page = head(client, "/articles/sciatica/")
    assert page.title == "Sciatica – kneeinfo"
    assert page.meta["description"] == page.meta["og:description"] == "A trapped nerve in the back."
    assert page.meta["og:title"] == "Sciatica"
    assert page.meta["article:section"] == "Nerves"


def test_canonical_drops_tracking_and_keeps_only_what_changes_the_page(client, site):
    article = head(client, "/articles/sciatica/?utm_source=newsletter&fbclid=x")
    assert article.links["canonical"] == "http://testserver/articles/sciatica/"
    for i in range(25):
        make_article(title=f"Nerve {i}", category=site["sciatica"].category)
    assert head(client, "/topics/nerves/?page=1").links["canonical"] == (
        "http://testserver/topics/nerves/"
    )
    assert head(client, "/topics/nerves/?page=2&utm_medium=x").links["canonical"] == (
        "http://testserver/topics/nerves/?page=2"
    )
    search = head(client, "/search/?q=++Tingling&category=nerves&ref=x")
    assert search.links["canonical"] == "http://testserver/search/?q=Tingling&category=nerves"
    assert search.meta["robots"] == "noindex, follow"


def test_error_pages_have_a_title_and_description_but_no_canonical(client, site):
    page = head(client, "/articles/secret-draft/", status=404)
    assert page.title == "Page not found – kneeinfo"
    assert page.meta["description"]
    assert "canonical" not in page.links and "og:url" not in page.meta


# --- schema.org JSON-LD -----------------------------------------------------------------------


def test_article_json_ld_is_a_reviewed_medical_web_page_for_patients(client, site):
    page = head(client, "/articles/sciatica/")
    data = page.structured("MedicalWebPage")
    assert data["@context"] == "https://schema.org"
    assert data["url"] == "http://testserver/articles/sciatica/"
    assert data["name"] == data["headline"] == "Sciatica"
    assert data["description"] == "A trapped nerve in the back."
    # An editorial check is not passed off as a medical review: no reviewer, no review date.
    assert "reviewedBy" not in data and "lastReviewed" not in data
    assert data["datePublished"] and data["dateModified"]
    assert data["audience"] == {"@type": "MedicalAudience", "audienceType": "Patient"}
    about = {(thing["@type"], thing["name"]) for thing in data["about"]}
    assert ("MedicalSignOrSymptom", "Weakness behind the knee") in about
    assert ("MedicalCondition", "Sciatica") in about  # a cause article: about its condition
    assert all(kind in {"MedicalCondition", "MedicalSignOrSymptom"} for kind, _ in about)
    assert data["keywords"] == "Tingling"

    crumbs = page.structured("BreadcrumbList")["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Home", "http://testserver/"),
        (2, "Nerves", "http://testserver/topics/nerves/"),
        (3, "Sciatica", "http://testserver/articles/sciatica/"),
    ]


def test_an_article_not_about_a_cause_is_about_the_symptom_only(client, site):
    advice = make_category(name="What helps", slug="what-helps", is_cause=False)
    make_article(title="Exercises", slug="exercises", category=advice)
    data = head(client, "/articles/exercises/").structured("MedicalWebPage")
    assert data["about"] == [{"@type": "MedicalSignOrSymptom", "name": "Weakness behind the knee"}]


def test_category_has_breadcrumbs_and_home_describes_the_site_and_its_search(client, site):
    crumbs = head(client, "/topics/nerves/").structured("BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", "Nerves"]
    website = head(client, "/").structured("WebSite")
    assert website["url"] == "http://testserver/"
    target = website["potentialAction"]["target"]["urlTemplate"]
    assert target == "http://testserver/search/?q={search_term_string}"
