from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.test import Client
from django.utils import timezone

from articles import checks
from articles.models import JargonTerm

from .factories import make_article, make_category, make_tag, make_user

pytestmark = pytest.mark.django_db

PLAIN = (
    "Your knee may feel weak after a fall. Rest it for a day or two. Then start to move it "
    "again. Walk a little each day. Most people feel better in a few weeks."
)
HARD = (
    "Idiopathic musculoskeletal deterioration frequently necessitates comprehensive "
    "multidisciplinary rehabilitation incorporating progressive neuromuscular conditioning, "
    "proprioceptive retraining and individualised biomechanical optimisation strategies."
)


def problems(article, check=None):
    found = checks.check_article(article).problems
    return [problem for problem in found if check is None or problem.check == check]


def messages(article, check):
    return [problem.message for problem in problems(article, check)]


def draft(**overrides):
    return make_article(status="draft", published_at=None, **overrides)


# --- reading level ------------------------------------------------------------------------


def test_readability_of_known_texts():
    cat = checks.readability(["The cat sat on the mat."])
    assert (cat.words, cat.sentences, cat.syllables) == (6, 1, 6)
    assert cat.reading_ease == pytest.approx(116.1, abs=0.1)
    assert cat.grade == pytest.approx(-1.45, abs=0.01)
    # Wikipedia's Flesch-Kincaid example: 13 words, 24 syllables, grade 11.3.
    platypus = checks.readability(
        ["The Australian platypus is seemingly a hybrid of a mammal and reptilian creature."]
    )
    assert (platypus.words, platypus.syllables) == (13, 24)
    assert platypus.grade == pytest.approx(11.3, abs=0.05)
    assert checks.readability([]) is None


def test_syllables_count_what_hyphenation_misses():
    counted = {word: checks.syllables(word) for word in ["knee", "body", "medicines", "sciatica"]}
    assert counted == {"knee": 1, "body": 2, "medicines": 3, "sciatica": 4}
    assert checks.syllables("X-ray") == 2


def test_each_list_item_and_paragraph_ends_a_sentence():
    level = checks.check_article(
        make_article(body="## Signs\n\n- a swollen knee\n- a weak leg\n\nSee a GP. Or a physio!")
    ).readability
    # summary (1) + 2 list items + 2 sentences + the help list item (1); headings left out
    assert level.sentences == 6


def test_hard_text_gets_a_reading_level_warning_and_plain_text_does_not():
    [warning] = messages(make_article(body=f"## Recovery\n\n{HARD} {HARD}"), "reading-level")
    assert warning.startswith("Hard to read: grade ")
    assert "aim for grade 8 or below" in warning
    assert messages(make_article(body=f"## Recovery\n\n{PLAIN}"), "reading-level") == []


def test_the_reading_level_limit_is_grade_8():
    # Long sentences of short words: grade 8.4 with an easy reading ease of 85.
    walk = (
        "If your knee hurts after a long walk, rest it for a day or two and then start again "
        "with shorter walks on flat ground near your home. "
    )
    article = make_article(
        summary=walk.strip(), body=f"## Walking\n\n{walk * 5}", see_a_doctor="", sources=""
    )
    level = checks.check_article(article).readability
    assert 8 < level.grade < 9 and level.reading_ease > 60
    [warning] = messages(article, "reading-level")
    assert "aim for grade 8 or below" in warning


def test_too_little_text_has_no_reading_level_warning():
    article = make_article(summary="Knee.", body="Rehabilitation.", see_a_doctor="")
    assert messages(article, "reading-level") == []
    assert checks.check_article(article).readability is None


# --- long sentences -----------------------------------------------------------------------


def test_sentences_over_25_words_are_quoted():
    long = " ".join(["word"] * 26) + "."
    just_right = " ".join(["word"] * 25) + "."
    article = make_article(body=f"## Heading\n\n{just_right} Start of a long one {long}")
    [warning] = messages(article, "long-sentence")
    assert warning == (
        "Long sentence (31 words) in body: “Start of a long one word word word …”. "
        "Try splitting it."
    )
    assert messages(make_article(body=just_right), "long-sentence") == []


def test_abbreviations_do_not_end_sentences():
    assert list(checks.sentences("Try cold packs, e.g. frozen peas. Then rest.")) == [
        "Try cold packs, e.g. frozen peas.",
        "Then rest.",
    ]


def test_long_sentences_in_the_help_panel_are_found_too():
    long = " ".join(["sign"] * 30)
    article = make_article(see_a_doctor=f"- {long}")
    [warning] = messages(article, "long-sentence")
    assert "(30 words) in see a doctor:" in warning


# --- jargon -------------------------------------------------------------------------------


def test_seeded_jargon_is_found_as_whole_words_in_any_case():
    article = make_article(
        body="## Where\n\nPain in the Popliteal\nfossa. Take an NSAID, or two NSAIDs.\n\n"
        "Bilateral weakness.",
        see_a_doctor="- the knee is BILATERAL",
    )
    found = messages(article, "jargon")
    assert "Jargon: “popliteal fossa” (once, in body); try “the hollow behind the knee”." in found
    assert any(message.startswith("Jargon: “NSAID” (2 times, in body)") for message in found)
    assert any(
        message.startswith("Jargon: “bilateral” (2 times, in body, see a doctor)")
        for message in found
    )


def test_jargon_inside_other_words_code_or_sources_is_not_reported():
    article = make_article(
        title="Knee pain",
        body="## Moving\n\nMove anteriorly. Non-acuteness.\n\n    popliteal fossa (code)\n",
        sources="- [Popliteal fossa](https://example.org/)",
    )
    assert messages(article, "jargon") == []


def test_a_jargon_note_is_shown():
    [message] = messages(make_article(body="An acute injury."), "jargon")
    assert "often take it to mean 'severe'" in message


# --- headings, images ---------------------------------------------------------------------


def test_headings_out_of_order():
    article = make_article(body="# Big title\n\n## What it is\n\n#### Too deep\n\n## Next\n")
    assert messages(article, "heading-order") == [
        "Top-level heading “Big title” in the body: the title is the page's only top-level "
        "heading. Start it with ## instead of #.",
        "Heading “Too deep” skips a level after “What it is”: start it with ###, not ####.",
    ]
    [first] = messages(make_article(body="### Starts too deep\n\nText."), "heading-order")
    assert first.startswith("Heading “Starts too deep” skips a level before any ## heading")


def test_headings_in_order_pass():
    article = make_article(body="## One\n\n### One a\n\n#### Detail\n\n## Two\n\n### Two a\n")
    assert messages(article, "heading-order") == []


def test_images_without_alt_text():
    article = make_article(
        body="## Pictures\n\n![](/media/a.png)\n\n![Describe the image here](/media/b.png)\n\n"
        '<img src="/media/c.png">\n\n![The back of a knee](/media/d.png)'
    )
    found = messages(article, "image-alt")
    assert len(found) == 3
    assert found[0].startswith("Image /media/a.png in body has no alt text: describe what it")
    assert "/media/b.png in body still has the placeholder alt text" in found[1]
    assert "/media/c.png" in found[2]
    assert not any("/media/d.png" in message for message in found)


# --- internal links -----------------------------------------------------------------------


def test_links_to_missing_draft_and_scheduled_articles_block_publishing():
    make_article(slug="ready")
    draft(slug="not-yet", title="Not yet")
    make_article(slug="later", title="Later", published_at=timezone.now() + timedelta(days=3))
    article = make_article(
        body="## Read more\n\n[a](/articles/ready/) [b](/articles/gone/) "
        "[c](/articles/not-yet/) [d](/articles/later/)",
        see_a_doctor="- [nowhere](/no-such-page/)",
    )
    found = problems(article, "broken-link")
    assert all(problem.blocking and problem.level == "error" for problem in found)
    assert [problem.message for problem in found] == [
        "Broken link in body: /articles/gone/ — there is no article “gone”, so readers "
        "would get “page not found”.",
        "Broken link in body: /articles/not-yet/ — “Not yet” is a draft, so readers would get "
        "“page not found”.",
        found[2].message,
        "Broken link in see a doctor: /no-such-page/ — no page on this site has that address, "
        "so readers would get “page not found”.",
    ]
    assert "“Later” is not published until" in found[2].message


def test_a_malformed_link_is_reported_not_an_error():
    article = make_article(body="## Read more\n\n[x](http://[oops)")
    found = problems(article, "broken-link")
    assert len(found) == 1 and "http://[oops" in found[0].message


def test_links_readers_can_follow_pass(settings):
    settings.SITE_URL = "https://kneeinfo.example"
    make_article(slug="ready")
    make_category(slug="nerves")
    make_tag(slug="tingling")
    article = make_article(
        slug="this-one",
        body="## Links\n\n[a](/articles/ready/) [no slash](/articles/ready) "
        "[topic](/topics/nerves/) [tag](/tags/tingling/) [search](/search/?q=knee) "
        "[home](/) [self](/articles/this-one/#causes) [anchor](#causes) "
        "[relative](../ready/) [absolute](https://kneeinfo.example/articles/ready/) "
        "[NHS](https://www.nhs.uk/conditions/knee-pain/) [mail](mailto:editors@example.org)",
    )
    assert problems(article, "broken-link") == []


def test_absolute_links_to_this_site_are_checked(settings):
    settings.SITE_URL = "https://kneeinfo.example"
    article = make_article(
        body="[x](https://kneeinfo.example/articles/gone/) [t](/topics/none/) [g](/tags/none/)"
    )
    found = messages(article, "broken-link")
    assert len(found) == 3
    assert "there is no article “gone”" in found[0]
    assert "there is no topic “none”" in found[1]
    assert "there is no tag “none”" in found[2]


def test_a_link_to_an_article_scheduled_before_this_one_goes_live_passes():
    soon = timezone.now() + timedelta(days=1)
    make_article(slug="soon", published_at=soon)
    article = make_article(body="[soon](/articles/soon/)", published_at=soon + timedelta(hours=1))
    assert problems(article, "broken-link") == []


# --- help panel ---------------------------------------------------------------------------


def test_a_cause_article_without_a_help_list_has_an_error():
    article = draft(see_a_doctor="", category=make_category(is_cause=True))
    [problem] = problems(article, "help-panel")
    assert problem.blocking
    assert problem.message.startswith("No 'when to get help' list")


def test_help_list_present_or_not_a_cause_passes():
    assert problems(make_article(), "help-panel") == []
    article = draft(see_a_doctor="", category=make_category(is_cause=False))
    assert problems(article, "help-panel") == []


def test_a_clean_article_has_no_problems():
    report = checks.check_article(make_article(body=f"## Recovery\n\n{PLAIN}"))
    assert report.problems == [] and report.errors == [] and report.warnings == []
    assert report.readability.grade < 9


# --- manage.py check_content --------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("check_content", *args, stdout=out)
    return out.getvalue().splitlines()


def test_check_content_prints_one_line_per_problem_and_a_summary():
    make_article(slug="fine", body=f"## Recovery\n\n{PLAIN}")
    draft(slug="rough", body="#### Deep\n\nAn acute problem. [x](/articles/gone/)")
    assert run() == [
        "rough: warning: Jargon: “acute” (once, in body); try “sudden, or recent”. Readers "
        "often take it to mean 'severe'. Say which you mean.",
        "rough: warning: Heading “Deep” skips a level before any ## heading: start it with ##, "
        "not ####.",
        "rough: error: Broken link in body: /articles/gone/ — there is no article “gone”, so "
        "readers would get “page not found”.",
        "2 articles checked: 1 error (0 in published articles), 2 warnings.",
    ]
    assert run("--slug", "fine") == [
        "1 article checked: 0 errors (0 in published articles), 0 warnings."
    ]
    assert run("--published-only") == [
        "1 article checked: 0 errors (0 in published articles), 0 warnings."
    ]


def test_check_content_fails_on_a_blocking_problem_in_a_published_article(capsys):
    make_article(slug="broken", body="## Links\n\n[x](/articles/gone/)")
    with pytest.raises(CommandError, match="1 problem"):
        run()
    # As from the shell: exit status 1, the reason on stderr, no traceback.
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "check_content"])
    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert "broken: error: Broken link in body: /articles/gone/" in out
    assert "1 article checked: 1 error (1 in published articles), 0 warnings." in out
    assert err.startswith("CommandError: 1 problem(s) that block publishing")
    assert "Traceback" not in err


def test_check_content_unknown_slug():
    with pytest.raises(CommandError, match="no article with the slug 'nope'"):
        run("--slug", "nope")


# --- the admin ----------------------------------------------------------------------------


@pytest.fixture
def editor_client():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(staff=True, superuser=True))
    return client


def csrf_post(client, url, data, **extra):
    page = client.get(url)
    assert page.status_code == 200
    data = {**data, "csrfmiddlewaretoken": page.context["csrf_token"]}
    form = page.context["adminform"].form
    if "edit_base" in form.fields:  # the values the editor started from, as a browser sends
        data.setdefault("edit_base", form["edit_base"].value() or "")
    return client.post(url, data, **extra)


def article_form(article, **overrides):
    data = {
        "title": article.title,
        "slug": article.slug,
        "category": article.category_id,
        "summary": article.summary,
        "body": article.body,
        "emergency": article.emergency,
        "urgent_help": article.urgent_help,
        "see_a_doctor": article.see_a_doctor,
        "sources": article.sources,
        "status": article.status,
        "published_at_0": "",
        "published_at_1": "",
        "reviewed_by": article.reviewed_by,
        "last_reviewed": article.last_reviewed.isoformat(),
        "next_review_due": article.next_review_due.isoformat(),
        "tags": [],
        "related": [],
    }
    data.update(overrides)
    return data


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def test_publishing_with_a_broken_internal_link_is_refused(editor_client):
    draft(slug="unfinished", title="Unfinished")
    article = draft(body="## More\n\nSee [this](/articles/unfinished/).")
    data = article_form(article, status="published")
    response = csrf_post(editor_client, change_url(article), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [
        "Broken link in body: /articles/unfinished/ — “Unfinished” is a draft, so readers "
        "would get “page not found”.",
        "Fix the links, or save the article as a draft.",
    ]
    assert "“Unfinished” is a draft" in response.content.decode()
    article.refresh_from_db()
    assert article.status == "draft"


def test_publishing_a_cause_article_without_a_help_list_is_refused(editor_client):
    article = draft(see_a_doctor="", category=make_category(is_cause=True))
    response = csrf_post(
        editor_client, change_url(article), article_form(article, status="published")
    )
    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    assert error.startswith("A cause article needs at least one 'when to get help' list")
    article.refresh_from_db()
    assert article.status == "draft"


def test_saving_a_draft_with_problems_works_and_lists_them(editor_client):
    category = make_category(is_cause=True)
    article = draft(category=category)
    body = "#### Deep\n\nAn acute problem. [x](/articles/gone/)\n\n![](/media/knee.png)"
    data = article_form(article, body=body, see_a_doctor="")
    response = csrf_post(editor_client, change_url(article), data, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/articles/article/"
    article.refresh_from_db()
    assert article.body == body and article.status == "draft"
    shown = [str(message) for message in response.context["messages"]]
    assert shown[0].startswith("The article")  # the admin's own "changed successfully"
    warnings = shown[1:]
    assert len(warnings) == 5
    assert all(warning.startswith(f"“{article.title}”: ") for warning in warnings)
    assert sum("Must be fixed before publishing: " in warning for warning in warnings) == 2
    text = response.content.decode()
    assert "Broken link in body: /articles/gone/" in text
    assert "has no alt text" in text


def test_the_change_form_lists_the_checks(editor_client):
    article = draft(body="## What\n\nAn acute problem. [x](/articles/gone/)")
    page = editor_client.get(change_url(article)).content.decode()
    assert 'aria-labelledby="content-checks-title"' in page
    assert "Must be fixed before publishing (1)" in page
    assert "Worth a look (1)" in page
    assert "Jargon: “acute”" in page
    assert "Reading level: too little text to measure yet." in page
    # Save and continue: the form lists them again, so no messages repeat them.
    data = article_form(article, _continue="1")
    response = csrf_post(editor_client, change_url(article), data, follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert len(shown) == 1 and "changed successfully" in shown[0]
    assert "Must be fixed before publishing (1)" in response.content.decode()


def test_a_clean_article_shows_no_problems(editor_client):
    article = make_article(body=f"## Recovery\n\n{PLAIN}")
    page = editor_client.get(change_url(article)).content.decode()
    assert "No problems found." in page
    assert "Reading level: grade " in page
    assert (
        "content-checks" not in editor_client.get("/admin/articles/article/add/").content.decode()
    )


def test_editor_text_in_the_checks_is_escaped(editor_client):
    article = draft(body="#### <b>bold</b> &lt;script&gt;alert(1)&lt;/script&gt;\n")
    page = editor_client.get(change_url(article)).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_publish_action_refuses_broken_links(editor_client):
    article = draft(body="[x](/articles/gone/)")
    page = editor_client.get("/admin/articles/article/")
    response = editor_client.post(
        "/admin/articles/article/",
        {
            "action": "publish",
            "_selected_action": [article.pk],
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
        follow=True,
    )
    assert "Not published" in response.content.decode()
    article.refresh_from_db()
    assert article.status == "draft"


def test_a_jargon_term_added_in_the_admin_counts_in_the_next_check(editor_client):
    assert JargonTerm.objects.filter(term="popliteal fossa").exists()  # seeded
    article = make_article(body="## Tests\n\nYou may have a Lachman test.")
    assert messages(article, "jargon") == []
    data = {"term": "Lachman test", "plain_alternative": "a test of the ACL", "note": ""}
    response = csrf_post(editor_client, "/admin/articles/jargonterm/add/", data)
    assert response.status_code == 302
    assert messages(article, "jargon") == [
        "Jargon: “Lachman test” (once, in body); try “a test of the ACL”."
    ]
    page = editor_client.get(change_url(article)).content.decode()
    assert "Jargon: “Lachman test”" in page


def test_a_jargon_term_cannot_be_added_twice_in_another_case(editor_client):
    data = {"term": "Popliteal Fossa", "plain_alternative": "back of the knee", "note": ""}
    response = csrf_post(editor_client, "/admin/articles/jargonterm/add/", data)
    assert response.status_code == 200
    assert "That term is already in the list." in response.content.decode()
    assert JargonTerm.objects.filter(term__iexact="popliteal fossa").count() == 1


def test_jargon_admin_pages(editor_client):
    assert editor_client.get("/admin/articles/jargonterm/").status_code == 200
    assert editor_client.get("/admin/articles/jargonterm/?q=swelling").status_code == 200


def test_check_content_published_only_includes_scheduled_articles():
    draft(slug="draft", body="[x](/articles/gone/)")
    make_article(
        slug="scheduled",
        body="[x](/articles/gone/)",
        published_at=timezone.now() + timedelta(days=1),
    )
    lines = run("--slug", "draft")  # a draft's blocking problem does not fail the command
    assert lines[-1] == "1 article checked: 1 error (0 in published articles), 0 warnings."
    with pytest.raises(CommandError):
        run("--published-only")


def test_our_shipped_articles_have_no_blocking_problems():
    call_command("import_content", "articles/content", stdout=StringIO())
    lines = run("--published-only")  # raises CommandError on a blocking problem
    checked = int(lines[-1].split()[0])
    assert checked >= 20
    # No problem at all: no blocking error, and no warning (reading level, jargon, long
    # sentences) in anything we ship.
    assert (
        lines[-1] == f"{checked} articles checked: 0 errors (0 in published articles), 0 warnings."
    )
