"""Every character the PDFs print is in a font of the style's chain.

The PDFs draw each character with the first font in `pdf.yaml`'s chain that has
it (by default DejaVu Sans, then Noto Emoji; code spans start with DejaVu Sans
Mono).  A character no font in the chain has would print as an empty box, so it
is reported here, before a build: one problem per field, at the field's line,
listing each missing character with its code point and name, e.g.
`U+9501 CJK UNIFIED IDEOGRAPH-9501 "锁"` or, for an invisible one,
`U+E000 private-use character`.

Not errors: variation selectors (U+FE00-FE0F), the zero-width joiner and other
default-ignorable characters that only modify a neighbour (they are dropped from
the PDF text).  Always errors: text in scripts that need right-to-left layout or
shaping (Arabic, Hebrew, Devanagari and the other Indic scripts...), which the
PDFs cannot set without printing reversed or disconnected letters; the message
names the script.

Checked: each question's question, hint, key points and answer, and bank.yaml's
title, description, author, licence, tier names and reference titles, in the
faces the layouts print them (bold, italic, code).  The fonts are the ones the
active styles use (`--styles`, default ./styles over the package's).
`build --target anki` skips this rule: Anki shows what the device's fonts have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prepdeck.content import Content
from prepdeck.errors import Problem
from prepdeck.fontchain import (
    Chain,
    Chains,
    FontError,
    chains_for,
    explain,
    missing_in,
    styled_blocks,
    styled_text,
)
from prepdeck.fontspec import STYLE_FILE, FontSpecError, parse_fonts
from prepdeck.load import YamlDocument, load_document
from prepdeck.style_folders import DEFAULTS_DIR, located, read_yaml
from prepdeck.text import parse_blocks, parse_inline

ID = "pdf-glyph"
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_chains: dict[tuple[Path, ...], Chains] = {}  # per style set, for repeated validations

# (bold, italic) a layout starts a field in: the booklet sets questions and tier
# names in bold, the cards in regular
_PLAIN = ((False, False),)
_BOTH = ((False, False), (True, False))


def _load(style_dirs: tuple[Path, ...]) -> Chains | list[Problem]:
    found = _chains.get(style_dirs)
    if found is not None:
        return found
    if any((folder / STYLE_FILE).is_file() for folder in style_dirs):
        # the style files, checked against the shipped schema: problems at their lines
        data, problems = read_yaml(STYLE_FILE, style_dirs, "pdf")
        if problems:
            return problems
    else:  # only the shipped default, which the build and the tests check: no schema pass
        data = load_document(DEFAULTS_DIR / STYLE_FILE).data
    try:
        chains = chains_for(parse_fonts(data["fonts"]), style_dirs)
        chains.all_chains()  # reads every font's coverage: a missing file fails here
    except FontSpecError as exc:
        return [located(STYLE_FILE, style_dirs, exc.at, "pdf-style", str(exc))]
    except FontError as exc:
        return [located(STYLE_FILE, style_dirs, ("fonts",), "pdf-font", str(exc))]
    _chains[style_dirs] = chains
    return chains


@dataclass(frozen=True, slots=True)
class _Field:
    doc: YamlDocument
    at: tuple[str | int, ...]
    text: str
    starts: tuple[tuple[bool, bool], ...] = _PLAIN
    kind: str = "inline"  # how it is printed: "inline" or "blocks" Markdown, or "plain"

    def runs(self, bold: bool, italic: bool) -> Iterable[tuple[str, str, bool, bool]]:
        if self.kind == "plain":
            return [(self.text, "body", bold, italic)]
        if self.kind == "blocks":
            return styled_blocks(parse_blocks(self.text), bold, italic)
        return styled_text(parse_inline(self.text), bold, italic)

    @property
    def label(self) -> str:
        at = self.at[2:] if self.at[0] == "questions" else self.at
        return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in at).lstrip(".")


def _fields(content: Content, needs_look: Callable[[str], bool]) -> Iterator[_Field]:
    """Every printed field whose text `needs_look`."""
    if content.bank is not None:
        bank, data = content.bank, content.bank_data
        for key, starts, kind in (
            ("title", _BOTH, "plain"),
            ("description", _PLAIN, "inline"),
            ("author", _PLAIN, "plain"),
            ("license", _PLAIN, "plain"),
            ("version", _PLAIN, "plain"),
        ):
            if isinstance(value := data.get(key), str) and needs_look(value):
                yield _Field(bank, (key,), value, starts, kind)
        blurbs = data.get("blurbs")
        for output in ("booklet", "quiz") if isinstance(blurbs, dict) else ():
            if isinstance(value := blurbs.get(output), str) and needs_look(value):
                yield _Field(bank, ("blurbs", output), value, _PLAIN, "inline")
        for section, key, starts in (("tiers", "name", _BOTH), ("references", "title", _PLAIN)):
            for index, entry in content.bank_entries(section):
                if isinstance(value := entry.get(key), str) and needs_look(value):
                    yield _Field(bank, (section, index, key), value, starts, "plain")
    for q in content.questions():
        base = ("questions", q.index)
        for name, starts, kind in (
            ("question", _BOTH, "inline"),
            ("hint", _PLAIN, "inline"),
            ("answer", _PLAIN, "blocks"),
        ):
            if (text := q.text(name)) is not None and needs_look(text):
                yield _Field(q.doc, (*base, name), text, starts, kind)
        for index, point in q.items("key_points"):
            if needs_look(point):
                yield _Field(q.doc, (*base, "key_points", index), point)


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
    for f in fields:
        if doubtful.isdisjoint(f.text):
            continue
        missing: list[tuple[str, Chain]] = []
        for bold, italic in f.starts:
            seen = {char for char, _ in missing}
            missing += [m for m in missing_in(chains, f.runs(bold, italic)) if m[0] not in seen]
        if missing:
            yield f.doc.problem(f.at, ID, f"{f.label}: {explain(missing)}")
