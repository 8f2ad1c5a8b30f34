"""Every character the PDFs print is in a font of the style's chain.

The PDFs draw each character with the first font in `pdf.yaml`'s chain that has
it (by default DejaVu Sans, then Noto Emoji; code spans start with DejaVu Sans
Mono).  A character no font in the chain has would print as an empty box, so it
is reported here, before a build: one problem per field, at the field's line,
listing each missing character with its code point and name, e.g.
`U+1F99C PARROT "🦜"` or, for an invisible one, `U+200B ZERO WIDTH SPACE`.

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

from collections.abc import Iterable, Iterator
from pathlib import Path

from prepdeck.content import Content
from prepdeck.errors import BuildError, Problem
from prepdeck.load import Document
from prepdeck.pdf.fontchain import (
    Chain,
    Chains,
    FontError,
    chains_for,
    explain,
    missing_in,
    styled_blocks,
    styled_text,
)
from prepdeck.pdf.style import STYLE_FILE, load_style
from prepdeck.text import parse_blocks, parse_inline

ID = "pdf-glyph"

_chains: dict[tuple[Path, ...], Chains] = {}  # per style set, for repeated validations

# (bold, italic) a layout starts a field in: the booklet sets questions and tier
# names in bold, the cards in regular
_PLAIN = ((False, False),)
_BOTH = ((False, False), (True, False))


def _style_file(style_dirs: tuple[Path, ...]) -> str:
    for folder in reversed(style_dirs):
        if (folder / STYLE_FILE).is_file():
            return str(folder / STYLE_FILE)
    return STYLE_FILE


def _load(style_dirs: tuple[Path, ...]) -> Chains | list[Problem]:
    found = _chains.get(style_dirs)
    if found is not None:
        return found
    try:
        style = load_style(style_dirs)
        chains = chains_for(style.fonts, style.style_dirs)
        chains.safe  # noqa: B018 - reads every font's coverage
    except BuildError as exc:
        return list(exc.problems)
    except FontError as exc:
        return [Problem(_style_file(style_dirs), 1, 1, "pdf-font", str(exc))]
    _chains[style_dirs] = chains
    return chains


def _problem(
    doc: Document,
    at: tuple[str | int, ...],
    text: str,
    chains: Chains,
    starts: Iterable[tuple[bool, bool]],
    *,
    blocks: bool = False,
    markdown: bool = True,
) -> Problem | None:
    if chains.safe.issuperset(text):
        return None
    missing: list[tuple[str, Chain]] = []
    for bold, italic in starts:
        if not markdown:
            runs: Iterable[tuple[str, str, bool, bool]] = [(text, "body", bold, italic)]
        elif blocks:
            runs = styled_blocks(parse_blocks(text), bold, italic)
        else:
            runs = styled_text(parse_inline(text), bold, italic)
        seen = {char for char, _ in missing}
        missing += [m for m in missing_in(chains, runs) if m[0] not in seen]
    if not missing:
        return None
    return doc.problem(at, ID, f"{_field_label(at)}: {explain(missing)}")


def _field_label(at: tuple[str | int, ...]) -> str:
    if at[0] == "questions":
        at = at[2:]
    return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in at).lstrip(".")


def check(content: Content) -> Iterator[Problem]:
    if content.pdf_styles is None:
        return
    loaded = _load(content.pdf_styles)
    if isinstance(loaded, list):
        yield from loaded
        return
    chains = loaded

    def field(
        doc: Document,
        at: tuple[str | int, ...],
        text: object,
        starts: Iterable[tuple[bool, bool]] = _PLAIN,
        **how: bool,
    ) -> Iterator[Problem]:
        if isinstance(text, str):
            problem = _problem(doc, at, text, chains, starts, **how)
            if problem is not None:
                yield problem

    if content.bank is not None:
        bank, data = content.bank, content.bank_data
        yield from field(bank, ("title",), data.get("title"), _BOTH, markdown=False)
        yield from field(bank, ("description",), data.get("description"))
        for key in ("author", "license", "version"):
            yield from field(bank, (key,), data.get(key), markdown=False)
        for index, tier in content.bank_entries("tiers"):
            yield from field(
                bank, ("tiers", index, "name"), tier.get("name"), _BOTH, markdown=False
            )
        for index, ref in content.bank_entries("references"):
            yield from field(bank, ("references", index, "title"), ref.get("title"), markdown=False)
    for q in content.questions():
        doc, base = q.doc, ("questions", q.index)
        yield from field(doc, (*base, "question"), q.text("question"), _BOTH)
        yield from field(doc, (*base, "hint"), q.text("hint"))
        for index, point in q.items("key_points"):
            yield from field(doc, (*base, "key_points", index), point)
        yield from field(doc, (*base, "answer"), q.text("answer"), blocks=True)
