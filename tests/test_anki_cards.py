"""The Anki cards as a reader sees them (issue 20): code token contrast in both
schemes, tables on a phone, and the key-point recall card; rendered by the real
Anki backend and laid out in Debian's Chromium."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from PIL import Image, ImageChops, ImageStat

from anki_helpers import collection, import_package, make_bank, options
from conftest import write_files
from prepdeck import anki
from prepdeck.notetypes import CODE_CSS
from prepdeck.pdf.common import make_kit
from prepdeck.pdf.flow import _token_color
from prepdeck.text import CodeBlock, code_tokens, parse_blocks

STYLES = Path(__file__).resolve().parent.parent / "src" / "prepdeck" / "styles"
CHROMIUM = Path("/usr/bin/chromium")


def luminance(color: str) -> float:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def custom_property(css: str, name: str, *, night: bool) -> str:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    blocks = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    for selectors, body in blocks:
        if ("nightMode" in selectors) == night and f"{name}:" in body:
            found = re.search(rf"{name}:\s*(#[0-9a-fA-F]{{3,6}})", body)
            if found:
                return found[1]
    raise AssertionError(f"{name} (night={night}) not in anki.css")


def token_colors(night: bool) -> list[tuple[str, str]]:
    """(rule, colour) of each token colour rule for one scheme."""
    out = []
    for line in CODE_CSS.splitlines():
        if ("nightMode" in line) != night or ".hl-w" in line:
            continue  # .hl-w: whitespace, which draws nothing
        for color in re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", line):
            out.append((line.split("{")[0].strip(), color))
    return out


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_every_code_token_reaches_4_5_to_1_on_its_background(night: bool) -> None:
    css = (STYLES / "anki.css").read_text(encoding="utf-8")
    background = custom_property(css, "--pd-code-block-bg", night=night)
    colors = token_colors(night)
    assert len(colors) > 20
    low = [(rule, c, round(contrast(c, background), 2)) for rule, c in colors]
    assert [x for x in low if x[2] < 4.5] == []


def test_every_code_token_on_paper_reaches_4_5_to_1() -> None:
    """The PDFs' code colours (Pygments' default style) on the code block's tint."""
    background = make_kit(()).style.colors.code_background
    source = (
        "def f(x: int) -> str:  # comment\n    return f'{x!r}' + \"s\" * 0x1F\n@dec\nclass A: pass"
    )
    (block,) = parse_blocks(f"```python\n{source}\n```")
    assert isinstance(block, CodeBlock)
    colors = {_token_color(t)[0] for t, v in code_tokens(block) if v.strip()} - {""}
    assert colors
    assert [(c, contrast(c, background)) for c in colors if contrast(c, background) < 4.5] == []


# -- rendered cards ------------------------------------------------------------------

TABLE3 = "| Tool | Finds | Cost of running it in CI |\n| --- | --- | --- |\n" + (
    "| trivy-operator-extended | vulnerabilities and misconfigurations | free, open source |\n"
)
TABLE5 = (
    "| A | B | C | D | E |\n| --- | --- | --- | --- | --- |\n| one | two | three | four | five |\n"
)


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, str]]]:
    tmp = tmp_path_factory.mktemp("cards")
    bank = make_bank(
        edits={"what-is-a-secret": {"answer": f"Three:\n\n{TABLE3}\nFive:\n\n{TABLE5}"}},
        cards=["question", "key-points"],
    )
    dest = tmp / "deck.apkg"
    write_files(anki.write_deck(bank, dest, options(tmp)))
    col: Collection = collection(tmp / "anki" / "collection.anki2")
    import_package(col, dest)
    out = {}
    for cid in col.find_cards('"ID:what-is-a-secret"'):
        card = col.get_card(cid)
        kind = "recall" if "pd-recall" in card.question() else "question"
        out[kind] = (card.question(), card.answer())
    yield out
    col.close()


def test_the_recall_card_names_the_subdeck_as_anki_shows_it(
    cards: dict[str, tuple[str, str]],
) -> None:
    front, back = cards["recall"]
    assert "pd-badge" in front and "Recall" in front
    assert re.search(r"in the 01 Beginner subdeck", back), back


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (.ci/run)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


def ink(png: bytes) -> Image.Image:
    """A screenshot cropped to what is drawn on it."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    background = Image.new("RGB", image.size, image.getpixel((0, 0)))
    box = ImageChops.difference(image, background).getbbox()
    return image.crop(box) if box else image


def distance(a: Image.Image, b: Image.Image) -> int:
    if a.size != b.size:
        return 1 << 30
    return int(ImageStat.Stat(ImageChops.difference(a, b).convert("L")).sum[0])


def page_html(html: str, night: bool) -> str:
    classes = "card nightMode" if night else "card"
    head = '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
    return f'<!doctype html><html><head>{head}</head><body class="{classes}">{html}</body></html>'


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_cards_on_a_phone(
    browser: Any, cards: dict[str, tuple[str, str]], night: bool, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740})
    _, back = cards["question"]
    page.set_content(page_html(back, night))
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    tables = page.evaluate(
        """() => [...document.querySelectorAll('.table-scroll')].map(box => ({
            columns: box.querySelector('tr').children.length,
            fits: box.scrollWidth <= box.clientWidth + 1,
            shadow: getComputedStyle(box).backgroundImage.includes('radial-gradient'),
        }))"""
    )
    assert {t["columns"]: t["fits"] for t in tables} == {3: True, 5: False}
    assert all(t["shadow"] for t in tables)  # a wide table shows that it scrolls
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    front, _ = cards["recall"]
    page.set_content(page_html(front, night))
    # the count is generated content, which innerText leaves out: the line must look
    # like one that says "3" in text, not like one that says "0" (text runs shaped
    # apart may differ by a pixel elsewhere, so the closer match decides)
    page.evaluate(
        """() => document.querySelector('.pd-task').insertAdjacentHTML('afterend',
            '<div class="pd-task" id="n3">Name the 3 key points</div>' +
            '<div class="pd-task" id="n0">Name the 0 key points</div>')"""
    )
    drawn, three, zero = (
        ink(page.locator(sel).first.screenshot()) for sel in (".pd-task", "#n3", "#n0")
    )
    assert drawn.size == three.size
    assert distance(drawn, three) < distance(drawn, zero) / 4
    label = page.eval_on_selector(".pd-label", "e => getComputedStyle(e).color")
    assert label in ("rgb(11, 92, 173)", "rgb(121, 184, 255)")  # the accent, as in print
    page.close()
