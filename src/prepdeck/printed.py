"""What the PDFs print from a bank, field by field, and the faces each field starts
in: one list that both glyph checks walk, the one before a build (`rules/pdf_glyph.py`,
on the YAML, so problems have lines) and the one each layout runs (`pdf/common.py`,
on the model).  A field's key is its YAML key and the model's attribute alike.

Text a layout makes itself (its labels, the style's how-to note, tier names in
capitals on the cards) is checked by that layout, beside this list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from prepdeck.fontchain import styled_blocks, styled_text
from prepdeck.text import parse_blocks, parse_inline

Face = tuple[bool, bool]  # (bold, italic)
REGULAR: tuple[Face, ...] = ((False, False),)
REGULAR_AND_BOLD: tuple[Face, ...] = ((False, False), (True, False))  # booklet bold, cards not
Markup = Literal["plain", "inline", "blocks"]  # text as is, inline Markdown, Markdown blocks


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    markup: Markup = "plain"
    faces: tuple[Face, ...] = REGULAR
    many: bool = False  # a list of such texts (key points)


BANK_FIELDS = (
    Field("title", faces=REGULAR_AND_BOLD),
    Field("description", "inline"),
    Field("author"),
    Field("license"),
    Field("version"),
)
# bank.yaml `blurbs:`: each printed output's own words on its title page
BLURB = Field("blurbs", "inline")
BLURB_OUTPUTS = ("booklet", "quiz")
# bank.yaml's lists whose entries are printed: the tier headings, the reference list
ENTRY_FIELDS = {
    "tiers": (Field("name", faces=REGULAR_AND_BOLD),),
    "references": (Field("title"), Field("url")),
}
QUESTION_FIELDS = (
    Field("question", "inline", REGULAR_AND_BOLD),
    Field("hint", "inline"),
    Field("key_points", "inline", many=True),
    Field("answer", "blocks"),
)


def runs(
    text: str, markup: Markup, bold: bool, italic: bool
) -> Iterable[tuple[str, str, bool, bool]]:
    """(text, "body" or "code", bold, italic) runs as a layout sets `text`."""
    if markup == "plain":
        return [(text, "body", bold, italic)]
    if markup == "blocks":
        return styled_blocks(parse_blocks(text), bold, italic)
    return styled_text(parse_inline(text), bold, italic)


_TRIMMED = frozenset(".,;:!?*_'\"")  # sentence marks, quotes, Markdown emphasis
_MARKUP = frozenset("[]()<>`|")  # Markdown that ends a word: links, images, code, tables


def _bound(char: str) -> bool:
    return char.isspace() or char in _MARKUP


def word_at(text: str, index: int, limit: int = 40) -> str:
    """The word of `text` that holds `index` (up to spaces and Markdown's brackets,
    without the punctuation around it), shortened around it to `limit` characters:
    what a message quotes so the author can find it."""
    start = index
    while start > 0 and not _bound(text[start - 1]):
        start -= 1
    end = index + 1
    while end < len(text) and not _bound(text[end]):
        end += 1
    while start < index and text[start] in _TRIMMED:  # "**word" -> word
        start += 1
    while end > index + 1 and text[end - 1] in _TRIMMED:  # "word?" -> word
        end -= 1
    if end - start > limit:
        start = max(start, index - limit // 2)
        end = min(end, start + limit)
    return text[start:end]
