"""Every Anki tag the bank produces survives Anki intact.

Anki splits tags on whitespace (including the ideographic space U+3000), drops
control characters, and treats `::` as a hierarchy separator, so a tag with an
empty `::` part becomes a different tag.  Checked: the bank slug, tier ids and
topic ids (tags `bank::<slug>`, `tier::<id>`, `topic::<id>`)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem

ID = "tag-format"


def tag_problem(value: str) -> str | None:
    """Why Anki would mangle `value` as (part of) a tag, or None."""
    for char in value:
        if char.isspace() or unicodedata.category(char) == "Zs":
            return f"contains whitespace (U+{ord(char):04X}), which splits an Anki tag"
        if unicodedata.category(char) in ("Cc", "Cf"):
            return f"contains a control character (U+{ord(char):04X})"
    if any(part == "" for part in value.split("::")):
        return 'has an empty "::" part, which Anki would collapse'
    return None


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None:
        return
    slug = content.bank_data.get("slug")
    if isinstance(slug, str) and (why := tag_problem(slug)):
        yield content.bank.problem(("slug",), ID, f'slug "{slug}" {why}')
    for section in ("tiers", "topics"):
        for index, entry in content.bank_entries(section):
            value = entry.get("id")
            if isinstance(value, str) and (why := tag_problem(value)):
                yield content.bank.problem((section, index, "id"), ID, f'id "{value}" {why}')
