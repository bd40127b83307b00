"""Markdown rendering: what learners can format, and what never survives."""

from html.parser import HTMLParser

import pytest

from discussions.markdown import render_markdown


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("**bold** and *em*", "<p><strong>bold</strong> and <em>em</em></p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("`x < 1`", "<p><code>x &lt; 1</code></p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
    ],
)
def test_formatting_learners_can_use(source, expected):
    assert render_markdown(source) == expected


def test_links_are_linkified_and_marked_user_generated():
    html = render_markdown("See https://example.com/guide and [the intranet](https://intranet.example/x)")
    assert '<a href="https://example.com/guide" rel="nofollow ugc noopener">' in html
    assert '<a href="https://intranet.example/x" rel="nofollow ugc noopener">the intranet</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![img](https://evil.example/track.png)",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        '<iframe src="https://evil.example"></iframe>',
        "[x](vbscript:msgbox(1))",
    ],
)
def test_hostile_input_leaves_no_executable_html(source):
    elements = parse_elements(render_markdown(source))
    for tag, attributes in elements:
        assert tag in {"p", "a", "code", "pre", "em", "strong", "ul", "ol", "li", "blockquote"}
        for name, value in attributes:
            assert not name.startswith("on")
            if name == "href":
                assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"}


class ElementCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


def parse_elements(html: str) -> list:
    collector = ElementCollector()
    collector.feed(html)
    return collector.elements


def test_raw_html_is_shown_as_text_not_dropped():
    assert render_markdown("a <b>tag</b>") == "<p>a &lt;b&gt;tag&lt;/b&gt;</p>"
