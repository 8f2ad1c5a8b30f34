"""The printable PDFs, read back with pypdf and pikepdf: text layer, outline,
contents, links, metadata, fonts, hostile text, determinism and validity.

Each PDF is built once per module (they take a fraction of a second each) and the
tests read it.  Card layout tests are in test_pdf_cards.py.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from conftest import tool
from prepdeck.artifacts import BuildOptions
from prepdeck.errors import BuildError
from prepdeck.model import Bank, SourceLocation, build_bank
from prepdeck.pdf.booklet import write_booklet
from prepdeck.pdf.cards import write_cards
from prepdeck.pdf.common import make_kit
from prepdeck.pdf.flow import Typesetter
from prepdeck.pdf.parts import ANSWER_LINK, BACK_LINK
from prepdeck.pdf.quiz import write_quiz
from prepdeck.text import parse_inline, plain

TIMESTAMP = 1_700_000_000  # 2023-11-14
HOSTILE = ("List<String>", "a < b && c", "S&P 500", '<img src="/etc/passwd"/>', "<b>not bold</b>")


def make_bank(
    per_tier: int = 4,
    *,
    tiers: tuple[str, ...] = ("basics", "advanced"),
    override: Mapping[str, Mapping[str, Any]] | None = None,
    sources: bool = True,
) -> Bank:
    """A small bank with every kind of text the layouts print; `override` replaces
    fields of questions by id."""
    bank_data = {
        "title": "Test Bank",
        "slug": "test-bank",
        "version": "1.2.3",
        "description": "A *small* bank for the PDF tests.",
        "author": "Test Author",
        "license": "CC-BY-4.0",
        "language": "en-GB",
        "tiers": [{"id": t, "name": t.title()} for t in tiers],
        "topics": [{"id": "kubernetes", "name": "Kubernetes"}],
        "references": [
            {"key": "owasp", "title": "OWASP Top 10", "url": "https://owasp.org/"},
            {"key": "evil", "title": "Evil link", "url": "javascript:alert(1)"},
        ],
    }
    questions = []
    number = 0
    for tier in tiers:
        for i in range(per_tier):
            number += 1
            qid = f"{tier}-{i + 1}"
            data: dict[str, Any] = {
                "id": qid,
                "question": f"Question {number} asks how `kubectl` treats {HOSTILE[number % 5]}?",
                "hint": f"Hint {number} says {HOSTILE[(number + 1) % 5]} prints literally.",
                "key_points": [f"Key point {number}.{j} with **bold** text" for j in range(1, 4)],
                "answer": (
                    f"Answer {number} opens with a paragraph about *emphasis*.\n\n"
                    "- a list item\n- another item with `code`\n\n"
                    f"Answer {number} closes here."
                ),
                "tags": ["kubernetes"] if number % 2 else [],
                "refs": ["owasp", "evil"],
            }
            data.update((override or {}).get(qid, {}))
            where = SourceLocation(Path(f"content/{tier}.yaml"), 10 * i + 3, 5) if sources else None
            questions.append((tier, data, where))
    return build_bank(bank_data, questions)


def options(paper: str = "a4", style_dirs: tuple[Path, ...] = ()) -> BuildOptions:
    return BuildOptions(
        timestamp=TIMESTAMP, content_dir=Path("content"), paper=paper, style_dirs=style_dirs
    )


def texts(path: Path) -> list[str]:
    """Each page's text with whitespace collapsed."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def flat(nodes_source: str) -> str:
    return " ".join(plain(parse_inline(nodes_source)).split())


def assert_in_order(haystack: str, needles: list[str]) -> None:
    position = 0
    for needle in needles:
        found = haystack.find(needle, position)
        assert found >= 0, f"{needle!r} missing after position {position}"
        position = found + len(needle)


def outline_entries(reader: PdfReader) -> Iterator[tuple[int, str, int]]:
    """(level, title, page index) in outline order."""

    def walk(items: list[Any], level: int) -> Iterator[tuple[int, str, int]]:
        for item in items:
            if isinstance(item, list):
                yield from walk(item, level + 1)
            else:
                page = reader.get_destination_page_number(item)
                assert page is not None, item.title
                yield level, str(item.title), page

    yield from walk(reader.outline, 0)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return make_bank()


@pytest.fixture(scope="module")
def booklet(bank: Bank, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("booklet") / "test-bank.pdf"
    write_booklet(bank, dest, options())
    return dest


@pytest.fixture(scope="module")
def quiz(bank: Bank, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("quiz") / "test-bank-quiz.pdf"
    write_quiz(bank, dest, options("letter"))
    return dest


def front_matter(reader: PdfReader) -> int:
    labels = reader.page_labels
    return labels.index("1")


# -- booklet -------------------------------------------------------------------------


def test_booklet_title_page(booklet: Path, bank: Bank) -> None:
    title = texts(booklet)[0]
    for expected in (
        "Test Bank",
        "Question booklet",
        "Version 1.2.3",
        "built 2023-11-14",
        "Basics 4",
        "Advanced 4",
        "Total 8",
        "How to use",
        "Licence: CC-BY-4.0",
    ):
        assert expected in title
    assert "Selection" not in title
    assert "claims checked" not in title  # this bank gives no reviewed: date


def test_booklet_title_page_says_when_the_claims_were_checked(tmp_path: Path) -> None:
    reviewed = dataclasses.replace(make_bank(), reviewed="2026-11-30")
    dest = tmp_path / "test-bank.pdf"
    write_booklet(reviewed, dest, options())
    title = subprocess.run(
        [tool("pdftotext"), "-layout", "-f", "1", "-l", "1", str(dest), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Version 1.2.3 · claims checked 2026-11-30 · built 2023-11-14" in title


def test_booklet_questions_and_hints_in_order(booklet: Path, bank: Bank) -> None:
    reader = PdfReader(booklet)
    body = " ".join(texts(booklet)[front_matter(reader) :])
    answer_key = body.index("Answer key")
    needles = []
    for q in bank.questions:
        needles += [q.label, flat(q.question), flat(q.hint), flat(q.key_points[-1])]
    assert_in_order(body[:answer_key], needles)
    # each answer restates its question under its number
    needles = [x for q in bank.questions for x in (q.label, flat(q.question))]
    assert_in_order(body[answer_key:], needles)
    # ids are for authors: in the footers, never beside a question's number
    assert not any(f"{q.label} {q.id}" in body for q in bank.questions)


def test_booklet_page_labels_and_footer(booklet: Path) -> None:
    reader = PdfReader(booklet)
    front = front_matter(reader)
    body_pages = len(reader.pages) - front
    assert reader.page_labels[:front] == ["i", "ii", "iii", "iv", "v"][:front]
    pages = texts(booklet)
    for number in range(1, body_pages + 1):
        assert f"page {number} of {body_pages}" in pages[front + number - 1]
    assert pages[1].rstrip().endswith("ii")  # the contents page's own folio


def test_booklet_outline_points_at_the_right_pages(booklet: Path, bank: Bank) -> None:
    reader = PdfReader(booklet)
    pages = texts(booklet)
    entries = list(outline_entries(reader))
    top = [title for level, title, _ in entries if level == 0]
    assert top == ["Contents", "Basics", "Advanced", "Answer key"]
    questions = [(title, page) for level, title, page in entries if level == 1]
    for q in bank.questions:
        title, page = next((t, p) for t, p in questions if t.startswith(q.label + " "))
        assert flat(q.question)[:30] in title
        assert q.label in pages[page] and q.id in pages[page]  # the id: in the footer
        assert flat(q.question) in pages[page] + pages[min(page + 1, len(pages) - 1)]
    for level, title, page in entries:
        if level == 0 and title in ("Basics", "Advanced"):
            assert pages[page].startswith(f"{title} 4 questions")


def test_booklet_contents_page_numbers(booklet: Path, bank: Bank) -> None:
    reader = PdfReader(booklet)
    front = front_matter(reader)
    pages = texts(booklet)
    contents = "\n".join(page.extract_text() for page in reader.pages[1:front])
    lines = [line.strip() for line in contents.splitlines()]
    by_label = {}
    label = None  # an entry wraps at word boundaries: its page number ends its last line
    for line in lines:
        opens = re.match(r"(Q[\d.]+) ", line)
        if opens:
            label = opens[1]
        ends = re.search(r" (\d+)$", line)
        if label and ends:
            by_label[label], label = int(ends[1]), None
    assert set(by_label) == {q.label for q in bank.questions}
    for q in bank.questions:
        page = pages[front + by_label[q.label] - 1]
        assert q.label in page and q.id in page
        assert f"page {by_label[q.label]} of" in page
    answer_line = next(line for line in lines if line.startswith("Answer key"))
    answer_page = int(answer_line.split()[-1])
    assert pages[front + answer_page - 1].startswith("Answer key")


def _link_targets(reader: PdfReader, page_index: int) -> list[tuple[list[float], int]]:
    """(rect, target page index) of each internal link on a page."""
    out = []
    page = reader.pages[page_index]
    for annot in page.get("/Annots", []) or []:
        annot = annot.get_object()
        if annot.get("/Subtype") != "/Link" or "/Dest" not in annot:
            continue
        dest = annot["/Dest"]
        target = reader.get_object(dest[0].idnum) if hasattr(dest[0], "idnum") else dest[0]
        index = next(i for i, p in enumerate(reader.pages) if _ref(p).idnum == _ref(target).idnum)
        out.append(([float(x) for x in annot["/Rect"]], index))
    return out


def test_booklet_contents_lines_are_links(booklet: Path, bank: Bank) -> None:
    reader = PdfReader(booklet)
    front = front_matter(reader)
    links = _link_targets(reader, 1)
    # one per tier, one per question, the answer key and one per tier in it
    assert len(links) == 2 + len(bank.questions) + 1 + 2
    pages = texts(booklet)
    targets = sorted(index for _, index in links)
    assert all(front <= index < len(pages) for index in targets)


def test_booklet_questions_and_answers_link_both_ways(booklet: Path, bank: Bank) -> None:
    reader = PdfReader(booklet)
    pages = texts(booklet)
    front = front_matter(reader)
    answer_start = next(
        i for i, text in enumerate(pages) if i >= front and text.startswith("Answer key")
    )
    forward = [index for i in range(front, answer_start) for _, index in _link_targets(reader, i)]
    back = [index for i in range(answer_start, len(pages)) for _, index in _link_targets(reader, i)]
    assert len(forward) == len(bank.questions)
    assert all(index >= answer_start for index in forward)
    assert len(back) == len(bank.questions)
    assert all(front <= index < answer_start for index in back)
    # each answer names the page its question is on
    for q in bank.questions:
        match = re.search(rf"{q.label} {BACK_LINK} page (\d+)", " ".join(pages))
        assert match, q.label
        assert q.id in pages[front + int(match[1]) - 1]


def _ref(obj: Any) -> Any:
    reference = obj.indirect_reference
    assert reference is not None
    return reference


def test_booklet_metadata_and_fonts(booklet: Path) -> None:
    reader = PdfReader(booklet)
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Test Bank (question booklet)"
    assert meta.author == "Test Author"
    assert meta.subject == "A small bank for the PDF tests."
    keywords = str(meta["/Keywords"])
    assert "Kubernetes" in keywords and "Basics" in keywords
    assert str(meta["/CreationDate"]) == "D:20231114221320+00'00'"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"  # type: ignore[index]
    faces = {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSansMono"}
    assert_fonts_embedded(booklet, faces)


def assert_fonts_embedded(path: Path, expected: set[str]) -> None:
    """Every font is an embedded TrueType subset; `expected` faces are among them."""
    seen = set()
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
                assert obj.get("/Subtype") == "/TrueType", obj.get("/BaseFont")
                descriptor = obj["/FontDescriptor"]
                assert "/FontFile2" in descriptor, obj.get("/BaseFont")
                seen.add(str(obj["/BaseFont"]).split("+", 1)[1])
    assert expected <= seen, (expected, seen)


def dictionaries(obj: Any) -> Iterator[Any]:
    """`obj` and every dictionary nested in it directly (indirect objects are visited
    on their own by the caller's walk over pdf.objects)."""
    if isinstance(obj, pikepdf.Dictionary):
        yield obj
        children = obj.values()
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return
    for child in children:
        if isinstance(child, (pikepdf.Dictionary, pikepdf.Array)) and not child.is_indirect:
            yield from dictionaries(child)


def test_hostile_text_prints_literally(booklet: Path, quiz: Path) -> None:
    for path in (booklet, quiz):
        text = " ".join(texts(path))
        for hostile in HOSTILE:
            assert hostile in text, (path.name, hostile)
    # The bank cites a javascript: reference; it prints as its title, and no object in
    # the file (page links, outline, catalog) is a URI action other than https or a script.
    assert "Evil link" in " ".join(texts(booklet))
    with pikepdf.open(booklet) as pdf:
        actions = [d for obj in pdf.objects for d in dictionaries(obj) if "/URI" in d or "/JS" in d]
    uris = [str(action["/URI"]) for action in actions if "/URI" in action]
    assert not [action for action in actions if "/JS" in action]
    assert uris and all(uri.startswith("https://") for uri in uris), uris


def test_booklet_with_filter_says_so(tmp_path: Path) -> None:
    bank = make_bank().filtered(tiers=["advanced"])
    dest = tmp_path / "filtered.pdf"
    write_booklet(bank, dest, options())
    pages = texts(dest)
    assert "Selection: tier Advanced" in pages[0]
    assert "Basics" not in " ".join(pages[1:])
    assert "Q2.1 " in " ".join(pages)  # labels stay those of the full bank


def test_layouts_build_with_no_questions(tmp_path: Path) -> None:
    bank = make_bank().filtered(topics=["no-such-topic"])
    for writer in (write_booklet, write_quiz, write_cards):
        dest = tmp_path / f"{writer.__name__}.pdf"
        writer(bank, dest, options())
        assert "No questions match" in " ".join(texts(dest))
        assert_valid(dest)


def test_long_question_splits_but_keeps_its_heading(tmp_path: Path) -> None:
    long_answer = "\n\n".join(f"Paragraph {i} " + "of a long model answer " * 30 for i in range(12))
    long_points = [f"Long key point {j} " + "with many words " * 12 for j in range(40)]
    bank = make_bank(override={"basics-2": {"key_points": long_points, "answer": long_answer}})
    dest = tmp_path / "long.pdf"
    write_booklet(bank, dest, options("letter"))
    reader = PdfReader(dest)
    pages = texts(dest)
    front = front_matter(reader)
    # key points run over more than one page, all of them printed
    body = " ".join(pages[front:])
    assert_in_order(body, [f"Long key point {j} " for j in range(40)])
    # no page ends with a heading: every "Qn id" is followed by its question text
    for page in pages[front:]:
        for q in bank.questions:
            heading = f"{q.label} {ANSWER_LINK}"
            if heading in page:
                assert flat(q.question)[:20] in page
    assert_valid(dest)


# -- quiz ----------------------------------------------------------------------------


def test_quiz_questions_then_answer_key(quiz: Path, bank: Bank) -> None:
    pages = texts(quiz)
    text = " ".join(pages)
    answer_key = text.index("Answer key")
    questions = text[:answer_key]
    assert "Self-quiz" in pages[0] and "built 2023-11-14" in pages[0]
    assert_in_order(questions, [flat(q.question) for q in bank.questions])
    for q in bank.questions:  # hints and key points only in the answer key
        assert flat(q.hint) not in questions
    needles = []
    for q in bank.questions:
        needles += [q.label, flat(q.question), flat(q.hint), flat(q.key_points[0]), "MODEL ANSWER"]
    assert_in_order(text[answer_key:], needles)
    total = len(pages)
    assert all(f"page {i + 1} of {total}" in page for i, page in enumerate(pages))


def test_quiz_has_ruled_lines_and_letter_paper(quiz: Path) -> None:
    with pikepdf.open(quiz) as pdf:
        first = pdf.pages[0]
        assert [float(x) for x in first.mediabox] == [0, 0, 612, 792]
        ops = pikepdf.parse_content_stream(pdf.pages[1])
        strokes = sum(1 for op in ops if str(op.operator) == "S")
    assert strokes >= 8
    reader = PdfReader(quiz)
    titles = [title for level, title, _ in outline_entries(reader) if level == 0]
    assert titles == ["Basics", "Advanced", "Answer key"]


# -- errors --------------------------------------------------------------------------


def vera_styles(folder: Path) -> Path:
    """A style folder whose body chain is only reportlab's Bitstream Vera (no arrows,
    no check marks, no emoji): a real font, narrower than the default chain."""
    import reportlab

    fonts = Path(reportlab.__file__).parent / "fonts"
    folder.mkdir(exist_ok=True)
    (folder / "pdf.yaml").write_text(
        "fonts:\n"
        "  body: [Vera]\n"
        "  families:\n"
        "    Vera:\n"
        f"      regular: {fonts / 'Vera.ttf'}\n"
        f"      bold: {fonts / 'VeraBd.ttf'}\n"
        f"      italic: {fonts / 'VeraIt.ttf'}\n"
        f"      bold_italic: {fonts / 'VeraBI.ttf'}\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize("writer", [write_booklet, write_quiz, write_cards])
def test_missing_glyph_names_question_field_and_character(writer: Any, tmp_path: Path) -> None:
    bank = make_bank(override={"advanced-2": {"hint": "Use a → b, then go."}})
    styles = vera_styles(tmp_path / "styles")
    with pytest.raises(BuildError) as caught:
        writer(bank, tmp_path / "out.pdf", options(style_dirs=(styles,)))
    (problem,) = caught.value.problems
    assert problem.rule == "pdf-glyph"
    assert (problem.path, problem.line, problem.column) == ("content/advanced.yaml", 13, 5)
    assert problem.message == (
        'question advanced-2, field hint: cannot print U+2192 RIGHTWARDS ARROW "→": '
        "no font in the PDF chain (Vera) has it"
    )
    assert not (tmp_path / "out.pdf").exists() or (tmp_path / "out.pdf").stat().st_size == 0


def test_glyph_problems_are_all_reported(tmp_path: Path) -> None:
    bank = make_bank(
        override={
            "basics-1": {"question": "Why ✓ and ☃?", "key_points": ["ok", "**bold ✗**"]},
            "advanced-1": {"answer": "An answer with an emoji 🙂."},
        },
        sources=False,
    )
    styles = vera_styles(tmp_path / "styles")
    with pytest.raises(BuildError) as caught:
        write_booklet(bank, tmp_path / "out.pdf", options(style_dirs=(styles,)))
    messages = sorted(p.message for p in caught.value.problems)
    assert {(p.path, p.line, p.column) for p in caught.value.problems} == {("<bank>", 1, 1)}
    assert messages == [  # one per field, every character in it
        'question advanced-1, field answer: cannot print U+1F642 SLIGHTLY SMILING FACE "🙂": '
        "no font in the PDF chain (Vera) has it",
        'question basics-1, field key_points (point 2): cannot print U+2717 BALLOT X "✗": '
        "no font in the PDF chain (Vera) has it",
        'question basics-1, field question: cannot print U+2713 CHECK MARK "✓", '
        'U+2603 SNOWMAN "☃": no font in the PDF chain (Vera) has them',
    ]


def test_code_spans_use_the_code_font_coverage(tmp_path: Path) -> None:
    bank = make_bank(override={"basics-1": {"hint": "Read `a → b` as a mapping."}})
    dest = tmp_path / "code.pdf"
    write_booklet(bank, dest, options())  # DejaVu Sans Mono has the arrow
    assert "a → b" in " ".join(texts(dest))


# -- determinism and validity --------------------------------------------------------------


def assert_valid(path: Path) -> None:
    with pikepdf.open(path) as pdf:
        assert pdf.check_pdf_syntax() == []
    qpdf = shutil.which("qpdf")
    if qpdf:
        result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_pdfs_are_valid(booklet: Path, quiz: Path) -> None:
    assert_valid(booklet)
    assert_valid(quiz)


def test_quiz_and_cards_metadata_and_fonts(quiz: Path, tmp_path: Path) -> None:
    cards = tmp_path / "cards.pdf"
    write_cards(make_bank(), cards, options())
    for path, layout in ((quiz, "self-quiz"), (cards, "flash cards")):
        reader = PdfReader(path)
        meta = reader.metadata
        assert meta is not None
        assert meta.title == f"Test Bank ({layout})"
        assert meta.author == "Test Author"
        assert str(meta["/CreationDate"]) == "D:20231114221320+00'00'"
        assert reader.trailer["/Root"]["/Lang"] == "en-GB"  # type: ignore[index]
        assert_fonts_embedded(path, {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"})


_REBUILD = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_pdf import make_bank, options
from prepdeck.pdf.{module} import {writer}
{writer}(make_bank(), Path(sys.argv[1]), options())
"""


@pytest.mark.parametrize(
    ("module", "writer"),
    [("booklet", "write_booklet"), ("quiz", "write_quiz"), ("cards", "write_cards")],
)
def test_rebuilds_are_byte_identical(module: str, writer: str, tmp_path: Path) -> None:
    """Same bank and timestamp, another process, another hash seed and another
    SOURCE_DATE_EPOCH in the environment: the same bytes."""
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    code = _REBUILD.format(tests=str(Path(__file__).parent), module=module, writer=writer)
    for dest, seed in ((first, "1"), (second, "2")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": seed}
        subprocess.run([sys.executable, "-c", code, str(dest)], check=True, env=env)
    assert first.read_bytes() == second.read_bytes()
    third = tmp_path / "third.pdf"
    {"write_booklet": write_booklet, "write_quiz": write_quiz, "write_cards": write_cards}[writer](
        make_bank(), third, options()
    )
    assert third.read_bytes() == first.read_bytes()


def test_build_does_not_import_reportlab() -> None:
    code = "import sys, prepdeck.build, prepdeck.model; print('reportlab' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# -- styles --------------------------------------------------------------------------


def test_style_override_is_merged(tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.yaml").write_text("colors:\n  accent: '#aa0000'\nsizes:\n  body: 11\n")
    dest = tmp_path / "styled.pdf"
    write_booklet(make_bank(1), dest, options(style_dirs=(styles,)))
    with pikepdf.open(dest) as pdf:
        content = b"".join(
            pikepdf.unparse_content_stream(pikepdf.parse_content_stream(page)) for page in pdf.pages
        )
    assert b".666667 0 0 rg" in content


def test_bad_style_is_a_build_error(tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.yaml").write_text("colors:\n  accent: red\n")
    with pytest.raises(BuildError) as caught:
        write_booklet(make_bank(1), tmp_path / "x.pdf", options(style_dirs=(styles,)))
    (problem,) = caught.value.problems
    assert str(problem) == (
        f'{styles / "pdf.yaml"}:2:11: error[color-format]: "accent" must be a colour as '
        "#rrggbb, not 'red'"
    )


# -- cards ---------------------------------------------------------------------------


def slot_texts(path: Path, paper: str) -> tuple[Any, list[dict[tuple[int, int], str]]]:
    """The grid, and for each page the text in each card slot (row 0 at the top)."""
    from prepdeck.pdf.cards import grid_for

    kit = make_kit(())
    grid = grid_for(kit, paper)
    pages = []
    for page in PdfReader(path).pages:
        slots: dict[tuple[int, int], list[str]] = {}

        def visit(
            text: str,
            cm: list[float],
            tm: list[float],
            font: Any,
            size: float,
            slots: dict[tuple[int, int], list[str]] = slots,
        ) -> None:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            col = int((x - grid.x0) // grid.width)
            row = grid.rows - 1 - int((y - grid.y0) // grid.height)
            if text.strip() and 0 <= col < grid.cols and 0 <= row < grid.rows:
                slots.setdefault((row, col), []).append(text)

        page.extract_text(visitor_text=visit)
        pages.append({slot: " ".join("".join(parts).split()) for slot, parts in slots.items()})
    return grid, pages


@pytest.mark.parametrize(("paper", "size"), [("a4", (595.2756, 841.8898)), ("letter", (612, 792))])
def test_card_fronts_and_backs_pair_up(
    paper: str, size: tuple[float, float], tmp_path: Path
) -> None:
    bank = make_bank(3)  # 6 cards: a full sheet and a partial one
    dest = tmp_path / f"cards-{paper}.pdf"
    write_cards(bank, dest, options(paper))
    grid, pages = slot_texts(dest, paper)
    assert (grid.cols, grid.rows) == (2, 2)  # 3 x 5 in cards: more fit on the page turned
    assert grid.x0 == pytest.approx(size[1] - grid.x0 - grid.cols * grid.width)  # centred
    assert len(pages) == 4
    with pikepdf.open(dest) as pdf:
        landscape = [size[1], size[0]]
        assert [float(x) for x in pdf.pages[0].mediabox][2:] == pytest.approx(landscape, abs=0.01)
    by_label = {q.label: q for q in bank.questions}
    paired = 0
    for sheet in range(len(pages) // 2):
        front, back = pages[2 * sheet], pages[2 * sheet + 1]
        for (row, col), text in front.items():
            label = re.search(r"\bQ\d+\.\d+\b", text)
            assert label, text
            q = by_label[label[0]]
            assert flat(q.question) in text
            assert f"{q.label} · {q.tier.name}" in text  # the tier on both sides
            mirrored = back[(row, grid.cols - 1 - col)]
            assert f"{q.label} · {q.tier.name}" in mirrored
            assert flat(q.hint) in mirrored
            for point in q.key_points:
                assert flat(point) in mirrored
            paired += 1
        assert set(back) == {(r, grid.cols - 1 - c) for r, c in front}
    assert paired == len(bank.questions)
    assert "sheet 1 of 2, fronts" in texts(dest)[0]
    assert "sheet 1 of 2, backs" in texts(dest)[1]
    assert_valid(dest)


def test_card_crop_marks(tmp_path: Path) -> None:
    dest = tmp_path / "cards.pdf"
    write_cards(make_bank(1), dest, options())
    with pikepdf.open(dest) as pdf:
        for page in pdf.pages:
            ops = [str(op.operator) for op in pikepdf.parse_content_stream(page)]
            # (cols + 1) * 2 + (rows + 1) * 2 = 12 marks on a 2 x 2 sheet: a move and a line each
            assert ops.count("l") >= 12


def test_card_text_sizes_are_fixed(tmp_path: Path) -> None:
    """Every front's question at the front size, every back's text at the back size,
    the header at its own: no card shrinks its text to fit."""
    short = make_bank(1, override={"basics-1": {"question": "Why?", "key_points": ["One"]}})
    bank = make_bank(4)
    kit = make_kit(())
    cards = kit.style.cards
    assert cards.front_size >= 12 and cards.back_size >= 8
    for which, source in (("short", short), ("full", bank)):
        dest = tmp_path / f"{which}.pdf"
        write_cards(source, dest, options())
        sizes: dict[int, set[float]] = {}
        reader = PdfReader(dest)
        for index, page in enumerate(reader.pages):
            side = sizes.setdefault(index % 2, set())  # fronts, backs

            def visit(
                text: str, cm: Any, tm: Any, font: Any, size: float, side: set[float] = side
            ) -> None:
                if text.strip():
                    side.add(round(size * tm[0], 2))

            page.extract_text(visitor_text=visit)
        assert sizes[0] <= {cards.front_size, cards.header_size, kit.style.sizes.small}
        assert cards.front_size in sizes[0]
        assert sizes[1] <= {cards.back_size, cards.header_size, kit.style.sizes.small}
        assert cards.back_size in sizes[1]


def test_card_that_does_not_fit_fails_saying_which_field_and_by_how_much(
    tmp_path: Path,
) -> None:
    points = [f"Point {j} " + "a rather long key point " * 8 for j in range(20)]
    long_question = "Explain " + " ".join(f"word{i}" for i in range(120)) + " end?"
    bank = make_bank(
        override={"advanced-3": {"key_points": points}, "basics-1": {"question": long_question}}
    )
    with pytest.raises(BuildError) as caught:
        write_cards(bank, tmp_path / "cards.pdf", options())
    back, front = sorted(caught.value.problems, key=lambda p: p.path)
    assert {front.rule, back.rule} == {"card-overflow"}
    assert (back.path, back.line) == ("content/advanced.yaml", 23)
    assert re.fullmatch(
        r"question advanced-3: the card back is \d+\.\d mm too tall at 8 pt \(about \d+ lines "
        r"of \d+ mm\): shorten the key points \(or the hint\)",
        back.message,
    ), back.message
    assert re.fullmatch(
        r"question basics-1: the card front is \d+\.\d mm too tall at 12 pt \(about \d+ lines "
        r"of \d+ mm\): shorten the question",
        front.message,
    ), front.message
    assert not (tmp_path / "cards.pdf").exists()


# -- the line setter -----------------------------------------------------------------

_WORDS = st.text(alphabet="abcdefghijkXYZ0123<>&;é", min_size=1, max_size=14)
_SPACES = st.sampled_from([" ", "  ", "\n", " \t "])


@st.composite
def _markdownish(draw: st.DrawFn) -> str:
    words = draw(st.lists(_WORDS, min_size=1, max_size=40))
    out = []
    for word in words:
        wrap = draw(st.sampled_from(["", "", "", "**", "_", "`"]))
        out.append(f"{wrap}{word}{wrap}" + draw(_SPACES))
    return "".join(out)


def _typesetter() -> Typesetter:
    return Typesetter(make_kit(()), None, 700)


@settings(max_examples=150, deadline=None)
@given(source=_markdownish(), width=st.floats(min_value=20, max_value=500))
def test_lines_keep_every_character_in_order_and_fit(source: str, width: float) -> None:
    """Whatever the text and the width: the paragraph reportlab sets from our markup
    holds every character in order (the escaping round-trips), and no line is wider
    than the room (long words are split)."""
    typesetter = _typesetter()
    nodes = parse_inline(source)
    paragraph = typesetter.paragraph(nodes, typesetter.style(10))
    paragraph.wrap(width, 1e9)
    expected = " ".join(plain(nodes).split())
    assert " ".join(paragraph.getPlainText().split()) == expected
    widths = paragraph.getActualLineWidths0()
    # a line's width as reportlab reports it can include the line's trailing space,
    # which prints nothing; beyond that, no line may be wider than the room
    space = stringWidth(" ", typesetter.kit.fonts.body.bold, 10)
    assert widths and all(w <= width + space + 1e-6 for w in widths), (widths, width)


def test_paragraph_split_leaves_no_widow_or_orphan() -> None:
    typesetter = _typesetter()
    style = typesetter.style(10)
    paragraph = typesetter.paragraph(parse_inline("word " * 200), style)
    total = round(paragraph.wrap(100, 1e9)[1] / style.leading)
    assert total > 10
    splits = 0
    for lines_room in range(0, total + 1):
        parts = paragraph.split(100, lines_room * style.leading + 0.01)
        if len(parts) != 2:
            continue
        splits += 1
        first, rest = (round(part.wrap(100, 1e9)[1] / style.leading) for part in parts)
        assert first >= 2 and rest >= 2 and first + rest == total, (lines_room, first, rest)
    assert splits >= total - 4  # it does split, everywhere but next to either end


@settings(max_examples=12, deadline=None)
@given(question=_markdownish(), hint=_markdownish())
def test_any_text_prints_in_the_booklet(question: str, hint: str, tmp_path_factory: Any) -> None:
    bank = make_bank(
        1, tiers=("basics",), override={"basics-1": {"question": question, "hint": hint}}
    )
    dest = tmp_path_factory.mktemp("prop") / "b.pdf"
    write_booklet(bank, dest, options())
    body = "".join("".join(texts(dest)[2:]).split())
    for field in (question, hint):
        assert "".join(plain(parse_inline(field)).split()) in body


# -- more errors -----------------------------------------------------------------------


def test_glyphs_checked_in_bank_texts_and_references(tmp_path: Path) -> None:
    bank = make_bank(1)
    bank = dataclasses.replace(
        bank,
        description="A bank about → arrows.",
        references=(
            dataclasses.replace(bank.references[0], title="OWASP ✓"),
            *bank.references[1:],
        ),
    )
    styles = vera_styles(tmp_path / "styles")
    with pytest.raises(BuildError) as caught:
        write_booklet(bank, tmp_path / "x.pdf", options(style_dirs=(styles,)))
    messages = sorted(p.message for p in caught.value.problems)
    assert messages == [
        'bank description: cannot print U+2192 RIGHTWARDS ARROW "→": '
        "no font in the PDF chain (Vera) has it",
        'references[0].title: cannot print U+2713 CHECK MARK "✓": '
        "no font in the PDF chain (Vera) has it",
    ]


def test_unknown_paper_is_a_build_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as caught:
        write_booklet(make_bank(1), tmp_path / "x.pdf", options("a5"))
    assert caught.value.problems[0].rule == "pdf-paper"


def test_a_block_spanning_many_pages_measures_each_row_once() -> None:
    """A split hands its rows' heights to both parts: 3,000 one-line paragraphs over
    about 60 pages were measured again at every page (rows times pages)."""
    import io

    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from prepdeck.pdf.blocks import Block, FlowRow

    calls = 0

    class Counted(FlowRow):
        def measure(self, width: float) -> float:
            nonlocal calls
            calls += 1
            return super().measure(width)

    style = _typesetter().style(10)
    rows = [Counted(Paragraph(f"row {i}", style), space_before=1) for i in range(3000)]
    SimpleDocTemplate(io.BytesIO()).build([Block(rows, keep_limit=0)])
    assert calls <= 2 * len(rows), calls  # each row once, and once more to draw it


def test_a_stacked_table_lays_out_each_row_once_and_splits_between_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table too wide for the page prints a paragraph per row (a line per cell), each
    laid out once however many pages the table spans; a row that does not fit the
    rest of a page breaks between its cells, never inside one."""
    import io

    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from prepdeck.text import parse_blocks

    header = "|" + "|".join(f"h{i}" for i in range(12)) + "|\n|" + "-|" * 12 + "\n"
    rows = "".join("|" + "|".join(f"r{r}c{i}" for i in range(12)) + "|\n" for r in range(100))
    [table] = parse_blocks(header + rows)
    typesetter = _typesetter()
    made = typesetter.table(table)  # type: ignore[arg-type]
    wraps = 0
    original = Paragraph.wrap

    def counted(self: Paragraph, width: float, height: float) -> tuple[float, float]:
        nonlocal wraps
        wraps += 1
        return original(self, width, height)  # type: ignore[no-any-return]

    monkeypatch.setattr(Paragraph, "wrap", counted)
    out = io.BytesIO()
    # a 300-point column: under 36 points a column, the table stacks
    SimpleDocTemplate(out, leftMargin=148, rightMargin=148).build([made])
    monkeypatch.undo()
    pages = len(PdfReader(io.BytesIO(out.getvalue())).pages)
    assert pages >= 10
    assert wraps <= 100 + 3 * pages, (wraps, pages)  # one long Table: rows times pages
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages)
    cells = [line.strip() for line in text.splitlines() if ": r" in line]
    assert cells == [f"h{i}: r{r}c{i}" for r in range(100) for i in range(12)]


def test_a_stacked_table_of_only_a_header_prints_the_header() -> None:
    import io

    from reportlab.platypus import SimpleDocTemplate

    from prepdeck.text import parse_blocks

    [table] = parse_blocks("|" + "|".join(f"head{i}" for i in range(12)) + "|\n|" + "-|" * 12)
    out = io.BytesIO()
    SimpleDocTemplate(out, leftMargin=148, rightMargin=148).build(
        [_typesetter().table(table)]  # type: ignore[arg-type]
    )
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(out.getvalue())).pages)
    assert all(f"head{i}" in text for i in range(12)), text
