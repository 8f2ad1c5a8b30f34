"""The pieces of a question the booklet and the quiz both print, as block rows:
headings, the question, the hint panel, key points, the model answer, references,
and the title block.

Destinations are named by question number (`q12` for the question, `a12` for its
answer), which is unique and stable under filters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property, partial
from pathlib import Path

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from prepdeck.model import Bank, Question, Tier
from prepdeck.pdf.blocks import (
    Block,
    Box,
    FlowRow,
    HeadingRow,
    LabelRow,
    Outline,
    Row,
    SectionHeading,
)
from prepdeck.pdf.common import Kit, build_date, one_line
from prepdeck.pdf.document import Marks
from prepdeck.pdf.flow import BULLET, LIST_INDENT, Balanced, Typesetter
from prepdeck.pdf.fonts import drawable
from prepdeck.text import Inline, Link, Text, is_safe_url, parse_blocks, parse_inline

RIGHT_QUOTE, LEFT_QUOTE = "\u203a", "\u2039"  # single angle quotation marks
ANSWER_LINK = f"answer {RIGHT_QUOTE}"
BACK_LINK = f"{LEFT_QUOTE} question"  # over "page 12"
# prepdeck's own characters in headings and links; checked like content
FURNITURE_TEXT = f"{ANSWER_LINK} {BACK_LINK} page · … {BULLET} Q0123456789"


# the fields the booklet and the quiz print, in the face each starts in (glyph check)
OUTLINE_LENGTH = 120  # characters of a question in the bookmarks panel, cut between words
ANSWER_KEEP = 0.22  # answers shorter than this share of a page are never split

QuestionRows = Callable[[Question], list[Row]]


def question_key(q: Question) -> str:
    return f"q{q.number}"


def answer_key(q: Question) -> str:
    return f"a{q.number}"


def by_tier(bank: Bank) -> list[tuple[Tier, list[Question]]]:
    """Tiers in bank order with their questions; tiers with none are left out."""
    grouped: dict[str, list[Question]] = {t.id: [] for t in bank.tiers}
    for q in bank.questions:
        grouped.setdefault(q.tier.id, []).append(q)
    return [(t, grouped[t.id]) for t in bank.tiers if grouped[t.id]]


def printed_texts(bank: Bank, kit: Kit, how_to_use: str) -> list[tuple[str, str, str]]:
    """(what, text, face) for text the booklet and quiz print besides the bank's
    fields (`printed.py` has those), for the glyph check: our own labels and the
    how-to note."""
    body = kit.fonts.body
    texts = [("prepdeck's own text", FURNITURE_TEXT, face) for face in (body.regular, body.bold)]
    texts.append(("styles: text how_to_use", how_to_use, body.regular))
    return texts


def count_text(count: int) -> str:
    return f"{count} question" + ("" if count == 1 else "s")


class Parts:
    def __init__(
        self, kit: Kit, marks: Marks, bank: Bank, *, content_dir: Path | None, frame_height: float
    ) -> None:
        self.kit = kit
        self.marks = marks
        self.bank = bank
        sizes = kit.style.sizes
        self.sizes = sizes
        self.hint_box = Box(fill=kit.color("hint_background"), rule=kit.color("hint_rule"))
        self.typesetter = Typesetter(kit, content_dir, frame_height, bank.images)
        self.step = self.typesetter.step  # the spacing scale's unit: half a line
        self.question_style = self.typesetter.style(sizes.question)
        self.body_style = self.typesetter.style(sizes.body)
        self.point_style = self.typesetter.style(sizes.body, indent=LIST_INDENT)
        # the title page's paragraphs
        self.body_paragraph = kit.paragraph_style("body")
        self.small_paragraph = kit.paragraph_style("small", size=sizes.small, color="muted")

    @cached_property
    def _label_font(self) -> str:
        return self.kit.fonts.body.bold

    def label(self, text: str, *, space_before: float = 5.0) -> LabelRow:
        return LabelRow(
            text,
            font=self._label_font,
            size=self.sizes.small,
            color=self.kit.color("muted"),
            space_before=space_before,
        )

    # -- headings ------------------------------------------------------------------

    def outline_title(self, q: Question) -> str:
        text = drawable(one_line(q), self.kit.fonts, self.kit.fonts.body.regular)
        if len(text) > OUTLINE_LENGTH:  # cut at a word boundary
            text = text[: OUTLINE_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
        return f"{q.label}  {text}"

    def question_heading(self, q: Question, *, space_before: float = 0.0) -> HeadingRow:
        return HeadingRow(
            self.kit,
            self.marks,
            label=q.label,
            ident=q.id,
            outline=Outline(question_key(q), self.outline_title(q), 1),
            first_size=self.sizes.question,
            link_key=answer_key(q),
            link_text=ANSWER_LINK,
            space_before=space_before,
        )

    def answer_heading(self, q: Question, *, space_before: float = 0.0) -> HeadingRow:
        return HeadingRow(
            self.kit,
            self.marks,
            label=q.label,
            ident=q.id,
            outline=Outline(answer_key(q)),
            first_size=self.sizes.question,
            back_key=question_key(q),
            link_text=BACK_LINK,
            space_before=space_before,
        )

    def tier_heading(self, tier: Tier, count: int, *, prefix: str = "") -> SectionHeading:
        return SectionHeading(
            self.kit,
            self.marks,
            title=tier.name,
            subtitle=count_text(count),
            header=f"{prefix}{tier.name}",
            outline=Outline(f"tier{tier.position}", tier.name, 0),
            size=self.sizes.section,
        )

    def answer_key_heading(self) -> SectionHeading:
        return SectionHeading(
            self.kit,
            self.marks,
            title="Answer key",
            subtitle="",
            header="Answer key",
            outline=Outline("answers", "Answer key", 0),
            size=self.sizes.section,
        )

    def answer_tier_heading(self, tier: Tier, count: int) -> SectionHeading:
        return SectionHeading(
            self.kit,
            self.marks,
            title=tier.name,
            subtitle=count_text(count),
            header=f"Answer key · {tier.name}",
            outline=Outline(f"answers-tier{tier.position}", tier.name, 1),
            size=self.sizes.section * 0.75,
            space_before=8,
        )

    # -- the blocks of a layout -----------------------------------------------------

    def question_blocks(
        self,
        sections: list[tuple[Tier, list[Question]]],
        rows: QuestionRows,
        *,
        keep_limit: float,
        tier_gap: float | None = None,
        page_per_tier: bool = False,
    ) -> list[Flowable]:
        """A block per question, its tier's heading on the first; each block's rows
        (`rows(q)` after the heading) are made when it is laid out."""

        def made(q: Question, tier: Tier | None, count: int) -> list[Row]:
            return ([self.tier_heading(tier, count)] if tier else []) + rows(q)

        gap = self.kit.style.page.question_gap
        out: list[Flowable] = []
        for i, (tier, questions) in enumerate(sections):
            if i and page_per_tier:
                out.append(PageBreak())
            for j, q in enumerate(questions):
                opens = tier if j == 0 else None
                space = tier_gap if j == 0 and tier_gap is not None else gap
                block = partial(made, q, opens, len(questions))
                out.append(Block(block, keep_limit=keep_limit, space_before=space))
        return out

    def answer_blocks(
        self, sections: list[tuple[Tier, list[Question]]], rows: QuestionRows, *, keep_limit: float
    ) -> list[Flowable]:
        """The answer key: its heading, then a block per answer with its tier's
        heading on the first; `rows(q)` come after the answer's own heading."""

        def made(q: Question, tier: Tier | None, count: int, first: bool) -> list[Row]:
            out: list[Row] = [self.answer_key_heading()] if first else []
            if tier:
                out.append(self.answer_tier_heading(tier, count))
            # the question restated under its number, so nobody flips back
            return [*out, self.answer_heading(q), self.question_text(q), *rows(q)]

        gap = self.kit.style.page.question_gap
        out: list[Flowable] = []
        for i, (tier, questions) in enumerate(sections):
            for j, q in enumerate(questions):
                opens = tier if j == 0 else None
                block = partial(made, q, opens, len(questions), i == j == 0)
                out.append(Block(block, keep_limit=keep_limit, space_before=gap))
        return out

    # -- content -------------------------------------------------------------------

    def question_text(self, q: Question) -> FlowRow:
        paragraph = self.typesetter.paragraph(
            parse_inline(q.question), self.question_style, bold=True
        )
        return FlowRow(paragraph)

    def hint(self, q: Question) -> FlowRow:
        accent = self.kit.style.colors.accent
        lead = f'<b><font color="{accent}">Hint</font></b> '
        paragraph = self.typesetter.paragraph(parse_inline(q.hint), self.body_style, lead=lead)
        return FlowRow(paragraph, box=self.hint_box, space_before=self.step)

    def key_points(self, q: Question) -> list[Row]:
        if not q.key_points:
            return []
        rows: list[Row] = [self.label("KEY POINTS", space_before=self.step)]
        rows.extend(
            FlowRow(self.typesetter.paragraph(parse_inline(point), self.point_style, bullet=BULLET))
            for point in q.key_points
        )
        return rows

    def answer(self, q: Question) -> list[Row]:
        return [
            FlowRow(
                placed.flowable,
                indent=placed.indent,
                space_before=placed.space_before,
                keep_with_next=placed.keep_with_next,
                outset=placed.outset,
            )
            for placed in self.typesetter.blocks(parse_blocks(q.answer))
        ]

    def references(self, q: Question) -> list[Row]:
        refs = self.bank.cited(q)
        if not refs:
            return []
        rows: list[Row] = [self.label("FURTHER READING", space_before=self.step)]
        for ref in refs:
            nodes: tuple[Inline, ...] = (Link(ref.url, (Text(ref.title),)),)
            if is_safe_url(ref.url):  # a link that will not be clickable is not printed
                nodes += (Text(" " + ref.url),)
            paragraph = self.typesetter.paragraph(nodes, self.point_style, bullet=BULLET)
            rows.append(FlowRow(paragraph))
        return rows

    # -- title page ------------------------------------------------------------------

    def title_flowables(
        self, *, layout: str, output: str, how_to_use: str, timestamp: int
    ) -> list[Flowable]:
        """Title, version, build date, selection, counts per tier, how to use, licence."""
        kit, bank, sizes = self.kit, self.bank, self.sizes
        esc = kit.escape
        title = kit.paragraph_style(
            "title", size=sizes.title, bold=True, color="accent", space_after=6
        )
        subtitle = kit.paragraph_style(
            "subtitle", size=sizes.section * 0.8, color="muted", space_after=4
        )
        heading = kit.paragraph_style("heading", size=sizes.body * 1.1, bold=True, space_after=3)
        facts = [f"Version {bank.version}", f"built {build_date(timestamp)}"]
        if bank.reviewed:  # a YYYY-MM-DD date (the schema's date-format)
            facts.insert(1, f"claims checked {bank.reviewed}")
        out: list[Flowable] = [
            Balanced(Paragraph(esc(bank.title), title)),
            Paragraph(esc(layout), subtitle),
            Paragraph(esc(" · ".join(facts)), self.body_paragraph),
            Spacer(1, 14),
        ]
        if bank.filter_description:
            note = kit.paragraph_style("selection", space_after=10)
            note.backColor = kit.color("hint_background")
            note.borderPadding = 6
            out.append(
                Paragraph(
                    f"<b>Selection:</b> {esc(bank.filter_description)}. Only the matching "
                    "questions are printed; their numbers still match the full deck.",
                    note,
                )
            )
            out.append(Spacer(1, 6))
        blurb = bank.blurb(output)  # this output's own words, else the description
        if blurb:
            out.append(Paragraph(kit.markup(blurb), self.body_paragraph))
            out.append(Spacer(1, 12))
        out.append(Paragraph("Questions per tier", heading))
        out.append(self._counts_table())
        out.append(Spacer(1, 14))
        out.append(Paragraph("How to use", heading))
        out.append(Paragraph(esc(how_to_use), self.body_paragraph))
        out.append(Spacer(1, 14))
        credits = []
        if bank.author:
            credits.append(f"By {esc(bank.author)}.")
        if bank.license:
            credits.append(f"Licence: {esc(bank.license)}.")
        if credits:
            out.append(Paragraph(" ".join(credits), self.small_paragraph))
        return out

    def _counts_table(self) -> Table:
        kit, bank = self.kit, self.bank
        counts = {t.id: 0 for t in bank.tiers}
        for q in bank.questions:
            counts[q.tier.id] = counts.get(q.tier.id, 0) + 1
        # a tier name is an escaped paragraph, so the font chain draws every character
        # (a string cell would be drawn in one face)
        name_style = kit.paragraph_style("tier-count", size=self.sizes.body)
        count_style = ParagraphStyle("tier-count-n", parent=name_style, alignment=TA_RIGHT)
        rows: list[Sequence[object]] = [
            [
                Paragraph(kit.escape(t.name), name_style),
                Paragraph(str(counts[t.id]), count_style),
            ]
            for t in bank.tiers
        ]
        rows.append(["Total", str(len(bank.questions))])
        size = self.sizes.body
        table = Table(rows, colWidths=[200, 60], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), kit.fonts.body.regular, size),
                    ("FONT", (0, -1), (-1, -1), kit.fonts.body.bold, size),
                    ("TEXTCOLOR", (0, 0), (-1, -1), kit.color("text")),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.25, kit.color("rule")),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.75, kit.color("text")),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return table
