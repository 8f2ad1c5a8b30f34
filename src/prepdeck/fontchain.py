"""Font fallback chains: each character is drawn with the first font in the chain
that has it.

Pure data and no reportlab at import time, because `prepdeck validate` uses it:
a font's coverage (the characters its cmap maps to a real glyph) comes from the
shipped index `styles/fonts/coverage.json` for prepdeck's own fonts, and from
reportlab's TrueType parser, imported only then, for a user's font.  Each file is
read at most once per process.

What is never an error, and never breaks a run:

- default-ignorable characters (variation selectors U+FE00-FE0F, the zero-width
  joiner U+200D, soft hyphen...): they only modify a neighbour, so they are
  dropped from the printed text; without shaping they would draw nothing anyway;
- the whitespace reportlab collapses (space, tab, newlines).

What is always an error: a character no font in the chain has, and a character of
a script that needs right-to-left layout or shaping (Arabic, Hebrew, Devanagari...),
which reportlab would print as disconnected or reversed letters.  `python -m
prepdeck.fontchain` prints the coverage index for the shipped fonts.
"""

from __future__ import annotations

import bisect
import io
import json
import os
import stat
import struct
import sys
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from prepdeck.fontspec import FACES, Family, Fonts, variant
from prepdeck.style_folders import DEFAULTS_DIR

FONTS_DIR = DEFAULTS_DIR / "fonts"
INDEX_FILE = FONTS_DIR / "coverage.json"
SUFFIXES = {"regular": "", "bold": "-Bold", "italic": "-Italic", "bold_italic": "-BoldItalic"}

# reportlab collapses these to spaces, so they never need a glyph.
COLLAPSED = frozenset(" \t\n\r")


# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15).
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)  # fmt: skip


def ignorable(char: str) -> bool:
    """A default-ignorable character: it only modifies a neighbour (or nothing)."""
    cp = ord(char)
    return cp >= 0xAD and any(start <= cp <= end for start, end in _IGNORABLE_RANGES)


# Scripts reportlab cannot set without bidi reordering or shaping: their letters
# would print reversed or unjoined, so they are refused, naming the script.
_COMPLEX_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x0590, 0x05FF, "Hebrew"), (0xFB1D, 0xFB4F, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"), (0x0870, 0x08FF, "Arabic"),
    (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFE, "Arabic"),
    (0x0700, 0x074F, "Syriac"), (0x0780, 0x07BF, "Thaana"), (0x07C0, 0x07FF, "NKo"),
    (0x0800, 0x085F, "Samaritan/Mandaic"),
    (0x0900, 0x097F, "Devanagari"), (0xA8E0, 0xA8FF, "Devanagari"),
    (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"),
    (0x0B00, 0x0B7F, "Oriya"), (0x0B80, 0x0BFF, "Tamil"), (0x0C00, 0x0C7F, "Telugu"),
    (0x0C80, 0x0CFF, "Kannada"), (0x0D00, 0x0D7F, "Malayalam"), (0x0D80, 0x0DFF, "Sinhala"),
    (0x0F00, 0x0FFF, "Tibetan"), (0x1000, 0x109F, "Myanmar"), (0x1780, 0x17FF, "Khmer"),
    (0x1800, 0x18AF, "Mongolian"), (0x10800, 0x10FFF, "a right-to-left historic script"),
    (0x1E900, 0x1E95F, "Adlam"),
)  # fmt: skip
_RTL = {"Hebrew", "Arabic", "Syriac", "Thaana", "NKo", "Samaritan/Mandaic"}


def complex_script(char: str) -> str | None:
    """The name of the script `char` belongs to if the PDFs cannot set it, else None."""
    cp = ord(char)
    if cp < 0x0590:
        return None
    for start, end, name in _COMPLEX_SCRIPTS:
        if start <= cp <= end:
            return name
    return None


def script_reason(script: str) -> str:
    if script in _RTL:
        return "right-to-left text needs bidi reordering and joined letters"
    return "the script needs shaping (reordered and combined letters)"


def describe(char: str) -> str:
    """`U+2192 RIGHTWARDS ARROW "→"`; invisible characters get their name only."""
    name = unicodedata.name(char, "")
    if not name:
        name = {"Cc": "control character", "Co": "private-use character"}.get(
            unicodedata.category(char), "unnamed character"
        )
    visible = unicodedata.category(char)[0] not in "CZM" and not ignorable(char)
    shown = f' "{char}"' if visible else ""
    return f"U+{ord(char):04X} {name}{shown}"


class FontError(Exception):
    """A font file that cannot be found or read; the message says which and why."""


# -- coverage ----------------------------------------------------------------------

_lock = threading.Lock()
_coverage: dict[tuple[str, int, int], Coverage] = {}
_index: dict[str, dict[str, object]] | None = None


def _shipped_index() -> Mapping[str, Mapping[str, object]]:
    global _index
    if _index is None:
        _index = json.loads(INDEX_FILE.read_text(encoding="utf-8")) if INDEX_FILE.is_file() else {}
    return _index


# -- reading a font file ------------------------------------------------------------

MAX_FONT_BYTES = 64 * 1024 * 1024  # a large CJK collection is about 30 MiB
# Code points a cmap subtable may map in all (Unicode has 0x110000): reportlab walks
# every code point of every range, so a range to 0xFFFFFFFF would run for hours.
MAX_CMAP_CODE_POINTS = 0x110000


def read_font(path: Path) -> io.BytesIO:
    """The bytes of font file `path`, read once, for reportlab's parser (which takes a
    file object whose `name` it reports).  Only a regular file is read: a FIFO would
    block the read forever and a device such as /dev/zero never end; the size is
    checked on the opened file before reading, so a huge (or sparse) file is refused
    rather than read into memory; and the cmap is checked to be one reportlab can
    walk in bounded time (`_check_cmap`)."""
    try:  # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise FontError(f"cannot read font {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FontError(f"font {path} is {_file_kind(info.st_mode)}, not a font file")
        if info.st_size > MAX_FONT_BYTES:
            raise FontError(
                f"font {path} is {info.st_size:,} bytes; the limit is {MAX_FONT_BYTES:,}"
            )
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(MAX_FONT_BYTES + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise FontError(f"cannot read font {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FONT_BYTES:
        raise FontError(f"font {path} is over {MAX_FONT_BYTES:,} bytes")
    try:
        _check_cmap(data)
    except struct.error:  # a table past the end of the file: reportlab says which
        pass
    except ValueError as exc:
        raise FontError(f"cannot read font {path}: {exc}") from None
    font = io.BytesIO(data)
    font.name = str(path)  # what reportlab calls the file
    return font


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _check_cmap(data: bytes) -> None:
    """ValueError if a cmap subtable of any font in `data` (a TrueType file or
    collection) maps more than MAX_CMAP_CODE_POINTS code points: a real font never
    does, a corrupt or hostile one makes reportlab loop for hours and fill memory."""
    fonts = [0]
    if data[:4] == b"ttcf":
        (count,) = struct.unpack_from(">L", data, 8)
        fonts = list(struct.unpack_from(f">{min(count, 1024)}L", data, 12))
    for start in fonts:
        (tables,) = struct.unpack_from(">H", data, start + 4)
        for record in range(start + 12, start + 12 + 16 * tables, 16):
            tag, _, offset, _ = struct.unpack_from(">4sLLL", data, record)
            if tag == b"cmap":
                _check_cmap_table(data, offset)


def _check_cmap_table(data: bytes, cmap: int) -> None:
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    for record in range(cmap + 4, cmap + 4 + 8 * count, 8):
        (offset,) = struct.unpack_from(">L", data, record + 4)
        table = cmap + offset
        (fmt,) = struct.unpack_from(">H", data, table)
        if fmt == 4:  # segments of 16-bit code points: end codes, a pad, start codes
            (seg_x2,) = struct.unpack_from(">H", data, table + 6)
            segs = seg_x2 // 2
            ends = struct.unpack_from(f">{segs}H", data, table + 14)
            starts = struct.unpack_from(f">{segs}H", data, table + 16 + seg_x2)
        elif fmt in (12, 13):  # groups of 32-bit (start, end, glyph), as many as fit
            (groups,) = struct.unpack_from(">L", data, table + 12)
            groups = min(groups, max(len(data) - table - 16, 0) // 12)
            flat = struct.unpack_from(f">{3 * groups}L", data, table + 16)
            starts, ends = flat[0::3], flat[1::3]
        else:  # formats 0, 2 and 6 are bounded by 16-bit counts
            continue
        total = sum(
            end - begin + 1 for begin, end in zip(starts, ends, strict=True) if end >= begin
        )
        if total > MAX_CMAP_CODE_POINTS:
            raise ValueError(
                f"its cmap (format {fmt}) maps {total:,} code points; Unicode has "
                f"{MAX_CMAP_CODE_POINTS:,}: the file is corrupt"
            )


def parse_coverage(path: Path, subfont: int = 0) -> frozenset[int]:
    """Code points `path`'s cmap maps to a real glyph (glyph 0 is .notdef, an empty
    box), read with reportlab's own TrueType parser."""
    font = parse_font(path, subfont)
    return frozenset(cp for cp, glyph in font.charToGlyph.items() if glyph)


def parse_font(path: Path, subfont: int = 0) -> Any:
    """reportlab's parse of the font file at `path` (`read_font`'s checked bytes)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    data = read_font(path)
    try:
        return TTFontFile(data, subfontIndex=subfont)
    # reportlab's parser raises whatever a malformed file trips over: TTFError for
    # what it checks, struct.error past the end of a truncated file, AttributeError,
    # IndexError, KeyError, ValueError... any of them means the same to the user
    except Exception as exc:
        raise FontError(f"cannot read font {path}: {parse_failure(exc)}") from None


def parse_failure(exc: Exception) -> str:
    """What reportlab's exception says about a malformed font file, for a user."""
    if isinstance(exc, struct.error):
        return "the file ends early (truncated?)"
    return str(exc) or type(exc).__name__


class Coverage:
    """What a font can be asked to draw: the characters its cmap has, less those
    never drawn (ignorables) or never allowed (complex scripts), plus the
    whitespace reportlab collapses.

    Held as code point ranges, so only the characters a bank uses are ever
    looked up, never every character of every font."""

    __slots__ = ("_ends", "_known", "_starts")

    def __init__(self, ranges: Sequence[Sequence[int]]) -> None:
        self._starts = [int(r[0]) for r in ranges]
        self._ends = [int(r[1]) for r in ranges]
        self._known: set[str] = set(COLLAPSED)  # characters found covered so far

    def __contains__(self, char: str) -> bool:
        if char in COLLAPSED:
            return True
        cp = ord(char)
        i = bisect.bisect_right(self._starts, cp) - 1
        return (
            i >= 0 and cp <= self._ends[i] and not ignorable(char) and complex_script(char) is None
        )

    def covers(self, text: str) -> bool:
        """Whether the font can draw every character of `text`.  Natural text
        repeats its characters, so those found are remembered: most calls are one
        `issuperset` in C."""
        known = self._known
        if known.issuperset(text):
            return True
        for char in set(text) - known:
            if char not in self:
                return False
            known.add(char)
        return True


class JointCoverage:
    """What every one of several faces can draw (a family's four faces): for markup,
    where reportlab picks the bold or italic face after the text is split."""

    __slots__ = ("_parts",)

    def __init__(self, parts: Sequence[Coverage]) -> None:
        self._parts = tuple(parts)

    def __contains__(self, char: str) -> bool:
        return all(char in part for part in self._parts)

    def covers(self, text: str) -> bool:
        return all(part.covers(text) for part in self._parts)


def coverage(path: Path) -> Coverage:
    """The characters the font file at `path` can draw, read once per process."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise FontError(f"cannot read font {path}: {exc.strerror}") from None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _lock:
        found = _coverage.get(key)
        if found is None:
            entry = _shipped_index().get(path.name) if path.parent == FONTS_DIR else None
            if entry is not None and entry.get("size") == stat.st_size:
                ranges = entry["ranges"]
                assert isinstance(ranges, list)
            else:
                ranges = as_ranges(parse_coverage(path))
            found = _coverage[key] = Coverage(ranges)
    return found


def as_ranges(code_points: Iterable[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for cp in sorted(code_points):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def build_index(paths: Iterable[Path]) -> dict[str, dict[str, object]]:
    """The coverage index for the given font files (the shipped one covers FONTS_DIR)."""
    return {
        p.name: {"size": p.stat().st_size, "ranges": as_ranges(parse_coverage(p))}
        for p in sorted(paths)
    }


# -- chains ------------------------------------------------------------------------


def face_names(family: Family[Path]) -> Family[str]:
    """The names `family`'s faces are registered under (`<family>`, `<family>-Bold`...).
    A file used for several faces (an emoji font has no italic) gets one name, so it
    is embedded once."""
    by_file: dict[Path, str] = {}
    names = [
        by_file.setdefault(path, family.name + SUFFIXES[face])
        for face, path in zip(FACES, family.faces, strict=True)
    ]
    return Family(family.name, *names)


class Face(NamedTuple):
    """One face in a chain: the name it is registered under, its family's name, and
    what it can draw."""

    name: str
    family: str
    coverage: Coverage | JointCoverage


class Chain:
    """Faces in order of preference for one style (regular, bold...)."""

    __slots__ = ("_fine", "_split", "faces")

    def __init__(self, faces: tuple[Face, ...]) -> None:
        self.faces = faces
        self._fine: set[str] = set(COLLAPSED)  # characters found printable so far
        self._split: dict[str, list[tuple[str, str]]] = {}  # text -> runs, for repeats

    def can_draw(self, char: str) -> bool:
        return any(char in f.coverage for f in self.faces)

    @property
    def families(self) -> str:
        return ", ".join(f.family for f in self.faces)

    def runs(self, text: str) -> list[tuple[str, str]]:
        """`text` as (face, text) runs, each character in the first face that has it.

        Ignorable characters are dropped; whitespace is in the first face too (a
        fallback's space can be far wider); a character no face has goes to the
        first face (the glyph check reports it before anything is drawn)."""
        first = self.faces[0]
        if first.coverage.covers(text):
            return [(first.name, text)]
        found = self._split.get(text)
        if found is not None:
            return found
        out: list[tuple[str, str]] = []
        face, part = first.name, list[str]()
        for char in text:
            if ignorable(char):
                continue
            want = next((f.name for f in self.faces if char in f.coverage), first.name)
            if want != face and part:
                out.append((face, "".join(part)))
                part = []
            face = want
            part.append(char)
        if part:
            out.append((face, "".join(part)))
        if len(self._split) < 50_000:
            self._split[text] = out
        return out

    def family_runs(self, text: str) -> list[tuple[str, str]]:
        """Like `runs`, naming families (for `<font face>` markup, where reportlab
        picks the bold or italic face); "" for the first family."""
        if self.faces[0].coverage.covers(text):  # the common case: no fallback
            return [("", text)]
        families = {f.name: f.family for f in self.faces[1:]}
        return [(families.get(face, ""), part) for face, part in self.runs(text)]

    def missing(self, text: str) -> list[str]:
        """Distinct characters of `text`, in order, that no face can draw (or that
        belong to a script the PDFs cannot set)."""
        fine = self._fine
        if fine.issuperset(text):
            return []
        out: list[str] = []
        for char in dict.fromkeys(text):
            if char in fine:
                continue
            if self.can_draw(char) or ignorable(char):
                fine.add(char)
            else:
                out.append(char)
        return out


def make_chain(families: Sequence[Family[Path]], face: str) -> Chain:
    """The chain of `families` for one of FACES."""
    return Chain(
        tuple(Face(face_names(fam)[face], fam.name, coverage(fam[face])) for fam in families)
    )


class Chains:
    """The body and code chains, one per face (FACES); fonts are read on first use."""

    def __init__(self, body: tuple[Family[Path], ...], code: tuple[Family[Path], ...]) -> None:
        self.body = body
        self.code = code
        self._built: dict[tuple[str, str], Chain] | None = None
        self._everywhere: set[str] = set(COLLAPSED)  # characters every chain draws
        self._markup: dict[str, Chain] = {}

    def chain(self, role: str, bold: bool = False, italic: bool = False) -> Chain:
        return self._chains[(role, variant(bold, italic))]

    @property
    def _chains(self) -> dict[tuple[str, str], Chain]:
        if self._built is None:
            self._built = {
                (role, v): make_chain(families, v)
                for role, families in (("body", self.body), ("code", self.code))
                for v in FACES
            }
        return self._built

    def markup_chain(self, role: str) -> Chain:
        """The chain by family, for paragraph markup: a character stays in a family
        only if all four of its faces have it (the markup's <b> and <i>, and a bold
        paragraph style, pick the face after the split)."""
        found = self._markup.get(role)
        if found is None:
            families = self.body if role == "body" else self.code
            found = self._markup[role] = Chain(
                tuple(
                    Face(fam.name, fam.name, JointCoverage([coverage(p) for p in fam.faces]))
                    for fam in families
                )
            )
        return found

    def all_chains(self) -> list[Chain]:
        return list(self._chains.values())

    def print_anywhere(self, text: str) -> bool:
        """Whether every chain can draw all of `text`, so that no face a layout or
        Markdown might choose for it can fail (most text: one `issuperset` in C)."""
        known = self._everywhere
        if known.issuperset(text):
            return True
        for char in set(text) - known:
            if not self.everywhere(char):
                return False
            known.add(char)
        return True

    def everywhere(self, char: str) -> bool:
        """Whether every chain (body and code, every face) can draw `char`:
        text made only of such characters needs no closer look."""
        return ignorable(char) or all(chain.can_draw(char) for chain in self._chains.values())


def font_file(name: str, style_dirs: Sequence[Path]) -> Path:
    """A user style folder's fonts/ first (the last folder given wins), then ours;
    an absolute path is used as is."""
    path = Path(name)
    if path.is_absolute():
        return path
    for folder in [*reversed(style_dirs), DEFAULTS_DIR]:
        candidate = Path(folder) / "fonts" / name
        if candidate.is_file():
            return candidate
    raise FontError(
        f"font file {name!r} not found in "
        + ", ".join(str(Path(d) / "fonts") for d in [*reversed(style_dirs), DEFAULTS_DIR])
    )


def families_of(
    families: Sequence[Family[str]], style_dirs: Sequence[Path]
) -> tuple[Family[Path], ...]:
    """Each family with its faces' files found (`font_file`), faces in FACES order."""
    return tuple(family.map(lambda name: font_file(name, style_dirs)) for family in families)


def unreadable_fonts(
    fonts: Fonts, style_dirs: Sequence[Path]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Each chain entry with a font file that cannot be found or read, as (its path in
    pdf.yaml's data, why): the line a user edits.  A file two entries share is
    reported at the first."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[str] = set()
    for kind in ("body", "code"):
        for index, named in enumerate(getattr(fonts, kind)):
            try:
                (family,) = families_of([named], style_dirs)
                for path in dict.fromkeys(family.faces):
                    coverage(path)
            except FontError as exc:
                if str(exc) not in seen:
                    seen.add(str(exc))
                    found.append((("fonts", kind, index), str(exc)))
    return found


def chains_for(fonts: Fonts, style_dirs: Sequence[Path]) -> Chains:
    """The style's chains, with every font file found (coverage is read on first use)."""
    return Chains(families_of(fonts.body, style_dirs), families_of(fonts.code, style_dirs))


# -- which faces a piece of Markdown uses -------------------------------------------


def styled_text(
    nodes: Iterable[object], bold: bool, italic: bool
) -> Iterator[tuple[str, str, bool, bool]]:
    """(text, role, bold, italic) for each run of inline Markdown nodes, where role
    is "body" or "code"."""
    from prepdeck.text import Code, Emphasis, Link, Strong, Text

    for node in nodes:
        if isinstance(node, Text):
            yield node.text, "body", bold, italic
        elif isinstance(node, Code):
            yield node.text, "code", bold, italic
        elif isinstance(node, Strong):
            yield from styled_text(node.children, True, italic)
        elif isinstance(node, Emphasis):
            yield from styled_text(node.children, bold, True)
        elif isinstance(node, Link):
            yield from styled_text(node.children, bold, italic)


def styled_blocks(
    blocks: Iterable[object], bold: bool, italic: bool
) -> Iterator[tuple[str, str, bool, bool]]:
    from prepdeck.text import (
        CodeBlock,
        MarkdownImage,
        MarkdownList,
        MarkdownParagraph,
        MarkdownTable,
    )

    for block in blocks:
        if isinstance(block, MarkdownParagraph):
            yield from styled_text(block.children, bold, italic)
        elif isinstance(block, MarkdownList):
            for item in block.items:
                yield from styled_blocks(item, bold, italic)
        elif isinstance(block, CodeBlock):
            yield block.text, "code", False, False  # token styles aside: Pygments' bold is rare
        elif isinstance(block, MarkdownTable):
            for cell in block.header:
                yield from styled_text(cell, True, italic)  # the header row is bold
            for row in block.rows:
                for cell in row:
                    yield from styled_text(cell, bold, italic)
        elif isinstance(block, MarkdownImage):
            yield block.alt, "body", False, True  # printed as an italic caption


def missing_in(
    chains: Chains, runs: Iterable[tuple[str, str, bool, bool]]
) -> list[tuple[str, Chain]]:
    """Distinct (character, chain that lacks it) over styled runs, in order."""
    seen: set[str] = set()
    out: list[tuple[str, Chain]] = []
    for text, role, bold, italic in runs:
        chain = chains.chain(role, bold, italic)
        for char in chain.missing(text):
            if char not in seen:
                seen.add(char)
                out.append((char, chain))
    return out


def explain(missing: Sequence[tuple[str, Chain]], words: Mapping[str, str] | None = None) -> str:
    """One message for every character a field cannot print; `words` gives the word
    each character is in, quoted so the author can find it."""
    words = words or {}

    def described(char: str) -> str:
        word = words.get(char)
        return describe(char) + (f' in "{word}"' if word and word != char else "")

    scripts: dict[str, list[str]] = {}
    plain: dict[str, list[str]] = {}  # chain families -> characters
    for char, chain in missing:
        script = complex_script(char)
        if script is not None:
            scripts.setdefault(script, []).append(char)
        else:
            plain.setdefault(chain.families, []).append(char)
    parts = [
        f"cannot print {', '.join(map(described, chars))}: no font in the PDF chain "
        f"({families}) has {'it' if len(chars) == 1 else 'them'}"
        for families, chars in plain.items()
    ]
    parts += [
        f"{script} text{_quoted(words.get(chars[0]), chars[0])} "
        f"({', '.join(f'U+{ord(c):04X}' for c in chars[:3])}"
        f"{', ...' if len(chars) > 3 else ''}) cannot be printed: {script_reason(script)}, "
        "which prepdeck's PDFs do not do"
        for script, chars in scripts.items()
    ]
    return "; ".join(parts)


def _quoted(word: str | None, char: str) -> str:
    return f' "{word}"' if word and word != char else ""


def main(argv: Sequence[str] = ()) -> int:
    """Print the coverage index of the shipped fonts (see styles/fonts/README.txt)."""
    index = build_index(FONTS_DIR.glob("*.tt[fc]"))
    sys.stdout.write(json.dumps(index, separators=(",", ":"), sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
