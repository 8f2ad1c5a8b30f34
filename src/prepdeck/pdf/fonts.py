"""Embedded TrueType families, and the glyph check that makes a missing character a
build error instead of reportlab's silent empty box.

Faces are registered once per process (parsing a TTF is not free) under the names
`<family>`, `<family>-Bold`, `<family>-Italic` and `<family>-BoldItalic`, with
`registerFontFamily` so `<b>` and `<i>` in paragraph markup pick the real faces.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from prepdeck.errors import BuildError, Problem
from prepdeck.model import Bank, Question
from prepdeck.pdf.style import FontSpec, PdfStyle
from prepdeck.styles import DEFAULTS_DIR
from prepdeck.text import (
    Code,
    CodeBlock,
    Emphasis,
    Inline,
    LineBreak,
    Link,
    MarkdownBlock,
    MarkdownImage,
    MarkdownList,
    MarkdownParagraph,
    MarkdownTable,
    Strong,
    Text,
    parse_blocks,
    parse_inline,
)

# the continuation mark of a wrapped code line
CODE_FURNITURE = "\u21aa"
# reportlab collapses these to spaces, so they never need a glyph.
_COLLAPSED = frozenset(" \t\n\r")
_SUFFIXES = {"regular": "", "bold": "-Bold", "italic": "-Italic", "bold_italic": "-BoldItalic"}

_lock = threading.Lock()
_registered: dict[str, str] = {}  # face name -> the file it was registered from
_coverage: dict[str, frozenset[str]] = {}  # face name -> characters it can draw


@dataclass(frozen=True, slots=True)
class Family:
    """A registered family: the name paragraph markup uses, and each face's name."""

    name: str
    regular: str
    bold: str
    italic: str
    bold_italic: str

    def face(self, bold: bool = False, italic: bool = False) -> str:
        if bold:
            return self.bold_italic if italic else self.bold
        return self.italic if italic else self.regular


@dataclass(frozen=True, slots=True)
class FontSet:
    body: Family
    code: Family


def _font_file(name: str, style_dirs: Sequence[Path]) -> str:
    """A user style folder's fonts/ first, then ours; a bare name that is in neither
    is left for reportlab's own search path (which has the Vera family)."""
    path = Path(name)
    if path.is_absolute():
        return str(path)
    for folder in [*reversed(style_dirs), DEFAULTS_DIR]:
        candidate = Path(folder) / "fonts" / name
        if candidate.is_file():
            return str(candidate)
    return name


def _register_face(face: str, filename: str) -> None:
    if _registered.get(face) == filename:
        return
    font = TTFont(face, filename)
    pdfmetrics.registerFont(font)
    _registered[face] = filename
    # glyph 0 is .notdef: a character mapped to it would print as an empty box
    drawn = frozenset(chr(cp) for cp, glyph in font.face.charToGlyph.items() if glyph)
    _coverage[face] = drawn | _COLLAPSED


def _register_family(spec: FontSpec, style_dirs: Sequence[Path]) -> Family:
    files = {
        "regular": _font_file(spec.regular, style_dirs),
        "bold": _font_file(spec.bold, style_dirs),
        "italic": _font_file(spec.italic, style_dirs),
        "bold_italic": _font_file(spec.bold_italic, style_dirs),
    }
    names: dict[str, str] = {}
    by_file: dict[str, str] = {}  # a file used for two faces is registered once
    for kind, filename in files.items():
        if filename in by_file:
            names[kind] = by_file[filename]
            continue
        names[kind] = by_file[filename] = spec.name + _SUFFIXES[kind]
        _register_face(names[kind], filename)
    pdfmetrics.registerFontFamily(
        spec.name,
        normal=names["regular"],
        bold=names["bold"],
        italic=names["italic"],
        boldItalic=names["bold_italic"],
    )
    return Family(spec.name, names["regular"], names["bold"], names["italic"], names["bold_italic"])


def register_fonts(style: PdfStyle) -> FontSet:
    """Register the style's families (once per process) and return their face names."""
    with _lock:
        try:
            body = _register_family(style.fonts.body, style.style_dirs)
            code = _register_family(style.fonts.code, style.style_dirs)
        except (TTFError, OSError) as exc:
            raise BuildError(
                [Problem("pdf.yaml", 1, 1, "pdf-font", f"cannot load a font: {exc}")]
            ) from None
    return FontSet(body, code)


# -- glyph coverage ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldFace:
    """How a layout prints a field: its base weight and slant."""

    bold: bool = False
    italic: bool = False


def _inline_runs(
    nodes: tuple[Inline, ...], fonts: FontSet, bold: bool, italic: bool
) -> Iterator[tuple[str, str]]:
    """(text, face) for every run of `nodes`, following the markup's faces."""
    for node in nodes:
        if isinstance(node, Text):
            yield node.text, fonts.body.face(bold, italic)
        elif isinstance(node, Code):
            yield node.text, fonts.code.face(bold, italic)
        elif isinstance(node, Strong):
            yield from _inline_runs(node.children, fonts, True, italic)
        elif isinstance(node, Emphasis):
            yield from _inline_runs(node.children, fonts, bold, True)
        elif isinstance(node, Link):
            yield from _inline_runs(node.children, fonts, bold, italic)
        elif isinstance(node, LineBreak):
            continue


def _block_runs(
    blocks: tuple[MarkdownBlock, ...], fonts: FontSet, bold: bool, italic: bool
) -> Iterator[tuple[str, str]]:
    for block in blocks:
        if isinstance(block, MarkdownParagraph):
            yield from _inline_runs(block.children, fonts, bold, italic)
        elif isinstance(block, MarkdownList):
            for item in block.items:
                yield from _block_runs(item, fonts, bold, italic)
        elif isinstance(block, CodeBlock):
            yield block.text, fonts.code.regular
            yield CODE_FURNITURE, fonts.code.regular
        elif isinstance(block, MarkdownTable):
            for cell in block.header:
                yield from _inline_runs(cell, fonts, True, italic)
            for row in block.rows:
                for cell in row:
                    yield from _inline_runs(cell, fonts, bold, italic)
        elif isinstance(block, MarkdownImage):
            yield block.alt, fonts.body.italic  # printed as the caption


def missing_glyphs(runs: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(character, face) for each distinct character a face cannot draw."""
    seen: set[tuple[str, str]] = set()
    for text, face in runs:
        have = _coverage[face]
        if have.issuperset(text):
            continue
        for char in dict.fromkeys(text):  # distinct, in the order they appear
            if char not in have and (char, face) not in seen:
                seen.add((char, face))
                yield char, face


def _describe(char: str) -> str:
    return f"character {char!r} (U+{ord(char):04X})"


def question_location(question: Question) -> tuple[str, int, int]:
    where = question.source
    if where is None:
        return "<bank>", 1, 1
    return str(where.path), where.line, where.column


def check_questions(bank: Bank, fonts: FontSet, fields: dict[str, FieldFace]) -> list[Problem]:
    """Every character of every printed field must be in the face printing it.

    `fields` names the fields a layout prints (question, hint, key_points, answer)
    and the face each starts in.
    """
    problems: list[Problem] = []
    for q in bank.questions:
        path, line, col = question_location(q)
        for field, face in fields.items():
            for label, runs in _field_runs(q, field, fonts, face):
                for char, face_name in missing_glyphs(runs):
                    problems.append(
                        Problem(
                            path,
                            line,
                            col,
                            "pdf-glyph",
                            f"question {q.id}, field {label}: {_describe(char)} "
                            f"is not in font {face_name}",
                        )
                    )
    return problems


def _field_runs(
    q: Question, field: str, fonts: FontSet, face: FieldFace
) -> Iterator[tuple[str, Iterable[tuple[str, str]]]]:
    if field == "key_points":
        for i, point in enumerate(q.key_points, start=1):
            yield (
                f"key_points (point {i})",
                _inline_runs(parse_inline(point), fonts, face.bold, face.italic),
            )
    elif field == "answer":
        yield field, _block_runs(parse_blocks(q.answer), fonts, face.bold, face.italic)
    else:
        yield field, _inline_runs(parse_inline(getattr(q, field)), fonts, face.bold, face.italic)


def check_texts(texts: Iterable[tuple[str, str, str]]) -> list[Problem]:
    """Bank-level text a layout prints as given: (what it is, text, face)."""
    problems: list[Problem] = []
    for what, text, face in texts:
        for char, face_name in missing_glyphs([(text, face)]):
            problems.append(
                Problem(
                    "<bank>",
                    1,
                    1,
                    "pdf-glyph",
                    f"{what}: {_describe(char)} is not in font {face_name}",
                )
            )
    return problems


def check_markdown(what: str, source: str, fonts: FontSet) -> list[Problem]:
    """Bank-level inline Markdown (the description), in the faces it asks for."""
    runs = _inline_runs(parse_inline(source), fonts, False, False)
    return [
        Problem("<bank>", 1, 1, "pdf-glyph", f"{what}: {_describe(char)} is not in font {face}")
        for char, face in missing_glyphs(runs)
    ]


def drawable(text: str, fonts: FontSet, face: str, replacement: str = "?") -> str:
    """`text` with characters `face` lacks replaced, for derived one-line text (the
    contents and bookmarks reuse question text in the regular face, though a code
    span may have used a glyph only the code font has)."""
    have = _coverage[face]
    if have.issuperset(text):
        return text
    return "".join(c if c in have else replacement for c in text)
