"""(warning) Every declared topic and reference is used by at least one question;
an unused entry is usually a typo or a leftover."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Level, Problem

ID = "unused-entry"


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None or not content.tier_docs or not content.tiers_loaded:
        return
    used = {"topics": set(), "references": set()}  # type: dict[str, set[str]]
    for question in content.questions():
        used["topics"].update(tag for _, tag in question.items("tags"))
        used["references"].update(ref for _, ref in question.items("refs"))
    for section, key, what in (("topics", "id", "topic"), ("references", "key", "reference")):
        for index, entry in content.bank_entries(section):
            value = entry.get(key)
            if isinstance(value, str) and value not in used[section]:
                yield content.bank.problem(
                    (section, index, key),
                    ID,
                    f'{what} "{value}" is declared but no question uses it',
                    level=Level.WARNING,
                )
