"""The rules that look across a whole bank, one small module each.

A rule module has an `ID`, a docstring that is its user documentation
(`prepdeck rules` prints them), and `check(content)`, a generator of problems.
Adding a rule is one module, one line in `RULES`, and one test.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Protocol, cast

from prepdeck.content import Content
from prepdeck.errors import Problem
from prepdeck.rules import (
    anki_notes,
    code_language,
    control_character,
    date_format,
    deck_name,
    duplicate_entry,
    duplicate_id,
    image_file,
    link_scheme,
    markdown_format,
    near_duplicate,
    pdf_glyph,
    tag_format,
    tier_count,
    undeclared_tier,
    unknown_reference,
    unknown_topic,
    unused_entry,
)


class Rule(Protocol):
    ID: str

    def check(self, content: Content) -> Iterator[Problem]: ...


_MODULES: tuple[ModuleType, ...] = (
    duplicate_entry,
    undeclared_tier,
    duplicate_id,
    tier_count,
    anki_notes,
    date_format,
    unknown_topic,
    unknown_reference,
    unused_entry,
    tag_format,
    link_scheme,
    markdown_format,
    code_language,
    image_file,
    near_duplicate,
    control_character,
    deck_name,
    pdf_glyph,
)
RULES: tuple[Rule, ...] = tuple(cast(Rule, module) for module in _MODULES)
