"""One layout pass with forward references.

reportlab's `multiBuild` lays a document out again and again until page numbers
settle.  Here it is laid out once: anything that depends on a page not laid out yet
(the total in "page X of Y", the numbers in the contents) is drawn as a named form
XObject that is *used* while pages are made and *defined* after the last page, just
before the file is written.  Links point at named destinations the same way.

Front matter (title page and contents) is numbered i, ii, ... and the body from 1,
so body page numbers never depend on how long the contents are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate
from reportlab.platypus.doctemplate import LayoutError

from prepdeck.errors import BuildError, Problem
from prepdeck.gcpause import gc_running
from prepdeck.pdf.common import Kit, Metadata, build_date, canvas_maker, roman, save
from prepdeck.pdf.fonts import draw_line, fit_line
from prepdeck.pdf.rl_private import defer_save
from prepdeck.pdf.style import MM

TOTAL_PAGES_FORM = "total-pages"
FURNITURE_FORM = "furniture"


@dataclass
class Marks:
    """What the layout pass learns as it goes: where each destination landed, and
    which section the running header should name."""

    front_pages: int = 0
    pages: dict[str, int] = field(default_factory=dict)  # destination -> body page
    section: str = ""  # the section in effect: the last one that started
    # page number -> what its running header names, for pages a section started on
    headers: dict[int, str] = field(default_factory=dict)

    # page number -> the ids of the questions that start on it, for its footer
    ids: dict[int, list[str]] = field(default_factory=dict)

    def note_id(self, canv: Canvas, ident: str) -> None:
        self.ids.setdefault(int(canv.getPageNumber()), []).append(ident)

    def body_page(self, canv: Canvas) -> int:
        return int(canv.getPageNumber()) - self.front_pages

    def start_section(self, canv: Canvas, header: str, *, at_page_top: bool) -> None:
        """A section heading is drawn.  The page's header names the section in effect
        at the top of the page: this one if it opens the page, else the one before."""
        page = int(canv.getPageNumber())
        if page not in self.headers:
            self.headers[page] = header if at_page_top else self.section
        self.section = header

    def header(self, canv: Canvas) -> str:
        """What the running header of the page being finished names."""
        return self.headers.get(int(canv.getPageNumber()), self.section)


@dataclass(frozen=True)
class PageGeometry:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def frame_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def frame_height(self) -> float:
        return self.height - self.top - self.bottom

    @staticmethod
    def of(kit: Kit, pagesize: tuple[float, float]) -> PageGeometry:
        page = kit.style.page
        return PageGeometry(
            width=pagesize[0],
            height=pagesize[1],
            left=page.margin_left_mm * MM,
            right=page.margin_right_mm * MM,
            top=page.margin_top_mm * MM,
            bottom=page.margin_bottom_mm * MM,
        )


def fit_text(text: str, font: str, size: float, width: float, ellipsis: str = "…") -> str:
    """`text` cut with an ellipsis so it is at most `width` wide on one line."""
    if stringWidth(text, font, size) <= width:
        return text
    room = width - stringWidth(ellipsis, font, size)
    low, high = 0, len(text)  # the longest prefix that fits: a binary search
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle], font, size) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ellipsis


class Furniture:
    """Running header, footer and "page X of Y" for every page of a layout."""

    def __init__(
        self, kit: Kit, marks: Marks, geometry: PageGeometry, *, title: str, timestamp: int
    ) -> None:
        self.kit = kit
        self.marks = marks
        self.geometry = geometry
        self.title = title
        self.footer_right = f"built {build_date(timestamp)}"
        page = kit.style.page
        self.header_y = geometry.height - geometry.top + page.header_gap_mm * MM
        self.footer_y = geometry.bottom - page.footer_gap_mm * MM

    def _font(self, canv: Canvas, bold: bool = False) -> tuple[str, float]:
        face = self.kit.fonts.body.face(bold)
        size = self.kit.style.sizes.small
        canv.setFont(face, size)
        canv.setFillColor(self.kit.color("muted"))
        return face, size

    def body_page(self, canv: Canvas, doc: Any) -> None:
        """The running header and footer; what every page shares is one form."""
        g = self.geometry
        if not canv.hasForm(FURNITURE_FORM):
            self._define_furniture(canv)
        canv.doForm(FURNITURE_FORM)
        canv.saveState()
        face, size = self._font(canv)
        body = self.kit.fonts.body
        header = self.marks.header(canv)
        draw_line(canv, g.width - g.right, self.header_y, header, body, size, align="right")
        text = f"page {self.marks.body_page(canv)} of "
        canv.drawString(g.left, self.footer_y, text)
        canv.saveState()
        canv.translate(g.left + stringWidth(text, face, size), self.footer_y)
        canv.doForm(TOTAL_PAGES_FORM)
        canv.restoreState()
        ids = self.marks.ids.get(int(canv.getPageNumber()))
        if ids:  # for authors: the ids of the questions that start on this page
            shown = fit_line(" · ".join(ids), body, size * 0.9, g.frame_width * 0.6)
            draw_line(canv, g.width / 2, self.footer_y, shown, body, size * 0.9, align="centre")
        canv.restoreState()

    def _define_furniture(self, canv: Canvas) -> None:
        g = self.geometry
        canv.beginForm(FURNITURE_FORM)
        _, size = self._font(canv)
        # the section name on the right is at most a third of the line
        body = self.kit.fonts.body
        title = fit_line(self.title, body, size, g.frame_width * 2 / 3 - 12)
        draw_line(canv, g.left, self.header_y, title, body, size)
        canv.drawRightString(g.width - g.right, self.footer_y, self.footer_right)
        canv.setStrokeColor(self.kit.color("rule"))
        canv.setLineWidth(0.5)
        rule_y = self.header_y - size * 0.6
        canv.line(g.left, rule_y, g.width - g.right, rule_y)
        canv.endForm()

    def front_page(self, canv: Canvas, doc: Any) -> None:
        g = self.geometry
        canv.saveState()
        self._font(canv)
        canv.drawString(g.left, self.footer_y, roman(int(canv.getPageNumber())))
        canv.restoreState()

    def define_total(self, canv: Canvas, total: int) -> None:
        canv.beginForm(TOTAL_PAGES_FORM, lowerx=-1, lowery=-4, upperx=100, uppery=20)
        self._font(canv)
        canv.drawString(0, 0, str(total))
        canv.endForm()


def _nothing(canv: Canvas, doc: Any) -> None:
    pass


class Document:
    """A doc template with three page templates: `title` (bare), `front` (roman
    folio) and `body` (header, footer, page X of Y); the document opens with
    `first_template`."""

    def __init__(
        self,
        dest: Path,
        *,
        kit: Kit,
        pagesize: tuple[float, float],
        meta: Metadata,
        timestamp: int,
        marks: Marks,
        title: str,
        first_template: str = "body",
    ) -> None:
        self.kit = kit
        self.marks = marks
        self.timestamp = timestamp
        self.title = title
        self.geometry = g = PageGeometry.of(kit, pagesize)
        self.furniture = Furniture(kit, marks, g, title=title, timestamp=timestamp)

        def frame() -> Frame:
            return Frame(
                g.left, g.bottom, g.frame_width, g.frame_height,
                leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="text",
            )  # fmt: skip

        templates = [
            PageTemplate("title", [frame()], onPageEnd=_nothing, pagesize=pagesize),
            PageTemplate(
                "front", [frame()], onPageEnd=self.furniture.front_page, pagesize=pagesize
            ),
            PageTemplate("body", [frame()], onPageEnd=self.furniture.body_page, pagesize=pagesize),
        ]
        self.template = BaseDocTemplate(
            str(dest),
            pagesize=pagesize,
            leftMargin=g.left,
            rightMargin=g.right,
            topMargin=g.top,
            bottomMargin=g.bottom,
            # the first template is the first page's
            pageTemplates=sorted(templates, key=lambda t: t.id != first_template),
            invariant=1,
            pageCompression=1,
            # a TrueType initial font keeps reportlab from referencing Helvetica
            initialFontName=kit.fonts.body.regular,
            **meta.doc_kwargs(),
        )

    def build(
        self,
        flowables: list[Flowable],
        *,
        finish: Callable[[Canvas], None] | None = None,
    ) -> int:
        """Lay out once; then define the forms pages refer to, and write the file.
        Returns the number of body pages.

        `flowables` is consumed: reportlab drops each one once it is drawn, so a
        caller that keeps no other reference lets drawn pages' objects go.
        """
        template = self.template
        defer_save(template)  # save below, once the forward-referenced forms exist
        with gc_running():  # reportlab's flowables form cycles: collect drawn pages
            try:
                template.build(flowables, canvasmaker=canvas_maker(self.timestamp))
            except LayoutError as exc:  # something taller than an empty page, unsplittable
                g = self.geometry
                raise BuildError(
                    [
                        Problem(
                            "pdf.yaml", 1, 1, "pdf-style",
                            f"{self.title}: a piece of it does not fit on an empty page "
                            f"({g.frame_width / MM:.0f} x {g.frame_height / MM:.0f} mm of text "
                            f"block on page {template.page}); use larger paper, smaller "
                            "margins or smaller type",
                        )
                    ]
                ) from exc  # fmt: skip
        canv: Canvas = template.canv
        pages = int(canv.getPageNumber()) - 1
        body_pages = pages - self.marks.front_pages
        if self.marks.front_pages:
            canv.addPageLabel(0, "ROMAN_LOWER", 1)
        canv.addPageLabel(self.marks.front_pages, "ARABIC", 1)
        self.furniture.define_total(canv, body_pages)
        if finish is not None:
            finish(canv)
        canv.showOutline()
        save(canv)
        return body_pages
