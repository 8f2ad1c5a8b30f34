"""A tier with an `expected` count in bank.yaml has exactly that many questions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem

ID = "tier-count"


def whole_number(value: object) -> int | None:
    """`value` as an int if it is a whole number, as the schema's "integer" has it
    (JSON Schema reads 4.0 as an integer too), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None:
        return
    counts: Counter[str] = Counter()
    for question in content.questions():
        tier = question.doc.data.get("tier")
        if isinstance(tier, str):
            counts[tier] += 1
    for index, tier in content.bank_entries("tiers"):
        expected, tier_id = whole_number(tier.get("expected")), tier.get("id")
        if expected is not None and isinstance(tier_id, str):
            found = counts[tier_id]
            if found != expected:
                yield content.bank.problem(
                    ("tiers", index, "expected"),
                    ID,
                    f'tier "{tier_id}" expects {expected} question(s) but has {found}',
                )
