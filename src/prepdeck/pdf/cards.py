"""Cut-out flash cards (`<slug>-cards.pdf`), in one of two layouts.

- duplex (the default): sheets come in pairs, a page of fronts (the question) and
  the page behind it with the backs (hint and key points).  Printed double-sided and
  flipped on the long edge, a sheet's back is its front mirrored left to right, so
  the card in slot (row, col) on the front has its back in slot (row, ncols-1-col);
  the grid is symmetric on the page, which makes that mirror exact.  Printers shift
  the backs a little: `cards.duplex_offset_*_mm` moves them back (`prepdeck
  calibrate` prints a sheet that measures it).
- fold: for one-sided printing, each card's front and back side by side, mirrored
  across a dashed fold line between them.

Papers with a `cards` grid are card stock (index cards, a perforated business-card
sheet): cards go where the stock has them, without crop marks.

Every size on a card is fixed (`cards.front_size`, `back_size`, `header_size`), so
all cards read alike; text that does not fit fails the build with `card-overflow`,
saying which field to shorten and by how much, rather than printing a card cut short.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from prepdeck.artifacts import BuildOptions, WriterResult, count
from prepdeck.errors import BuildError, Problem
from prepdeck.gcpause import gc_running
from prepdeck.model import Bank, Question
from prepdeck.pdf.common import (
    Kit,
    build_date,
    check_printable,
    make_kit,
    metadata,
    save,
)
from prepdeck.pdf.fonts import draw_line, fit_line, question_location
from prepdeck.pdf.rl_private import compress_finished_pages, fix_time
from prepdeck.pdf.style import MM
from prepdeck.text import inline_markup, parse_inline

FURNITURE_TEXT = "Q0123456789 · Hint KEY POINTS • sheet of fronts backs cards fold"
BULLET = "\u2022"
SEPARATOR = " \u00b7 "  # between the number and the tier in a card's header
SLUG_ROOM_MM = 5  # beyond the crop marks: the line of small print


@dataclass(frozen=True)
class Grid:
    """Card slots on a sheet: `cols` x `rows` cards of `width` x `height`, the
    top-left one's top-left corner `left` from the page's left edge and `top` from its
    top edge, `gap` apart.  In the fold layout columns come in pairs, a front then
    its back, the fold line between them."""

    page_width: float
    page_height: float
    cols: int
    rows: int
    width: float
    height: float
    left: float
    top: float
    gap: float = 0.0
    fold: bool = False
    crop_marks: bool = True  # False on card stock: nothing to cut

    @property
    def x0(self) -> float:
        return self.left

    @property
    def y0(self) -> float:
        """The bottom of the grid."""
        return self.page_height - self.top - self.rows * self.height - (self.rows - 1) * self.gap

    @property
    def per_sheet(self) -> int:
        return self.rows * (self.cols // 2 if self.fold else self.cols)

    def slot(self, row: int, col: int) -> tuple[float, float]:
        """Lower-left corner of the slot; row 0 is the top row."""
        x = self.left + col * (self.width + self.gap)
        y = self.page_height - self.top - (row + 1) * self.height - row * self.gap
        return x, y

    def front_slot(self, index: int) -> tuple[int, int]:
        if self.fold:
            row, pair = divmod(index, self.cols // 2)
            return row, 2 * pair
        return divmod(index, self.cols)

    def back_slot(self, index: int) -> tuple[int, int]:
        row, col = self.front_slot(index)
        return (row, col + 1) if self.fold else (row, self.cols - 1 - col)


def grid_for(kit: Kit, paper: str) -> Grid:
    """The grid of `paper`: card stock's own, else as many cards as fit with their
    crop marks, centred, on the page turned whichever way holds more."""
    cards = kit.style.cards
    fold = cards.layout == "fold"
    sheet = kit.style.papers[paper].cards if paper in kit.style.papers else None
    page_w, page_h = kit.style.paper_size(paper)
    if sheet is not None:
        cols = sheet.cols
        if fold and cols % 2:
            raise BuildError(
                [
                    Problem(
                        "pdf.yaml", 1, 1, "pdf-style",
                        f"cards.layout fold needs card stock with an even number of columns; "
                        f"paper {paper!r} has {cols}",
                    )
                ]
            )  # fmt: skip
        return Grid(
            page_w, page_h, cols, sheet.rows, sheet.width_mm * MM, sheet.height_mm * MM,
            sheet.left_mm * MM, sheet.top_mm * MM, sheet.gap_mm * MM, fold, crop_marks=False,
        )  # fmt: skip
    width, height = cards.width_mm * MM, cards.height_mm * MM
    margin = (cards.crop_gap_mm + cards.crop_mark_mm + SLUG_ROOM_MM) * MM

    def fitting(page: tuple[float, float]) -> Grid:
        cols = int((page[0] - 2 * margin) // width)
        if fold:
            cols -= cols % 2
        rows = int((page[1] - 2 * margin) // height)
        left = (page[0] - cols * width) / 2
        top = (page[1] - rows * height) / 2
        return Grid(page[0], page[1], cols, rows, width, height, left, top, fold=fold)

    portrait, landscape = fitting((page_w, page_h)), fitting((page_h, page_w))
    best = landscape if landscape.per_sheet > portrait.per_sheet else portrait
    if best.per_sheet < 1:
        need = "two cards side by side" if fold else "a card"
        raise BuildError(
            [
                Problem(
                    "pdf.yaml", 1, 1, "pdf-style",
                    f"cards.width_mm/height_mm: {need} of {cards.width_mm:g} x "
                    f"{cards.height_mm:g} mm does not fit on paper {paper!r} with its crop marks",
                )
            ]
        )  # fmt: skip
    return best


# -- setting text on a card --------------------------------------------------------


@dataclass(frozen=True)
class Fitted:
    """A face's paragraphs set at its size, and their total height."""

    blocks: tuple[tuple[Paragraph, float, float], ...]  # paragraph, height, gap above
    height: float
    size: float


@dataclass(frozen=True)
class Piece:
    """One paragraph of a card face: its (escaped) markup, the field it comes from,
    and whether it is a key point."""

    markup: str
    field: str = "question"
    point: bool = False


_TALL = 1e9


class CardFitter:
    """Sets a card face's paragraphs at one size, in the card's width."""

    def __init__(self, kit: Kit, width: float) -> None:
        self.kit = kit
        self.width = width
        self.ratio = kit.style.sizes.leading

    def _styles(self, size: float) -> tuple[ParagraphStyle, ParagraphStyle]:
        leading = round(size * self.ratio, 2)
        plain = self.kit.paragraph_style("card", size=size, leading=leading)
        point = self.kit.paragraph_style("card-point", size=size, leading=leading, indent=size)
        point.bulletIndent = 0
        return plain, point

    def set(self, pieces: Sequence[Piece], size: float) -> Fitted:
        plain, point = self._styles(size)
        placed = []
        total = 0.0
        half_line = plain.leading / 2  # the cards' spacing scale
        for i, piece in enumerate(pieces):
            paragraph = Paragraph(
                piece.markup,
                point if piece.point else plain,
                bulletText=BULLET if piece.point else None,
            )
            height = paragraph.wrap(self.width, _TALL)[1]
            gap = half_line if i and not (piece.point and pieces[i - 1].point) else 0.0
            placed.append((paragraph, height, gap))
            total += height + gap
        return Fitted(tuple(placed), total, size)


@dataclass(frozen=True)
class Card:
    question: Question
    front: Fitted
    back: Fitted


FIELD_NAMES = {"question": "question", "hint": "hint", "key_points": "key points"}


class CardMaker:
    def __init__(self, kit: Kit, grid: Grid) -> None:
        self.kit = kit
        cards = kit.style.cards
        self.padding = cards.padding_mm * MM
        self.inner_width = grid.width - 2 * self.padding
        self.band = cards.tier_band_mm * MM
        # the header line under the band: "Q4.4 · Beginner"
        self.header = cards.header_size * 1.6
        self.text_height = grid.height - self.band - 2 * self.padding - self.header
        self.fitter = CardFitter(kit, self.inner_width)

    def make(self, q: Question) -> tuple[Card | None, list[Problem]]:
        kit, cards = self.kit, self.kit.style.cards
        style = kit.markup_style
        front_pieces = [Piece(inline_markup(parse_inline(q.question), style))]
        lead = f'<b><font color="{kit.style.colors.accent}">Hint</font></b> '
        back_pieces = [Piece(lead + inline_markup(parse_inline(q.hint), style), "hint")]
        back_pieces += [
            Piece(inline_markup(parse_inline(p), style), "key_points", point=True)
            for p in q.key_points
        ]
        front = self.fitter.set(front_pieces, cards.front_size)
        back = self.fitter.set(back_pieces, cards.back_size)
        problems = []
        path, line, col = question_location(q)
        for fitted, side in ((front, "front"), (back, "back")):
            over = fitted.height - self.text_height
            if over > 1e-6:
                problems.append(
                    Problem(path, line, col, "card-overflow", self._overflow(q, fitted, side))
                )
        if problems:
            return None, problems
        return Card(q, front, back), problems

    def _overflow(self, q: Question, fitted: Fitted, side: str) -> str:
        """Which field to shorten, and by how much, for a face that does not fit."""
        over = fitted.height - self.text_height
        leading = fitted.size * self.kit.style.sizes.leading
        lines = math.ceil(over / leading - 1e-6)
        heights: dict[str, float] = {}
        fields = ["question"] if side == "front" else ["hint", *["key_points"] * len(q.key_points)]
        for (_, height, gap), field in zip(fitted.blocks, fields, strict=True):
            heights[field] = heights.get(field, 0.0) + height + gap
        longest = max(heights, key=lambda f: heights[f])
        shorten = FIELD_NAMES[longest]
        others = [FIELD_NAMES[f] for f in heights if f != longest]
        also = f" (or the {' and '.join(others)})" if others else ""
        return (
            f"question {q.id}: the card {side} is {over / MM:.1f} mm too tall at "
            f"{fitted.size:g} pt (about {lines} line{'s' if lines != 1 else ''} of "
            f"{self.text_height / MM:.0f} mm): shorten the {shorten}{also}"
        )


# -- drawing -----------------------------------------------------------------------


class SheetPainter:
    def __init__(self, kit: Kit, grid: Grid, maker: CardMaker, tiers: Sequence[str]) -> None:
        self.kit = kit
        self.grid = grid
        self.maker = maker
        colors = kit.style.cards.tier_colors
        self.tier_color = {tier: HexColor(colors[i % len(colors)]) for i, tier in enumerate(tiers)}

    def note(self, canv: Canvas, text: str) -> None:
        canv.saveState()
        canv.setFont(self.kit.fonts.body.regular, self.kit.style.sizes.body)
        canv.drawCentredString(self.grid.page_width / 2, self.grid.page_height / 2, text)
        canv.restoreState()

    def crop_marks(self, canv: Canvas) -> None:
        g, cards = self.grid, self.kit.style.cards
        if not g.crop_marks:
            return
        gap, mark = cards.crop_gap_mm * MM, cards.crop_mark_mm * MM
        left, bottom = g.x0, g.y0
        right, top = g.x0 + g.cols * g.width, g.y0 + g.rows * g.height
        canv.saveState()
        canv.setStrokeColor(self.kit.color("crop_marks"))
        canv.setLineWidth(0.3)
        lines = []
        for k in range(g.cols + 1):
            if g.fold and k % 2:
                continue  # a fold, not a cut: see fold_lines
            x = left + k * g.width
            lines.append((x, top + gap, x, top + gap + mark))
            lines.append((x, bottom - gap, x, bottom - gap - mark))
        for k in range(g.rows + 1):
            y = bottom + k * g.height
            lines.append((left - gap - mark, y, left - gap, y))
            lines.append((right + gap, y, right + gap + mark, y))
        canv.lines(lines)
        canv.restoreState()

    def fold_lines(self, canv: Canvas) -> None:
        """A dashed line between each front and its back, the height of the grid."""
        g = self.grid
        canv.saveState()
        canv.setStrokeColor(self.kit.color("muted"))
        canv.setLineWidth(0.4)
        canv.setDash([3, 2])
        for pair in range(g.cols // 2):
            x = g.x0 + (2 * pair + 1) * g.width
            canv.line(x, g.y0, x, g.y0 + g.rows * g.height)
        canv.restoreState()

    def slug_line(self, canv: Canvas, text: str, *, top: bool = False) -> None:
        """A line of small print in the margin below the grid (or above it)."""
        g, kit = self.grid, self.kit
        if not g.crop_marks:
            return  # card stock has no margin to print in
        cards = kit.style.cards
        size = kit.style.sizes.small
        y = (g.y0 - (cards.crop_gap_mm + cards.crop_mark_mm) * MM) / 2 - size / 3
        if top:
            y = g.page_height - y - size / 2
        canv.saveState()
        canv.setFillColor(kit.color("muted"))
        body = kit.fonts.body
        shown = fit_line(text, body, size, g.page_width - 30 * MM)
        draw_line(canv, g.page_width / 2, y, shown, body, size, align="centre")
        canv.restoreState()

    def _header(self, canv: Canvas, q: Question, slot: tuple[float, float]) -> float:
        """The tier's band along the top edge, then "Q4.4 · Beginner"; returns the y
        where the face's text may start."""
        kit, m, g = self.kit, self.maker, self.grid
        x, top = slot[0], slot[1] + g.height
        if m.band:
            canv.setFillColor(self.tier_color.get(q.tier.id, kit.color("accent")))
            canv.rect(x, top - m.band, g.width, m.band, stroke=0, fill=1)
        size = kit.style.cards.header_size
        body = kit.fonts.body
        baseline = top - m.band - m.padding - size
        canv.setFont(body.bold, size)
        canv.setFillColor(kit.color("accent"))
        canv.drawString(x + m.padding, baseline, q.label)
        canv.setFillColor(kit.color("muted"))
        after = x + m.padding + stringWidth(q.label, body.bold, size)
        room = m.inner_width - (after - x - m.padding)
        draw_line(canv, after, baseline, fit_line(SEPARATOR + q.tier.name, body, size, room),
                  body, size)  # fmt: skip
        return top - m.band - m.padding - m.header

    def front(self, canv: Canvas, card: Card, slot: tuple[float, float]) -> None:
        m = self.maker
        canv.saveState()
        area_top = self._header(canv, card.question, slot)
        # the question sits centred in the space under the header
        y = area_top - (m.text_height - card.front.height) / 2
        self._paragraphs(canv, card.front, slot[0] + m.padding, y)
        canv.restoreState()

    def back(self, canv: Canvas, card: Card, slot: tuple[float, float]) -> None:
        m = self.maker
        canv.saveState()
        area_top = self._header(canv, card.question, slot)
        self._paragraphs(canv, card.back, slot[0] + m.padding, area_top)
        canv.restoreState()

    def _paragraphs(self, canv: Canvas, fitted: Fitted, x: float, top: float) -> None:
        for paragraph, height, gap in fitted.blocks:
            top -= gap
            paragraph.drawOn(canv, x, top - height)
            top -= height


def write_cards(bank: Bank, dest: Path, options: BuildOptions) -> WriterResult:
    kit = make_kit(options.style_dirs)
    body = kit.fonts.body
    fold = kit.style.cards.layout == "fold"
    how_to_use = kit.style.text.cards_fold_how_to_use if fold else kit.style.text.cards_how_to_use
    check_printable(
        bank,
        kit,
        [
            *(("prepdeck's own text", FURNITURE_TEXT, face) for face in (body.regular, body.bold)),
            ("styles: text cards_how_to_use", how_to_use, body.regular),
        ],
    )
    grid = grid_for(kit, options.paper)
    maker = CardMaker(kit, grid)
    meta = metadata(bank, "flash cards")
    pagesize = (grid.page_width, grid.page_height)
    canv = Canvas(
        str(dest),
        pagesize=pagesize,
        invariant=1,
        pageCompression=1,
        lang=meta.lang,
        initialFontName=body.regular,  # a TrueType font: no unembedded Helvetica
    )
    fix_time(canv, options.timestamp)
    compress_finished_pages(canv)
    meta.apply(canv)
    questions = bank.questions
    sheets = max(1, math.ceil(len(questions) / grid.per_sheet))
    slug = f"{bank.title} {bank.version} · flash cards · built {build_date(options.timestamp)}"
    if bank.filter_description:
        slug += f" · selection: {bank.filter_description}"
    painter = SheetPainter(kit, grid, maker, [t.id for t in bank.tiers])
    offset = (kit.style.cards.duplex_offset_x_mm * MM, kit.style.cards.duplex_offset_y_mm * MM)
    problems: list[Problem] = []
    # Sheet by sheet, so only one sheet's paragraphs are alive at a time; a card that
    # cannot fit is collected, and the file is only written if there are none.
    with gc_running():  # reportlab's paragraphs form cycles: collect drawn sheets
        for sheet in range(sheets):
            chunk: list[Card] = []
            for q in questions[sheet * grid.per_sheet : (sheet + 1) * grid.per_sheet]:
                card, found = maker.make(q)
                problems += found
                if card is not None:
                    chunk.append(card)
            if problems:
                continue
            where = f"{slug} · sheet {sheet + 1} of {sheets}"
            painter.crop_marks(canv)
            painter.slug_line(canv, where if fold else f"{where}, fronts")
            painter.slug_line(canv, how_to_use, top=True)
            if not questions:
                painter.note(canv, "No questions match this selection.")
            for i, card in enumerate(chunk):
                painter.front(canv, card, grid.slot(*grid.front_slot(i)))
            if fold:
                painter.fold_lines(canv)
                for i, card in enumerate(chunk):
                    painter.back(canv, card, grid.slot(*grid.back_slot(i)))
                canv.showPage()
                continue
            canv.showPage()
            painter.slug_line(canv, f"{where}, backs")
            canv.saveState()
            canv.translate(*offset)  # the printer's shift, undone (cards.duplex_offset_*)
            painter.crop_marks(canv)
            for i, card in enumerate(chunk):
                painter.back(canv, card, grid.slot(*grid.back_slot(i)))
            canv.restoreState()
            canv.showPage()
    if problems:
        raise BuildError(problems)
    save(canv)
    per_side = f"{grid.per_sheet} per sheet" if fold else f"{grid.cols} x {grid.rows} per side"
    kind = "one-sided sheet" if fold else "double-sided sheet"
    return WriterResult(
        report=[
            f"{count(len(questions), 'card')}, {count(sheets, kind)} ({per_side}), {options.paper}"
        ]
    )
