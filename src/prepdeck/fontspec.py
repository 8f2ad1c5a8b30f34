"""The `fonts:` section of pdf.yaml as data: two fallback chains of families.

Kept apart from the rest of the style (and free of reportlab) because
`prepdeck validate` reads only this section, and must stay fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

STYLE_FILE = "pdf.yaml"
FONT_SUFFIXES = (".ttf", ".ttc")
FACES = ("regular", "bold", "italic", "bold_italic")


class FontSpecError(Exception):
    """A `fonts:` value that makes no chain; the message names the key, `at` is its
    path in pdf.yaml's data (for the line that wrote it)."""

    def __init__(self, message: str, at: tuple[str | int, ...] = ("fonts",)) -> None:
        super().__init__(message)
        self.at = at


class FontSpec(NamedTuple):
    """A family: the name markup uses, and a file for each face."""

    name: str
    regular: str
    bold: str
    italic: str
    bold_italic: str


class Fonts(NamedTuple):
    """Fallback chains: each character is drawn with the first family that has it."""

    body: tuple[FontSpec, ...]
    code: tuple[FontSpec, ...]


def _face(faces: Mapping[str, Any], name: str, default: Any, key: str) -> str:
    value = faces.get(name, default)
    if not isinstance(value, str) or not value:
        raise FontSpecError(f"{key}.{name}: expected a font file name")
    return value


def _family(
    entry: Any, families: Mapping[str, Any], key: str, at: tuple[str | int, ...]
) -> FontSpec:
    """A chain entry: a family defined under `fonts.families`, or a font file used
    for all four faces (one line to add a CJK font)."""
    if not isinstance(entry, str) or not entry:
        raise FontSpecError(f"{key}: expected a family name or a font file")
    if entry in families:
        faces = families[entry]
        sub = f"fonts.families.{entry}"
        if not isinstance(faces, Mapping):
            raise FontSpecError(f"{sub}: expected a mapping of faces")
        unknown = sorted(set(faces) - set(FACES))
        if unknown:
            raise FontSpecError(f"{sub}: unknown key {unknown[0]!r}")
        regular = _face(faces, "regular", None, sub)
        bold = _face(faces, "bold", regular, sub)
        italic = _face(faces, "italic", regular, sub)
        bold_italic = _face(faces, "bold_italic", faces.get("bold", italic), sub)
        return FontSpec(entry, regular, bold, italic, bold_italic)
    if entry.lower().endswith(FONT_SUFFIXES):
        return FontSpec(Path(entry).stem, entry, entry, entry, entry)
    known = ", ".join(sorted(families))
    raise FontSpecError(
        f"{key}: {entry!r} is neither a family under fonts.families ({known}) nor a .ttf/.ttc file",
        at,
    )


def parse_fonts(data: Any, key: str = "fonts") -> Fonts:
    if not isinstance(data, Mapping):
        raise FontSpecError(f"{key}: expected a mapping")
    unknown = sorted(set(data) - {"body", "code", "families"})
    if unknown:
        raise FontSpecError(f"{key}: unknown key {unknown[0]!r}")
    families = data.get("families") or {}
    if not isinstance(families, Mapping):
        raise FontSpecError(f"{key}.families: expected a mapping")
    chains: dict[str, tuple[FontSpec, ...]] = {}
    for kind in ("body", "code"):
        entries = data.get(kind)
        if not isinstance(entries, list) or not entries:
            raise FontSpecError(f"{key}.{kind}: expected a list of fonts, first choice first")
        chains[kind] = tuple(
            _family(entry, families, f"{key}.{kind}[{i}]", ("fonts", kind, i))
            for i, entry in enumerate(entries)
        )
        names = [spec.name for spec in chains[kind]]
        if len(set(names)) != len(names):
            raise FontSpecError(f"{key}.{kind}: a font is listed twice", ("fonts", kind))
    return Fonts(chains["body"], chains["code"])
