"""The Markdown subset: escaping, safe links, and the parser shortcut."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prepdeck import text


def test_hostile_text_is_escaped_in_both_renderers() -> None:
    hostile = 'a < b && c <script>alert(1)</script> <img src="/etc/passwd"/> List<String> S&P 500'
    nodes = text.parse_inline(hostile)
    assert text.plain(nodes) == hostile
    html = text.inline_html(nodes)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "S&amp;P 500" in html
    markup = text.inline_markup(nodes)
    assert "<img" not in markup and "&lt;img src=" in markup and "List&lt;String&gt;" in markup


def test_only_https_and_mailto_links_survive() -> None:
    nodes = text.parse_inline(
        "[a](https://x.org/?q=1&r=2) [b](mailto:me@x.org) [c](http://x.org) [d](file:///etc/passwd)"
    )
    html = text.inline_html(nodes)
    assert '<a href="https://x.org/?q=1&amp;r=2">a</a>' in html
    assert '<a href="mailto:me@x.org">b</a>' in html
    assert 'href="http:' not in html and 'href="file:' not in html
    assert html.endswith(" c d") and "file:" not in html  # not a link: only its text
    assert "<a" not in text.inline_markup(text.parse_inline("[c](http://x.org)"))


def test_attribute_quotes_are_escaped() -> None:
    nodes = text.parse_inline('[x](https://x.org/"onmouseover="alert(1))')
    assert 'href="https://x.org/%22onmouseover=%22alert(1)"' in text.inline_html(nodes)


def test_blocks_render_paragraphs_and_lists() -> None:
    blocks = text.parse_blocks("One *a*.\n\n- x\n- `y`\n\n3. first\n4. second")
    assert text.blocks_html(blocks) == (
        "<p>One <em>a</em>.</p><ul><li>x</li><li><code>y</code></li></ul>"
        '<ol start="3"><li>first</li><li>second</li></ol>'
    )


def test_headings_and_raw_html_blocks_stay_text() -> None:
    html = text.blocks_html(text.parse_blocks("# Not a heading\n\n<div>raw</div>"))
    assert html == "<p># Not a heading</p><p>&lt;div&gt;raw&lt;/div&gt;</p>"


_pieces = st.sampled_from(
    [
        *"ab <>&\"'*_`[]()\\\n-1.:/#!|",
        *("https://", "mailto:", "**", "\n```", "```python\n", "\n| - | :-: |\n"),
        '![a<b](x"y.png)',
    ]
)
_markdownish = st.lists(_pieces, max_size=30).map("".join)


@given(_markdownish)
def test_shortcut_agrees_with_the_parser(source: str) -> None:
    """Text without syntax characters must parse exactly as the parser would."""
    nodes = text.parse_inline(source)
    parsed = (
        text._inlines(
            iter(text._inline_md.parseInline(source.strip())[0].children or ()),
            closing=None,
            images=[],
            tags=[],
        )
        if source.strip()
        else ()
    )
    assert nodes == parsed


@given(_markdownish)
def test_rendering_never_emits_unescaped_angle_brackets(source: str) -> None:
    for html in (
        text.blocks_html(text.parse_blocks(source)),
        text.inline_html(text.parse_inline(source)),
    ):
        stripped = html
        for tag in ("p", "ul", "ol", "li", "em", "strong", "code"):
            stripped = stripped.replace(f"<{tag}>", "").replace(f"</{tag}>", "")
        stripped = stripped.replace("<br>", "").replace("</a>", "")
        import re

        stripped = re.sub(r'<ol start="\d+">', "", stripped)
        stripped = re.sub(r'<a href="(https://|mailto:)[^"<>]*">', "", stripped)
        # the rich blocks' own tags, with attribute values that cannot hold a bracket
        stripped = re.sub(r'<pre class="code"( data-lang="[^"<>]*")?>|</pre>', "", stripped)
        stripped = re.sub(r'<span class="hl-[a-z0-9]+">|</span>', "", stripped)
        stripped = re.sub(r'<div class="table-scroll">|</div>|<p class="figure">', "", stripped)
        stripped = re.sub(r'<img src="[^"<>]*" alt="[^"<>]*">', "", stripped)
        stripped = re.sub(r"</?(table|thead|tbody|tr)>", "", stripped)
        stripped = re.sub(
            r'<t[hd]( style="text-align:(left|center|right)")?>|</t[hd]>', "", stripped
        )
        assert "<" not in stripped and ">" not in stripped


_blocky = st.lists(
    st.sampled_from(
        [
            *"ab <>&*_`[]()\\\n-1.:/#!|~^=\t",
            *("    ", "\n\n", "```\n", "---", "***", "[^1]", "~~~\n", "![x](a.png)"),
            *("- item\n", "1. one\n", "| a | b |\n| - | - |\n"),
            *("- ", "* ", "+", "1)", " ", "  ", "   ", "\n  "),
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=500)
@given(_blocky)
def test_issue_prefilter_never_hides_an_issue(source: str) -> None:
    """The cheap check that skips the parser must never skip a field with an issue."""
    if not text.may_have_issues(source):
        assert text._parse_blocks(source).issues == ()


@settings(max_examples=500)
@given(_blocky)
def test_inline_issue_prefilter_never_hides_an_issue(source: str) -> None:
    """`inline_issues` skips the parser for text with no "<", "[^" or "![": the parser
    must find nothing in such text (an image counts as an issue in a one-line field)."""
    if not any(mark in source for mark in text._INLINE_ISSUE_MARKS):
        parsed = text._parse_inline(source.strip())
        assert parsed.issues == () and parsed.images == ()


@st.composite
def _nested(draw: st.DrawFn) -> str:
    """Emphasis, strong text and links nested 10 to 22 deep, the marks separated by
    nothing, words or (Unicode) spaces, sometimes with a blank line that ends it."""
    pairs = [("*", "*"), ("_", "_"), ("[", "](https://x.org)"), ("**", "**")]
    pair = draw(st.sampled_from(pairs))  # one kind a sample: mixed kinds rarely nest
    usual = draw(st.sampled_from(["a ", "a"]))
    odd = ["", " ", "\u00a0", "\u3000", "\u2003", "\n", "\n\n"]
    depth = draw(st.integers(min_value=12, max_value=22))
    gaps = [draw(st.sampled_from([usual] * 6 + odd)) for _ in range(depth)]
    opening = "".join(pair[0] + gap for gap in gaps)
    closing = "".join(" b" + pair[1] for _ in range(depth))
    return opening + "x" + closing


@settings(max_examples=1000)
@given(_nested())
def test_the_nesting_bound_never_hides_nesting_past_the_limit(source: str) -> None:
    """Validate skips the parser when no paragraph has more than 16 marks that can open
    emphasis or a link: the parser must then find no nesting past the limit."""
    issues = " ".join(issue.message for issue in text._parse_blocks(source).issues)
    if "emphasis, strong text and links nested" in issues:
        assert text._deepest_nesting_bound(source) > text.MAX_INLINE_DEPTH, source
    if not text.may_have_inline_issues(source):  # a one-line field: blank lines and all
        assert text._parse_inline(source.strip()).issues == (), source


@pytest.mark.parametrize(
    "source",
    [
        "| h | i |\n|---|---|\n| " + "a " * 100 + "\u2028" + "b " * 100 + " | y |",
        "\r".join(["| a | b |", "|---|---|"] + ["| x | y |"] * 101),
        "\r".join(["a\\"] * 41 + ["b"]),
        "x\r\r- - - - - - - - - y",
        "```\r" + "\r" * 1000 + "\r```",
    ],
)
def test_the_prefilter_sees_lines_as_markdown_it_does(source: str) -> None:
    """Found in review: U+2028 is no line break to markdown-it, and a bare CR is one."""
    assert text._parse_blocks(source).issues, source
    assert text.may_have_issues(source), source
