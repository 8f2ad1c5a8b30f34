"""The Markdown tree as reportlab Platypus flowables.

- paragraphs and list items: `Paragraph` from markup made by `prepdeck.text` (every
  run of text escaped first, then tagged), ragged right, no widows or orphans, long
  words split rather than run off the page;
- code blocks: `XPreformatted` in the code font with Pygments' token colours, framed
  so the block shows on paper; lines longer than the frame are wrapped, the
  continuation marked with an arrow; a block splits across pages only with at least
  `CODE_SPLIT_MIN` lines on each side, and its second part is headed "(continued)";
- tables: `Table` with wrapped `Paragraph` cells and the header row repeated when
  the table splits;
- images: `Image` at its size at 96 dpi, shrunk to fit the width and a share of the
  page height, aspect kept, with its alt text as a caption.

Ragged right, not justified: answers are full of code spans, URLs and identifiers
that cannot break, and a justified line before one of them opens wide gaps; there
is no hyphenation for the same reason (a hyphen inside `kubectl` or a URL misleads).

Code, tables and images are laid out for the width they are given, so each is a
small flowable that makes its reportlab flowable when it is first wrapped.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, Paragraph, Table, TableStyle, XPreformatted

from prepdeck.images import ImageData, image_data
from prepdeck.pdf.common import Kit
from prepdeck.pdf.fonts import CODE_FURNITURE
from prepdeck.text import (
    Code,
    CodeBlock,
    Inline,
    LineBreak,
    MarkdownBlock,
    MarkdownImage,
    MarkdownList,
    MarkdownParagraph,
    MarkdownTable,
    Strong,
    Text,
    code_tokens,
    inline_markup,
    plain,
    run_markup,
)

CONTINUATION = CODE_FURNITURE  # ↪ opens the rest of a code line that did not fit
BULLET = "\u2022"
LIST_INDENT = 14.0
CODE_SIZE_RATIO = 0.84  # code blocks, against the body size
CODE_PAD = 4.0  # around a code block's text, inside its background
TABLE_MIN_COLUMN = 36.0  # points: narrower, a table prints one row per cell
TABLE_MAX_ROW = 0.6  # of the frame height: a taller row stacks the table too
IMAGE_MAX_SCALE = 1.0  # never larger than the image at 96 dpi
IMAGE_MAX_HEIGHT = 0.45  # of the frame height
CODE_STYLE = "default"  # the Pygments style for token colours on paper
CODE_SPLIT_MIN = 4  # lines a code block keeps on each side of a page break
CODE_CONTINUED = "(continued)"  # heads the part of a code block after a page break
_TALL = 1e9  # the height a paragraph is measured in: as tall as it needs
_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "": TA_LEFT}


class AtWidth(Flowable):  # type: ignore[misc]
    """A flowable made for the width it is wrapped at (a code block's line breaks,
    a table's columns, an image's scale); splitting hands back the made one's parts."""

    def __init__(self, make: Callable[[float], Flowable]) -> None:
        super().__init__()
        self._make = make
        self._width = -1.0
        self._inner: Flowable | None = None

    def _at(self, width: float) -> Flowable:
        if self._inner is None or width != self._width:
            self._inner = self._make(width)
            self._width = width
        return self._inner

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = self._at(availWidth).wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        inner = self._at(availWidth)
        return list(inner.split(availWidth, availHeight))

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        assert self._inner is not None, "wrapped before drawn"
        self._inner.drawOn(canvas, x, y, _sW)


class CodeFlowable(Flowable):  # type: ignore[misc]
    """A code block: `XPreformatted` lines made for the width it is wrapped at, split
    only between lines and only with `CODE_SPLIT_MIN` lines on each side; the part
    after a break opens with a muted "(continued)" line."""

    def __init__(self, lines: Callable[[float], list[str]], style: ParagraphStyle, head: str):
        super().__init__()
        self._lines = lines  # width -> the block's lines of markup
        self.style = style
        self.head = head  # the "(continued)" line's markup
        self._width = -1.0
        self._inner: XPreformatted | None = None
        self._made: list[str] = []

    def _at(self, width: float) -> XPreformatted:
        if self._inner is None or width != self._width:
            self._made = self._lines(width)
            self._inner = XPreformatted("\n".join(self._made), self.style)
            self._width = width
        return self._inner

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = self._at(availWidth).wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self._at(availWidth)
        lines = self._made
        leading = self.style.leading
        fits = int((availHeight - 2 * self.style.borderPadding) // leading)
        first = min(fits, len(lines) - CODE_SPLIT_MIN)
        if first < CODE_SPLIT_MIN:
            return []  # the block moves to the next page whole
        rest = [self.head, *lines[first:]]
        return [_Fixed(lines[:first], self.style, self.head), _Fixed(rest, self.style, self.head)]

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        assert self._inner is not None, "wrapped before drawn"
        self._inner.drawOn(canvas, x, y, _sW)


class _Fixed(CodeFlowable):
    """A part of a split code block: its lines are already cut for the width."""

    def __init__(self, lines: list[str], style: ParagraphStyle, head: str) -> None:
        super().__init__(lambda width: lines, style, head)


class Stacked(Flowable):  # type: ignore[misc]
    """A stacked table: a paragraph per row of the table with a line per cell (one
    paragraph costs one parse and one layout; a paragraph per cell cost a hostile
    bank minutes), a rule under each.  Each is measured once per width; it splits
    between them, or between the cells of the first when it alone does not fit."""

    PAD_Y = 2.0  # above and below each row's paragraph

    def __init__(
        self,
        records: list[list[str] | None],
        style: ParagraphStyle,
        rule: Color,
        pad: float,
        page_height: float,
        *,
        ruled: list[bool] | None = None,
    ) -> None:
        super().__init__()
        # each row of the table: its cells' lines of markup (None: a piece of a cell
        # broken across pages, kept as the paragraph it was made into)
        self.records = records
        self.style = style
        self.rule = rule
        self.pad = pad  # left and right of the text
        self.page_height = page_height  # a cell taller than this breaks inside
        self.ruled = ruled or [True] * len(records)  # False: the row goes on after a break
        self._width = -1.0
        self._made: list[tuple[Paragraph, float]] = []  # each row's paragraph and height

    def _make(self, cells: list[str], width: float) -> tuple[Paragraph, float]:
        return self._wrapped(Paragraph("<br/>".join(cells), self.style), width)

    def _part(
        self,
        records: list[list[str] | None],
        ruled: list[bool],
        made: list[tuple[Paragraph, float]],
    ) -> Stacked:
        part = Stacked(records, self.style, self.rule, self.pad, self.page_height, ruled=ruled)
        part._width, part._made = self._width, made
        return part

    def _wrapped(self, paragraph: Paragraph, width: float) -> tuple[Paragraph, float]:
        height = paragraph.wrap(width - 2 * self.pad, _TALL)[1] + 2 * self.PAD_Y
        return paragraph, float(height)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if availWidth != self._width:
            before = self._made  # a piece of a broken cell is made already
            self._made = [
                self._make(cells, availWidth)
                if cells is not None
                else self._wrapped(before[i][0], availWidth)
                for i, cells in enumerate(self.records)
            ]
            self._width = availWidth
        self.width = availWidth
        self.height = sum(height for _, height in self._made)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        made, records, ruled = self._made, self.records, self.ruled
        used, count = 0.0, 0
        while count < len(made) and used + made[count][1] <= availHeight + 1e-6:
            used += made[count][1]
            count += 1
        if count == len(made):
            return [self]
        if count:
            return [
                self._part(records[:count], ruled[:count], made[:count]),
                self._part(records[count:], ruled[count:], made[count:]),
            ]
        # the first row alone does not fit: as many of its cells as do, the rest after
        cells = records[0]
        if cells is None:  # already a piece of a cell taller than a page
            return self._break_cell(availWidth, availHeight, made[0][0], None)
        lines = int((availHeight - 2 * self.PAD_Y) // self.style.leading)
        for keep in range(min(lines, len(cells) - 1), 0, -1):
            head = self._make(cells[:keep], availWidth)
            if head[1] <= availHeight + 1e-6:
                tail = self._make(cells[keep:], availWidth)
                return [
                    self._part([cells[:keep]], [False], [head]),
                    self._part([cells[keep:], *records[1:]], ruled, [tail, *made[1:]]),
                ]
        first = self._make(cells[:1], availWidth)
        if first[1] <= self.page_height:
            return []  # the next page holds it whole
        return self._break_cell(availWidth, availHeight, first[0], cells[1:] or None)

    def _break_cell(
        self, width: float, height: float, cell: Paragraph, others: list[str] | None
    ) -> list[Flowable]:
        """Break a cell taller than a page (a long value in a narrow column) between
        its lines: what fits here, then the rest of it and of its row."""
        pieces = cell.split(width - 2 * self.pad, height - 2 * self.PAD_Y)
        if len(pieces) != 2:
            cell.wrap(width - 2 * self.pad, _TALL)  # a failed split drops its layout
            return []
        head, tail = (self._wrapped(piece, width) for piece in pieces)
        records: list[list[str] | None] = [None]
        made, ruled = [tail], [False]
        if others is not None:  # the row's other cells, after the broken one
            records.append(others)
            made.append(self._make(others, width))
            ruled.append(self.ruled[0])
        else:
            ruled[0] = self.ruled[0]
        return [
            self._part([None], [False], [head]),
            self._part(
                [*records, *self.records[1:]],
                [*ruled, *self.ruled[1:]],
                [*made, *self._made[1:]],
            ),
        ]

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(self.rule)
        canv.setLineWidth(0.25)
        y = self.height
        for (paragraph, height), ruled in zip(self._made, self.ruled, strict=True):
            y -= height
            paragraph.drawOn(canv, self.pad, y + self.PAD_Y)
            if ruled:
                canv.line(0, y, self.width, y)
        canv.restoreState()


class Balanced(Flowable):  # type: ignore[misc]
    """A paragraph set in the narrowest width that keeps its number of lines, so a
    two-line title breaks near its middle ("AI DevSecOps Specialist / Interview
    Questions") instead of leaving one word on the last line."""

    def __init__(self, paragraph: Paragraph) -> None:
        super().__init__()
        self.paragraph = paragraph

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        paragraph = self.paragraph
        _, height = paragraph.wrap(availWidth, availHeight)
        lines = len(paragraph.blPara.lines)
        low, high = availWidth / 2, availWidth
        if lines > 1:
            while high - low > 1:  # the narrowest width that needs no more lines
                middle = (low + high) / 2
                paragraph.wrap(middle, availHeight)
                if len(paragraph.blPara.lines) > lines:
                    low = middle
                else:
                    high = middle
            _, height = paragraph.wrap(high, availHeight)
        self.width, self.height = availWidth, height
        return self.width, self.height

    def draw(self) -> None:
        self.paragraph.drawOn(self.canv, 0, 0)


@dataclass(frozen=True, slots=True)
class Placed:
    """A flowable of an answer, with the space above it and its indent (list depth)."""

    flowable: Flowable
    space_before: float
    indent: float = 0.0
    keep_with_next: bool = False
    outset: float = 0.0  # background drawn beyond the flowable's box, above and below


@cache
def _token_color(token_type: str) -> tuple[str, bool, bool]:
    """(#rrggbb or "", bold, italic) for a Pygments token type name."""
    from pygments.styles import get_style_by_name
    from pygments.token import string_to_tokentype

    style = get_style_by_name(CODE_STYLE)
    token = string_to_tokentype(token_type) if token_type else None
    while token is not None and not style.styles_token(token):  # a lexer's own token
        token = token.parent
    found = style.style_for_token(token) if token is not None else {}
    color = found.get("color") or ""
    return (f"#{color}" if color else "", bool(found.get("bold")), bool(found.get("italic")))


class Typesetter:
    """Makes flowables from the Markdown tree in one layout's faces and sizes."""

    def __init__(
        self,
        kit: Kit,
        content_dir: Path | None,
        frame_height: float,
        images: Mapping[str, ImageData] | None = None,
    ) -> None:
        self.kit = kit
        self.content_dir = content_dir
        self.images = images or {}
        self._images: dict[str, ImageData] = {}
        self.frame_height = frame_height
        self.sizes = kit.style.sizes
        # the spacing scale: gaps are half a line of body text, or a multiple of it
        self.step = round(self.sizes.body * self.sizes.leading / 2, 2)
        self._styles: dict[tuple[Any, ...], ParagraphStyle] = {}

    # -- styles --------------------------------------------------------------------

    def style(
        self,
        size: float | None = None,
        *,
        indent: float = 0.0,
        align: str = "",
        color: str = "text",
        bold: bool = False,
        italic: bool = False,
    ) -> ParagraphStyle:
        size = size or self.sizes.body
        key = (size, indent, align, color, bold, italic)
        style = self._styles.get(key)
        if style is None:
            style = self.kit.paragraph_style(
                f"p{len(self._styles)}",
                size=size,
                indent=indent,
                color=color,
                bold=bold,
                italic=italic,
            )
            style.alignment = _ALIGN[align]
            self._styles[key] = style
        return style

    def markup(self, nodes: tuple[Inline, ...], *, bold: bool = False, lead: str = "") -> str:
        """Paragraph markup: `lead` is markup prepdeck adds ("Hint"), the rest escaped."""
        text = inline_markup(nodes, self.kit.markup_style)
        if bold:
            text = f"<b>{text}</b>"
        return lead + text

    def paragraph(
        self,
        nodes: tuple[Inline, ...],
        style: ParagraphStyle,
        *,
        bold: bool = False,
        lead: str = "",
        bullet: str | None = None,
    ) -> Paragraph:
        return Paragraph(self.markup(nodes, bold=bold, lead=lead), style, bulletText=bullet)

    # -- blocks --------------------------------------------------------------------

    def blocks(self, blocks: tuple[MarkdownBlock, ...], depth: int = 0) -> Iterator[Placed]:
        """Flowables for block Markdown (the model answer)."""
        for i, block in enumerate(blocks):
            indent = LIST_INDENT * depth
            if isinstance(block, MarkdownParagraph):
                style = self.style(indent=indent)
                # A paragraph that introduces what follows never ends a page without
                # its start: one before a code block, table or image ("The build
                # job:"), one that ends with a colon, and a bold run-in head.
                introduces = i + 1 < len(blocks) and (
                    isinstance(blocks[i + 1], CodeBlock | MarkdownTable | MarkdownImage)
                    or is_lead_in(block.children)
                )
                yield Placed(
                    self.paragraph(block.children, style),
                    0 if depth else self.step,
                    keep_with_next=introduces,
                )
            elif isinstance(block, MarkdownList):
                placed = list(self._list(block, depth + 1))
                last = block.items[-1][-1] if block.items and block.items[-1] else None
                # a list whose last item leads into the block after the list
                leads = (
                    placed
                    and i + 1 < len(blocks)
                    and isinstance(last, MarkdownParagraph)
                    and (
                        is_lead_in(last.children)
                        or isinstance(blocks[i + 1], CodeBlock | MarkdownTable | MarkdownImage)
                    )
                )
                if leads:
                    placed[-1] = dataclasses.replace(placed[-1], keep_with_next=True)
                yield from placed
            elif isinstance(block, CodeBlock):
                yield Placed(self.code(block), self.step + CODE_PAD, indent, outset=CODE_PAD)
            elif isinstance(block, MarkdownTable):
                yield Placed(self.table(block), self.step, indent)
            else:
                yield from self.image(block, indent)

    def _list(self, block: MarkdownList, depth: int) -> Iterator[Placed]:
        style = self.style(indent=LIST_INDENT * depth)
        for i, item in enumerate(block.items):
            bullet: str | None = f"{block.start + i}." if block.ordered else BULLET
            for j, child in enumerate(item):
                if isinstance(child, MarkdownParagraph):
                    # inside an item too, a lead-in stays with what it introduces
                    introduces = j + 1 < len(item) and (
                        not isinstance(item[j + 1], MarkdownParagraph | MarkdownList)
                        or is_lead_in(child.children)
                    )
                    paragraph = self.paragraph(child.children, style, bullet=bullet)
                    yield Placed(paragraph, 0, keep_with_next=introduces)
                else:
                    if bullet is not None:  # an item that opens with a block: the bullet first
                        yield Placed(Paragraph("", style, bulletText=bullet), 0, 0, True)
                    yield from self.blocks((child,), depth)
                bullet = None

    # -- code ------------------------------------------------------------------------

    def code_style(self) -> ParagraphStyle:
        size = round(self.sizes.body * CODE_SIZE_RATIO, 2)
        key = ("code", size)
        style = self._styles.get(key)
        if style is None:
            style = ParagraphStyle(
                "code",
                fontName=self.kit.fonts.code.regular,
                fontSize=size,
                leading=round(size * 1.3, 2),
                textColor=self.kit.color("text"),
                backColor=self.kit.color("code_background"),
                borderColor=self.kit.color("code_border"),
                borderWidth=0.5,
                borderPadding=CODE_PAD,
                leftIndent=CODE_PAD,
                rightIndent=CODE_PAD,
                allowWidows=0,
                allowOrphans=0,
            )
            self._styles[key] = style
        return style

    def code(self, block: CodeBlock) -> Flowable:
        style = self.code_style()
        char = stringWidth("M", style.fontName, style.fontSize)  # a monospaced face
        muted = self.kit.style.colors.muted

        def lines(width: float) -> list[str]:
            columns = max(8, int((width - 2 * CODE_PAD) // char))
            return code_markup(block, columns, self.kit, muted).split("\n")

        head = run_markup(CODE_CONTINUED, self.kit.markup_style, color=muted, chain="code")
        return CodeFlowable(lines, style, head)

    # -- tables ----------------------------------------------------------------------

    def table(self, table: MarkdownTable) -> Flowable:
        size = round(self.sizes.body * 0.92, 2)
        kit = self.kit
        natural = _natural_widths(table, kit, size)
        pad = 4.0

        def make(width: float) -> Flowable:
            if width / len(natural) < TABLE_MIN_COLUMN:
                return self.stacked_table(table, size, width, pad)
            # the cells' paragraphs are made here, once a table is known not to
            # stack: a stacked table makes its own (parsing markup is most of the cost)
            header = [
                self.paragraph(cell, self.style(size, align=table.aligns[i]), bold=True)
                for i, cell in enumerate(table.header)
            ]
            rows = [
                [
                    self.paragraph(cell, self.style(size, align=table.aligns[i]))
                    for i, cell in enumerate(row)
                ]
                for row in table.rows
            ]
            widths = _column_widths(natural, width, pad)
            # a row never splits across pages: one that cannot fit on a page (many
            # narrow columns of long cells) stacks the table instead.  Measured only
            # when a cheap bound (each line holds at least the text width less the
            # longest word) does not already rule it out.
            leading = size * 1.3
            bound = 0.0
            for (widest, longest), w in zip(natural, widths, strict=True):
                room = w - 2 * pad - longest
                bound = max(bound, (widest / room + 2) * leading if room > 0 else float("inf"))
            if bound <= self.frame_height * TABLE_MAX_ROW:
                tallest = 0.0
            else:
                tallest = max(
                    (
                        max(
                            cell.wrap(w - 2 * pad, self.frame_height)[1]
                            for cell, w in zip(row, widths, strict=True)
                        )
                        for row in (header, *rows)
                    ),
                    default=0.0,
                )
            if tallest > self.frame_height * TABLE_MAX_ROW:
                return self.stacked_table(table, size, width, pad)
            made = Table([header, *rows], colWidths=widths, repeatRows=1, hAlign="LEFT")
            made.setStyle(
                TableStyle(
                    [
                        # the cells are paragraphs with their own faces, but a Table sets
                        # its cell font (Helvetica by default, never embedded) regardless
                        ("FONT", (0, 0), (-1, -1), kit.fonts.body.regular, size),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BACKGROUND", (0, 0), (-1, 0), kit.color("table_header")),
                        ("LINEBELOW", (0, 0), (-1, 0), 0.75, kit.color("muted")),
                        ("LINEBELOW", (0, 1), (-1, -1), 0.25, kit.color("rule")),
                        ("LEFTPADDING", (0, 0), (-1, -1), pad),
                        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                    ]
                )
            )
            return made

        return AtWidth(make)

    def stacked_table(
        self, table: MarkdownTable, size: float, width: float, pad: float
    ) -> Flowable:
        """A table too wide for the column (many columns on a narrow page): a row per
        cell, each value after its column's header, a rule under each of the table's
        rows, so nothing is cut and every row fits a page.

        `Stacked`, not one long `Table`: a `Table` is laid out again, whole, for every
        page it spans."""
        records: list[list[str] | None] = [
            [
                self.markup((Strong(table.header[i]), Text(": "), *cell))
                for i, cell in enumerate(row)
            ]
            for row in table.rows
        ]
        if not records:  # a header and no rows: the header is all there is to print
            records = [[self.markup((Strong(cell),)) for cell in table.header]]
        return Stacked(records, self.style(size), self.kit.color("rule"), pad, self.frame_height)

    # -- images ----------------------------------------------------------------------

    def image(self, image: MarkdownImage, indent: float) -> Iterator[Placed]:
        data = self._images.get(image.src)
        if data is None:
            data = self._images[image.src] = image_data(self.images, self.content_dir, image.src)
        pixels = (data.width, data.height)
        max_height = self.frame_height * IMAGE_MAX_HEIGHT

        def make(width: float) -> Flowable:
            natural_w, natural_h = pixels[0] * 0.75, pixels[1] * 0.75  # 96 dpi
            scale = min(width / natural_w, max_height / natural_h, IMAGE_MAX_SCALE)
            # reportlab names the image by a digest of its pixels, so the PDF holds
            # one copy however often the answers show it
            return Image(
                io.BytesIO(data.data),
                width=natural_w * scale,
                height=natural_h * scale,
                hAlign="LEFT",
            )

        yield Placed(AtWidth(make), self.step, indent, keep_with_next=True)
        caption = self.style(self.sizes.small, indent=0, color="muted", italic=True)
        yield Placed(Paragraph(run_markup(image.alt, self.kit.markup_style), caption), 0, indent)


def is_lead_in(nodes: tuple[Inline, ...]) -> bool:
    """A paragraph that leads into what follows: it ends with a colon, or it is all
    bold (a run-in head such as "**Fine-tuning your own model**")."""
    shown = [n for n in nodes if not (isinstance(n, Text) and not n.text.strip())]
    if shown and all(isinstance(n, Strong) for n in shown):
        return True
    return plain(nodes).rstrip().endswith(":")


def code_markup(block: CodeBlock, columns: int, kit: Kit, muted: str) -> str:
    """XPreformatted markup for a code block, lines cut at `columns` characters with
    a continuation mark; every piece of text escaped, then coloured."""
    style = kit.markup_style
    out: list[str] = []
    column = 0
    mark = run_markup(CONTINUATION + " ", style, color=muted, chain="code")
    for token_type, value in code_tokens(block):
        color, bold, italic = _token_color(token_type)
        pieces = value.split("\n")
        for n, piece in enumerate(pieces):
            if n:
                out.append("\n")
                column = 0
            while piece:
                room = columns - column
                if room <= 0:
                    out.append("\n" + mark)
                    column = 2
                    continue
                chunk, piece = piece[:room], piece[room:]
                text = run_markup(chunk, style, color=color, chain="code")
                if bold:
                    text = f"<b>{text}</b>"
                if italic:
                    text = f"<i>{text}</i>"
                out.append(text)
                column += len(chunk)
    return "".join(out)


def _natural_widths(table: MarkdownTable, kit: Kit, size: float) -> list[tuple[float, float]]:
    """(widest cell, longest word) per column, in points, in the faces the cells use
    (the header bold, code spans in the code face)."""
    out = []
    for i in range(len(table.aligns)):
        cells = [table.header[i], *(row[i] for row in table.rows)]
        widest = longest = 0.0
        for n, cell in enumerate(cells):
            runs = list(_runs(cell, kit, bold=n == 0))
            widest = max(widest, sum(stringWidth(text, face, size) for text, face in runs))
            for text, face in runs:
                for word in text.split():
                    longest = max(longest, stringWidth(word, face, size))
        out.append((widest, longest))
    return out


def _runs(nodes: tuple[Inline, ...], kit: Kit, *, bold: bool) -> Iterator[tuple[str, str]]:
    """(text, face) of each run of inline Markdown."""
    for node in nodes:
        if isinstance(node, Text):  # each piece in the face of the chain that draws it
            yield from ((t, f) for f, t in kit.fonts.body.runs(node.text, bold))
        elif isinstance(node, Code):
            yield from ((t, f) for f, t in kit.fonts.code.runs(node.text, bold))
        elif isinstance(node, LineBreak):
            yield " ", kit.fonts.body.regular
        else:
            yield from _runs(node.children, kit, bold=bold or isinstance(node, Strong))


def _column_widths(natural: list[tuple[float, float]], width: float, pad: float) -> list[float]:
    """Columns as wide as their content when that fits; otherwise each gets its
    longest word (as far as an equal share allows) and the rest is shared out in
    proportion to the content."""
    wanted = [w + 2 * pad + 1 for w, _ in natural]
    if sum(wanted) <= width:
        return wanted
    share = width / len(natural)
    floors = [min(longest + 2 * pad + 1, share) for _, longest in natural]
    spare = width - sum(floors)
    extra = [max(w - f, 0.0) for w, f in zip(wanted, floors, strict=True)]
    total = sum(extra) or 1.0
    return [f + spare * e / total for f, e in zip(floors, extra, strict=True)]
