"""
Markdown to safe HTML: python-markdown renders, nh3 sanitises with an allow-list.

Everything an editor writes passes through `render()` before it reaches a page, so a slip or a
stolen editor account cannot put script on readers' pages. Articles call it once on save and
keep the result; the admin's live preview (django-markdownx) calls it too.
"""

import html
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
EXTERNAL_REL = "noopener noreferrer"


class _DemoteH1(Treeprocessor):
    """The page title is the only h1: an `# heading` in a body becomes an h2."""

    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class _MarkExternalLinks(Treeprocessor):
    """Links that leave the site get rel="noopener noreferrer"."""

    def run(self, root):
        for element in root.iter("a"):
            try:
                scheme = urlsplit(element.get("href", "")).scheme
            except ValueError:  # "http://[oops": not a link anyone can follow
                continue
            if scheme in {"http", "https"}:
                element.set("rel", EXTERNAL_REL)


class _SiteExtension(Extension):
    def extendMarkdown(self, md):
        # Before the table of contents (priority 5) so the toc sees the final levels.
        md.treeprocessors.register(_DemoteH1(md), "demote_h1", 30)
        md.treeprocessors.register(_MarkExternalLinks(md), "external_links", 4)


def _markdown():
    return markdown.Markdown(
        extensions=["tables", "sane_lists", "toc", _SiteExtension()],
        extension_configs={"toc": {"toc_depth": "2-3"}},
        output_format="html",
    )


def _only_known_rel(tag, attribute, value):
    # A hand-written rel can only ever be ours: no "opener", no made-up link types.
    if attribute == "rel":
        return EXTERNAL_REL
    return value


def sanitise(unsafe_html):
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        unsafe_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        attribute_filter=_only_known_rel,
        set_tag_attribute_values={"img": {"loading": "lazy"}},
    )


def render(text):
    """Markdown to sanitised HTML."""
    return sanitise(_markdown().convert(text or ""))


def render_with_toc(text):
    """Sanitised HTML and the table of contents: a list of {"id", "title", "level"} dicts."""
    md = _markdown()
    body = sanitise(md.convert(text or ""))
    toc = []

    def walk(tokens):
        for token in tokens:
            toc.append(
                {"id": token["id"], "title": html.unescape(token["name"]), "level": token["level"]}
            )
            walk(token["children"])

    walk(md.toc_tokens)
    return body, toc
