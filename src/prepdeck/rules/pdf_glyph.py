"""Every character the PDFs print is in a font of the style's chain.

The PDFs draw each character with the first font in `pdf.yaml`'s chain that has
it (by default DejaVu Sans, then Noto Emoji; code spans start with DejaVu Sans
Mono).  A character no font in the chain has would print as an empty box, so it
is reported here, before a build: one problem per field, at the line and column of
its first such character, listing each with its code point, name and the word it
is in, e.g. `U+9501 CJK UNIFIED IDEOGRAPH-9501 "锁" in "哪个是锁"` or, for an
invisible one, `U+E000 private-use character`.

Not errors: variation selectors (U+FE00-FE0F), the zero-width joiner and other
default-ignorable characters that only modify a neighbour (they are dropped from
the PDF text).  Always errors: text in scripts that need right-to-left layout or
shaping (Arabic, Hebrew, Devanagari and the other Indic scripts...), which the
PDFs cannot set without printing reversed or disconnected letters; the message
names the script.

Checked: the fields `printed.py` lists (each question's question, hint, key points
and answer; bank.yaml's title, description, author, licence, version, tier names and
reference titles and URLs), in the faces the layouts print them (bold, italic,
code); the layouts check the same list again as they print.  The fonts are the ones
the active styles use (`--styles`, default the bank's own styles/ over the
package's).  A build runs this rule only when it makes a PDF: Anki and the study
page show what the reader's fonts have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import ScalarNode

from prepdeck import printed
from prepdeck.content import Content
from prepdeck.errors import Problem
from prepdeck.fontchain import (
    Chain,
    Chains,
    chains_for,
    explain,
    missing_in,
    unreadable_fonts,
)
from prepdeck.fontspec import STYLE_FILE, FontSpecError, parse_fonts
from prepdeck.load import YamlDocument, load_document
from prepdeck.style_folders import DEFAULTS_DIR, located, pdf_consistency, read_yaml

ID = "pdf-glyph"
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_chains: dict[tuple[Path, ...], Chains] = {}  # per style set, for repeated validations


def _load(style_dirs: tuple[Path, ...]) -> Chains | list[Problem]:
    found = _chains.get(style_dirs)
    if found is not None:
        return found
    if any((folder / STYLE_FILE).is_file() for folder in style_dirs):
        # the style files, checked against the shipped schema: problems at their lines
        # checked as the build checks them: the shipped schema, then the values that
        # must agree (no .nan, lines_min <= lines_max, a printable area on every paper)
        data, problems = read_yaml(STYLE_FILE, style_dirs, "pdf", pdf_consistency)
        if problems:
            return problems
    else:  # only the shipped default, which the build and the tests check: no schema pass
        data = load_document(DEFAULTS_DIR / STYLE_FILE).data
    try:
        fonts = parse_fonts(data["fonts"])
    except FontSpecError as exc:
        return [located(STYLE_FILE, style_dirs, exc.at, "pdf-style", str(exc))]
    # every font file found and read (regular files of a sane size, parsed): each
    # one that is not is a problem at the chain entry that names it
    unreadable = unreadable_fonts(fonts, style_dirs)
    if unreadable:
        return [located(STYLE_FILE, style_dirs, at, "pdf-font", why) for at, why in unreadable]
    chains = chains_for(fonts, style_dirs)
    _chains[style_dirs] = chains
    return chains


@dataclass(frozen=True, slots=True)
class _Field:
    doc: YamlDocument
    at: tuple[str | int, ...]
    text: str
    field: printed.Field

    @property
    def label(self) -> str:
        at = self.at[2:] if self.at[0] == "questions" else self.at
        return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in at).lstrip(".")


def _fields(content: Content, needs_look: Callable[[str], bool]) -> Iterator[_Field]:
    """Every printed field whose text `needs_look`."""
    if content.bank is not None:
        bank, data = content.bank, content.bank_data
        for field in printed.BANK_FIELDS:
            if isinstance(value := data.get(field.key), str) and needs_look(value):
                yield _Field(bank, (field.key,), value, field)
        blurbs = data.get("blurbs")
        blurbs = blurbs if isinstance(blurbs, dict) else {}
        for output in printed.BLURB_OUTPUTS:
            if isinstance(value := blurbs.get(output), str) and needs_look(value):
                yield _Field(bank, ("blurbs", output), value, printed.BLURB)
        for section, fields in printed.ENTRY_FIELDS.items():
            for index, entry in content.bank_entries(section):
                for field in fields:
                    if isinstance(value := entry.get(field.key), str) and needs_look(value):
                        yield _Field(bank, (section, index, field.key), value, field)
    for q in content.questions():
        base = ("questions", q.index)
        for field in printed.QUESTION_FIELDS:
            if field.many:
                for index, item in q.items(field.key):
                    if needs_look(item):
                        yield _Field(q.doc, (*base, field.key, index), item, field)
            elif (text := q.text(field.key)) is not None and needs_look(text):
                yield _Field(q.doc, (*base, field.key), text, field)


def check(content: Content) -> Iterator[Problem]:
    if content.pdf_styles is None:
        return
    loaded = _load(content.pdf_styles)
    if isinstance(loaded, list):
        yield from loaded
        return
    chains = loaded
    # plain ASCII needs no look when every chain has it (the default chain does):
    # isascii() and one regex search run in C, where a set of characters would not
    ascii_safe = all(chains.everywhere(chr(cp)) for cp in (9, 10, 13, *range(32, 127)))

    def needs_look(text: str) -> bool:
        return not (ascii_safe and text.isascii()) or bool(_ASCII_CONTROL.search(text))

    fields = list(_fields(content, needs_look))
    # the few distinct characters the rest use are tested once each; only a field
    # holding one that some chain lacks is parsed to see which faces print it
    used: set[str] = set()
    for f in fields:
        used.update(f.text)
    doubtful = {char for char in used if not chains.everywhere(char)}
    if not doubtful:
        return
    sources: dict[Path, list[str]] = {}
    for f in fields:
        if doubtful.isdisjoint(f.text):
            continue
        missing: list[tuple[str, Chain]] = []
        for bold, italic in f.field.faces:
            seen = {char for char, _ in missing}
            runs = printed.runs(f.text, f.field.markup, bold, italic)
            missing += [m for m in missing_in(chains, runs) if m[0] not in seen]
        if not missing:
            continue
        words = {
            char: printed.word_at(f.text, f.text.index(char))
            for char, _ in missing
            if char in f.text
        }
        line, column = _position(f, missing[0][0], words, sources)
        message = f"{f.label}: {explain(missing, words)}"
        yield Problem(f.doc.display, line, column, ID, message)


def _position(
    f: _Field, char: str, words: dict[str, str], sources: dict[Path, list[str]]
) -> tuple[int, int]:
    """1-based line and column of `char` in the file, found through the word that holds
    it within the field's lines; the field's own position when the file does not show
    it as written (an escape such as \\u2192, a word folded across lines)."""
    fallback = f.doc.position(f.at)
    node = f.doc.node_at(f.at)
    word = words.get(char)
    if not isinstance(node, ScalarNode) or word is None:
        return fallback
    if f.doc.path not in sources:
        try:
            sources[f.doc.path] = f.doc.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            sources[f.doc.path] = []
    lines = sources[f.doc.path]
    first, last = node.start_mark.line, node.end_mark.line
    for needle, offset in ((word, word.index(char)), (char, 0)):  # the char alone: "✅\\ufe0f"
        for row in range(first, min(last, len(lines) - 1) + 1):
            start = node.start_mark.column if row == first else 0
            found = lines[row].find(needle, start)
            if found >= 0:
                return row + 1, found + offset + 1
    return fallback
