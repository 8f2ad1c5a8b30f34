"""The PDF style as typed data: `styles/pdf.yaml` (the package default, deep-merged
with each user style folder's) read into frozen dataclasses.

Pure data: nothing here imports reportlab.  A bad value is a `BuildError` naming the
key, so a typo in a style file is reported like any other problem.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from prepdeck.errors import BuildError, Problem
from prepdeck.styles import read_yaml

STYLE_FILE = "pdf.yaml"
MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True, slots=True)
class FontSpec:
    """A family: the name markup uses, and a file for each face."""

    name: str
    regular: str
    bold: str
    italic: str
    bold_italic: str


@dataclass(frozen=True, slots=True)
class Fonts:
    """Fallback chains: each character is drawn with the first family that has it."""

    body: tuple[FontSpec, ...]
    code: tuple[FontSpec, ...]


FONT_SUFFIXES = (".ttf", ".ttc")


def _family(entry: Any, families: Mapping[str, Any], key: str) -> FontSpec:
    """A chain entry: a family defined under `fonts.families`, or a font file used
    for all four faces (one line to add a CJK font)."""
    if not isinstance(entry, str) or not entry:
        raise _StyleProblems(f"{key}: expected a family name or a font file")
    if entry in families:
        faces = families[entry]
        sub = f"fonts.families.{entry}"
        if not isinstance(faces, Mapping):
            raise _StyleProblems(f"{sub}: expected a mapping of faces")
        unknown = sorted(set(faces) - {"regular", "bold", "italic", "bold_italic"})
        if unknown:
            raise _StyleProblems(f"{sub}: unknown key {unknown[0]!r}")
        if not isinstance(faces.get("regular"), str):
            raise _StyleProblems(f"{sub}.regular: missing")
        regular = faces["regular"]
        bold = _convert("str", faces.get("bold", regular), f"{sub}.bold")
        italic = _convert("str", faces.get("italic", regular), f"{sub}.italic")
        bold_italic = _convert(
            "str", faces.get("bold_italic", faces.get("bold", italic)), f"{sub}.bold_italic"
        )
        return FontSpec(entry, regular, bold, italic, bold_italic)
    if entry.lower().endswith(FONT_SUFFIXES):
        name = Path(entry).stem
        return FontSpec(name, entry, entry, entry, entry)
    known = ", ".join(sorted(families))
    raise _StyleProblems(
        f"{key}: {entry!r} is neither a family under fonts.families ({known}) nor a .ttf/.ttc file"
    )


def _fonts(data: Any, key: str) -> Fonts:
    if not isinstance(data, Mapping):
        raise _StyleProblems(f"{key}: expected a mapping")
    unknown = sorted(set(data) - {"body", "code", "families"})
    if unknown:
        raise _StyleProblems(f"{key}: unknown key {unknown[0]!r}")
    families = data.get("families") or {}
    if not isinstance(families, Mapping):
        raise _StyleProblems(f"{key}.families: expected a mapping")
    chains: dict[str, tuple[FontSpec, ...]] = {}
    for kind in ("body", "code"):
        entries = data.get(kind)
        if not isinstance(entries, list) or not entries:
            raise _StyleProblems(f"{key}.{kind}: expected a list of fonts, first choice first")
        chains[kind] = tuple(
            _family(entry, families, f"{key}.{kind}[{i}]") for i, entry in enumerate(entries)
        )
        names = [spec.name for spec in chains[kind]]
        if len(set(names)) != len(names):
            raise _StyleProblems(f"{key}.{kind}: a font is listed twice")
    return Fonts(chains["body"], chains["code"])


@dataclass(frozen=True, slots=True)
class Colors:
    text: str
    muted: str
    accent: str
    link: str
    hint_background: str
    hint_rule: str
    rule: str
    writing_lines: str
    crop_marks: str


@dataclass(frozen=True, slots=True)
class Sizes:
    body: float
    leading: float
    small: float
    question: float
    label: float
    title: float
    section: float
    toc: float


@dataclass(frozen=True, slots=True)
class Page:
    margin_top_mm: float
    margin_bottom_mm: float
    margin_left_mm: float
    margin_right_mm: float
    header_gap_mm: float
    footer_gap_mm: float
    question_gap: float


@dataclass(frozen=True, slots=True)
class Paper:
    width_mm: float
    height_mm: float


@dataclass(frozen=True, slots=True)
class Booklet:
    toc_questions: bool


@dataclass(frozen=True, slots=True)
class Quiz:
    lines_min: int
    lines_max: int
    line_gap_mm: float


@dataclass(frozen=True, slots=True)
class Cards:
    width_mm: float
    height_mm: float
    padding_mm: float
    front_size: float
    back_size: float
    floor_size: float
    crop_mark_mm: float
    crop_gap_mm: float


@dataclass(frozen=True, slots=True)
class Texts:
    how_to_use: str
    quiz_how_to_use: str
    cards_how_to_use: str


@dataclass(frozen=True, slots=True)
class PdfStyle:
    fonts: Fonts
    colors: Colors
    sizes: Sizes
    page: Page
    booklet: Booklet
    quiz: Quiz
    cards: Cards
    text: Texts
    papers: Mapping[str, Paper]  # what --paper can name
    style_dirs: tuple[Path, ...] = ()  # where font files are looked for, user folders first

    def paper_size(self, paper: str) -> tuple[float, float]:
        """(width, height) in points."""
        try:
            size = self.papers[paper]
        except KeyError:
            known = ", ".join(sorted(self.papers))
            raise BuildError(
                [Problem("<options>", 1, 1, "pdf-paper", f"unknown paper {paper!r}; use {known}")]
            ) from None
        return size.width_mm * MM, size.height_mm * MM


_T = TypeVar("_T")


class _StyleProblems(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _convert(kind: str, value: Any, key: str) -> Any:
    if kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    elif kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return float(value)
    elif kind == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    raise _StyleProblems(f"{key}: expected {kind}, got {value!r}")


def _section(cls: type[_T], data: Any, key: str) -> _T:
    """Build dataclass `cls` from mapping `data`; every field is required (the
    package default provides them all) and unknown keys are errors."""
    if not isinstance(data, Mapping):
        raise _StyleProblems(f"{key}: expected a mapping")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "style_dirs"}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise _StyleProblems(f"{key}: unknown key {unknown[0]!r}")
    values: dict[str, Any] = {}
    for name, field in fields.items():
        sub = f"{key}.{name}" if key else name
        if name not in data:
            raise _StyleProblems(f"{sub}: missing")
        kind = str(field.type)
        nested = _NESTED.get(kind)
        if name == "fonts":
            values[name] = _fonts(data[name], sub)
        elif name == "papers":
            papers = data[name]
            if not isinstance(papers, Mapping) or not papers:
                raise _StyleProblems(f"{sub}: expected a mapping of paper names")
            values[name] = {str(k): _section(Paper, v, f"{sub}.{k}") for k, v in papers.items()}
        elif nested is not None:
            values[name] = _section(nested, data[name], sub)
        else:
            values[name] = _convert(kind, data[name], sub)
    return cls(**values)


_NESTED: dict[str, type[Any]] = {
    "Colors": Colors,
    "Sizes": Sizes,
    "Page": Page,
    "Booklet": Booklet,
    "Quiz": Quiz,
    "Cards": Cards,
    "Texts": Texts,
}


def _check_colors(colors: Colors) -> None:
    for field in dataclasses.fields(colors):
        value = getattr(colors, field.name)
        digits = value[1:]
        if not (
            value.startswith("#")
            and len(digits) == 6
            and all(c in "0123456789abcdefABCDEF" for c in digits)
        ):
            raise _StyleProblems(f"colors.{field.name}: expected #rrggbb, got {value!r}")


def load_style(style_dirs: Sequence[Path] = ()) -> PdfStyle:
    """The merged `pdf.yaml`: the package default overlaid with each style folder's."""
    data = read_yaml(STYLE_FILE, style_dirs)
    try:
        style = _section(PdfStyle, data, "")
        _check_colors(style.colors)
        if style.cards.floor_size <= 0 or style.sizes.body <= 0:
            raise _StyleProblems("sizes must be positive")
    except _StyleProblems as exc:
        where = next(
            (
                str(Path(d) / STYLE_FILE)
                for d in reversed(style_dirs)
                if (Path(d) / STYLE_FILE).is_file()
            ),
            STYLE_FILE,
        )
        raise BuildError([Problem(where, 1, 1, "pdf-style", exc.message)]) from None
    return dataclasses.replace(style, style_dirs=tuple(Path(d) for d in style_dirs))
