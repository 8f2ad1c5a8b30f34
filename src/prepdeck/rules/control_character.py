"""No text holds a character an Anki note or a PDF cannot carry: C0 control
characters other than newline and tab, DEL, the C1 controls, lone surrogates and
the noncharacters U+FFFE and U+FFFF.  U+001F is Anki's field separator: one in a
question would split the note into one field too many and shift every later field.
Checked in every text of bank.yaml and of each tier file, at the text's line."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from prepdeck.content import Content
from prepdeck.errors import Problem
from prepdeck.load import Path_, YamlDocument

ID = "control-character"
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def describe(char: str) -> str:
    """ "U+001F (INFORMATION SEPARATOR ONE)", or just the code point if it has no name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def _texts(data: Any, at: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(data, str):
        yield at, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _texts(value, (*at, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _texts(value, (*at, index))


def _check_doc(doc: YamlDocument) -> Iterator[Problem]:
    if not doc.escapes:  # the only way a control character gets into YAML's values
        return
    for at, text in _texts(doc.data, ()):
        found = FORBIDDEN.search(text)
        if found:
            name = next((str(step) for step in reversed(at) if isinstance(step, str)), "text")
            yield doc.problem(
                at,
                ID,
                f'"{name}" contains {describe(found.group())}, a control character an '
                "Anki note cannot hold; remove it",
            )


def check(content: Content) -> Iterator[Problem]:
    for doc in (content.bank, *content.tier_docs):
        if doc is not None and doc.data is not None:
            yield from _check_doc(doc)
