"""The measurable rules of the printed layouts (issue 20): pagination that keeps
things together, quiz pages that are filled, curly quotes in prose only, the
booklet's measure, and card boxes where each paper says they are."""

from __future__ import annotations

import itertools
import re
import statistics
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from prepdeck.pdf.booklet import write_booklet
from prepdeck.pdf.cards import grid_for, write_cards
from prepdeck.pdf.common import make_kit
from prepdeck.pdf.flow import CODE_CONTINUED, CODE_SPLIT_MIN
from prepdeck.pdf.quiz import write_quiz
from prepdeck.pdf.style import MM
from prepdeck.validate import validate_content
from test_pdf import make_bank, options

ROOT = Path(__file__).resolve().parent.parent
LABELS = ("KEY POINTS", "FURTHER READING", "MODEL ANSWER")

# a code block long enough to split, after a colon lead-in, many times over
_CODE = "\n".join(f"step_{i} = run('job {i}')  # line {i}" for i in range(40))
LONG_ANSWER = "\n\n".join(
    [*(f"Paragraph {i} " + "of a long model answer " * 25 for i in range(3)),
     "**Run-in head**", "The pipeline runs these steps:", f"```python\n{_CODE}\n```"] * 3
)  # fmt: skip


@pytest.fixture(scope="module")
def real_bank() -> Any:
    bank = validate_content(ROOT / "content").bank
    assert bank is not None
    return bank


@pytest.fixture(scope="module")
def built(real_bank: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("print")
    long_bank = make_bank(override={"basics-2": {"answer": LONG_ANSWER}})
    paths = {
        "booklet": out / "booklet.pdf",
        "quiz": out / "quiz.pdf",
        "long": out / "long.pdf",
        "long-quiz": out / "long-quiz.pdf",
    }
    write_booklet(real_bank, paths["booklet"], options())
    write_quiz(real_bank, paths["quiz"], options())
    write_booklet(long_bank, paths["long"], options("letter"))
    write_quiz(long_bank, paths["long-quiz"], options())
    return paths


def body_lines(page: Any, *, prose_only: bool = True) -> list[tuple[float, str, bool]]:
    """(top, text, is code) of each line inside the text block: no header or footer;
    prose only unless asked (a code line may well end with a colon)."""
    top, bottom = 22 * MM - 2, page.height - 20 * MM + 2
    lines = page.extract_text_lines(return_chars=True)
    out = []
    for ln in lines:
        code = "Mono" in ln["chars"][0]["fontname"]
        if top < ln["top"] and ln["bottom"] < bottom and not (code and prose_only):
            out.append((ln["top"], ln["text"], code))
    return out


def last_lines(path: Path) -> list[str]:
    """The last line of prose on each page: "" where a code line ends the page, or
    where the paragraph goes on at the top of the next (a line that merely breaks after
    a colon inside a sentence)."""
    with pdfplumber.open(path) as pdf:
        pages = [body_lines(page, prose_only=False) for page in pdf.pages]
    out = []
    for i, lines in enumerate(pages):
        following = pages[i + 1][0] if i + 1 < len(pages) and pages[i + 1] else None
        goes_on = following is not None and not following[2] and following[1][:1].islower()
        out.append(lines[-1][1] if lines and not lines[-1][2] and not goes_on else "")
    return out


@pytest.mark.parametrize("which", ["booklet", "quiz", "long", "long-quiz"])
def test_no_page_ends_on_a_heading_or_a_lead_in(built: dict[str, Path], which: str) -> None:
    for number, line in enumerate(last_lines(built[which]), start=1):
        assert line.strip() not in LABELS, (number, line)
        assert not re.fullmatch(r"Q\d+\.\d+ .*", line) or "?" in line, (number, line)
        assert not line.rstrip().endswith(":"), (number, line)
        assert line.strip() != "Run-in head", number
        assert not re.fullmatch(r"\d+ questions?", line.strip()), (number, line)


def code_parts(path: Path) -> list[list[str]]:
    """The lines of each code block on each page, in order: a block's box is the
    code background's rectangle."""
    kit = make_kit(())
    background = kit.style.colors.code_background.lstrip("#").lower()
    parts = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            boxes = [
                r
                for r in page.rects
                if r["non_stroking_color"]
                and "".join(f"{round(c * 255):02x}" for c in r["non_stroking_color"]) == background
            ]
            for box in sorted(boxes, key=lambda r: r["top"]):
                inside = page.crop((box["x0"], box["top"], box["x1"], box["bottom"]))
                parts.append([ln["text"] for ln in inside.extract_text_lines()])
    return parts


@pytest.mark.parametrize("which", ["long", "long-quiz"])
def test_code_splits_with_four_lines_each_side_and_is_marked(
    built: dict[str, Path], which: str
) -> None:
    parts = code_parts(built[which])
    continued = [i for i, part in enumerate(parts) if part and part[0] == CODE_CONTINUED]
    assert continued, "the long answer's code blocks split across pages"
    for i in continued:
        assert len(parts[i]) - 1 >= CODE_SPLIT_MIN, parts[i]
        assert len(parts[i - 1]) - (parts[i - 1][0] == CODE_CONTINUED) >= CODE_SPLIT_MIN
    # every line of every block printed once
    lines = [ln for part in parts for ln in part if ln != CODE_CONTINUED]
    for n in range(40):
        assert sum(f"step_{n} " in ln for ln in lines) == 3, n


def blank_share(page: Any) -> float:
    """How much of the text block is empty below its last text or rule."""
    top, bottom = 22 * MM, page.height - 20 * MM
    ends = [w["bottom"] for w in page.extract_words() if top - 2 < w["top"] < bottom]
    ends += [x["bottom"] for x in page.lines + page.rects if top + 2 < x["top"] < bottom + 1]
    return (bottom - max(ends)) / (bottom - top) if ends else 1.0


def test_no_quiz_page_is_over_a_quarter_blank_except_at_a_tiers_end(
    built: dict[str, Path], real_bank: Any
) -> None:
    tiers = {t.name for t in real_bank.tiers}
    with pdfplumber.open(built["quiz"]) as pdf:
        pages = pdf.pages
        for i, page in enumerate(pages[:-1]):
            following = body_lines(pages[i + 1])
            opens = following[0][1].strip() if following else ""
            if opens in tiers or opens == "Answer key":
                continue  # the page a tier (or the questions) ends on
            assert blank_share(page) <= 0.25, (i + 1, blank_share(page))


def test_quiz_ruled_lines_grow_to_fill_the_page(built: dict[str, Path]) -> None:
    with pdfplumber.open(built["quiz"]) as pdf:
        counts = [len(page.lines) for page in pdf.pages[1:6]]
    quiz = make_kit(()).style.quiz
    assert max(counts) > quiz.lines_max  # more than one question's worth a page


def test_curly_quotes_in_prose_straight_quotes_in_code(tmp_path: Path) -> None:
    bank = make_bank(
        1,
        override={
            "basics-1": {
                "question": 'Why does "fail-open" matter -- and what\'s `x = "y"`?',
                "answer": "It's the \"default\" -- see:\n\n```python\nprint('it\\'s \"raw\"')\n```",
            }
        },
    )
    dest = tmp_path / "quotes.pdf"
    write_booklet(bank, dest, options())
    text = " ".join(p.extract_text() for p in pdfplumber.open(dest).pages)
    assert "\u201cfail-open\u201d matter \u2013 and what\u2019s" in text
    assert 'x = "y"' in text  # a code span
    assert "It\u2019s the \u201cdefault\u201d" in text
    assert "print('it\\'s \"raw\"')" in text  # a code block


def test_booklet_measure_is_66_to_72_characters(built: dict[str, Path]) -> None:
    """Full lines of answer prose: the median is within the measure."""
    with pdfplumber.open(built["booklet"]) as pdf:
        lengths = []
        for page in pdf.pages[10:40]:
            lines = body_lines(page)
            for (_, line, _), (_, following, _) in itertools.pairwise(lines):
                # a line followed by another of the same paragraph: a full line
                if len(line) > 45 and following[:1].islower():
                    lengths.append(len(line))
    assert 64 <= statistics.median(lengths) <= 72, statistics.median(lengths)


# -- cards ---------------------------------------------------------------------------

PAPERS = ["a4", "letter", "index-3x5", "a6", "avery-5371"]


def band_boxes(page: Any, colors: set[str]) -> list[tuple[float, float, float, float]]:
    """(x0, top, x1, bottom) of the tier bands, in mm."""
    out = []
    for r in page.rects:
        color = r["non_stroking_color"]
        if color and "#" + "".join(f"{round(c * 255):02x}" for c in color) in colors:
            x0, top, x1, bottom = (round(r[k] / MM, 3) for k in ("x0", "top", "x1", "bottom"))
            out.append((x0, top, x1, bottom))
    return sorted(out, key=lambda b: (b[1], b[0]))


@pytest.mark.parametrize("paper", PAPERS)
def test_card_boxes_match_each_papers_geometry(paper: str, tmp_path: Path) -> None:
    kit = make_kit(())
    grid = grid_for(kit, paper)
    short = {
        f"{t}-{i}": {"question": "Why?", "hint": "Say why.", "key_points": ["One", "Two"]}
        for t in ("basics", "advanced")
        for i in range(1, 5)
    }
    bank = make_bank(override=short)
    dest = tmp_path / f"{paper}.pdf"
    write_cards(bank, dest, options(paper))
    colors = {c.lower() for c in kit.style.cards.tier_colors}
    sheet = kit.style.papers[paper].cards
    width_mm, height_mm = grid.width / MM, grid.height / MM
    if sheet is not None:
        assert (width_mm, height_mm) == pytest.approx((sheet.width_mm, sheet.height_mm))
    with pdfplumber.open(dest) as pdf:
        first = pdf.pages[0]
        assert (first.width / MM, first.height / MM) == pytest.approx(
            (grid.page_width / MM, grid.page_height / MM), abs=0.2
        )
        for index, page in enumerate(pdf.pages[:2]):
            boxes = band_boxes(page, colors)
            cards = min(len(bank.questions), grid.per_sheet)
            assert len(boxes) == cards
            expected = []
            for i in range(cards):
                row, col = grid.front_slot(i) if index == 0 else grid.back_slot(i)
                x, y = grid.slot(row, col)
                expected.append((x / MM, (grid.page_height - y - grid.height) / MM))
            for (x0, top, x1, _), (x, expected_top) in zip(
                boxes, sorted(expected, key=lambda e: (e[1], e[0])), strict=True
            ):
                assert x0 == pytest.approx(x, abs=0.2)
                assert x1 - x0 == pytest.approx(width_mm, abs=0.2)
                assert top == pytest.approx(expected_top, abs=0.2)
            if sheet is not None:  # where the stock's own cards are
                lefts = sorted({b[0] for b in boxes})
                assert lefts[0] == pytest.approx(sheet.left_mm, abs=0.2)
                assert boxes[0][1] == pytest.approx(sheet.top_mm, abs=0.2)


def test_fold_layout_mirrors_fronts_and_backs_across_the_fold(tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.yaml").write_text("cards:\n  layout: fold\n", encoding="utf-8")
    kit = make_kit((styles,))
    grid = grid_for(kit, "a4")
    assert grid.fold and grid.cols % 2 == 0
    bank = make_bank(1)  # 2 cards: one sheet
    assert len(bank.questions) <= grid.per_sheet
    dest = tmp_path / "fold.pdf"
    write_cards(bank, dest, options("a4", (styles,)))
    colors = {c.lower() for c in kit.style.cards.tier_colors}
    with pdfplumber.open(dest) as pdf:
        page = pdf.pages[0]
        assert len(pdf.pages) == 1  # one-sided: fronts and backs on one page
        folds = [ln for ln in page.lines if ln.get("dash") and abs(ln["x0"] - ln["x1"]) < 0.01]
        assert folds
        fold_x = folds[0]["x0"] / MM
        boxes = band_boxes(page, colors)
        left = [b for b in boxes if b[2] <= fold_x + 0.01]
        right = [b for b in boxes if b[0] >= fold_x - 0.01]
        assert len(left) == len(right) == grid.per_sheet
        for front, back in zip(left, right, strict=True):
            assert fold_x - front[2] == pytest.approx(back[0] - fold_x, abs=0.2)  # mirrored
            assert fold_x - front[0] == pytest.approx(back[2] - fold_x, abs=0.2)
            assert front[1] == pytest.approx(back[1], abs=0.2)
        text = page.extract_text()
        for q in bank.questions:
            assert text.count(f"{q.label} · {q.tier.name}") == 2  # on the front and the back


def test_duplex_offset_moves_the_backs(tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.yaml").write_text(
        "cards:\n  duplex_offset_x_mm: 1.5\n  duplex_offset_y_mm: -2\n", encoding="utf-8"
    )
    kit = make_kit(())
    colors = {c.lower() for c in kit.style.cards.tier_colors}
    plain, moved = tmp_path / "plain.pdf", tmp_path / "moved.pdf"
    write_cards(make_bank(1), plain, options())
    write_cards(make_bank(1), moved, options("a4", (styles,)))
    with pdfplumber.open(plain) as a, pdfplumber.open(moved) as b:
        assert band_boxes(a.pages[0], colors) == band_boxes(b.pages[0], colors)  # fronts stay
        for before, after in zip(
            band_boxes(a.pages[1], colors), band_boxes(b.pages[1], colors), strict=True
        ):
            assert after[0] - before[0] == pytest.approx(1.5, abs=0.01)  # right
            assert after[1] - before[1] == pytest.approx(2, abs=0.01)  # down (top grows)


def test_contents_and_bookmarks_break_between_words(built: dict[str, Path], real_bank: Any) -> None:
    from pypdf import PdfReader

    from prepdeck.pdf.common import one_line

    reader = PdfReader(built["booklet"])
    questions = {q.label: one_line(q) for q in real_bank.questions}
    # bookmarks: the question whole, or cut after a whole word
    titles = []
    stack: list[Any] = list(reader.outline)
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            titles.append(str(item.title))
    checked = 0
    for title in titles:
        label, _, text = title.partition("  ")
        if label not in questions:
            continue
        full = questions[label]
        if text.endswith("…"):
            kept = text[:-1]
            assert full.startswith(kept) and full[len(kept)] in " ,;:", title
        else:
            assert text == full, title
        checked += 1
    assert checked == len(questions)
    # contents: each entry's lines, joined, are its question: nothing cut
    front = reader.page_labels.index("1")
    lines = [ln for page in reader.pages[1:front] for ln in page.extract_text().splitlines()]

    def numberless(text: str) -> str:  # page numbers end the lines; drop every number
        return re.sub(r" \d+(?= |$)", "", text)

    text = numberless(" ".join(ln.strip() for ln in lines))
    for label, full in questions.items():
        assert numberless(f"{label} {full}") in text, label
