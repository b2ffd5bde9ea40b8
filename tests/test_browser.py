"""Readers in a real browser: Chromium through Playwright, against the live test server.

What a reader does with the mouse, with the keyboard alone, with JavaScript off and on a
360 px phone; the search box's combobox; and axe-core's WCAG 2.2 AA rules on every page type
in the light and dark colour schemes and at phone width.

Our shipped content is loaded once for the whole module and the live server is started once,
so the module runs in a few seconds of browser time rather than a database flush per test.
"""

import contextlib
import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = next(
    (
        path
        for path in ("/usr/bin/chromium", shutil.which("chromium"))
        if path and Path(path).exists()
    ),
    None,
)
CONTENT = Path(__file__).resolve().parent.parent / "articles" / "content"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium: apt-get install chromium"),
    # Each test runs in a transaction that is rolled back (what the server writes, such as the
    # search log, goes with it); the content itself is committed once for the module below.
    pytest.mark.django_db,
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PHONE = {"width": 320, "height": 740}  # WCAG 1.4.10 reflow: 320 CSS pixels, as at 400 % zoom
DESKTOP = {"width": 1280, "height": 900}

ARTICLE = "/articles/sciatica-and-trapped-nerves/"
PAGES = {
    "home": "/",
    "category": "/topics/nerves/",
    "article": ARTICLE,
    "feedback form": ARTICLE + "feedback/",
    "tags A-Z": "/tags/",
    "tag": "/tags/tingling/",
    "search": "/search/?q=pins+and+needles",
    "search, no results": "/search/?q=zzqxv",
    "search, one long word": "/search/?q=" + "a" * 200,
    "404": "/articles/no-such-page/",
}

# Every element that can take focus or a click; hidden ones are filtered out in the page.
INTERACTIVE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]"


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django would refuse queries.
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if old is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="module")
def site(playwright, django_db_setup, django_db_blocker):
    """pytest-django's live server with our shipped articles, for the whole module.

    The `live_server` fixture brings `transactional_db`, which empties the database after
    every test, so the content would have to be imported again for each one. Instead the
    content is committed once with the database unblocked for the module (as the relevance
    tests do), and the LiveServer that fixture uses is started here.

    It starts after Playwright on purpose: Playwright's greenlets give this thread a new
    context, and with it a new database connection. Started now, the server shares the very
    connection the tests use (Django does so for in-memory SQLite), so what the server writes,
    such as the search log, is rolled back with each test instead of waiting on its lock.
    """
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        call_command("import_content", str(CONTENT), stdout=StringIO())
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            from articles.models import Article, Category, SearchQueryLog, Tag

            Article.objects.all().delete()
            Tag.objects.all().delete()
            Category.objects.all().delete()
            SearchQueryLog.objects.all().delete()  # PostgreSQL: the server committed these


@pytest.fixture(scope="module")
def browser(playwright, site):
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


class Reader:
    """A browser tab on the live site that fails the test on any console error (a Content
    Security Policy refusal shows up there) or uncaught script error."""

    def __init__(self, browser, base_url, **context_options):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url, **context_options)
        self.context.set_default_timeout(5000)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )

    def goto(self, path, status=200):
        response = self.page.goto(path)
        assert response.status == status, f"{path}: {response.status}"
        return self.page

    def path(self):
        return self.page.url.removeprefix(self.base_url)

    def h1(self):
        return self.page.locator("h1").inner_text()

    def close(self):
        self.context.close()


@pytest.fixture
def reader_factory(browser, site):
    readers = []

    def make(**context_options):
        reader = Reader(browser, site, **{"viewport": DESKTOP, **context_options})
        readers.append(reader)
        return reader

    yield make
    for reader in readers:
        # 404s log "Failed to load resource" on purpose; anything else is a fault.
        errors = [e for e in reader.errors if "404" not in e]
        reader.close()
        assert not errors, errors


@pytest.fixture
def reader(reader_factory):
    return reader_factory()


def status_of(path):
    return 404 if path == PAGES["404"] else 200


# --- Helpers run in the page ------------------------------------------------------------------

FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
    href: el.getAttribute("href"),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    visible: box.width > 0 && box.height > 0,
    key: el.tagName + "|" + (el.id || "") + "|" + (el.getAttribute("href") || "") + "|" +
         [...document.querySelectorAll("*")].indexOf(el),
  };
}"""

# The layout viewport's width, not window.innerWidth: on a phone, a page too wide for the
# screen widens innerWidth to fit, and would then always seem to fit.
OVERFLOW = """() => ({
  scrollWidth: document.scrollingElement.scrollWidth,
  width: document.documentElement.clientWidth,
  wide: [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter((el) => !el.closest(".visually-hidden, .skip-link"))
    .slice(0, 5)
    .map((el) => el.outerHTML.slice(0, 120)),
})"""

SMALL_TARGETS = """(selector) => {
  // WCAG 2.5.8: targets at least 24 by 24 CSS pixels, except links inside running text.
  const inRunningText = (el) => {
    if (getComputedStyle(el).display !== "inline") return false;
    const block = el.parentElement.closest("p, li, dd, td, th, figcaption, blockquote");
    if (!block) return false;
    const own = el.textContent.trim().length;
    return block.textContent.trim().length > own + 1;
  };
  return [...document.querySelectorAll(selector)]
    .filter((el) => !el.closest(".visually-hidden, .skip-link, [hidden]"))
    .filter((el) => el.getClientRects().length > 0)
    .filter((el) => !inRunningText(el))
    .map((el) => ({ el, box: el.getBoundingClientRect() }))
    .filter(({ box }) => box.width < 24 || box.height < 24)
    .map(({ el, box }) =>
      `${el.outerHTML.slice(0, 100)} is ${box.width.toFixed(1)}x${box.height.toFixed(1)}`);
}"""


def focus_state(page):
    return page.evaluate(FOCUS_STATE)


def tab_to(page, selector, limit=150):
    """Press Tab until the focused element matches `selector`; every stop must show focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focus_state(page)
        if state is None:
            continue
        assert state["outline"] or state["shadow"], f"no visible focus on {state}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return state
    raise AssertionError(f"Tab never reached {selector}")


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


# --- A reader with the mouse ------------------------------------------------------------------


def test_mouse_home_category_article_tag_search_article(reader):
    page = reader.goto("/")
    assert reader.h1() == "Weakness behind the knee"

    page.locator("#causes").get_by_role("link", name="Nerves", exact=True).click()
    assert reader.path() == "/topics/nerves/"
    assert reader.h1() == "Nerves"

    page.locator("main .card-list").get_by_role("link", name="Sciatica and trapped nerves").click()
    assert reader.path() == ARTICLE
    assert reader.h1() == "Sciatica and trapped nerves"

    page.locator(".article__tags").get_by_role("link", name="Tingling").click()
    assert reader.path() == "/tags/tingling/"
    assert reader.h1() == "Tingling"

    page.get_by_role("combobox", name="Search kneeinfo").fill("knee gives way")
    page.locator(".site-header").get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=knee+gives+way")
    assert reader.h1() == "Search results"
    first = page.locator(".result__title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url("**/articles/**")
    assert reader.h1() == title


# --- A reader with the keyboard alone ---------------------------------------------------------


def test_keyboard_alone_home_category_article_tag_search_article(reader):
    page = reader.goto("/")

    # The skip link is the first stop and takes focus to the main content.
    page.keyboard.press("Tab")
    state = focus_state(page)
    assert state["text"] == "Skip to main content" and state["visible"], state
    assert state["outline"] or state["shadow"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    tab_to(page, '#causes a[href="/topics/nerves/"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/topics/nerves/")

    tab_to(page, f'main .card a[href="{ARTICLE}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{ARTICLE}")
    assert reader.h1() == "Sciatica and trapped nerves"

    tab_to(page, '.article__tags a[href="/tags/tingling/"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/tags/tingling/")

    # Back to the top of the page, into the header's search box.
    page.keyboard.press("Control+Home")
    page.evaluate("document.activeElement.blur()")
    tab_to(page, "#header-q")
    page.keyboard.type("pins and needles")
    page.keyboard.press("Enter")  # no suggestion chosen: Enter submits the form
    page.wait_for_url("**/search/?q=pins+and+needles")
    assert reader.h1() == "Search results"

    tab_to(page, ".result__title a")
    target = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")
    assert reader.path() == target


@pytest.mark.parametrize("name", ["home", "article", "search"])
def test_no_keyboard_trap_and_focus_always_visible(reader, name):
    """Tab visits every focusable element once and comes back round; Shift+Tab goes back."""
    page = reader.goto(PAGES[name])
    focusable = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter((el) =>
             el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0
             && getComputedStyle(el).visibility !== "hidden").length""",
        INTERACTIVE,
    )
    seen = []
    for _ in range(focusable + 3):
        page.keyboard.press("Tab")
        state = focus_state(page)
        if state is None:  # past the last element: focus has left the page, no trap
            break
        assert state["outline"] or state["shadow"], f"no visible focus on {state}"
        assert not seen or seen[-1] != state["key"], f"focus stuck on {state}"
        seen.append(state["key"])
    assert len(seen) == len(set(seen)) == focusable, (len(seen), focusable)

    page.keyboard.press("Shift+Tab")
    assert focus_state(page)["key"] == seen[-1]
    page.keyboard.press("Shift+Tab")
    assert focus_state(page)["key"] == seen[-2]


# --- JavaScript off ---------------------------------------------------------------------------


def test_without_javascript_search_works_and_pages_read_fine(reader_factory):
    reader = reader_factory(java_script_enabled=False)
    page = reader.goto("/")
    page.locator("#home-q").fill("swollen knee")
    page.locator("#home-q").press("Enter")
    page.wait_for_url("**/search/?q=swollen+knee")
    assert reader.h1() == "Search results"
    assert page.locator(".result").count() >= 1
    assert page.locator("input[type=search][role=combobox]").count() == 0  # not enhanced

    page.locator("#filter-category").select_option("joints")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**category=joints**")
    assert page.locator(".result").count() >= 1

    page = reader.goto(ARTICLE)
    for selector in ["h1", ".lead", ".toc", ".prose", ".help--emergency", ".sources"]:
        assert page.locator(selector).first.is_visible(), selector
    assert "cauda equina" in page.locator(".help-panel").inner_text()


# --- A 360 px phone ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_phone_no_sideways_scroll_and_targets_big_enough(reader_factory, name):
    reader = reader_factory(viewport=PHONE, is_mobile=True, has_touch=True)
    page = reader.goto(PAGES[name], status=status_of(PAGES[name]))
    overflow = page.evaluate(OVERFLOW)
    assert overflow["scrollWidth"] <= overflow["width"], overflow
    small = page.evaluate(SMALL_TARGETS, INTERACTIVE)
    assert not small, "\n".join(small)


# Where a list item's bullet or number is drawn: on the baseline of its first line. A probe
# put at the start of each list item with a long link (one that wraps) shows that line.
MARKER_LINES = """(selector) => [...document.querySelectorAll(selector)].filter((a) => {
    const li = a.closest("li");
    return li && a.getClientRects()[0] && a.getBoundingClientRect().height > 40;
}).map((a) => {
    const li = a.closest("li"), probe = document.createElement("span");
    probe.textContent = "\u2060";
    li.insertBefore(probe, li.firstChild);
    // The probe stays on the link's line (no wrap between them; the link's text still wraps).
    li.style.whiteSpace = "nowrap";
    a.style.whiteSpace = "normal";
    const gap = probe.getBoundingClientRect().bottom - a.getClientRects()[0].top;
    li.style.whiteSpace = a.style.whiteSpace = "";
    probe.remove();
    return {text: a.textContent.trim().slice(0, 40), gap: Math.round(gap)};
})"""


@pytest.mark.parametrize("path", ["/", "/articles/deep-vein-thrombosis/", "/search/?q=knee"])
def test_bullets_and_numbers_sit_on_the_first_line_of_a_wrapped_link(reader_factory, path):
    reader = reader_factory(viewport=PHONE, is_mobile=True, has_touch=True)
    page = reader.goto(path)
    selector = ".link-list a, .toc a, .sources li > a, .result__title a"
    lines = page.evaluate(MARKER_LINES, selector)
    assert lines, "no wrapped link to check"
    # The probe's foot (the marker's line) at the link's first line, not one or more below.
    assert all(line["gap"] < 36 for line in lines), lines  # a line is about 26 px


# --- The search combobox ----------------------------------------------------------------------


def test_search_combobox_suggests_and_can_be_driven_by_keyboard(reader, axe):
    page = reader.goto("/")
    box = page.get_by_role("combobox", name="Search by symptom, in your own words")
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("sciat")
    listbox = page.get_by_role("listbox", name="Suggestions")
    listbox.wait_for(state="visible")
    options = listbox.get_by_role("option")
    assert options.count() >= 1
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")

    box.press("ArrowDown")
    first_id = options.nth(0).get_attribute("id")
    assert box.get_attribute("aria-activedescendant") == first_id
    assert options.nth(0).get_attribute("aria-selected") == "true"
    if options.count() > 1:
        box.press("ArrowDown")
        assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
        box.press("ArrowUp")
        assert box.get_attribute("aria-activedescendant") == first_id

    violations = run_axe(page, axe)  # the open listbox is accessible too
    assert not violations, describe(violations)

    box.press("Escape")
    assert listbox.is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert box.input_value() == "sciat"  # the first Escape closes, it does not clear

    box.press("ArrowDown")  # reopens on the same suggestions
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-activedescendant") == first_id
    label = options.nth(0).inner_text()
    box.press("Enter")
    page.wait_for_url(lambda url: "/search/" not in url and url.rstrip("/") != reader.base_url)
    assert label.split("\n")[0].replace(" article", "").replace(" symptom", "").strip().lower() in (
        reader.h1().lower()
    )


def test_suggestions_never_come_back_late_or_stale(reader):
    """Closing (Escape, leaving the box, a shorter query) drops the answer on its way, and a
    failed answer leaves no old suggestions to choose."""
    from playwright.sync_api import Error as PlaywrightError

    page = reader.goto("/")
    box = page.get_by_role("combobox", name="Search by symptom, in your own words")
    listbox = page.get_by_role("listbox", name="Suggestions")
    held = []
    page.route("**/search/suggest/**", lambda route: held.append(route))  # answered later

    def release_and_settle():
        for route in held:
            with contextlib.suppress(PlaywrightError):  # the page gave up on it: as it should
                route.continue_()
        held.clear()
        page.wait_for_timeout(400)
        assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"

    for leave in ("Escape", "Tab", "Backspace"):
        box.fill("")
        box.focus()
        box.press_sequentially("pin")
        page.wait_for_timeout(300)  # past the typing delay: the question is on its way
        assert held, "no suggestion request was made"
        if leave == "Backspace":
            box.press("Backspace")
            box.press("Backspace")  # "p": too short to suggest anything
        else:
            box.press(leave)
        release_and_settle()

    page.unroute("**/search/suggest/**")
    box.fill("")
    box.focus()
    box.press_sequentially("pin")
    listbox.wait_for(state="visible")
    page.route("**/search/suggest/**", lambda route: route.fulfill(status=500, body="oops"))
    box.press_sequentially("s")
    page.wait_for_timeout(400)
    assert listbox.is_hidden()
    box.press("ArrowDown")  # nothing old to reopen
    assert listbox.is_hidden() and box.get_attribute("aria-activedescendant") is None
    page.route("**/search/suggest/**", lambda route: route.fulfill(status=200, body="{}"))
    box.press_sequentially("a")
    page.wait_for_timeout(400)
    box.press("ArrowDown")  # an answer without items is no items, not a script error
    assert listbox.is_hidden()
    reader.errors[:] = [e for e in reader.errors if "500" not in e]  # the failure we made


def test_suggestions_for_old_text_are_never_offered_for_new_text(reader):
    page = reader.goto("/")
    box = page.get_by_role("combobox", name="Search by symptom, in your own words")
    listbox = page.get_by_role("listbox", name="Suggestions")
    box.press_sequentially("pin")
    listbox.wait_for(state="visible")
    box.press("Control+a")
    box.press_sequentially("knee")
    box.press("Escape")  # within the typing delay: no answer for "knee" is asked for
    box.press("ArrowDown")
    assert listbox.is_hidden() or "pins and needles" not in listbox.inner_text()


@pytest.mark.parametrize("colour", ["light", "dark"])
def test_the_chosen_suggestion_can_be_seen(reader_factory, colour):
    """WCAG 1.4.11: the active option's outline has 3:1 contrast with the list behind it."""
    page = reader_factory(color_scheme=colour).goto("/")
    box = page.get_by_role("combobox", name="Search by symptom, in your own words")
    box.press_sequentially("sciat")
    page.get_by_role("listbox", name="Suggestions").wait_for(state="visible")
    box.press("ArrowDown")
    outline, behind = page.evaluate(
        """() => {
          const option = document.querySelector(".suggestions [aria-selected=true]");
          return [getComputedStyle(option).outlineColor,
                  getComputedStyle(option.parentElement).backgroundColor];
        }"""
    )
    brighter, darker = sorted([luminance(outline), luminance(behind)], reverse=True)
    assert (brighter + 0.05) / (darker + 0.05) >= 3, (outline, behind)


# --- Pleasant: the help panel, print, the colour scheme, motion ---------------------------------

HELP_PANEL = """() => [...document.querySelectorAll(".help-panel .help")].map((tier) => {
  const heading = tier.querySelector("h3");
  const icon = heading.querySelector(".icon");
  return {
    kind: tier.className,
    heading: heading.textContent.trim(),
    headingColour: getComputedStyle(heading).color,
    border: getComputedStyle(tier).borderLeftColor,
    borderWidth: parseFloat(getComputedStyle(tier).borderLeftWidth),
    icon: icon && icon.textContent.trim(),
    iconHidden: icon && icon.getAttribute("aria-hidden"),
    iconVisible: !!icon && icon.getBoundingClientRect().width > 0,
  };
})"""


def rgb(colour):
    return [int(part) for part in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]]


def luminance(colour):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("colour", ["light", "dark"])
def test_emergency_help_is_red_with_an_icon_and_words_not_colour_alone(reader_factory, colour):
    page = reader_factory(color_scheme=colour).goto(ARTICLE)
    tiers = page.evaluate(HELP_PANEL)
    assert [t["kind"].split("--")[-1] for t in tiers] == ["emergency", "urgent", "routine"]
    emergency = tiers[0]
    assert emergency["heading"].startswith("! Emergency: call 999")  # words say it
    assert emergency["icon"] == "!" and emergency["iconHidden"] == "true"
    assert emergency["iconVisible"]
    for part in ("border", "headingColour"):
        red, green, blue = rgb(emergency[part])
        assert red > 150 and red > green + 60 and red > blue + 60, (part, emergency[part])
    assert emergency["borderWidth"] >= 6
    # Each tier has its own words and icon, so no reader needs to tell the colours apart.
    assert len({t["heading"].split(":")[0] for t in tiers}) == 3
    assert len({t["icon"] for t in tiers}) == 3


def test_print_shows_the_article_its_sources_and_the_address(reader):
    page = reader.goto(ARTICLE)
    page.emulate_media(media="print")
    for selector in [".site-header", ".breadcrumbs", ".toc", ".related", ".feedback"]:
        assert page.locator(selector).first.is_hidden(), selector
    for selector in ["h1", ".prose", ".help-panel", ".sources", ".article__review"]:
        assert page.locator(selector).first.is_visible(), selector
    address = page.locator(".print-only")
    assert address.is_visible()
    assert address.inner_text().endswith(f"{reader.base_url}{ARTICLE}")
    source = page.locator(".sources a[href^='http']").first
    after = source.evaluate("(a) => getComputedStyle(a, '::after').content")
    assert source.get_attribute("href") in after
    page.emulate_media(media="screen")
    assert address.is_hidden()


def test_dark_scheme_follows_the_system(reader_factory):
    colours = {}
    for scheme in ("light", "dark"):
        page = reader_factory(color_scheme=scheme).goto("/")
        colours[scheme] = page.evaluate(
            """() => [getComputedStyle(document.body).backgroundColor,
                      getComputedStyle(document.body).color]"""
        )
    light_bg, light_text = (luminance(c) for c in colours["light"])
    dark_bg, dark_text = (luminance(c) for c in colours["dark"])
    assert light_bg > 0.9 and light_text < 0.05
    assert dark_bg < 0.02 and dark_text > 0.8


def test_less_motion_when_the_reader_asks_for_it(reader_factory):
    scroll = "getComputedStyle(document.documentElement).scrollBehavior"
    assert reader_factory(reduced_motion="no-preference").goto("/").evaluate(scroll) == "smooth"
    assert reader_factory(reduced_motion="reduce").goto("/").evaluate(scroll) == "auto"


# --- axe-core: WCAG 2.2 AA on every page type -------------------------------------------------

# Light and dark desktop, then a light 360 px phone; the page is loaded once for all three.
SCHEMES = [
    ("light", "light", DESKTOP),
    ("dark", "dark", DESKTOP),
    ("phone", "light", PHONE),
]


def run_axe(page, axe, tags=AXE_TAGS):
    """axe-core on the page as it is now; axe is injected once per page load."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe.axe_script)
    options = {"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]}
    return page.evaluate("(options) => axe.run(document, options)", options)["violations"]


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_wcag_violations(reader, axe, name):
    path = PAGES[name]
    page = reader.goto(path, status=status_of(path))
    report = []
    for scheme, colour, viewport in SCHEMES:
        page.emulate_media(color_scheme=colour)
        page.set_viewport_size(viewport)
        violations = run_axe(page, axe)
        if violations:
            report.append(f"--- {name} ({path}), {scheme}:\n{describe(violations)}")
    assert not report, "\n".join(report)


# --- The editor -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def editor_session(site, django_db_blocker):
    """A signed-in editor's session, committed before any test's own transaction (as the
    content is) so that the live server sees it on any database; removed after the module."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from .factories import make_user

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # db, or cache with Redis

    with django_db_blocker.unblock():
        user = make_user(superuser=True, username="browser-editor")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
    yield session.session_key
    with django_db_blocker.unblock():
        session.delete()
        user.delete()


@pytest.mark.parametrize(("width", "beside"), [(1280, True), (800, False)])
def test_the_live_preview_is_labelled_beside_the_text_on_wide_screens(
    reader_factory, site, editor_session, width, beside
):
    from articles.models import Article

    reader = reader_factory(viewport={"width": width, "height": 900})
    reader.context.add_cookies([{"name": "sessionid", "value": editor_session, "url": site}])
    article = Article.objects.get(slug="sciatica-and-trapped-nerves")
    page = reader.goto(f"/admin/articles/article/{article.pk}/change/")
    text = page.locator("#id_body").bounding_box()
    preview = page.locator("#id_body-preview-label ~ .markdownx-preview")
    box = preview.bounding_box()
    label = page.locator("#id_body-preview-label")
    assert label.inner_text() == "Preview, as readers will see it"
    assert preview.get_attribute("aria-labelledby") == "id_body-preview-label"
    if beside:
        assert box["x"] >= text["x"] + text["width"] - 2  # to the right of the text
        assert abs(box["y"] - text["y"]) < 80  # and level with its top
    else:
        assert box["y"] >= text["y"] + text["height"]  # below the text
    page.locator("#id_body").fill("## Checked\n\nThe **preview** follows the text.")
    page.wait_for_function(
        "() => document.querySelector('#id_body-preview-label ~ .markdownx-preview')"
        ".innerHTML.includes('<strong>preview</strong>')"
    )
