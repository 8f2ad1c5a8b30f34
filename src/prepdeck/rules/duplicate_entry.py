"""Each tier id, topic id and reference key in bank.yaml is declared once."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem

ID = "duplicate-entry"
_SECTIONS = (("tiers", "id"), ("topics", "id"), ("references", "key"))


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None:
        return
    for section, key in _SECTIONS:
        first: dict[str, int] = {}
        for index, entry in content.bank_entries(section):
            value = entry.get(key)
            if not isinstance(value, str):
                continue
            if value in first:
                line, _ = content.bank.position((section, first[value]))
                yield content.bank.problem(
                    (section, index, key),
                    ID,
                    f'{section} declares "{value}" twice (first at line {line})',
                )
            else:
                first[value] = index
