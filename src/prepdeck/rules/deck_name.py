"""The bank's title and each tier's name become Anki deck names, which are plain
text on one line: `::` would add a deck level (Anki's separator), and markup such
as `<b>` would be shown as typed or interpreted, depending on the Anki screen."""

from __future__ import annotations

import re
from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem

ID = "deck-name"
_MARKUP = re.compile(r"<[A-Za-z/!?]|&[A-Za-z#][A-Za-z0-9]*;")


def name_problem(value: str) -> str | None:
    """Why `value` cannot be (part of) a deck name, or None."""
    if "::" in value:
        return 'contains "::", which Anki reads as a subdeck separator'
    if "\n" in value or "\t" in value:
        return "spans more than one line or holds a tab; a deck name is one line"
    if _MARKUP.search(value):
        return "contains HTML markup; a deck name is plain text"
    return None


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None:
        return
    title = content.bank_data.get("title")
    if isinstance(title, str) and (why := name_problem(title)):
        yield content.bank.problem(("title",), ID, f"the title {why}")
    for index, tier in content.bank_entries("tiers"):
        name = tier.get("name")
        if isinstance(name, str) and (why := name_problem(name)):
            yield content.bank.problem(("tiers", index, "name"), ID, f'tier name "{name}" {why}')
