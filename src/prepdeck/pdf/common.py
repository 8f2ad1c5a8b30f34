"""What every layout shares: the style data and its faces, metadata, the glyph
check, and a canvas that writes the same bytes every time.

Content is set by reportlab's `Paragraph` (and the other flowables in `flow.py`)
from markup `prepdeck.text` makes: each run of text is escaped, then tagged, so
`<img src=...>` in content stays text.

Determinism: reportlab's invariant mode fixes its object ids and trailer /ID, and
the creation date is the build's timestamp (SOURCE_DATE_EPOCH), never the clock or
the environment.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas

from prepdeck.errors import BuildError
from prepdeck.model import Bank, Question
from prepdeck.pdf.fonts import FontSet, check_fields, check_texts, register_fonts
from prepdeck.pdf.rl_private import compress_finished_pages, fix_time
from prepdeck.pdf.style import PdfStyle, load_style
from prepdeck.text import (
    MarkupStyle,
    Text,
    inline_markup,
    parse_inline,
    plain,
)

PRODUCER = "prepdeck (reportlab)"


def build_date(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def roman(number: int) -> str:
    numerals = (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    )  # fmt: skip
    out = []
    for value, letters in numerals:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


# -- determinism -------------------------------------------------------------------


_save_lock = threading.Lock()


def save(canv: Canvas) -> None:
    """Write the file, with page streams Flate-compressed but not also ASCII85
    encoded (reportlab's default): binary streams are a quarter smaller, and the
    ASCII85 step is pure Python without reportlab's optional C accelerator.

    `useA85` is a process-wide setting, so it is switched under a lock and restored.
    """
    with _save_lock:
        previous = rl_config.useA85
        rl_config.useA85 = 0
        try:
            canv.save()
        finally:
            rl_config.useA85 = previous


def canvas_maker(timestamp: int) -> Callable[..., Canvas]:
    """A `canvasmaker` for doc templates: invariant mode, fixed time, pages
    compressed as they are finished."""

    def make(filename: Any, **kwargs: Any) -> Canvas:
        kwargs["invariant"] = 1
        canv = Canvas(filename, **kwargs)
        fix_time(canv, timestamp)
        compress_finished_pages(canv)
        return canv

    return make


# -- metadata --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    lang: str

    def doc_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for a reportlab doc template."""
        return {
            "title": self.title,
            "author": self.author,
            "subject": self.subject,
            "keywords": list(self.keywords),
            "creator": "prepdeck",
            "producer": PRODUCER,
            "lang": self.lang,
            "displayDocTitle": True,
        }

    def apply(self, canv: Canvas) -> None:
        canv.setTitle(self.title)
        canv.setAuthor(self.author)
        canv.setSubject(self.subject)
        canv.setKeywords(list(self.keywords))
        canv.setCreator("prepdeck")
        canv.setProducer(PRODUCER)
        canv.setViewerPreference("DisplayDocTitle", "true")


def metadata(bank: Bank, layout: str) -> Metadata:
    topics = sorted({tag for q in bank.questions for tag in q.tags})
    names = {t.id: t.name for t in bank.topics}
    keywords = (
        "interview questions",
        *(t.name for t in bank.tiers),
        *(names.get(t, t) for t in topics),
    )
    description = " ".join(plain(parse_inline(bank.description)).split())
    subject = description or f"{bank.title}: {layout}"
    if bank.filter_description:
        subject = f"{subject} (selection: {bank.filter_description})"
    return Metadata(
        title=f"{bank.title} ({layout})",
        author=bank.author or "prepdeck",
        subject=subject,
        keywords=keywords,
        lang=bank.language or "en",
    )


# -- the layout's context ----------------------------------------------------------


@dataclass(frozen=True)
class Kit:
    """Everything a layout needs to typeset: style data, faces, paragraph styles."""

    style: PdfStyle
    fonts: FontSet

    @cached_property
    def _colors(self) -> dict[str, Color]:
        return {name: HexColor(value) for name, value in vars_of(self.style.colors).items()}

    def color(self, name: str) -> Color:
        return self._colors[name]

    @cached_property
    def markup_style(self) -> MarkupStyle:
        return MarkupStyle(
            code_font=self.fonts.code.name,
            link_color=self.style.colors.link,
            font_runs=self._font_runs,
            smart=True,
        )

    def _font_runs(self, kind: str, text: str) -> list[tuple[str, str]]:
        return self.fonts.chains.markup_chain(kind).family_runs(text)

    def markup(self, source: str) -> str:
        """Escaped reportlab markup for one paragraph of inline Markdown."""
        return inline_markup(parse_inline(source), self.markup_style)

    def escape(self, text: str) -> str:
        """Plain text as paragraph markup that prints literally."""
        return inline_markup((Text(text),), self.markup_style)

    def paragraph_style(
        self,
        name: str,
        *,
        size: float | None = None,
        bold: bool = False,
        italic: bool = False,
        color: str = "text",
        indent: float = 0,
        space_after: float = 0,
        leading: float | None = None,
    ) -> ParagraphStyle:
        size = size or self.style.sizes.body
        return ParagraphStyle(
            name,
            fontName=self.fonts.body.face(bold, italic),
            fontSize=size,
            leading=leading or round(size * self.style.sizes.leading, 2),
            textColor=self.color(color),
            alignment=TA_LEFT,
            leftIndent=indent,
            bulletIndent=max(indent - 11, 0),
            bulletFontName=self.fonts.body.regular,
            bulletFontSize=size,
            spaceAfter=space_after,
            allowWidows=0,
            allowOrphans=0,
            splitLongWords=1,
        )


def vars_of(instance: Any) -> dict[str, Any]:
    """A slotted dataclass's fields as a dict."""
    return {f.name: getattr(instance, f.name) for f in dataclasses.fields(instance)}


def make_kit(style_dirs: Iterable[Any]) -> Kit:
    style = load_style(tuple(style_dirs))
    return Kit(style, register_fonts(style))


def warm_up(options: Any) -> None:
    """Load the style and register its fonts now (a build does this once before
    forking the processes that write the PDFs, which then share them)."""
    make_kit(options.style_dirs)


def check_printable(bank: Bank, kit: Kit, extra: Iterable[tuple[str, str, str]] = ()) -> None:
    """Raise a BuildError listing every character the fonts cannot draw: in the
    bank's printed fields (`printed.py`, the list the check before a build walks)
    and in the layout's own text (`extra`: what, text, face)."""
    body = kit.fonts.body
    texts = [
        *((f"question {q.id}, its id", q.id, body.regular) for q in bank.questions),
        *extra,
    ]
    if bank.filter_description:
        texts.append(("filter", bank.filter_description, body.regular))
    problems = check_fields(bank, kit.fonts) + check_texts(texts, kit.fonts)
    if problems:
        raise BuildError(problems)


def one_line(question: Question) -> str:
    """The question as plain text on one line, for contents and bookmarks."""
    return " ".join(plain(parse_inline(question.question)).split())
