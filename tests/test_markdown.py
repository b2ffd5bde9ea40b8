"""Everything an editor writes is sanitised before it reaches a page."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from articles.markdown import render, render_with_toc

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src="x.png" onerror="alert(1)">',
    '<p onclick="alert(1)">hi</p>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    '<a href="javascript&colon;alert(1)">x</a>',
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<form action="https://evil.example"><input name="q"></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<a href="https://evil.example" target="_blank" rel="opener">x</a>',
    "<img src=x onerror=alert(1)//",
    "<<script>script>alert(1)<</script>/script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]
SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
SAFE_ATTRIBUTES = {
    "href", "src", "alt", "title", "width", "height", "id", "rel", "loading",
    "colspan", "rowspan", "scope", "start",
}  # fmt: skip


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html):
    parser = _Collector()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_is_neutralised(markdown):
    html = render(markdown)
    for tag, attrs in elements(html):
        assert tag in SAFE_TAGS, html
        assert set(attrs) <= SAFE_ATTRIBUTES, html
        for name in ("href", "src"):
            if name in attrs:
                scheme = urlsplit(attrs[name].strip()).scheme.lower()
                assert scheme in {"", "http", "https", "mailto", "tel"}, html
        if "rel" in attrs:
            assert attrs["rel"] == "noopener noreferrer", html
    assert "<script" not in html.lower()


def test_external_links_get_noopener_and_internal_links_do_not():
    assert render("[NHS](https://www.nhs.uk/) and [gout](/articles/gout/)") == (
        '<p><a href="https://www.nhs.uk/" rel="noopener noreferrer">NHS</a> and '
        '<a href="/articles/gout/">gout</a></p>'
    )


def test_a_malformed_link_is_not_an_error():
    html = render("[x](http://[oops) and <http://[::1>")
    assert "rel=" not in html  # not a link that leaves the site: no address at all


def test_tables_headings_and_lists_survive():
    html, toc = render_with_toc(
        "# Top\n\n## Signs & symptoms\n\n"
        "| Sign | Meaning |\n|---|---|\n| Pop | ACL |\n\n1. one\n2. two"
    )
    assert html == (
        '<h2 id="top">Top</h2>\n<h2 id="signs-symptoms">Signs &amp; symptoms</h2>\n'
        "<table>\n<thead>\n<tr>\n<th>Sign</th>\n<th>Meaning</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>Pop</td>\n<td>ACL</td>\n</tr>\n</tbody>\n</table>\n"
        "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"
    )
    assert [entry["title"] for entry in toc] == ["Top", "Signs & symptoms"]


def test_images_keep_alt_text_and_load_lazily():
    assert render("![A knee](/media/uploads/knee.png)") == (
        '<p><img alt="A knee" src="/media/uploads/knee.png" loading="lazy"></p>'
    )


def test_empty_input():
    assert render("") == ""
    assert render(None) == ""
    assert render_with_toc("") == ("", [])
