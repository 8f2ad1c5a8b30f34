"""A question (or an answer) as one flowable that lays itself out.

`Block` holds rows (a heading, paragraphs, a hint box, ruled lines) and measures
each row once per width, so moving a block to the next page costs no second
layout; reportlab's `KeepTogether` would wrap every paragraph again.  Paragraphs
are made lazily, when the block is first measured, and dropped with it once drawn.

The split policy keeps typography honest:
- a block that fits on an empty page is never split: it moves whole to the next page;
- a longer one splits between rows or inside a paragraph (no orphans or widows);
- a heading row never ends a page (`keep_with_next`), so a title is never orphaned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from prepdeck.pdf.common import Kit
from prepdeck.pdf.document import Marks
from prepdeck.pdf.fonts import draw_line, fit_line
from prepdeck.pdf.rl_private import at_frame_top

_FUZZ = 1e-6
HANG_GAP = 9.0  # points between the text column and what hangs in a margin
_TALL = 1e9  # the height a row is measured in: as tall as it needs


class Row:
    """One piece of a block, measured once per width."""

    space_before: float = 0.0
    keep_with_next: bool = False
    at_page_top: bool = False  # set just before drawing: nothing is above it on the page

    def measure(self, width: float) -> float:
        raise NotImplementedError

    def split(self, width: float, height: float) -> tuple[Row, Row] | None:
        """Two rows, the first at most `height` tall, or None if it cannot split."""
        return None

    def draw(self, canv: Canvas, x: float, y: float, width: float) -> None:
        """Draw with the row's bottom-left corner at (x, y)."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Box:
    """A tinted panel with a rule down its left edge (the hint)."""

    fill: Color
    rule: Color
    padding: float = 5.0
    rule_width: float = 2.0


class FlowRow(Row):
    """A reportlab flowable (a paragraph, code block, table or image), optionally
    in a box or indented; it splits where the flowable can."""

    def __init__(
        self,
        flowable: Flowable,
        *,
        box: Box | None = None,
        indent: float = 0.0,
        space_before: float = 0.0,
        keep_with_next: bool = False,
        outset: float = 0.0,
    ) -> None:
        self.flowable = flowable
        self.box = box
        self.indent = indent
        self.outset = outset  # what the flowable draws above and below itself (a background)
        self.space_before = space_before
        self.keep_with_next = keep_with_next
        self._size = (-1.0, 0.0)  # (width, height) it was last wrapped at

    def _inset(self) -> tuple[float, float]:
        """(horizontal, vertical) space the box and indent take around the flowable."""
        if self.box is None:
            return self.indent, 2 * self.outset
        return self.indent + 2 * self.box.padding + self.box.rule_width, 2 * self.box.padding

    def measure(self, width: float) -> float:
        if self._size[0] != width:
            dx, dy = self._inset()
            self._size = (width, self.flowable.wrap(width - dx, _TALL)[1] + dy)
        return self._size[1]

    def split(self, width: float, height: float) -> tuple[Row, Row] | None:
        dx, dy = self._inset()
        parts = self.flowable.split(width - dx, height - dy)
        self._size = (-1.0, 0.0)  # splitting may drop the flowable's layout: wrap again
        if len(parts) != 2:
            return None
        first = FlowRow(
            parts[0],
            box=self.box,
            indent=self.indent,
            space_before=self.space_before,
            outset=self.outset,
        )
        return first, FlowRow(parts[1], box=self.box, indent=self.indent, outset=self.outset)

    def draw(self, canv: Canvas, x: float, y: float, width: float) -> None:
        box = self.box
        height = self.measure(width)  # wraps the flowable at this width unless it is
        if box is None:
            self.flowable.drawOn(canv, x + self.indent, y + self.outset)
            return
        canv.saveState()
        canv.setFillColor(box.fill)
        canv.rect(x + self.indent, y, width - self.indent, height, stroke=0, fill=1)
        canv.setFillColor(box.rule)
        canv.rect(x + self.indent, y, box.rule_width, height, stroke=0, fill=1)
        canv.restoreState()
        inset = self.indent + box.rule_width + box.padding
        self.flowable.drawOn(canv, x + inset, y + box.padding)


class LabelRow(Row):
    """A small label that belongs to what follows ("Key points")."""

    def __init__(
        self, text: str, *, font: str, size: float, color: Color, space_before: float = 0.0
    ):
        self.text = text
        self.font = font
        self.size = size
        self.color = color
        self.space_before = space_before
        self.keep_with_next = True

    def measure(self, width: float) -> float:
        return self.size * 1.5

    def draw(self, canv: Canvas, x: float, y: float, width: float) -> None:
        canv.saveState()
        canv.setFont(self.font, self.size)
        canv.setFillColor(self.color)
        canv.drawString(x, y + self.size * 0.45, self.text)
        canv.restoreState()


class RuledLines(Row):
    """Lines to write an answer on."""

    def __init__(self, count: int, gap: float, color: Color, *, space_before: float = 0.0):
        self.count = count
        self.gap = gap
        self.color = color
        self.space_before = space_before

    def measure(self, width: float) -> float:
        return self.count * self.gap

    def split(self, width: float, height: float) -> tuple[Row, Row] | None:
        fit = int(height // self.gap)
        if fit < 1 or fit >= self.count:
            return None
        first = RuledLines(fit, self.gap, self.color, space_before=self.space_before)
        return first, RuledLines(self.count - fit, self.gap, self.color)

    def draw(self, canv: Canvas, x: float, y: float, width: float) -> None:
        canv.saveState()
        canv.setStrokeColor(self.color)
        canv.setLineWidth(0.5)
        for i in range(self.count):
            line_y = y + i * self.gap
            canv.line(x, line_y, x + width, line_y)
        canv.restoreState()


@dataclass(frozen=True, slots=True)
class Outline:
    """A destination links point at, and its entry in the outline panel (none when
    `title` is None)."""

    key: str
    title: str | None = None
    level: int = 0


def _mark(canv: Canvas, marks: Marks, outline: Outline, x: float, top: float) -> None:
    canv.bookmarkHorizontal(outline.key, x, top)
    if outline.title is not None:
        canv.addOutlineEntry(outline.title, outline.key, outline.level)
    marks.pages[outline.key] = marks.body_page(canv)


class HeadingRow(Row):
    """A question's number hung in the left margin beside the row after it (the
    question, set bold), and a link hung in the right margin: "answer" and an arrow,
    or back to the question's page.  It takes no height of its own.

    Drawing it records the page it landed on, the question's id for the page's
    footer (where an author looks for it), and its bookmark, so the contents and the
    back links can name that page.
    """

    def __init__(
        self,
        kit: Kit,
        marks: Marks,
        *,
        label: str,
        ident: str,
        outline: Outline | None,
        first_size: float,
        link_key: str | None = None,
        link_text: str = "",
        back_key: str | None = None,
        space_before: float = 0.0,
    ) -> None:
        self.kit = kit
        self.marks = marks
        self.label = label
        self.ident = ident
        self.outline = outline
        self.first_size = first_size  # the font size of the next row's first line
        self.link_key = link_key
        self.link_text = link_text
        self.back_key = back_key  # link text then names the page `back_key` landed on
        self.space_before = space_before
        self.keep_with_next = True

    def measure(self, width: float) -> float:
        return 0.0

    def draw(self, canv: Canvas, x: float, y: float, width: float) -> None:
        kit, sizes, body = self.kit, self.kit.style.sizes, self.kit.fonts.body
        baseline = y - self.first_size  # a paragraph's first baseline: its size below its top
        if self.outline is not None:
            _mark(canv, self.marks, self.outline, x, y + sizes.label)
            self.marks.note_id(canv, self.ident)
        lines = [self.link_text] if self.link_text else []
        if self.back_key is not None and self.back_key in self.marks.pages:
            lines.append(f"page {self.marks.pages[self.back_key]}")
        label_width = stringWidth(self.label, body.bold, sizes.label)
        # one text object for the whole heading: far cheaper than a drawString per run
        text = canv.beginText(x - HANG_GAP - label_width, baseline)
        text.setFont(body.bold, sizes.label)
        text.setFillColor(kit.color("accent"))
        text.textOut(self.label)
        target = self.link_key or self.back_key
        if lines and target:
            link_x = x + width + HANG_GAP
            text.setFont(body.regular, sizes.small)
            text.setFillColor(kit.color("link"))
            for i, line in enumerate(lines):
                text.setTextOrigin(link_x, baseline - i * sizes.small * 1.3)
                text.textOut(line)
            link_width = max(stringWidth(line, body.regular, sizes.small) for line in lines)
            bottom = baseline - (len(lines) - 1) * sizes.small * 1.3 - sizes.small * 0.4
            canv.linkRect(
                "",
                target,
                (link_x - 2, bottom, link_x + link_width + 2, baseline + sizes.small + 2),
                relative=1,
                thickness=0,
            )
        canv.saveState()
        canv.drawText(text)
        canv.restoreState()


class SectionHeading(Row):
    """A tier's (or the answer key's) title, with a line under it; drawing it sets the
    running header's section and adds an outline entry."""

    def __init__(
        self,
        kit: Kit,
        marks: Marks,
        *,
        title: str,
        subtitle: str,
        header: str,
        outline: Outline,
        size: float,
        space_before: float = 0.0,
    ) -> None:
        self.kit = kit
        self.marks = marks
        self.title = title
        self.subtitle = subtitle
        self.header = header
        self.outline = outline
        self.size = size
        self.space_before = space_before
        self.keep_with_next = True

    def measure(self, width: float) -> float:
        small = self.kit.style.sizes.small
        return self.size * 1.35 + (small * 1.8 if self.subtitle else 0) + 12

    def draw(self, canv: Canvas, x: float, y: float, width: float) -> None:
        kit, body = self.kit, self.kit.fonts.body
        top = y + self.measure(width)
        self.marks.start_section(canv, self.header, at_page_top=self.at_page_top)
        _mark(canv, self.marks, self.outline, x, top)
        canv.saveState()
        canv.setFillColor(kit.color("accent"))
        baseline = top - self.size * 1.05
        title = fit_line(self.title, body, self.size, width, bold=True)
        draw_line(canv, x, baseline, title, body, self.size, bold=True)
        if self.subtitle:
            small = kit.style.sizes.small
            canv.setFillColor(kit.color("muted"))
            canv.setFont(body.regular, small * 1.2)
            baseline -= small * 1.9
            canv.drawString(x, baseline, self.subtitle)
        canv.setStrokeColor(kit.color("accent"))
        canv.setLineWidth(1)
        canv.line(x, y + 6, x + width, y + 6)
        canv.restoreState()


class Block(Flowable):  # type: ignore[misc]
    """Rows laid out top to bottom; see the module docstring for how it splits.

    Each row is measured once per width, and a split hands the heights it knows to
    both parts, so a block of many rows spanning many pages costs time in
    proportion to its rows, not to rows times pages."""

    def __init__(
        self,
        rows: Sequence[Row] | Callable[[], Sequence[Row]],
        *,
        keep_limit: float,
        space_before: float = 0.0,
        _measured: tuple[float, list[float], list[float]] | None = None,
    ) -> None:
        super().__init__()
        self._rows = rows  # a callable is called when the block is first laid out
        self.keep_limit = keep_limit  # blocks at most this tall are never split
        self.spaceBefore = space_before
        # (width, each row's height at it, each row's space before) once measured;
        # a split part starts measured
        self._measured_width, self._heights, self._spaces = _measured or (-1.0, [], [])
        self._total = sum(self._heights) + sum(self._spaces[1:]) if _measured else 0.0
        self._opens_page = False

    @property
    def rows(self) -> list[Row]:
        """Made late, so only the blocks being laid out hold their rows."""
        rows = self._rows
        if not isinstance(rows, list):
            rows = self._rows = list(rows() if callable(rows) else rows)
        return rows

    def remeasure(self, changed: Sequence[Row]) -> None:
        """Measure these rows again (they have changed), keeping the others' heights."""
        if self._measured_width < 0:
            return
        ids = {id(row) for row in changed}
        for i, row in enumerate(self.rows):
            if id(row) in ids:
                self._heights[i] = row.measure(self._measured_width)
        self._total = sum(self._heights) + sum(self._spaces[1:])

    def _measure(self, width: float) -> list[float]:
        if width != self._measured_width:
            self._heights = [row.measure(width) for row in self.rows]
            self._spaces = [row.space_before for row in self.rows]
            self._measured_width = width
            self._total = sum(self._heights) + sum(self._spaces[1:])
        return self._heights

    def _gap(self, index: int) -> float:
        return self._spaces[index] if index else 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._opens_page = at_frame_top(self)  # the frame wraps a flowable just before drawing it
        self._measure(availWidth)
        self.width = availWidth
        self.height = self._total
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        _, total = self.wrap(availWidth, availHeight)
        if total <= availHeight + _FUZZ:
            return [self]
        at_top = at_frame_top(self)
        if total <= self.keep_limit and not at_top:
            return []  # moves whole to the next page
        heights = self._measure(availWidth)
        rows, spaces = self.rows, self._spaces
        first: list[Row] = []
        first_heights: list[float] = []
        rest: list[Row] = []
        rest_heights: list[float] = []
        used = 0.0
        for i, row in enumerate(rows):
            need = self._gap(i) + heights[i]
            if used + need <= availHeight + _FUZZ:
                first.append(row)
                first_heights.append(heights[i])
                used += need
                continue
            room = availHeight - used - self._gap(i)
            pieces = row.split(availWidth, room) if room > 0 else None
            if pieces is not None:
                first.append(pieces[0])
                first_heights.append(pieces[0].measure(availWidth))
                rest = [pieces[1], *rows[i + 1 :]]
                rest_heights = [pieces[1].measure(availWidth), *heights[i + 1 :]]
                first_spaces = [*spaces[:i], pieces[0].space_before]
                rest_spaces = [pieces[1].space_before, *spaces[i + 1 :]]
            else:
                rest = rows[i:]
                rest_heights = heights[i:]
                first_spaces, rest_spaces = spaces[:i], spaces[i:]
            break
        else:
            first_spaces, rest_spaces = spaces[:], []  # a copy: the pops below change it
        kept = len(first)
        while first and first[-1].keep_with_next:
            rest.insert(0, first.pop())
            rest_heights.insert(0, first_heights.pop())
            rest_spaces.insert(0, first_spaces.pop())
        if not first and at_top and kept:
            # on an empty page even a heading and what it leads into do not fit
            # together (a tiny text block): part them rather than never place either
            first, rest = rest[:kept], rest[kept:]
            first_heights, rest_heights = rest_heights[:kept], rest_heights[kept:]
            first_spaces, rest_spaces = rest_spaces[:kept], rest_spaces[kept:]
        if not first or not rest:
            return []
        return [
            Block(
                first,
                keep_limit=0,
                space_before=self.spaceBefore,
                _measured=(availWidth, first_heights, first_spaces),
            ),
            Block(
                rest,
                keep_limit=self.keep_limit,
                _measured=(availWidth, rest_heights, rest_spaces),
            ),
        ]

    def draw(self) -> None:
        canv = self.canv
        heights = self._measure(self.width)
        y = self.height
        for i, row in enumerate(self.rows):
            y -= self._gap(i) + heights[i]
            row.at_page_top = self._opens_page and i == 0
            row.draw(canv, 0, y, self.width)
