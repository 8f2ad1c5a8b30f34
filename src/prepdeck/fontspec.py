"""The `fonts:` section of pdf.yaml as data: two fallback chains of families.

`Family` is the one font family of the whole program: a name and four faces,
generic over what a face is at each stage (a file name as pdf.yaml writes it here,
the file found on disk in `fontchain`, the name reportlab knows it by in `pdf.fonts`).

Kept apart from the rest of the style (and free of reportlab) because
`prepdeck validate` reads only this section, and must stay fast.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

STYLE_FILE = "pdf.yaml"
FONT_SUFFIXES = (".ttf", ".ttc")
FACES = ("regular", "bold", "italic", "bold_italic")

F = TypeVar("F")  # what a face is: a file name, a file, a registered name
G = TypeVar("G")


def variant(bold: bool, italic: bool) -> str:
    """The face (one of FACES) that draws text in that style."""
    if bold:
        return "bold_italic" if italic else "bold"
    return "italic" if italic else "regular"


@dataclass(frozen=True, slots=True)
class Family(Generic[F]):
    """A font family: the name markup uses, and its four faces.

    `Family[str]` from `parse_fonts` holds the file names pdf.yaml gives,
    `Family[Path]` the files found (`fontchain.families_of`), and `Family[str]`
    from `fontchain.face_names` the names the faces are registered under."""

    name: str
    regular: F
    bold: F
    italic: F
    bold_italic: F

    def __getitem__(self, face: str) -> F:
        """The face named by one of FACES."""
        return getattr(self, face)  # type: ignore[no-any-return]

    def face(self, bold: bool = False, italic: bool = False) -> F:
        """The face that draws text in that style."""
        return getattr(self, variant(bold, italic))  # type: ignore[no-any-return]

    @property
    def faces(self) -> tuple[F, F, F, F]:
        """The four faces, in FACES order."""
        return self.regular, self.bold, self.italic, self.bold_italic

    def map(self, each: Callable[[F], G]) -> Family[G]:
        """The same family with `each` applied to every face, in FACES order."""
        return Family(
            self.name,
            each(self.regular),
            each(self.bold),
            each(self.italic),
            each(self.bold_italic),
        )


class FontSpecError(Exception):
    """A `fonts:` value that makes no chain; the message names the key, `at` is its
    path in pdf.yaml's data (for the line that wrote it)."""

    def __init__(self, message: str, at: tuple[str | int, ...] = ("fonts",)) -> None:
        super().__init__(message)
        self.at = at


class Fonts(NamedTuple):
    """Fallback chains of families as pdf.yaml names them (each face a file name):
    each character is drawn with the first family that has it."""

    body: tuple[Family[str], ...]
    code: tuple[Family[str], ...]


def _face(faces: Mapping[str, Any], name: str, default: Any, key: str) -> str:
    value = faces.get(name, default)
    if not isinstance(value, str) or not value:
        raise FontSpecError(f"{key}.{name}: expected a font file name")
    return value


def _family(
    entry: Any, families: Mapping[str, Any], key: str, at: tuple[str | int, ...]
) -> Family[str]:
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
        return Family(entry, regular, bold, italic, bold_italic)
    if entry.lower().endswith(FONT_SUFFIXES):
        return Family(Path(entry).stem, entry, entry, entry, entry)
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
    chains: dict[str, tuple[Family[str], ...]] = {}
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
