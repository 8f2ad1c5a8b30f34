"""The study page as HTML: structure without JavaScript, escaping, the CSP, the
palette shared with the cards, and reproducible bytes.  The browser tests are in
test_site_browser.py."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import CONTENT, MakeBank
from prepdeck import site
from prepdeck.artifacts import BuildOptions
from prepdeck.build import build
from prepdeck.cli import cli
from prepdeck.model import Bank, build_bank
from prepdeck.style_folders import DEFAULTS_DIR
from prepdeck.validate import validate_content

T0 = 1_767_225_600

HOSTILE = {
    "question": "Is a < b && c, and what is List<String>? </h3><script>alert(1)</script>",
    "hint": '<script>alert("hint")</script>',
    "key_point": "<img src=x onerror=alert(1)>",
    "answer": 'Use `List<String>` and [never this](javascript:alert(1)). "quoted" & <b>x</b>',
}


class Tree(HTMLParser):
    """Every start tag with its attributes, and the text inside <script>/<style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in].append(data)
        else:
            self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.tags
            if t == tag
            and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    return tree


@pytest.fixture(scope="module")
def real_bank() -> Bank:
    result = validate_content(CONTENT)
    assert result.bank is not None
    return result.bank


@pytest.fixture(scope="module")
def real_page(real_bank: Bank) -> str:
    return site.render_site(real_bank)


def hostile_bank() -> Bank:
    data = {
        "title": "Hostile <Bank> & co",
        "slug": "hostile",
        "version": "1.0.0",
        "description": "<script>alert('description')</script>",
        "author": "Tests",
        "license": "CC-BY-4.0",
        "tiers": [{"id": "basics", "name": "Basics <i>"}],
        "topics": [{"id": "xss", "name": "XSS <b>"}],
        "references": [
            {"key": "bad", "title": "<a href=javascript:alert(1)>ref</a>", "url": "javascript:x"},
            {"key": "good", "title": 'A "quoted" title', "url": "https://example.com/?a=1&b=2"},
        ],
    }
    question = {
        "id": "hostile-text",
        "question": HOSTILE["question"],
        "hint": HOSTILE["hint"],
        "key_points": [HOSTILE["key_point"]],
        "answer": HOSTILE["answer"],
        "tags": ["xss"],
        "refs": ["bad", "good"],
    }
    return build_bank(data, [("basics", question, None)])


def test_every_question_is_in_the_page_by_tier_with_deck_numbers(
    real_bank: Bank, real_page: str
) -> None:
    tree = parse(real_page)
    articles = tree.all("article")
    assert len(articles) == len(real_bank.questions) == 51
    assert [a["id"] for a in articles] == [q.id for q in real_bank.questions]
    labels = re.findall(r'<a class="pd-label" href="#([^"]+)">(Q\d+\.\d+)</a>', real_page)
    assert labels == [(q.id, q.label) for q in real_bank.questions]
    assert labels[5][1] == "Q2.1"
    sections = tree.all("section", class_="pd-tier-section")
    assert [s["data-tier"] for s in sections] == [t.id for t in real_bank.tiers]
    # Each article sits inside its tier's section.
    for tier in real_bank.tiers:
        start = real_page.index(f'id="tier_{tier.id}"')
        end = real_page.index("</section>", start)
        inside = re.findall(r'<article class="pd pd-q" id="([^"]+)"', real_page[start:end])
        assert inside == [q.id for q in real_bank.questions_in(tier)]


def test_parts_fold_in_order_and_references_are_links(real_bank: Bank, real_page: str) -> None:
    for question in real_bank.questions:
        start = real_page.index(f'<article class="pd pd-q" id="{question.id}"')
        article = real_page[start : real_page.index("</article>", start)]
        folds = re.findall(r'<details class="pd-fold ([a-z-]+)"', article)
        assert folds == ["pd-hint-fold", "pd-keypoints", "pd-answer"], question.id
        assert " open" not in article.split("<details")[1].split(">")[0]
        refs = article[article.index('<div class="pd-refs">') :]
        links = re.findall(r'<a href="(https://[^"]+)">', refs)
        assert links == [r.url.replace("&", "&amp;") for r in real_bank.cited(question)]


def test_page_loads_nothing_and_its_csp_allows_only_its_own_blocks(real_page: str) -> None:
    tree = parse(real_page)
    [csp] = [a["content"] for a in tree.all("meta", http_equiv="Content-Security-Policy")]
    assert csp is not None
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    assert "connect-src" not in directives
    assert "unsafe" not in csp
    for kind, directive in (("script", "script-src"), ("style", "style-src")):
        blocks = tree.raw[kind]
        assert len(blocks) == 1
        digest = base64.b64encode(hashlib.sha256(blocks[0].encode()).digest()).decode()
        assert directives[directive] == f"'sha256-{digest}'"
    for tag, attrs in tree.tags:
        assert "style" not in attrs, tag  # inline style attributes would need 'unsafe-inline'
        assert not any(k.startswith("on") for k in attrs), tag
        for key in ("src", "srcset", "poster", "data-src"):
            assert attrs.get(key) is None or str(attrs[key]).startswith("data:"), (tag, attrs)
    assert not tree.all("link")  # no stylesheet, icon or preload from anywhere
    assert "__version" not in real_page and "prepdeck-build" not in real_page  # preview only


def test_without_javascript_the_tools_are_hidden_and_the_page_has_landmarks(
    real_page: str,
) -> None:
    tree = parse(real_page)
    [tools] = tree.all("section", id="pd_tools")
    assert "hidden" in tools
    assert tree.all("header") and tree.all("main") and tree.all("footer") and tree.all("nav")
    headings = [int(t[1]) for t, _ in tree.tags if re.fullmatch(r"h[1-6]", t)]
    assert headings[0] == 1 and headings.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(headings))


def test_hostile_text_stays_text() -> None:
    page = site.render_site(hostile_bank())
    tree = parse(page)
    shipped = (DEFAULTS_DIR / "site.js").read_text(encoding="utf-8")
    assert tree.raw["script"] == [shipped]  # the page's own script, nothing from the bank
    assert not tree.all("img")
    assert not [a for _, a in tree.tags if any(str(v).startswith("javascript") for v in a.values())]
    assert not tree.all("b") and not tree.all("i")
    text = "".join(tree.text)
    for value in HOSTILE.values():
        # Code spans render and an unsafe link prints as its text, never as a link;
        # everything else shows literally.
        shown = value.replace("`", "").replace("[never this](javascript:alert(1))", "never this")
        assert shown in text, value
    assert "<a href=javascript:alert(1)>ref</a>" in text
    assert '<a href="https://example.com/?a=1&amp;b=2">A &quot;quoted&quot; title</a>' in page
    assert "Hostile <Bank> & co" in text and "<script>alert('description')</script>" in text
    # The description meta is an attribute: its quotes are escaped.
    [meta] = tree.all("meta", name="description")
    assert meta["content"] == "<script>alert('description')</script>"


def test_palette_is_the_cards_night_palette() -> None:
    """Dark mode on the page uses exactly the card's night-mode colours."""

    def palette(css: str, selector_start: str) -> dict[str, str]:
        block = css[css.index(selector_start) :]
        block = block[block.index("{") + 1 : block.index("}")]
        return dict(re.findall(r"(--pd-[a-z-]+):\s*([^;]+);", block))

    card = (DEFAULTS_DIR / "anki.css").read_text(encoding="utf-8")
    page_css = (DEFAULTS_DIR / "site.css").read_text(encoding="utf-8")
    night = palette(card, ".card.nightMode")
    dark = palette(page_css, "@media screen and (prefers-color-scheme: dark) {\n  .card")
    assert night and dark == night


def test_the_page_includes_the_card_style_and_user_overrides(
    real_bank: Bank, tmp_path: Path
) -> None:
    (tmp_path / "anki.css").write_text(".pd-label { color: rebeccapurple; }\n", encoding="utf-8")
    (tmp_path / "site.css").write_text(".pd-facts { color: peru; }\n", encoding="utf-8")
    page = site.render_site(real_bank, style_dirs=[tmp_path])
    css = parse(page).raw["style"][0]
    assert "--pd-hint-bg" in css and "rebeccapurple" in css and "peru" in css
    assert css.index("rebeccapurple") < css.index("prefers-color-scheme") < css.index("peru")


def test_same_bank_same_bytes_and_part_of_the_default_build(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    root = make_bank()
    result = validate_content(root)
    assert result.bank is not None
    outs = []
    for name in ("a", "b"):
        options = BuildOptions(timestamp=T0, content_dir=root)
        artifacts = build(result.bank, out_dir=tmp_path / name, options=options)
        assert "site" in [a.target for a in artifacts]
        outs.append((tmp_path / name / "tiny.html").read_bytes())
    assert outs[0] == outs[1]
    later = BuildOptions(timestamp=T0 + 999, content_dir=root)
    build(result.bank, out_dir=tmp_path / "c", options=later, targets=["site"])
    assert (tmp_path / "c" / "tiny.html").read_bytes() == outs[0]


def test_cli_builds_only_the_site(make_bank: MakeBank, tmp_path: Path) -> None:
    root = make_bank()
    out = tmp_path / "dist"
    result = CliRunner().invoke(
        cli, ["build", str(root), "--out", str(out), "--target", "site", "--tier", "deep"]
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["tiny.html"]
    page = (out / "tiny.html").read_text(encoding="utf-8")
    assert re.findall(r'<article class="pd pd-q" id="([^"]+)"', page) == ["third-question"]
    assert ">Q2.1</a>" in page and "tier Deep" in page


def test_problems_page_lists_every_problem_escaped(tmp_path: Path) -> None:
    from prepdeck.errors import Problem

    problems = [
        Problem("content/a.yaml", 3, 5, "syntax", "expected <block end>, found '-'"),
        Problem("content/b.yaml", 1, 1, "missing-field", 'missing required field "hint"'),
    ]
    page = site.render_problems(problems, content_dir=Path("content"), build_id="7")
    tree = parse(page)
    text = "".join(tree.text)
    assert "content/a.yaml:3:5" in text and "expected <block end>, found '-'" in text
    assert "content/b.yaml:1:1" in text and "2 problems in content" in text
    assert tree.all("meta", name="prepdeck-build", content="7")
    [csp] = [a["content"] for a in tree.all("meta", http_equiv="Content-Security-Policy")]
    assert "connect-src 'self'" in str(csp)
    assert not tree.all("article")


RICH_ANSWER = """\
Run the scan:

```python
def scan(image: str) -> int:
    return 0  # <script>alert(1)</script>
```

| Tool | Finds |
| :--- | :---: |
| Trivy | CVEs |

![The <pipeline> diagram](media/diagram.png)
"""


def rich_bank(make_bank: MakeBank) -> Path:
    from PIL import Image

    question = {
        "id": "third-question",
        "question": "Why rotate keys?",
        "hint": "Limit exposure.",
        "key_points": ["Expiry"],
        "answer": RICH_ANSWER,
        "tags": ["secrets"],
        "refs": ["owasp"],
    }
    root = make_bank(deep__yaml=yaml.safe_dump({"tier": "deep", "questions": [question]}))
    (root / "media").mkdir()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(root / "media" / "diagram.png")
    return root


def test_code_tables_and_images_render_through_the_card_renderer(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    root = rich_bank(make_bank)
    result = validate_content(root)
    assert result.errors == [], result.problems
    assert result.bank is not None
    page = site.render_site(result.bank, content_dir=root)
    tree = parse(page)
    # Code: Pygments' token classes, and the comment's <script> is text.
    assert tree.all("pre", class_="code", data_lang="python")
    assert '<span class="hl-k">def</span>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and len(tree.raw["script"]) == 1
    # Light and dark token colours, the dark ones under the reader's dark mode.
    css = tree.raw["style"][0]
    dark = css[css.index("@media screen and (prefers-color-scheme: dark) {\n.pd .code") :]
    assert ".pd .code .hl-k" in css[: css.index(dark)] and ".pd .code .hl-k" in dark
    # Tables scroll inside their wrapper; alignment attributes are allowed by hash.
    assert tree.all("div", class_="table-scroll") and tree.all("table")
    [csp] = [a["content"] for a in tree.all("meta", http_equiv="Content-Security-Policy")]
    style_src = next(d for d in str(csp).split("; ") if d.startswith("style-src "))
    aligns = sorted({str(a["style"]) for _, a in tree.tags if "style" in a})
    assert aligns == ["text-align:center", "text-align:left"]
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(a.encode()).digest()).decode() + "'"
        for a in aligns
    ]
    assert style_src.split()[2:] == ["'unsafe-hashes'", *hashes]
    # The image is inline: a data: URI of the file's own bytes, with its alt text.
    [img] = tree.all("img")
    data = (root / "media" / "diagram.png").read_bytes()
    assert img["src"] == "data:image/png;base64," + base64.b64encode(data).decode()
    assert img["alt"] == "The <pipeline> diagram"


def test_real_bank_code_and_tables_are_on_the_page(real_page: str) -> None:
    tree = parse(real_page)
    assert len(tree.all("pre", class_="code")) >= 5
    assert len(tree.all("div", class_="table-scroll")) >= 2
    assert real_page.count('class="hl-') > 100


def test_the_page_says_when_the_claims_were_checked(real_bank: Bank, real_page: str) -> None:
    facts = "".join(parse(real_page).text)
    assert f"version {real_bank.version}" in facts
    assert f"claims checked {real_bank.reviewed}" in facts
