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
from prepdeck.pdf.fontspec import STYLE_FILE, Fonts, FontSpecError, parse_fonts
from prepdeck.styles import read_yaml

__all__ = ["STYLE_FILE", "PdfStyle", "load_style"]
MM = 72 / 25.4  # points per millimetre


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
            try:
                values[name] = parse_fonts(data[name], sub)
            except FontSpecError as exc:
                raise _StyleProblems(str(exc)) from None
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
