"""The content we ship: every cause group covered, every article complete and published."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article, Category, Tag

pytestmark = pytest.mark.django_db

CONTENT = Path(__file__).resolve().parent.parent / "articles" / "content"
CAUSE_GROUPS = [
    "muscles", "joints", "nerves", "bones", "ligaments", "overuse", "posture-and-alignment",
    "blood-vessels",
]  # fmt: skip
PROJECT = CONTENT.parent.parent
SEED = PROJECT.parent / "shared" / "seed-article.txt"
CLOT_PAGE = "/articles/deep-vein-thrombosis/"
# A calf that is swollen, in the ways our articles say it: "a swollen, warm calf", "your calf
# is swollen", "swelling in your calf", "calves that swell". Within a clause: "a swollen
# knee, but your calf is fine" is not one.
SWOLLEN_CALF = re.compile(
    r"swollen(?:(?!\bbut\b|\bknee)[^.;\n]){0,30}\bcal(?:f|ves)\b|"
    r"\bcal(?:f|ves)\b(?:(?!\bbut\b)[^.;\n]){0,40}\b(?:swollen|swells?|swelled|swelling)\b|"
    r"swelling (?:in|of) (?:your|the) cal(?:f|ves)",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """The shipped content, imported once for the module (each test's own changes roll back
    with it); removed after."""
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("import_content", str(CONTENT), stdout=out)
        assert "0 conflicts, 0 errors" in out.getvalue()
        yield out.getvalue()
        Article.objects.all().delete()
        Tag.objects.all().delete()
        Category.objects.all().delete()


def words(markdown):
    return len(re.findall(r"[A-Za-z0-9'’-]+", markdown))


def test_every_cause_group_and_management_has_published_articles(imported):
    for slug in [*CAUSE_GROUPS, "management-and-treatment", "overview"]:
        category = Category.objects.get(slug=slug)
        assert Article.objects.published().filter(category=category).exists(), slug
    assert Article.objects.filter(category__slug="management-and-treatment").count() >= 4
    assert all(Category.objects.get(slug=slug).is_cause for slug in CAUSE_GROUPS)


def test_every_article_is_complete(imported):
    articles = Article.objects.all()
    assert articles.count() >= 20
    for article in articles:
        assert article.status == "published", article.slug
        assert article in Article.objects.published(), article.slug
        assert 400 <= words(article.body) <= 900, (article.slug, words(article.body))
        assert article.body.count("\n## ") + article.body.startswith("## ") >= 3, article.slug
        assert 60 <= len(article.summary) <= 300, article.slug
        assert article.has_help_panel, article.slug
        sources = len(re.findall(r"^- \[.+\]\(https://", article.sources, re.M))
        assert sources >= (3 if article.category.is_cause else 2), (article.slug, sources)
        assert article.reviewed_by and article.last_reviewed and article.next_review_due
        assert article.tags.count() >= 3, article.slug
        assert article.related.exists(), article.slug


def test_internal_links_point_at_published_articles(imported):
    slugs = set(Article.objects.published().values_list("slug", flat=True))
    for article in Article.objects.all():
        for target in re.findall(r"\]\(/articles/([^/)]+)/\)", article.body):
            assert target in slugs, (article.slug, target)


def test_tags_have_lay_aliases(imported):
    assert Tag.objects.count() >= 25
    for tag in Tag.objects.all():
        assert tag.alias_list, tag.slug
    assert "pins and needles" in Tag.objects.get(slug="tingling").alias_list
    assert "bow legs" in Tag.objects.get(slug="genu-varum").alias_list
    assert "knock knees" in Tag.objects.get(slug="genu-valgum").alias_list
    assert "knee gives way" in Tag.objects.get(slug="instability").alias_list


def test_emergency_signs_are_covered(imported):
    emergency = " ".join(Article.objects.values_list("emergency", flat=True)).lower()
    assert "weight" in emergency  # cannot bear weight after an injury
    assert "fever" in emergency or "temperature" in emergency  # hot swollen joint with fever
    assert "bladder" in emergency  # loss of bladder or bowel control


def test_seed_content_import_is_idempotent(imported):
    out = StringIO()
    call_command("import_content", str(CONTENT), stdout=out)
    assert re.search(r"0 created, 0 updated, \d+ unchanged, 0 conflicts, 0 errors", out.getvalue())


def test_importing_a_file_without_a_date_twice_changes_nothing(tmp_path):
    import shutil

    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    path = root / "articles" / "sciatica-and-trapped-nerves.md"
    path.write_text(re.sub(r"^published_at: .*\n", "", path.read_text(), flags=re.M))
    call_command("import_content", str(root), stdout=StringIO())
    first = Article.objects.get(slug="sciatica-and-trapped-nerves").published_at
    assert first is not None  # published now, as saving a published article does
    out = StringIO()
    call_command("import_content", str(root), stdout=out)
    assert re.search(r"0 created, 0 updated, \d+ unchanged", out.getvalue())
    assert Article.objects.get(slug="sciatica-and-trapped-nerves").published_at == first


def test_every_page_of_the_shipped_site_renders(imported, client):
    urls = ["/", "/tags/", "/feed/", "/sitemap.xml"]
    urls += [c.get_absolute_url() for c in Category.objects.all()]
    urls += [a.get_absolute_url() for a in Article.objects.all()]
    urls += [t.get_absolute_url() for t in Tag.objects.all()]
    for url in urls:
        assert client.get(url).status_code == 200, url


# The causes a reader with trouble behind the knee most needs, one page each.
CAUSE_PAGES = [
    "deep-vein-thrombosis", "bakers-cyst", "meniscus-tear",
    "hamstring-and-popliteus-tendon-injuries", "peripheral-neuropathy-and-peroneal-nerve",
    "popliteal-artery-problems",
]  # fmt: skip
GUIDES = ["pain-behind-the-knee-what-it-could-be", "how-a-doctor-finds-the-cause"]


def test_every_common_cause_has_its_own_published_page(imported):
    published = set(Article.objects.published().values_list("slug", flat=True))
    assert set(CAUSE_PAGES + GUIDES) <= published
    for slug in CAUSE_PAGES:
        article = Article.objects.get(slug=slug)
        assert article.category.is_cause and article.has_help_panel, slug
        assert len(article.source_bodies) >= 1 and article.sources.count("\n- [") >= 2, slug
        # Related both ways: every cause it suggests suggests it back (guides and treatment
        # pages are hubs: they link to the causes from their text).
        for other in article.related.filter(category__is_cause=True):
            assert other.related.filter(pk=article.pk).exists(), (slug, other.slug)


def test_every_article_that_mentions_a_swollen_calf_links_to_the_clot_page(imported):
    mentions = 0
    for article in Article.objects.exclude(slug="deep-vein-thrombosis"):
        text = _text(article)
        if SWOLLEN_CALF.search(text):
            mentions += 1
            assert CLOT_PAGE in text, article.slug
    assert mentions >= 5  # the check itself finds what it looks for


def test_the_swollen_calf_pattern_finds_what_it_should():
    for text in ["a swollen, warm calf", "your calf is swollen", "swelling in your calf",
                 "calf swelling", "a swollen and painful calf", "swollen calves",
                 "your calves are swollen", "the calf swells", "my calf swelled up"]:  # fmt: skip
        assert SWOLLEN_CALF.search(text), text
    for text in ["a swollen knee. Your calf is fine.", "a swollen knee, but your calf is fine",
                 "calf muscles"]:  # fmt: skip
        assert not SWOLLEN_CALF.search(text), text


def _text(article):
    return "\n".join(
        [article.summary, article.body, article.see_a_doctor, article.urgent_help,
         article.emergency]
    )  # fmt: skip


def test_a_swollen_warm_calf_alone_is_urgent_on_every_page_that_names_it(imported):
    """A clot must be checked the same day: wherever a page speaks of a swollen calf, its
    'get urgent help' list says so on its own, not only in 'see a doctor' and not only when
    breathlessness comes with it."""
    checked = 0
    for article in Article.objects.all():
        if SWOLLEN_CALF.search(_text(article)):
            checked += 1
            urgent = [
                line for line in article.urgent_help.splitlines() if SWOLLEN_CALF.search(line)
            ]
            assert urgent, article.slug
    assert checked >= 10


def test_breathlessness_or_chest_pain_is_an_emergency_on_its_own(imported):
    """Never only 'a swollen calf and breathlessness': each sign alone is an emergency."""
    lines = 0
    for article in Article.objects.all():
        for line in article.emergency.splitlines():
            lowered = line.lower()
            if "breath" in lowered or "chest pain" in lowered:
                lines += 1
                assert not SWOLLEN_CALF.search(line), (article.slug, line)
    assert lines >= 10
    emergency = " ".join(Article.objects.values_list("emergency", flat=True)).lower()
    assert "coughing up blood" in emergency or "cough up blood" in emergency
    assert "cold" in emergency and "pale" in emergency  # a blocked artery
    assert "slurred" in emergency or "speech" in emergency  # a stroke
    for slug in ["deep-vein-thrombosis", "pain-behind-the-knee-what-it-could-be"]:
        article = Article.objects.get(slug=slug)
        assert "chest pain" in article.emergency.lower(), slug
        assert SWOLLEN_CALF.search(article.urgent_help), slug


SELF_CARE = re.compile(
    r"\b(?:ice pack|ice wrapped|hold ice|put ice|an ice\b|raise your leg|raise the leg|"
    r"raising your leg|rest your (?:knee|leg)|compression bandage|support bandage)",
    re.IGNORECASE,
)


def test_self_care_never_comes_before_the_clot_check(imported):
    """Wherever an article tells you to ice, rest or raise the leg, the check that rules out a
    clot (a swollen calf, with the clot page's link) comes first."""
    checked = 0
    for article in Article.objects.all():
        care = SELF_CARE.search(article.body)
        if not care:
            continue
        checked += 1
        calf = SWOLLEN_CALF.search(article.body)
        assert calf and calf.start() < care.start(), (article.slug, care.group(0))
        assert CLOT_PAGE in article.body[: care.start()], article.slug
    assert checked >= 5


def test_emergency_numbers_are_the_same_everywhere(imported):
    for article in Article.objects.all():
        text = " ".join([article.body, article.emergency, article.urgent_help])
        for found in re.finditer(r"\b(999|911|112)\b", text):
            window = text[max(found.start() - 40, 0) : found.end() + 40]
            assert all(number in window for number in ["999", "911", "112"]), (
                article.slug,
                window,
            )


def test_the_home_page_starts_with_the_symptom_guide(imported, client):
    html = client.get("/").content.decode()
    assert 'href="/articles/pain-behind-the-knee-what-it-could-be/">Start here' in html
    assert CLOT_PAGE in html


def _six_word_runs(text):
    words = re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))
    return {" ".join(words[i : i + 6]) for i in range(len(words) - 5)}


SHIPPED_SUFFIXES = {".md", ".html", ".py", ".txt", ".css", ".js", ".toml", ".svg", ".xml"}


def test_no_shipped_file_repeats_six_words_of_the_seed_article():
    if not SEED.exists():
        pytest.skip(f"the seed article is not beside the project ({SEED})")
    seed = _six_word_runs(SEED.read_text())
    skip = {".git", ".venv", "node_modules", "staticfiles", "__pycache__", ".pytest_cache"}
    checked = 0
    for path in PROJECT.rglob("*"):
        if skip & set(path.relative_to(PROJECT).parts) or not path.is_file():
            continue
        if path.suffix not in SHIPPED_SUFFIXES and path.name not in {"Makefile", "run"}:
            continue
        checked += 1
        shared = _six_word_runs(path.read_text(errors="replace")) & seed
        assert not shared, (str(path.relative_to(PROJECT)), sorted(shared)[:5])
    assert checked > 50


def test_the_seed_check_folds_case_and_punctuation():
    if not SEED.exists():
        pytest.skip(f"the seed article is not beside the project ({SEED})")
    words = re.findall(r"[A-Za-z]+", SEED.read_text())[40:46]
    disguised = " ".join(f"{w.upper()}," if n % 2 else f"“{w}”" for n, w in enumerate(words))
    assert _six_word_runs(disguised) & _six_word_runs(SEED.read_text())
    assert not _six_word_runs(" ".join(words[:5])) & _six_word_runs(SEED.read_text())
