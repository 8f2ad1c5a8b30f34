"""The style's font chains registered with reportlab, and the build's glyph check.

Faces are registered once per process (parsing a TTF is not free) under the names
`fontchain.face_names` gives (`<family>`, `<family>-Bold`, ...), with
`registerFontFamily` so `<b>` and `<i>` in paragraph markup pick the real faces.
reportlab embeds each TrueType face as a subset of the glyphs used.

Which face prints a character is decided by the chain (`fontchain.Chain.runs`):
the first face that has it.  `prepdeck validate` checks the bank's fields against
the same chains; the check here also covers what only a layout prints (labels,
the how-to text from the style) and is the last word before anything is drawn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from prepdeck import printed
from prepdeck.errors import BuildError, Problem
from prepdeck.fontchain import (
    Chain,
    Chains,
    FontError,
    chains_for,
    explain,
    face_names,
    ignorable,
    missing_in,
    parse_failure,
    read_font,
)
from prepdeck.fontspec import FACES, Family
from prepdeck.model import Bank, Question
from prepdeck.pdf.rl_private import install_to_unicode_fix
from prepdeck.pdf.style import PdfStyle

install_to_unicode_fix()

# the continuation mark of a wrapped code line (pdf/flow.py)
CODE_FURNITURE = "\u21aa"

_lock = threading.Lock()
_registered: dict[str, Path] = {}  # face name -> the file it was registered from


@dataclass(frozen=True)
class RoleFonts(Family[str]):
    """The fonts of one role (body or code) as layouts use them: the registered face
    names of the chain's first family (`face()`, for text known to be in it, such as
    labels) and, per style, the chain that splits any text into runs of faces that
    can draw it."""

    chains: Chains
    role: str  # "body" or "code"

    def chain(self, bold: bool = False, italic: bool = False) -> Chain:
        return self._by_style[bold, italic]

    @cached_property
    def _by_style(self) -> dict[tuple[bool, bool], Chain]:
        return {
            (bold, italic): self.chains.chain(self.role, bold, italic)
            for bold in (False, True)
            for italic in (False, True)
        }

    def runs(self, text: str, bold: bool = False, italic: bool = False) -> list[tuple[str, str]]:
        """(face, text) runs: each character in the first face of the chain that has it."""
        return self._by_style[bold, italic].runs(text)


@dataclass(frozen=True)
class FontSet:
    """The style's chains, registered with reportlab: what a layout draws with."""

    body: RoleFonts
    code: RoleFonts
    chains: Chains


def _register_family(family: Family[Path]) -> None:
    names = face_names(family)
    for v in FACES:
        face, path = names[v], family[v]
        if _registered.get(face) == path:
            continue
        try:
            # the same checked bytes validate read (a regular file of a sane size)
            font = TTFont(face, read_font(path))
        except FontError as exc:
            message = f"the {v} face of font {family.name!r} cannot be loaded: {exc}"
            raise BuildError([Problem(str(path), 1, 1, "pdf-font", message)]) from None
        # reportlab embeds TrueType outlines only (no CFF .otf, no colour bitmaps), and
        # its parser raises whatever a malformed file trips over (TTFError, struct.error,
        # AttributeError...).  At the file itself: a real path, and the face it is for.
        except Exception as exc:
            message = f"the {v} face of font {family.name!r} cannot be loaded: {parse_failure(exc)}"
            raise BuildError([Problem(str(path), 1, 1, "pdf-font", message)]) from None
        pdfmetrics.registerFont(font)
        _registered[face] = path
    pdfmetrics.registerFontFamily(
        family.name,
        normal=names.regular,
        bold=names.bold,
        italic=names.italic,
        boldItalic=names.bold_italic,
    )


def _role_fonts(chains: Chains, role: str) -> RoleFonts:
    first = (chains.body if role == "body" else chains.code)[0]
    names = face_names(first)
    return RoleFonts(names.name, *names.faces, chains, role)


def register_fonts(style: PdfStyle) -> FontSet:
    """Register every family of the style's chains (once per process)."""
    with _lock:
        try:
            chains = chains_for(style.fonts, style.style_dirs)
            for family in dict.fromkeys((*chains.body, *chains.code)):
                _register_family(family)
            chains.all_chains()  # read every face's coverage now, not mid-layout
        except FontError as exc:
            raise BuildError([Problem("pdf.yaml", 1, 1, "pdf-font", str(exc))]) from None
    return FontSet(_role_fonts(chains, "body"), _role_fonts(chains, "code"), chains)


# -- the glyph check -----------------------------------------------------------------


def question_location(question: Question) -> tuple[str, int, int]:
    where = question.source
    if where is None:
        return "<bank>", 1, 1
    return str(where.path), where.line, where.column


def check_fields(bank: Bank, fonts: FontSet) -> list[Problem]:
    """Every character of every field `printed.py` lists must be in some face of its
    chain, in each face the layouts start it in: the list the check before a build
    walks, here on the model.  One problem per field, at its question (the model
    keeps no field lines), quoting the word of each character."""
    chains = fonts.chains
    problems: list[Problem] = []

    def look(where: tuple[str, int, int], what: str, text: str, field: printed.Field) -> None:
        if chains.print_anywhere(text):
            return
        missing: list[tuple[str, Chain]] = []
        for bold, italic in field.faces:
            seen = {char for char, _ in missing}
            runs = printed.runs(text, field.markup, bold, italic)
            missing += [m for m in missing_in(chains, runs) if m[0] not in seen]
        if missing:
            words = {c: printed.word_at(text, text.index(c)) for c, _ in missing if c in text}
            problems.append(Problem(*where, "pdf-glyph", f"{what}: {explain(missing, words)}"))

    bank_wide = ("<bank>", 1, 1)
    for field in printed.BANK_FIELDS:
        look(bank_wide, f"bank {field.key}", getattr(bank, field.key), field)
    for output, blurb in bank.blurbs:
        if output in printed.BLURB_OUTPUTS:
            look(bank_wide, f"bank blurbs.{output}", blurb, printed.BLURB)
    entries = {"tiers": bank.tiers, "references": bank.references}
    for section, fields in printed.ENTRY_FIELDS.items():
        for index, entry in enumerate(entries[section]):
            for field in fields:
                look(bank_wide, f"{section}[{index}].{field.key}", getattr(entry, field.key), field)
    for q in bank.questions:
        where = question_location(q)
        for field in printed.QUESTION_FIELDS:
            value = getattr(q, field.key)
            texts = enumerate(value, start=1) if field.many else [(0, value)]
            for number, text in texts:
                label = f"{field.key} (point {number})" if field.many else field.key
                look(where, f"question {q.id}, field {label}", text, field)
    return problems


def check_texts(texts: Iterable[tuple[str, str, str]], fonts: FontSet) -> list[Problem]:
    """Bank-level text a layout prints as given: (what it is, text, face), where
    face is one of the body family's face names."""
    body = fonts.body
    problems: list[Problem] = []
    for what, text, face in texts:
        bold, italic = (
            face in (body.bold, body.bold_italic),
            face in (body.italic, body.bold_italic),
        )
        missing = missing_in(fonts.chains, [(text, "body", bold, italic)])
        if missing:
            problems.append(Problem("<bank>", 1, 1, "pdf-glyph", f"{what}: {explain(missing)}"))
    return problems


def drawable(text: str, fonts: FontSet, face: str, replacement: str = "?") -> str:
    """`text` with characters the body chain cannot draw replaced, for derived
    one-line text (the contents and bookmarks reuse question text, though a code
    span may have used a glyph only the code chain has)."""
    chain = fonts.body.chain()
    if chain.faces[0].coverage.covers(text):
        return text
    return "".join(c if chain.can_draw(c) else "" if ignorable(c) else replacement for c in text)


# -- one line of text in a chain's faces ---------------------------------------------


def line_width(text: str, fonts: RoleFonts, size: float, bold: bool = False) -> float:
    runs = fonts.runs(text, bold)
    if len(runs) == 1:
        return float(pdfmetrics.stringWidth(runs[0][1], runs[0][0], size))
    return float(sum(pdfmetrics.stringWidth(part, face, size) for face, part in runs))


def fit_line(
    text: str, fonts: RoleFonts, size: float, width: float, bold: bool = False, ellipsis: str = "…"
) -> str:
    """`text` cut with an ellipsis so that, drawn in the chain's faces, it is at most
    `width` wide."""
    if line_width(text, fonts, size, bold) <= width:
        return text
    room = width - pdfmetrics.stringWidth(ellipsis, fonts.face(bold), size)
    used, kept = 0.0, list[str]()
    for face, part in fonts.runs(text, bold):
        widths = pdfmetrics.getFont(face).face.charWidths
        default = pdfmetrics.getFont(face).face.defaultWidth
        for char in part:
            used += widths.get(ord(char), default) * size / 1000
            if used > room:
                return "".join(kept).rstrip() + ellipsis
            kept.append(char)
    return text  # pragma: no cover - the whole text fitted after all


def text_out(text_object: Any, text: str, fonts: RoleFonts, size: float, bold: bool = False) -> str:
    """Append `text` to a reportlab text object, switching faces where the chain
    does; returns the face it ends in."""
    face = fonts.face(bold)
    for face, part in fonts.runs(text, bold):
        text_object.setFont(face, size)
        text_object.textOut(part)
    return face


def draw_line(
    canv: Canvas,
    x: float,
    y: float,
    text: str,
    fonts: RoleFonts,
    size: float,
    *,
    bold: bool = False,
    align: str = "left",
) -> None:
    """Draw one line at baseline `y`, left-, right- or centre-aligned on `x`."""
    if align != "left":
        width = line_width(text, fonts, size, bold)
        x -= width if align == "right" else width / 2
    text_object = canv.beginText(x, y)
    text_out(text_object, text, fonts, size, bold)
    text_object.textLine()  # ends the line as drawString does, so text extracts as a line
    canv.drawText(text_object)
