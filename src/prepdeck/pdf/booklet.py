"""The study booklet (`<slug>.pdf`): title page, contents, a section per tier, and an
answer key at the back; laid out in one pass.

The contents come first in the file but are only known at the end, so:
- every entry is wrapped at word boundaries (a hanging indent under its first
  word, the page number on its last line) before layout, so the number of contents
  pages is known; the front matter is numbered i, ii, ... and the body from 1, so
  body page numbers do not depend on it;
- each contents page draws a form XObject (`toc0`, `toc1`, ...) and gets its link
  rectangles while it is laid out; the forms' text, with the page numbers the layout
  recorded, is defined after the last page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
)

from prepdeck.artifacts import BuildOptions, WriterResult, count
from prepdeck.model import Bank, Question, Tier
from prepdeck.pdf.blocks import Row
from prepdeck.pdf.common import Kit, check_printable, make_kit, metadata, one_line
from prepdeck.pdf.document import Document, Marks, PageGeometry
from prepdeck.pdf.fonts import drawable, fit_line, line_width, text_out
from prepdeck.pdf.parts import (
    ANSWER_KEEP,
    Parts,
    by_tier,
    printed_texts,
    question_key,
)

LEADER_PITCH = 3.2  # points between the dots of a contents leader


def write_booklet(bank: Bank, dest: Path, options: BuildOptions) -> WriterResult:
    kit = make_kit(options.style_dirs)
    check_printable(bank, kit, printed_texts(bank, kit, kit.style.text.how_to_use))
    marks = Marks()
    doc = Document(
        dest,
        kit=kit,
        pagesize=kit.style.document_paper(options.paper),
        meta=metadata(bank, "question booklet"),
        timestamp=options.timestamp,
        marks=marks,
        title=f"{bank.title} {bank.version}",
        first_template="title",
    )
    parts = Parts(
        kit, marks, bank, content_dir=options.content_dir, frame_height=doc.geometry.frame_height
    )
    sections = by_tier(bank)
    contents = Contents(kit, doc.geometry, marks, toc_entries(sections, kit))
    marks.front_pages = 1 + len(contents.pages)

    g = doc.geometry
    title = parts.title_flowables(
        layout="Question booklet",
        output="booklet",
        how_to_use=kit.style.text.how_to_use,
        timestamp=options.timestamp,
    )
    flowables: list[Flowable] = [
        KeepInFrame(g.frame_width, g.frame_height, [Spacer(1, g.frame_height * 0.1), *title]),
        NextPageTemplate("front"),
        PageBreak(),
        *contents.flowables(),
        NextPageTemplate("body"),
        PageBreak(),
        *body_flowables(sections, parts, kit, g),
    ]
    body_pages = doc.build(flowables, finish=contents.define_forms)
    return WriterResult(
        report=[
            f"{count(len(bank.questions), 'question')}, "
            f"{count(marks.front_pages + body_pages, 'page')} "
            f"({marks.front_pages} front matter + {body_pages}), {options.paper}"
        ]
    )


def body_flowables(
    sections: list[tuple[Tier, list[Question]]], parts: Parts, kit: Kit, g: PageGeometry
) -> list[Flowable]:
    """A block per question, each tier on a new page, then one per answer."""
    if not sections:
        return [Paragraph("No questions match this selection.", parts.body_paragraph)]

    def question(q: Question) -> list[Row]:
        return [
            parts.question_heading(q),
            parts.question_text(q),
            parts.hint(q),
            *parts.key_points(q),
        ]

    def answer(q: Question) -> list[Row]:
        return [*parts.answer(q), *parts.references(q)]

    return [
        *parts.question_blocks(sections, question, keep_limit=g.frame_height, page_per_tier=True),
        PageBreak(),
        *parts.answer_blocks(sections, answer, keep_limit=g.frame_height * ANSWER_KEEP),
    ]


# -- contents ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TocEntry:
    key: str  # the destination it links to
    label: str  # "Q12", or "" for a section
    text: str
    level: int  # 0: a section (bold), 1: inside one


def toc_entries(sections: list[tuple[Tier, list[Question]]], kit: Kit) -> list[TocEntry]:
    entries: list[TocEntry] = []
    regular = kit.fonts.body.regular
    for tier, questions in sections:
        entries.append(TocEntry(f"tier{tier.position}", "", tier.name, 0))
        if kit.style.booklet.toc_questions:
            entries.extend(
                TocEntry(question_key(q), q.label, drawable(one_line(q), kit.fonts, regular), 1)
                for q in questions
            )
    if sections:
        entries.append(TocEntry("answers", "", "Answer key", 0))
        entries.extend(
            TocEntry(f"answers-tier{tier.position}", "", tier.name, 1) for tier, _ in sections
        )
    return entries


class Contents:
    """Contents pages: paginated before layout, filled in after it."""

    def __init__(self, kit: Kit, geometry: PageGeometry, marks: Marks, entries: list[TocEntry]):
        self.kit = kit
        self.marks = marks
        self.width = geometry.frame_width
        self.height = geometry.frame_height
        sizes = kit.style.sizes
        self.size = sizes.toc
        self.line = round(sizes.toc * 1.6, 2)
        self.title_size = sizes.section
        self.wrapped_line = round(sizes.toc * sizes.leading, 2)  # inside an entry
        self.title_height = sizes.section * 1.35 + 18
        self.number_width = stringWidth("00000", kit.fonts.body.regular, self.size)
        labels = [e.label for e in entries if e.label] or ["Q0"]
        self.label_width = max(stringWidth(x, kit.fonts.body.bold, self.size) for x in labels) + 8
        self.pages = self._paginate(entries)

    def _x(self, entry: TocEntry) -> float:
        """Where an entry's text starts: after its label, indented inside a section."""
        return (0.0 if entry.level == 0 else 12.0) + (self.label_width if entry.label else 0.0)

    def _room(self, entry: TocEntry) -> float:
        room: float = self.width - self._x(entry) - self.number_width - 16
        return room

    def _lines(self, entry: TocEntry) -> list[str]:
        """The entry's text broken at word boundaries to fit beside the page numbers
        (a word longer than a line is cut with an ellipsis)."""
        body, bold = self.kit.fonts.body, entry.level == 0
        room = self._room(entry)
        lines: list[str] = []
        for word in entry.text.split():
            joined = f"{lines[-1]} {word}" if lines else word
            if lines and line_width(joined, body, self.size, bold=bold) <= room:
                lines[-1] = joined
            else:
                lines.append(fit_line(word, body, self.size, room, bold=bold))
        return lines or [""]

    def _paginate(self, entries: list[TocEntry]) -> list[list[tuple[TocEntry, list[str], float]]]:
        """Each page's entries, their lines and top offset; the arithmetic the layout
        uses.  An entry is never split between pages."""
        pages: list[list[tuple[TocEntry, list[str], float]]] = [[]]
        top = self.title_height
        for entry in entries:
            lines = self._lines(entry)
            gap = self.line * 0.6 if entry.level == 0 and pages[-1] else 0.0
            height = self.line + (len(lines) - 1) * self.wrapped_line
            if top + gap + height > self.height:
                pages.append([])
                top, gap = 0.0, 0.0
            top += gap
            pages[-1].append((entry, lines, top))
            top += height
        return pages

    def flowables(self) -> list[Flowable]:
        out: list[Flowable] = []
        for i in range(len(self.pages)):
            if i:
                out.append(PageBreak())
            out.append(_ContentsPage(self, i))
        return out

    def draw_page(self, canv: Canvas, index: int) -> None:
        """While laying out: the title, the links, and a use of the page's form."""
        if index == 0:
            canv.bookmarkHorizontal("contents", 0, self.height)
            canv.addOutlineEntry("Contents", "contents", 0)
            canv.saveState()
            canv.setFont(self.kit.fonts.body.bold, self.title_size)
            canv.setFillColor(self.kit.color("accent"))
            canv.drawString(0, self.height - self.title_size * 1.05, "Contents")
            canv.setStrokeColor(self.kit.color("accent"))
            canv.line(
                0,
                self.height - self.title_height + 8,
                self.width,
                self.height - self.title_height + 8,
            )
            canv.restoreState()
        for entry, lines, top in self.pages[index]:
            bottom = self.height - top - self.line - (len(lines) - 1) * self.wrapped_line
            canv.linkRect(
                "", entry.key, (0, bottom, self.width, self.height - top), relative=1, thickness=0
            )
        canv.doForm(f"toc{index}")

    def define_forms(self, canv: Canvas) -> None:
        """After layout: each page's entries with the page numbers now known.

        A page is one text object plus one dotted path for its leaders: a
        drawString per run would cost several times more on a 10,000-line contents.
        """
        for index, lines in enumerate(self.pages):
            canv.beginForm(f"toc{index}")
            text = canv.beginText()
            leaders: list[tuple[float, float, float, float]] = []
            for entry, wrapped, top in lines:
                self._entry(text, entry, wrapped, self.height - top - self.line * 0.72, leaders)
            canv.drawText(text)
            if leaders:
                canv.setStrokeColor(self.kit.color("muted"))
                canv.setLineWidth(0.7)
                canv.setLineCap(1)
                canv.setDash([0, LEADER_PITCH])  # round caps on empty dashes: dots
                canv.lines(leaders)
            canv.endForm()

    def _entry(
        self,
        text: Any,
        entry: TocEntry,
        lines: list[str],
        baseline: float,
        leaders: list[tuple[float, float, float, float]],
    ) -> None:
        kit, body, size = self.kit, self.kit.fonts.body, self.size
        page = self.marks.pages.get(entry.key)
        number = str(page) if page is not None else ""
        bold = entry.level == 0
        if entry.label:
            text.setTextOrigin(0.0 if entry.level == 0 else 12.0, baseline)
            text.setFont(body.bold, size)
            text.setFillColor(kit.color("text"))
            text.textOut(entry.label)
        x = self._x(entry)
        text.setFillColor(kit.color("accent" if entry.level == 0 else "text"))
        for i, line in enumerate(lines):  # a hanging indent: every line starts at x
            if i:
                baseline -= self.wrapped_line
            text.setTextOrigin(x, baseline)
            text_out(text, line, body, size, bold=bold)  # in the chain's faces
        number_x = self.width - stringWidth(number, body.regular, size)
        text.setTextOrigin(number_x, baseline)
        text.setFont(body.regular, size)
        text.setFillColor(kit.color("text"))
        text.textOut(number)
        # dots on a common grid, so they line up from one entry to the next
        shown_width = line_width(lines[-1], body, size, bold=bold)
        start = math.ceil((x + shown_width + 5) / LEADER_PITCH) * LEADER_PITCH
        end = number_x - 5
        if end > start:
            leaders.append((start, baseline + 1, end, baseline + 1))


class _ContentsPage(Flowable):  # type: ignore[misc]
    """Fills one page's frame; see `Contents.draw_page`."""

    def __init__(self, contents: Contents, index: int) -> None:
        super().__init__()
        self.contents = contents
        self.index = index

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = self.contents.width
        self.height = min(self.contents.height, availHeight)
        return self.width, self.height

    def draw(self) -> None:
        self.contents.draw_page(self.canv, self.index)
