import gzip
import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from unittest import mock
from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import DatabaseError
from django.templatetags.static import static
from django.utils import timezone

from articles.models import Article, Tag, TagListing

from .factories import make_article, make_category, make_tag

pytestmark = pytest.mark.django_db


def json_ld_blocks(html):
    return [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


@pytest.fixture
def site():
    """A small site: two categories, tags, articles, a draft and a scheduled article."""
    muscles = make_category(name="Muscles", slug="muscles", position=1)
    nerves = make_category(name="Nerves", slug="nerves", position=2)
    tingling = make_tag(name="Tingling", slug="tingling", aliases="pins and needles\nprickling")
    weakness = make_tag(name="Weakness", slug="weakness", aliases="weak knee")
    sciatica = make_article(
        title="Sciatica",
        slug="sciatica",
        category=nerves,
        summary="A trapped nerve in the back.",
        body="## What sciatica is\n\nA nerve problem.\n\n### Signs\n\nTingling.",
        emergency="- numbness around your bottom",
        urgent_help="- weakness getting worse",
        see_a_doctor="- no better after 2 weeks",
        tags=[tingling, weakness],
    )
    quads = make_article(
        title="Weak quadriceps", slug="weak-quadriceps", category=muscles, tags=[weakness]
    )
    sciatica.related.add(quads)
    make_article(title="Secret draft", slug="draft", category=nerves, status="draft",
                 published_at=None, tags=[tingling])  # fmt: skip
    make_article(title="Scheduled", slug="scheduled", category=nerves, tags=[tingling],
                 published_at=timezone.now() + timedelta(days=2))  # fmt: skip
    return {"sciatica": sciatica, "quads": quads, "muscles": muscles, "nerves": nerves}


def grow(site, count):
    """More content of every kind, to show page costs do not grow with it."""
    tag = make_tag()
    for i in range(count):
        make_article(category=site["nerves"], tags=[tag], title=f"Extra {i}")
        make_category()
        make_tag()


PAGES = ["/", "/topics/nerves/", "/articles/sciatica/", "/tags/", "/tags/tingling/"]


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/", 3),
        ("/topics/nerves/", 4),
        ("/articles/sciatica/", 5),
        ("/tags/", 1),
        ("/tags/tingling/", 3),
    ],  # fmt: skip
)
def test_query_count_is_fixed_whatever_the_amount_of_content(
    client, site, url, queries, django_assert_num_queries
):
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    grow(site, 25)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_home_lists_categories_articles_and_tags(client, site):
    html = client.get("/").content.decode()
    assert "Muscles" in html and "Nerves" in html
    assert 'href="/articles/sciatica/"' in html
    assert 'href="/tags/tingling/"' in html
    assert "Secret draft" not in html and "Scheduled" not in html
    assert html.count("<h1") == 1


def test_article_page_shows_everything_a_reader_needs(client, site):
    response = client.get("/articles/sciatica/")
    html = response.content.decode()
    assert "<title>Sciatica – kneeinfo</title>" in html
    assert '<meta name="description" content="A trapped nerve in the back.">' in html
    assert '<link rel="canonical" href="http://testserver/articles/sciatica/">' in html
    assert '<meta property="og:title" content="Sciatica">' in html
    assert 'href="/topics/nerves/"' in html  # breadcrumbs
    assert "pins and needles, prickling" in html  # also called
    assert "weak knee" not in html  # only the lay words of what the article is about
    assert '<a href="#what-sciatica-is">What sciatica is</a>' in html  # table of contents
    assert '<a href="#signs">Signs</a>' in html
    # The help panel, emergency first.
    assert html.index("help--emergency") < html.index("help--urgent") < html.index("help--routine")
    assert "Weak quadriceps" in html  # related
    assert "Sources" in html and "https://www.nhs.uk/conditions/knee-pain/" in html
    assert "Test reviewer" in html and "Next review due" in html
    assert "not medical advice" in html
    assert html.count("<h1") == 1
    assert "Secret draft" not in html


def test_article_json_ld(client, site):
    blocks = json_ld_blocks(client.get("/articles/sciatica/").content.decode())
    page = next(b for b in blocks if b["@type"] == "MedicalWebPage")
    assert page["name"] == "Sciatica"
    assert "reviewedBy" not in page and "lastReviewed" not in page  # no clinician reviewed it
    assert {"@type": "MedicalCondition", "name": "Sciatica"} in page["about"]
    assert "Tingling" in page["keywords"]
    assert page["audience"]["audienceType"] == "Patient"
    crumbs = next(b for b in blocks if b["@type"] == "BreadcrumbList")
    assert [i["name"] for i in crumbs["itemListElement"]] == ["Home", "Nerves", "Sciatica"]


def test_json_ld_cannot_break_out_of_its_script_block(client, site):
    make_article(slug="x", title="</script><script>alert(1)</script>")
    html = client.get("/articles/x/").content.decode()
    assert "<script>alert(1)" not in html
    assert json_ld_blocks(html)[0]["name"] == "</script><script>alert(1)</script>"


def test_overdue_review_notice(client, site):
    Article.objects.filter(slug="sciatica").update(
        next_review_due=timezone.localdate() - timedelta(days=1)
    )
    assert "This page is due for review" in client.get("/articles/sciatica/").content.decode()
    assert "due for review" not in client.get("/articles/weak-quadriceps/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/articles/draft/",
        "/articles/scheduled/",
        "/articles/nope/",
        "/topics/nope/",
        "/tags/nope/",
        "/nope/",
    ],  # fmt: skip
)
def test_drafts_scheduled_and_unknown_slugs_are_404_pages_in_the_site_style(client, site, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'id="main-content"' in html
    assert "Secret draft" not in html


def test_category_page_lists_only_its_published_articles(client, site):
    html = client.get("/topics/nerves/").content.decode()
    assert "Sciatica" in html
    assert "Secret draft" not in html and "Scheduled" not in html
    assert "Weak quadriceps" not in html
    assert "<h1>Nerves</h1>" in html


def test_tag_pages(client, site):
    index = client.get("/tags/").content.decode()
    assert 'href="/tags/tingling/"' in index and "pins and needles" in index
    page = client.get("/tags/tingling/").content.decode()
    assert "Sciatica" in page and "Secret draft" not in page and "Scheduled" not in page
    assert "Also called: pins and needles, prickling" in page


def tag_page_titles(client, slug="tingling", page=1):
    html = client.get(f"/tags/{slug}/", {"page": page}).content.decode()
    return re.findall(r'<h2 class="card__title"><a href="[^"]+">([^<]+)</a>', html)


def test_tag_pages_list_by_title_a_page_at_a_time(client, site):
    tingling = Tag.objects.get(slug="tingling")
    for title in ["Zeta", "Alpha", "Mu", *[f"Extra {i:02}" for i in range(20)]]:
        make_article(title=title, tags=[tingling])
    titles = tag_page_titles(client) + tag_page_titles(client, page=2)
    assert titles == sorted(
        ["Sciatica", "Zeta", "Alpha", "Mu", *[f"Extra {i:02}" for i in range(20)]]
    )
    assert len(tag_page_titles(client)) == 20  # and not the draft or the scheduled article
    assert tag_page_titles(client, page=99) == titles[20:]  # past the end: the last page


def test_tag_pages_follow_every_change(client, site):
    sciatica, quads = site["sciatica"], site["quads"]
    tingling = Tag.objects.get(slug="tingling")
    assert tag_page_titles(client) == ["Sciatica"]
    sciatica.title = "A trapped nerve"
    sciatica.save()
    tingling.articles.add(quads)  # from the tag's side
    assert tag_page_titles(client) == ["A trapped nerve", "Weak quadriceps"]
    quads.tags.remove(tingling)  # from the article's side
    sciatica.status = Article.Status.DRAFT
    sciatica.save()
    assert tag_page_titles(client) == []
    scheduled = Article.objects.get(slug="scheduled")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days=3)):
        assert tag_page_titles(client) == ["Scheduled"]  # its time has come, without a save
    scheduled.published_at = timezone.now() - timedelta(hours=1)
    scheduled.save()
    assert tag_page_titles(client) == ["Scheduled"]
    scheduled.delete()
    assert tag_page_titles(client) == []
    tingling.articles.add(sciatica, quads)
    sciatica.status = Article.Status.PUBLISHED
    sciatica.save()
    assert tag_page_titles(client) == ["A trapped nerve", "Weak quadriceps"]
    tingling.articles.clear()
    assert tag_page_titles(client) == []
    quads.tags.add(tingling)
    tingling.delete()
    assert client.get("/tags/tingling/").status_code == 404
    assert not TagListing.objects.filter(article=quads).exclude(tag__slug="weakness").exists()


def test_rebuilding_the_search_index_rebuilds_the_tag_lists(client, site):
    TagListing.objects.all().delete()
    assert tag_page_titles(client) == []
    call_command("rebuild_search_index", stdout=StringIO())
    assert tag_page_titles(client) == ["Sciatica"]
    assert tag_page_titles(client, "weakness") == ["Sciatica", "Weak quadriceps"]


def test_a_tag_with_only_drafts_is_not_listed(client, site):
    make_tag(name="Lonely", slug="lonely").articles.add(Article.objects.get(slug="draft"))
    assert "Lonely" not in client.get("/tags/").content.decode()


@pytest.mark.parametrize("page", ["2", "999999999999999999999", "-1", "abc", "", "%00"])
def test_pagination_never_fails_on_odd_page_values(client, site, page):
    grow(site, 25)
    response = client.get("/topics/nerves/", {"page": page})
    assert response.status_code == 200
    assert "Page " in response.content.decode()


def test_pagination_keeps_query_and_marks_prev_next(client, site):
    grow(site, 25)
    html = client.get("/topics/nerves/?page=2&utm=x").content.decode()
    assert 'rel="prev" href="?page=1&amp;utm=x"' in html


def test_empty_site_still_renders(client):
    for url in ["/", "/tags/", "/feed/", "/sitemap.xml"]:
        assert client.get(url).status_code == 200
    make_category(slug="empty")
    assert "no articles in this section yet" in client.get("/topics/empty/").content.decode()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.parametrize("url", ["/healthz", "/robots.txt", "/search/suggest/?q=kn"])
def test_head_requests_are_answered(client, url):
    """Load balancers and link checkers ask with HEAD."""
    assert client.head(url).status_code == 200


def test_healthz_is_503_when_the_database_does_not_answer(client):
    with mock.patch("articles.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_robots_points_at_the_sitemap(client):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text


def test_sitemap_lists_published_content_only(client, site):
    xml = client.get("/sitemap.xml").content
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [el.text for el in ElementTree.fromstring(xml).findall(".//s:loc", ns)]
    assert "http://testserver/articles/sciatica/" in locs
    assert "http://testserver/topics/nerves/" in locs
    assert "http://testserver/tags/tingling/" in locs
    assert not any("draft" in loc or "scheduled" in loc for loc in locs)


def test_feed_is_valid_atom_with_absolute_links(client, site):
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    links = [e.get("href") for e in root.findall("a:entry/a:link", ns)]
    assert "http://testserver/articles/sciatica/" in links
    assert not any("draft" in link for link in links)


def test_error_pages_render_without_a_request_context():
    from django.template.loader import render_to_string

    for name in ["400.html", "403.html", "404.html", "500.html"]:
        html = render_to_string(name)
        assert 'id="main-content"' in html and "kneeinfo" in html


def test_500_page_is_served_in_the_site_style(client, settings):
    client.raise_request_exception = False
    with mock.patch("articles.views.HomeView.get_context_data", side_effect=RuntimeError):
        response = client.get("/")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.content.decode()


def test_bad_host_gets_400_page(client):
    client.raise_request_exception = False
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.content.decode()


# --- Light: what a page costs a reader on a slow connection -----------------------------------

PAGE_BUDGET = 30 * 1024  # bytes, gzip-compressed: the HTML and the CSS and JS it links
CONTENT = Path(__file__).resolve().parent.parent / "articles" / "content"
URL_ATTRIBUTES = {"src", "href", "action", "srcset", "poster", "data", "formaction"}


class Resources(HTMLParser):
    """Every address a page refers to, and the stylesheets and scripts it loads."""

    def __init__(self, html):
        super().__init__()
        self.urls, self.assets = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [value for name, value in attrs.items() if name in URL_ATTRIBUTES and value]
        if tag == "link" and attrs.get("rel") == "stylesheet" or tag == "script" and "src" in attrs:
            self.assets.append(attrs.get("href") or attrs["src"])


def static_file(url):
    path = finders.find(url.removeprefix(static("")))
    assert path, f"{url} is not one of our static files"
    return Path(path).read_bytes()


def gzipped(data):
    return len(gzip.compress(data, compresslevel=6))  # the level GZipMiddleware uses


@pytest.fixture
def shipped_articles():
    call_command("import_content", str(CONTENT), stdout=StringIO())
    return list(Article.objects.published())


def test_every_shipped_article_page_is_under_30_kb_compressed(client, shipped_articles):
    sizes = {}
    for article in shipped_articles:
        html = client.get(article.get_absolute_url()).content
        assets = Resources(html.decode()).assets
        assert {a.rsplit("/", 1)[-1] for a in assets} == {"site.css", "search.js"}
        sizes[article.slug] = gzipped(html) + sum(gzipped(static_file(url)) for url in assets)
    heaviest = max(sizes, key=sizes.get)
    print(f"heaviest article page: {heaviest}, {sizes[heaviest]} bytes compressed")
    assert sizes[heaviest] < PAGE_BUDGET, sizes


def test_pages_load_nothing_from_other_hosts(client, shipped_articles):
    """No third-party scripts, styles, fonts, images or trackers. Only the links editors put in
    article text and sources lead elsewhere (they are removed before looking)."""
    article = shipped_articles[0]
    editors_html = [
        article.body_html, article.sources_html, article.emergency_html,
        article.urgent_help_html, article.see_a_doctor_html,
    ]  # fmt: skip
    pages = ["/", "/topics/nerves/", article.get_absolute_url(), "/tags/", "/tags/tingling/",
             "/search/?q=tingling", "/search/?q=zzqxv", "/nope/"]  # fmt: skip
    for url in pages:
        html = client.get(url).content.decode()
        for part in editors_html:
            html = html.replace(part, "")
        for address in Resources(html).urls:
            if re.match(r"(https?:)?//", address):
                assert address.startswith("http://testserver/"), (url, address)
    for asset in ("css/site.css", "js/search.js"):
        text = static_file(static(asset)).decode()
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//|https?://", text), asset
    css = static_file(static("css/site.css")).decode()
    assert "@font-face" not in css  # system fonts only: nothing to download
    assert re.search(r"--font:\s*system-ui", css)


def test_images_in_articles_are_lazy_and_keep_their_size(client, shipped_articles):
    bodies = [a.body_html for a in shipped_articles]
    bodies.append(
        make_article(
            body='<img src="/media/knee.png" alt="A knee" width="640" height="480">'
        ).body_html
    )
    for body in bodies:
        for img in re.findall(r"<img\b[^>]*>", body):
            assert 'loading="lazy"' in img, img
            assert re.search(r'\bwidth="\d+"', img) and re.search(r'\bheight="\d+"', img), img


def test_templates_need_no_inline_script_or_style():
    """The Content Security Policy allows neither: styles live in site.css, script in files."""
    root = Path(__file__).resolve().parent.parent / "templates"
    for template in root.rglob("*.html"):
        if "admin" in template.relative_to(root).parts:
            continue  # the admin's own templates have a CSP exception for inline styles
        text = template.read_text()
        assert not re.search(r"\sstyle=|<style\b|\son[a-z]+=|javascript:", text), template
        for script in re.findall(r"<script\b[^>]*>", text):
            assert " src=" in script or 'type="application/ld+json"' in script, template


def test_a_moved_admin_path_is_not_announced_in_robots_txt(client, settings):
    settings.ADMIN_PATH = "editors-only/"
    text = client.get("/robots.txt").content.decode()
    assert "editors-only" not in text and "/admin/" not in text
    assert "Disallow: /search/" in text


def test_admin_responses_ask_not_to_be_indexed(client):
    response = client.get("/admin/login/")
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "X-Robots-Tag" not in client.get("/")


def test_a_tag_only_drafts_carry_is_not_found(client):
    from .factories import make_tag

    secret = make_tag(name="Secret topic", slug="secret-topic", aliases="hush hush")
    make_article(slug="draft-only", status=Article.Status.DRAFT, published_at=None, tags=[secret])
    response = client.get("/tags/secret-topic/")
    assert response.status_code == 404
    assert b"Secret topic" not in response.content and b"hush hush" not in response.content
    make_article(slug="now-public", tags=[secret])
    assert client.get("/tags/secret-topic/").status_code == 200


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".ico") and "/img/favicon" in response["Location"]
    icon = Path(__file__).resolve().parent.parent / "static" / "img" / "favicon.ico"
    assert icon.read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert client.head("/favicon.ico").status_code == 302


def test_a_cause_article_opens_with_get_help_now_and_keeps_the_full_panel(client):
    article = make_article(
        slug="clot",
        body="## What it is\n\nA long read.\n\n## More\n\nText.",
        emergency="- you are short of breath",
        urgent_help="- your calf is swollen and warm",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    box = html.index('id="get-help-now"')
    assert box < html.index('id="what-it-is"')  # near the top: before the body
    assert html.index("you are short of breath") < html.index('id="what-it-is"')
    assert 'href="#help-panel"' in html[box:]
    assert 'id="help-panel"' in html and html.count("your calf is swollen and warm") == 1
    # Only urgent signs: the box says "today", in the urgent style.
    make_article(slug="urgent-only", urgent_help="- it swelled up fast", emergency="")
    html = client.get("/articles/urgent-only/").content.decode()
    assert "Get help today if" in html and "callout--urgent" in html
    # Not on a guide or treatment page, whose category lists no causes.
    guide = make_article(
        slug="guide", category=make_category(is_cause=False), emergency="- chest pain"
    )
    assert 'id="get-help-now"' not in client.get(guide.get_absolute_url()).content.decode()


def test_no_shipped_article_page_shows_two_sections_with_one_heading(client):
    from django.core.management import call_command

    call_command("import_content", "articles/content", stdout=StringIO())
    for article in Article.objects.published():
        html = client.get(article.get_absolute_url()).content.decode()
        headings = [
            " ".join(re.sub(r"<[^>]+>", " ", h).split())
            for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)
        ]
        assert len(headings) == len(set(headings)), (article.slug, headings)
        if article.category.is_cause and article.emergency:
            assert "! Get help now if" in headings, article.slug
