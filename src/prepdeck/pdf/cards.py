"""Cut-out flash cards for duplex printing (`<slug>-cards.pdf`).

Sheets come in pairs: an odd page of fronts (tier, label, question) and the even
page behind it with the backs (hint and key points).  Printed double-sided and
flipped on the long edge, a sheet's back is its front mirrored left to right, so
the card in slot (row, col) on the front has its back in slot (row, ncols-1-col).
The grid is centred on the page, which makes that mirror exact on any paper.

Text that does not fit a card shrinks, down to the style's floor size; past that
the build fails naming the question, rather than printing a card cut short.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
from prepdeck.pdf.document import fit_text
from prepdeck.pdf.fonts import draw_line, fit_line, question_location
from prepdeck.pdf.rl_private import compress_finished_pages, fix_time
from prepdeck.pdf.style import MM
from prepdeck.text import inline_markup, parse_inline

FURNITURE_TEXT = "Q0123456789 · Hint KEY POINTS • sheet of fronts backs"
_STEP = 0.5  # points between the sizes tried when shrinking
BULLET = "\u2022"


@dataclass(frozen=True)
class Grid:
    """Card slots on a sheet: `cols` x `rows` cards of `width` x `height`, the
    block centred on the page with its lower-left corner at (x0, y0)."""

    page_width: float
    page_height: float
    cols: int
    rows: int
    width: float
    height: float

    @property
    def x0(self) -> float:
        return (self.page_width - self.cols * self.width) / 2

    @property
    def y0(self) -> float:
        return (self.page_height - self.rows * self.height) / 2

    @property
    def per_sheet(self) -> int:
        return self.cols * self.rows

    def slot(self, row: int, col: int) -> tuple[float, float]:
        """Lower-left corner of the slot; row 0 is the top row."""
        return self.x0 + col * self.width, self.y0 + (self.rows - 1 - row) * self.height

    def front_slot(self, index: int) -> tuple[int, int]:
        return divmod(index, self.cols)

    def back_slot(self, index: int) -> tuple[int, int]:
        row, col = divmod(index, self.cols)
        return row, self.cols - 1 - col


def grid_for(kit: Kit, pagesize: tuple[float, float]) -> Grid:
    cards = kit.style.cards
    width, height = cards.width_mm * MM, cards.height_mm * MM
    margin = (cards.crop_gap_mm + cards.crop_mark_mm + 5) * MM  # marks and the slug line
    cols = int((pagesize[0] - 2 * margin) // width) if width else 0
    rows = int((pagesize[1] - 2 * margin) // height) if height else 0
    if cols < 1 or rows < 1:
        raise BuildError(
            [
                Problem(
                    "pdf.yaml", 1, 1, "pdf-style",
                    f"cards.width_mm/height_mm: a {cards.width_mm} x {cards.height_mm} mm card "
                    "does not fit on the page with its crop marks",
                )
            ]
        )  # fmt: skip
    return Grid(pagesize[0], pagesize[1], cols, rows, width, height)


# -- fitting text on a card ------------------------------------------------------


@dataclass(frozen=True)
class Fitted:
    """A face's paragraphs set at the size that fits, and their total height."""

    blocks: tuple[tuple[Paragraph, float, float], ...]  # paragraph, height, gap above
    height: float
    size: float


@dataclass(frozen=True)
class Piece:
    """One paragraph of a card face: its (escaped) markup, and whether it is a key
    point."""

    markup: str
    point: bool = False


_TALL = 1e9


class CardFitter:
    """Shrinks a card face's text to fit, trying sizes from the base down (a binary
    search over half-point steps), each trial a set of reportlab paragraphs."""

    def __init__(self, kit: Kit, width: float) -> None:
        self.kit = kit
        self.width = width
        self.floor = kit.style.cards.floor_size
        self.ratio = kit.style.sizes.leading

    def _styles(self, size: float) -> tuple[ParagraphStyle, ParagraphStyle]:
        plain = self.kit.paragraph_style("card", size=size, leading=round(size * self.ratio, 2))
        point = self.kit.paragraph_style(
            "card-point", size=size, leading=round(size * self.ratio, 2), indent=size * 1.2
        )
        point.bulletIndent = 0
        return plain, point

    def _set(self, pieces: Sequence[Piece], size: float) -> Fitted:
        plain, point = self._styles(size)
        placed = []
        total = 0.0
        for i, piece in enumerate(pieces):
            paragraph = Paragraph(
                piece.markup,
                point if piece.point else plain,
                bulletText=BULLET if piece.point else None,
            )
            height = paragraph.wrap(self.width, _TALL)[1]
            gap = 0.0 if i == 0 else size * (0.25 if piece.point else 0.4)
            if piece.point and i and not pieces[i - 1].point:
                gap = size * 0.7
            placed.append((paragraph, height, gap))
            total += height + gap
        return Fitted(tuple(placed), total, size)

    def fit(
        self, pieces: Sequence[Piece], height: float, base: float
    ) -> tuple[Fitted | None, Fitted]:
        """(the largest size that fits or None, the last attempt)."""
        attempt = self._set(pieces, base)
        if attempt.height <= height:
            return attempt, attempt
        # Every _STEP below the base that is still above the floor, then the floor
        # itself; never a size outside [floor, base].
        sizes = list(
            itertools.takewhile(
                lambda size: size > self.floor + 1e-9,
                (base - _STEP * i for i in itertools.count(1)),
            )
        )
        if base > self.floor:
            sizes.append(self.floor)
        if not sizes:  # the base is the floor or below it: nothing smaller to try
            return None, attempt
        smallest = self._set(pieces, sizes[-1])
        if smallest.height > height:
            return None, smallest
        best = smallest
        low, high = 0, len(sizes) - 2  # sizes descend: find the first (largest) that fits
        while low <= high:
            middle = (low + high) // 2
            attempt = self._set(pieces, sizes[middle])
            if attempt.height <= height:
                best, high = attempt, middle - 1
            else:
                low = middle + 1
        return best, best


@dataclass(frozen=True)
class Card:
    question: Question
    front: Fitted
    back: Fitted


class CardMaker:
    def __init__(self, kit: Kit, grid: Grid) -> None:
        self.kit = kit
        cards = kit.style.cards
        self.padding = cards.padding_mm * MM
        self.inner_width = grid.width - 2 * self.padding
        sizes = kit.style.sizes
        self.band = sizes.small * 2.2  # the label line at the top of each face
        self.text_height = grid.height - 2 * self.padding - self.band
        self.front_text_height = self.text_height - sizes.small * 1.6  # and the id at the bottom
        self.fitter = CardFitter(kit, self.inner_width)

    def make(self, q: Question) -> tuple[Card | None, list[Problem]]:
        kit, cards = self.kit, self.kit.style.cards
        style = kit.markup_style
        front_pieces = [Piece(inline_markup(parse_inline(q.question), style))]
        lead = f'<b><font color="{kit.style.colors.accent}">Hint</font></b> '
        back_pieces = [Piece(lead + inline_markup(parse_inline(q.hint), style))]
        back_pieces += [
            Piece(inline_markup(parse_inline(p), style), point=True) for p in q.key_points
        ]
        front, front_try = self.fitter.fit(front_pieces, self.front_text_height, cards.front_size)
        back, back_try = self.fitter.fit(back_pieces, self.text_height, cards.back_size)
        problems = []
        path, line, col = question_location(q)
        for fitted, attempt, side, fields, room in (
            (front, front_try, "front", "question", self.front_text_height),
            (back, back_try, "back", "hint and key points", self.text_height),
        ):
            if fitted is None:
                problems.append(
                    Problem(
                        path, line, col, "card-overflow",
                        f"question {q.id}: the card {side} ({fields}) does not fit even at the "
                        f"{cards.floor_size:g} pt floor: it needs {attempt.height:.0f} pt, "
                        f"the card has {room:.0f} pt; shorten the {fields}",
                    )
                )  # fmt: skip
        if front is None or back is None:
            return None, problems
        return Card(q, front, back), problems


# -- drawing -----------------------------------------------------------------------


class SheetPainter:
    def __init__(self, kit: Kit, grid: Grid, maker: CardMaker) -> None:
        self.kit = kit
        self.grid = grid
        self.maker = maker

    def note(self, canv: Canvas, text: str) -> None:
        canv.saveState()
        canv.setFont(self.kit.fonts.body.regular, self.kit.style.sizes.body)
        canv.drawCentredString(self.grid.page_width / 2, self.grid.page_height / 2, text)
        canv.restoreState()

    def crop_marks(self, canv: Canvas) -> None:
        g, cards = self.grid, self.kit.style.cards
        gap, mark = cards.crop_gap_mm * MM, cards.crop_mark_mm * MM
        left, bottom = g.x0, g.y0
        right, top = g.x0 + g.cols * g.width, g.y0 + g.rows * g.height
        canv.saveState()
        canv.setStrokeColor(self.kit.color("crop_marks"))
        canv.setLineWidth(0.3)
        lines = []
        for k in range(g.cols + 1):
            x = left + k * g.width
            lines.append((x, top + gap, x, top + gap + mark))
            lines.append((x, bottom - gap, x, bottom - gap - mark))
        for k in range(g.rows + 1):
            y = bottom + k * g.height
            lines.append((left - gap - mark, y, left - gap, y))
            lines.append((right + gap, y, right + gap + mark, y))
        canv.lines(lines)
        canv.restoreState()

    def slug_line(self, canv: Canvas, text: str, *, top: bool = False) -> None:
        """A line of small print in the margin below the grid (or above it)."""
        g, kit = self.grid, self.kit
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

    def _band(self, canv: Canvas, x: float, top: float, left: str, label: str) -> None:
        """The line at the top of a face: small text on the left, the label on the right."""
        kit, m = self.kit, self.maker
        body, small, size = kit.fonts.body, kit.style.sizes.small, kit.style.sizes.label
        baseline = top - small * 1.1
        canv.setFont(body.regular, small)
        canv.setFillColor(kit.color("muted"))
        room = m.inner_width - stringWidth(label, body.bold, size) - 8
        draw_line(canv, x, baseline, fit_line(left, body, small, room), body, small)
        canv.setFont(body.bold, size)
        canv.setFillColor(kit.color("accent"))
        canv.drawRightString(x + m.inner_width, baseline, label)

    def front(self, canv: Canvas, card: Card, slot: tuple[float, float]) -> None:
        kit, m, q = self.kit, self.maker, card.question
        x, top = slot[0] + m.padding, slot[1] + self.grid.height - m.padding
        canv.saveState()
        self._band(canv, x, top, q.tier.name.upper(), q.label)
        # the question sits centred in the space between the band and the id
        area_top = top - m.band
        y = area_top - (m.front_text_height - card.front.height) / 2
        self._paragraphs(canv, card.front, x, y)
        canv.setFont(kit.fonts.body.regular, kit.style.sizes.small)
        canv.setFillColor(kit.color("muted"))
        canv.drawString(
            x,
            slot[1] + m.padding,
            fit_text(q.id, kit.fonts.body.regular, kit.style.sizes.small, m.inner_width),
        )
        canv.restoreState()

    def back(self, canv: Canvas, card: Card, slot: tuple[float, float]) -> None:
        m, q = self.maker, card.question
        x, top = slot[0] + m.padding, slot[1] + self.grid.height - m.padding
        canv.saveState()
        self._band(canv, x, top, q.id, q.label)
        self._paragraphs(canv, card.back, x, top - m.band)
        canv.restoreState()

    def _paragraphs(self, canv: Canvas, fitted: Fitted, x: float, top: float) -> None:
        for paragraph, height, gap in fitted.blocks:
            top -= gap
            paragraph.drawOn(canv, x, top - height)
            top -= height


def write_cards(bank: Bank, dest: Path, options: BuildOptions) -> WriterResult:
    kit = make_kit(options.style_dirs)
    body = kit.fonts.body
    check_printable(
        bank,
        kit,
        [
            *(("prepdeck's own text", FURNITURE_TEXT, face) for face in (body.regular, body.bold)),
            ("styles: text cards_how_to_use", kit.style.text.cards_how_to_use, body.regular),
            *((f"tier {t.id} name", t.name.upper(), body.regular) for t in bank.tiers),
        ],
    )
    pagesize = kit.style.paper_size(options.paper)
    grid = grid_for(kit, pagesize)
    maker = CardMaker(kit, grid)
    meta = metadata(bank, "flash cards")
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
    painter = SheetPainter(kit, grid, maker)
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
            painter.slug_line(canv, f"{where}, fronts")
            painter.slug_line(canv, kit.style.text.cards_how_to_use, top=True)
            if not questions:
                painter.note(canv, "No questions match this selection.")
            for i, card in enumerate(chunk):
                painter.front(canv, card, grid.slot(*grid.front_slot(i)))
            canv.showPage()
            painter.crop_marks(canv)
            painter.slug_line(canv, f"{where}, backs")
            for i, card in enumerate(chunk):
                painter.back(canv, card, grid.slot(*grid.back_slot(i)))
            canv.showPage()
    if problems:
        raise BuildError(problems)
    save(canv)
    return WriterResult(
        report=[
            f"{count(len(questions), 'card')}, {count(sheets, 'double-sided sheet')} "
            f"({grid.cols} x {grid.rows} per side), {options.paper}"
        ]
    )
