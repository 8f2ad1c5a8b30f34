"""The PDF style as typed data: `styles/pdf.yaml` (the package default, deep-merged
with each user style folder's) read into frozen dataclasses.

Pure data: nothing here imports reportlab.  The files are read and checked by
`prepdeck.style_folders` (the bank's loader, then `schemas/pdf.schema.json`, then
`style_folders.pdf_consistency`, which `prepdeck validate` runs too), so a bad value
is a `BuildError` with every problem at its file, line and column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from prepdeck.errors import BuildError, Problem
from prepdeck.fontspec import STYLE_FILE, Fonts, FontSpecError, parse_fonts
from prepdeck.style_folders import located, pdf_consistency, read_yaml

__all__ = ["MM", "STYLE_FILE", "PdfStyle", "load_style"]
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
    code_background: str
    code_border: str
    table_header: str


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
class CardSheet:
    """Card stock's grid: where each card is on the sheet."""

    cols: int
    rows: int
    width_mm: float
    height_mm: float
    left_mm: float
    top_mm: float
    gap_mm: float = 0.0


@dataclass(frozen=True, slots=True)
class Paper:
    width_mm: float
    height_mm: float
    cards: CardSheet | None = None  # card stock: it prints the cards layout only


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
    header_size: float
    tier_band_mm: float
    tier_colors: tuple[str, ...]
    layout: str  # "duplex" or "fold"
    duplex_offset_x_mm: float
    duplex_offset_y_mm: float
    crop_mark_mm: float
    crop_gap_mm: float


@dataclass(frozen=True, slots=True)
class Texts:
    how_to_use: str
    quiz_how_to_use: str
    cards_how_to_use: str
    cards_fold_how_to_use: str


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

    def document_paper(self, paper: str) -> tuple[float, float]:
        """(width, height) of a paper the booklet and the quiz can print on: not card
        stock."""
        size = self.paper_size(paper)
        if self.papers[paper].cards is not None:
            sheets = ", ".join(sorted(k for k, v in self.papers.items() if v.cards is None))
            raise BuildError(
                [
                    Problem(
                        "<options>", 1, 1, "pdf-paper",
                        f"paper {paper!r} is card stock (it has a cards grid): it prints the "
                        f"cards layout only (--target cards); the booklet and quiz use {sheets}",
                    )
                ]
            )  # fmt: skip
        return size


_T = TypeVar("_T")


def _typed(cls: type[_T], data: Mapping[str, Any]) -> _T:
    """Dataclass `cls` from data the schema has checked: nested sections become their
    dataclasses and numbers the field's type (the schema's integers may be 4.0)."""
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name not in data:
            continue  # PdfStyle.style_dirs: not a pdf.yaml key
        value, hint = data[field.name], hints[field.name]
        if hint is Fonts:
            values[field.name] = parse_fonts(value)  # the chains, families resolved
        elif dataclasses.is_dataclass(hint):
            values[field.name] = _typed(hint, value)  # type: ignore[arg-type]
        elif field.name == "papers":
            values[field.name] = {str(k): _paper(v) for k, v in value.items()}
        elif field.name == "tier_colors":
            values[field.name] = tuple(str(c) for c in value)
        elif hint is float or hint is int:
            values[field.name] = hint(value)
        else:
            values[field.name] = value
    return cls(**values)


def _paper(data: Mapping[str, Any]) -> Paper:
    sheet = data.get("cards")
    cards = None if sheet is None else _typed(CardSheet, sheet)
    return Paper(float(data["width_mm"]), float(data["height_mm"]), cards)


def load_style(style_dirs: Sequence[Path] = ()) -> PdfStyle:
    """The merged `pdf.yaml`: the package default overlaid with each style folder's,
    checked against the shipped schema (`prepdeck schema pdf`)."""
    data, problems = read_yaml(STYLE_FILE, style_dirs, "pdf", pdf_consistency)
    if problems:
        raise BuildError(problems)
    try:
        style = _typed(PdfStyle, data)
    except FontSpecError as exc:  # a chain entry naming no family: beyond the schema
        problem = located(STYLE_FILE, style_dirs, exc.at, "pdf-style", str(exc))
        raise BuildError([problem]) from None
    return dataclasses.replace(style, style_dirs=tuple(Path(d) for d in style_dirs))
