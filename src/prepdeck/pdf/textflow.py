"""Paragraphs set straight from the parsed Markdown, without reportlab's `Paragraph`.

Why not `Paragraph`: it parses XML markup for every paragraph, and one `<b>` or
code span sends a paragraph down a path that is four times slower to break into
lines and twice as slow to draw.  Content here is already a tree (`prepdeck.text`),
so it becomes runs (text, face, colour, link) directly:

- nothing is ever parsed as markup, so `<img src=...>` or `a < b` is only text;
- a word's width is measured once per face and cached (natural text repeats its
  words), so breaking lines, and re-breaking at another size to fit a card, is cheap;
- each paragraph is drawn as one text object, a line per `T*`.

Lines are broken greedily, ragged right; a word wider than the line is split
between characters, so text is never cut off at the side.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, repeat
from typing import Any, NamedTuple

from reportlab.lib.colors import Color
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from prepdeck.pdf.fonts import Family
from prepdeck.text import (
    Code,
    Emphasis,
    Inline,
    LineBreak,
    Link,
    MarkdownBlock,
    MarkdownList,
    MarkdownParagraph,
    Strong,
    Text,
)

_SPACE = re.compile(r"[ \t\n\r]+")  # what separates words; a no-break space does not
_EPSILON = 1e-6
_CACHE_LIMIT = 500_000


class Run(NamedTuple):
    """Text in one face and colour; `url` makes it a link."""

    text: str
    font: str
    color: Color
    url: str | None = None
    hard_break: bool = False  # a forced line break (the text is ignored)


@dataclass(frozen=True, slots=True)
class Palette:
    """How inline Markdown maps to faces and colours."""

    body: Family
    code: Family
    text: Color
    link: Color


def inline_runs(
    nodes: Iterable[Inline],
    palette: Palette,
    *,
    bold: bool = False,
    italic: bool = False,
    color: Color | None = None,
    url: str | None = None,
) -> list[Run]:
    """Runs for inline Markdown.  Unsafe links (not https or mailto) are plain text."""
    color = color or palette.text
    runs: list[Run] = []
    for node in nodes:
        if isinstance(node, Text):
            runs.append(Run(node.text, palette.body.face(bold, italic), color, url))
        elif isinstance(node, Code):
            runs.append(Run(node.text, palette.code.face(bold, italic), color, url))
        elif isinstance(node, Strong):
            runs += inline_runs(
                node.children, palette, bold=True, italic=italic, color=color, url=url
            )
        elif isinstance(node, Emphasis):
            runs += inline_runs(
                node.children, palette, bold=bold, italic=True, color=color, url=url
            )
        elif isinstance(node, Link):
            if node.safe:
                runs += inline_runs(
                    node.children,
                    palette,
                    bold=bold,
                    italic=italic,
                    color=palette.link,
                    url=node.url,
                )
            else:
                runs += inline_runs(
                    node.children, palette, bold=bold, italic=italic, color=color, url=url
                )
        elif isinstance(node, LineBreak):
            face = palette.body.face(bold, italic)
            runs.append(Run("" if node.hard else " ", face, color, None, node.hard))
    return runs


def block_paragraphs(
    blocks: Sequence[MarkdownBlock],
) -> Iterable[tuple[int, str | None, MarkdownParagraph]]:
    """(list depth, bullet or None, paragraph) for each paragraph of block Markdown;
    a list item's first paragraph carries its bullet, the rest are indented with it."""
    for block in blocks:
        if isinstance(block, MarkdownParagraph):
            yield 0, None, block
        elif isinstance(block, MarkdownList):
            yield from _list_paragraphs(block, 1)


def _list_paragraphs(
    block: MarkdownList, depth: int
) -> Iterable[tuple[int, str | None, MarkdownParagraph]]:
    for i, item in enumerate(block.items):
        bullet: str | None = f"{block.start + i}." if block.ordered else "\u2022"
        for child in item:
            if isinstance(child, MarkdownParagraph):
                yield depth, bullet, child
            else:
                if bullet is not None:  # an item that opens with a list
                    yield depth, bullet, MarkdownParagraph(())
                yield from _list_paragraphs(child, depth + 1)
            bullet = None


# -- measuring -----------------------------------------------------------------------

_widths: dict[str, dict[str, float]] = {}  # face -> text -> width at size 1000
_ASCII_SPACE = " \t\n\r\x0b\x0c"


def _cache(font: str) -> dict[str, float]:
    cache = _widths.get(font)
    if cache is None or len(cache) > _CACHE_LIMIT:
        cache = _widths[font] = {}
    return cache


def units(text: str, font: str) -> float:
    """Width of `text` at size 1000 (so width at size s is units * s / 1000)."""
    cache = _cache(font)
    width = cache.get(text)
    if width is None:
        width = cache[text] = stringWidth(text, font, 1000)
    return width


def prefix_widths(text: str, font: str) -> list[float]:
    """Width at size 1000 of each prefix of `text` (text[:1], text[:2], ...), from
    the face's own advance widths, as reportlab measures them."""
    face = getFont(font).face
    widths = map(face.charWidths.get, map(ord, text), repeat(face.defaultWidth))
    return list(accumulate(widths))


class Word(NamedTuple):
    pieces: tuple[tuple[str, Run], ...]  # text in each run the word spans
    units: float
    space: float  # units of the space drawn after it, in its last piece's face
    hard_break: bool  # the line ends after this word


def words_of(runs: Iterable[Run]) -> list[Word]:
    """Split runs into measured words; whitespace between them collapses to one space,
    and a word may span runs ("**bold**," is one word in two faces)."""
    words: list[Word] = []
    pieces: list[tuple[str, Run]] = []
    width = 0.0
    gap = False  # whitespace since the last piece

    def flush(hard: bool = False) -> None:
        nonlocal pieces, width
        space = 0.0 if hard else units(" ", pieces[-1][1].font)
        words.append(Word(tuple(pieces), width, space, hard))
        pieces, width = [], 0.0

    for run in runs:
        if run.hard_break:
            if pieces:
                flush(hard=True)
            elif words and not words[-1].hard_break:
                words[-1] = words[-1]._replace(space=0.0, hard_break=True)
            else:
                words.append(Word((), 0.0, 0.0, True))  # an empty line
            gap = False
            continue
        text = run.text
        # str.split() is fastest, but outside ASCII it would break at a no-break space
        parts = text.split() if text.isascii() else [p for p in _SPACE.split(text) if p]
        if not parts:
            gap = gap or bool(text)
            continue
        if pieces and (gap or text[0] in _ASCII_SPACE):
            flush()
        font = run.font
        cache = _cache(font)
        space = units(" ", font)
        for i, part in enumerate(parts):
            if i:
                if pieces[-1][1] is run:  # flush(), inlined: this is the hot loop
                    words.append(Word(tuple(pieces), width, space, False))
                    pieces, width = [], 0.0
                else:
                    flush()
            w = cache.get(part)
            if w is None:
                w = cache[part] = stringWidth(part, font, 1000)
            pieces.append((part, run))
            width += w
        gap = text[-1] in _ASCII_SPACE
    if pieces:
        flush()
    return words


def _split_word(word: Word, room: float) -> list[Word]:
    """A word wider than the line, cut between characters into line-wide chunks."""
    chunks: list[Word] = []
    pieces: list[tuple[str, Run]] = []
    width = 0.0
    for text, run in word.pieces:
        start = 0
        for i, char in enumerate(text):
            w = units(char, run.font)
            if width + w > room and (pieces or i > start):
                if i > start:
                    pieces.append((text[start:i], run))
                chunks.append(Word(tuple(pieces), width, 0.0, True))
                pieces, width, start = [], 0.0, i
            width += w
        if start < len(text):
            pieces.append((text[start:], run))
    chunks.append(Word(tuple(pieces), width, word.space, word.hard_break))
    return chunks


def break_lines(words: Sequence[Word], room: float) -> list[tuple[Word, ...]]:
    """Greedy lines at most `room` units wide."""
    lines: list[tuple[Word, ...]] = []
    line: list[Word] = []
    x = 0.0
    for word in words:
        if line and x + line[-1].space + word.units > room + _EPSILON:
            lines.append(tuple(line))
            line, x = [], 0.0
        if not line and word.units > room + _EPSILON:
            *full, word = _split_word(word, room)
            lines.extend((chunk,) for chunk in full)
        x = x + line[-1].space + word.units if line else word.units
        line.append(word)
        if word.hard_break:
            lines.append(tuple(line))
            line, x = [], 0.0
    if line:
        lines.append(tuple(line))
    return lines


# -- a paragraph -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextStyle:
    size: float
    leading: float
    indent: float = 0.0  # every line
    bullet: str | None = None  # drawn in the indent, on the first line
    bullet_font: str = ""
    bullet_color: Color | None = None


class TextBlock:
    """One paragraph: words (made on first use), broken into lines per width."""

    def __init__(
        self,
        words: Sequence[Word] | Callable[[], Sequence[Word]],
        style: TextStyle,
        *,
        lines: list[tuple[Word, ...]] | None = None,
        width: float = -1.0,
    ) -> None:
        self._words = words
        self.style = style
        self._lines = lines
        self._width = width if lines is not None else -1.0

    @property
    def words(self) -> Sequence[Word]:
        if callable(self._words):  # made late, so a long document never holds them all
            self._words = self._words()
        return self._words

    def lines(self, width: float) -> list[tuple[Word, ...]]:
        if self._lines is None or width != self._width:
            style = self.style
            room = (width - style.indent) * 1000 / style.size
            self._lines = break_lines(self.words, room)
            self._width = width
        return self._lines

    def height(self, width: float) -> float:
        return max(len(self.lines(width)), 1) * self.style.leading

    def split(self, width: float, height: float) -> tuple[TextBlock, TextBlock] | None:
        """Two blocks at a line boundary, the first at most `height` tall; no
        paragraph leaves a single line behind or carries one forward."""
        lines = self.lines(width)
        fit = int((height + _EPSILON) // self.style.leading)
        if len(lines) - fit == 1:
            fit -= 1  # a widow: take another line along
        if fit < 2 or fit >= len(lines):
            return None
        head, tail = lines[:fit], lines[fit:]
        first = TextBlock([w for line in head for w in line], self.style, lines=head, width=width)
        rest = TextBlock(
            [w for line in tail for w in line],
            replace(self.style, bullet=None),
            lines=tail,
            width=width,
        )
        return first, rest

    def draw(self, canv: Canvas, x: float, top: float, width: float) -> None:
        """Draw with the top of the first line box at `top`."""
        style, lines = self.style, self.lines(width)
        size, leading = style.size, style.leading
        scale = size / 1000
        baseline = top - (leading - size) / 2 - 0.8 * size
        font: str | None = None
        color: Color | None = None
        if style.bullet:
            # right-aligned a little before the text, so "10." and "9." line up;
            # then a relative move (Td) to where the lines start
            bullet_width = units(style.bullet, style.bullet_font) * scale
            offset = max(style.indent - size * 0.45 - bullet_width, 0.0)
            text = canv.beginText(x + offset, baseline)
            code = text._code  # some operators are cached strings: see _operator
            code.append(_operator("TL", leading))
            font = style.bullet_font
            text.setFont(font, size, leading)
            if style.bullet_color is not None:
                color = style.bullet_color
                code.append(_operator("rg", color.red, color.green, color.blue))
            text._textOut(style.bullet)
            code.append(_operator("Td", round(style.indent - offset, 3), 0))
        else:
            text = canv.beginText(x + style.indent, baseline)
            code = text._code
            code.append(_operator("TL", leading))
        links: list[tuple[str, tuple[float, float, float, float]]] = []
        for number, line in enumerate(lines):
            segments = _segments(line)
            if not segments:
                text._textOut("", 1)
                continue
            last = len(segments) - 1
            for i, (chunk, run, start, span) in enumerate(segments):
                if run.font != font:
                    font = run.font
                    text.setFont(font, size, leading)
                if run.color != color:
                    color = run.color
                    code.append(_operator("rg", color.red, color.green, color.blue))
                # the PDF text cursor advances by itself; reportlab's own tracking
                # (textOut) would measure every string again
                text._textOut(chunk, i == last)
                if run.url:
                    y = baseline - number * leading
                    left = x + style.indent + start * scale
                    rect = (left, y - 0.25 * size, left + span * scale, y + 0.85 * size)
                    links.append((run.url, rect))
        canv.saveState()
        canv.drawText(text)
        canv.restoreState()
        for url, rect in links:
            canv.linkURL(url, rect, relative=1, thickness=0)


_operators: dict[tuple[object, ...], str] = {}


def set_fill(text: Any, color: Color) -> None:
    """Set a text object's fill colour with a cached operator (see _operator)."""
    text._code.append(_operator("rg", color.red, color.green, color.blue))


def _operator(name: str, *operands: float) -> str:
    """A graphics operator with its operands, formatted once: reportlab formats the
    numbers anew each time, which is most of what setting a colour costs."""
    key = (name, *operands)
    op = _operators.get(key)
    if op is None:
        if len(_operators) > 10_000:
            _operators.clear()
        op = _operators[key] = f"{fp_str(*operands)} {name}"
    return op


def _segments(line: tuple[Word, ...]) -> list[tuple[str, Run, float, float]]:
    """The line as (text, run, start, width) with runs that look the same merged
    and spaces kept, so the text layer reads as it prints.  Positions are only
    measured on lines with a link (nothing else needs them)."""
    out: list[tuple[str, Run, float, float]] = []
    texts: list[str] = []  # the current segment's text
    current: Run | None = None
    last = len(line) - 1
    linked = False
    for index, word in enumerate(line):
        for text, run in word.pieces:
            if current is None or (
                run is not current
                and (
                    run.font != current.font or run.color != current.color or run.url != current.url
                )
            ):
                if current is not None:
                    out.append(("".join(texts), current, 0.0, 0.0))
                texts, current = [], run
                linked = linked or run.url is not None
            texts.append(text)
        if index < last and word.space:
            texts.append(" ")
    if current is not None:
        out.append(("".join(texts), current, 0.0, 0.0))
    if linked:
        x = 0.0
        for i, (chunk, run, _, _) in enumerate(out):
            width = units(chunk, run.font)
            out[i] = (chunk, run, x, width)
            x += width
    return out
