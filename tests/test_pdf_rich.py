"""Rich answers in the PDFs, read back with poppler (pdftotext -layout, pdfimages)
and pypdf: code keeps its lines and indentation, every table cell prints, images
are embedded, and the running header names the right tier."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from conftest import needs
from prepdeck.pdf.booklet import write_booklet
from prepdeck.pdf.cards import write_cards
from prepdeck.pdf.quiz import write_quiz
from test_pdf import make_bank, options

pytestmark = [
    pytest.mark.slow,
    needs("pdftotext", "pdfimages"),
]

ANSWER = """\
The policy:

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
spec:
  podSelector: {}
  policyTypes:
    - Ingress
```

A check:

```python
def allowed(pod):
    if pod.labels.get("app") == "<api>":
        return True

    return False
```

| Tool | Finds | Cost |
| :--- | :---: | ---: |
| `trivy` | CVEs & <misconfig> | free |
| **Snyk** | licence issues | paid |

![Pod-to-pod flows](media/pods.png)

1. A list item with code:

   ```bash
   kubectl apply -f policy.yaml
   ```
"""

LONG_LINE = "x = " + " + ".join(f"value_{i}" for i in range(40))


def layout_text(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("content")
    (root / "media").mkdir()
    Image.new("RGB", (300, 150), (30, 90, 200)).save(root / "media" / "pods.png", format="PNG")
    return root


def rich_bank(answer: str = ANSWER):  # type: ignore[no-untyped-def]
    return make_bank(1, tiers=("basics",), override={"basics-1": {"answer": answer}})


@pytest.fixture(scope="module")
def booklet(content_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("rich") / "booklet.pdf"
    write_booklet(rich_bank(), dest, replace(options(), content_dir=content_dir))
    return dest


def test_code_keeps_lines_and_indentation(booklet: Path) -> None:
    lines = layout_text(booklet).splitlines()
    start = next(i for i, line in enumerate(lines) if "apiVersion: networking.k8s.io/v1" in line)
    block = lines[start : start + 8]
    margin = len(block[0]) - len(block[0].lstrip())
    assert [line[margin:].rstrip() for line in block] == [
        "apiVersion: networking.k8s.io/v1",
        "kind: NetworkPolicy",
        "metadata:",
        "  name: deny-all",
        "spec:",
        "  podSelector: {}",
        "  policyTypes:",
        "    - Ingress",
    ]
    start = next(i for i, line in enumerate(lines) if "def allowed(pod):" in line)
    python = [line[margin:].rstrip() for line in lines[start : start + 5]]
    assert python[:4] == [
        "def allowed(pod):",
        '    if pod.labels.get("app") == "<api>":',
        "        return True",
        "",
    ]
    # (pdftotext guesses the column of a line after a blank one; the pages show it
    # indented like the line above the blank, see the rendered page in the report)
    assert python[4].strip() == "return False"
    assert any(line.strip() == "kubectl apply -f policy.yaml" for line in lines)


def test_every_table_cell_prints(booklet: Path) -> None:
    text = layout_text(booklet)
    for cell in ("Tool", "Finds", "Cost", "trivy", "CVEs & <misconfig>", "free", "Snyk"):
        assert cell in text, cell
    assert "licence issues" in text and "paid" in text
    row = next(line for line in text.splitlines() if "trivy" in line)
    assert re.search(r"trivy\s+CVEs & <misconfig>\s+free", row), row


def test_the_image_is_on_the_answer_page(booklet: Path) -> None:
    listing = subprocess.run(
        ["pdfimages", "-list", str(booklet)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert len(listing) == 1
    page, _, kind, width, height = listing[0].split()[:5]
    assert (kind, width, height) == ("image", "300", "150")
    page_text = layout_text(booklet, "-f", page, "-l", page)
    assert "Pod-to-pod flows" in page_text and "apiVersion" in page_text


def test_code_colours_come_from_pygments(booklet: Path) -> None:
    reader = PdfReader(booklet)
    streams = b"".join(page.get_contents().get_data() for page in reader.pages)  # type: ignore[union-attr]
    # Pygments' default style: keywords green (#008000), strings red (#ba2121)
    assert b"0 .501961 0 rg" in streams
    assert b".729412 .129412 .129412 rg" in streams


def test_long_code_lines_wrap_with_a_mark(content_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "b.pdf"
    bank = rich_bank(f"Long:\n\n```python\n{LONG_LINE}\n```\n")
    write_booklet(bank, dest, replace(options(), content_dir=content_dir))
    text = layout_text(dest)
    lines = [line.strip() for line in text.splitlines() if "value_" in line]
    assert len(lines) >= 3 and lines[0].startswith("x = value_0")
    assert all(line.startswith("\u21aa") for line in lines[1:])
    joined = lines[0] + "".join(line.removeprefix("\u21aa").lstrip() for line in lines[1:])
    assert joined.replace(" ", "") == LONG_LINE.replace(" ", "")


def test_a_long_table_repeats_its_header(content_dir: Path, tmp_path: Path) -> None:
    rows = "\n".join(f"| row {i} | value {i} |" for i in range(120))
    dest = tmp_path / "b.pdf"
    write_booklet(
        rich_bank(f"Many rows:\n\n| Name | Value |\n| - | - |\n{rows}\n"),
        dest,
        replace(options(), content_dir=content_dir),
    )
    pages = [p for p in layout_text(dest).split("\f") if "row " in p]
    assert len(pages) >= 2
    for page in pages:
        first_row = next(line for line in page.splitlines() if "row " in line or "Name" in line)
        assert re.search(r"Name\s+Value", first_row), first_row
    text = layout_text(dest)
    assert all(f"row {i} " in text for i in range(120))


def test_quiz_and_cards_build_with_rich_answers(content_dir: Path, tmp_path: Path) -> None:
    quiz = tmp_path / "q.pdf"
    write_quiz(rich_bank(), quiz, replace(options(), content_dir=content_dir))
    text = layout_text(quiz)
    assert "  name: deny-all" in text and "CVEs & <misconfig>" in text
    cards = tmp_path / "c.pdf"
    write_cards(rich_bank(), cards, replace(options(), content_dir=content_dir))
    assert "Question 1 asks" in layout_text(cards)


def test_rich_booklet_rebuilds_byte_identical(content_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "1.pdf", tmp_path / "2.pdf"
    for dest in (first, second):
        write_booklet(rich_bank(), dest, replace(options(), content_dir=content_dir))
    assert first.read_bytes() == second.read_bytes()


def test_running_header_names_the_tier_at_the_top_of_the_page(tmp_path: Path) -> None:
    """Each body page's header names the tier in effect at the top of the page: the
    one whose heading opens the page, else the last one started before it."""
    long_answer = "\n\n".join(f"Paragraph {i} " + "of a long answer " * 30 for i in range(5))
    tiers = ("alpha", "beta", "gamma", "delta")
    bank = make_bank(
        2,
        tiers=tiers,
        override={f"{t}-{i}": {"answer": long_answer} for t in tiers for i in (1, 2)},
    )
    dest = tmp_path / "b.pdf"
    write_booklet(bank, dest, options())
    pages = layout_text(dest).split("\f")
    names = {t.title() for t in tiers}
    in_effect, in_answers = "", False
    opened = mid_page = 0
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if not lines or not lines[-1].startswith("page "):
            continue  # front matter
        header = re.split(r"\s{2,}", lines[0])[-1]
        body = lines[1:-1]
        started = []  # the headers of sections that start on this page, in order
        for line in body:
            if line == "Answer key":
                in_answers = True
                started.append(line)
            elif line in names:
                started.append(f"Answer key · {line}" if in_answers else line)
        if body and (body[0] in names or body[0] == "Answer key"):
            opened += 1
            expected = started[0]
        else:
            mid_page += bool(started)
            expected = in_effect
        assert header == expected, (header, expected, body[:3])
        if started:
            in_effect = started[-1]
    assert opened >= 3 and mid_page >= 1, (opened, mid_page)


def test_glyph_check_covers_code_blocks_tables_and_captions(
    content_dir: Path, tmp_path: Path
) -> None:
    from prepdeck.errors import BuildError

    answer = (
        "Text.\n\n```python\nprint('\u4e2d')\n```\n\n| a | b |\n| - | - |\n| \u0e01 | x |\n\n"
        "![Flows \u05d0](media/pods.png)\n"
    )
    with pytest.raises(BuildError) as caught:
        write_booklet(
            rich_bank(answer), tmp_path / "b.pdf", replace(options(), content_dir=content_dir)
        )
    (problem,) = caught.value.problems  # one per field, naming every character
    # the code block, the table cell (Thai: no font in the chain) and the caption
    # (Hebrew: refused as right-to-left, though DejaVu Sans has the letter)
    assert 'U+4E2D CJK UNIFIED IDEOGRAPH-4E2D "\u4e2d"' in problem.message
    assert 'U+0E01 THAI CHARACTER KO KAI "\u0e01"' in problem.message
    assert "Hebrew text (U+05D0) cannot be printed" in problem.message
    assert not (tmp_path / "b.pdf").exists()


def test_a_paragraph_that_introduces_code_never_ends_a_page(
    content_dir: Path, tmp_path: Path
) -> None:
    # Filler paragraphs move "The build job:" down the page one line at a time, so
    # one of the layouts puts it on a page's last line unless it keeps with the code.
    code = "```yaml\n" + "\n".join(f"step_{i}: run" for i in range(30)) + "\n```"
    ends_a_page = []
    for filler in range(10, 40):
        answer = "\n\n".join(
            [*(f"Filler paragraph number {i}." for i in range(filler)), "The build job:", code]
        )
        dest = tmp_path / f"b{filler}.pdf"
        write_booklet(rich_bank(answer), dest, replace(options(), content_dir=content_dir))
        for page in layout_text(dest).split("\f"):
            body = [ln.strip() for ln in page.splitlines() if ln.strip()][:-1]  # less footer
            if body and body[-1] == "The build job:":
                ends_a_page.append(filler)
    assert ends_a_page == []
