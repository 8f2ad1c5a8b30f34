"""A tier with an `expected` count in bank.yaml has exactly that many questions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem

ID = "tier-count"


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None:
        return
    counts: Counter[str] = Counter()
    for question in content.questions():
        tier = question.doc.data.get("tier")
        if isinstance(tier, str):
            counts[tier] += 1
    for index, tier in content.bank_entries("tiers"):
        expected, tier_id = tier.get("expected"), tier.get("id")
        if (
            isinstance(expected, int)
            and not isinstance(expected, bool)
            and isinstance(tier_id, str)
        ):
            found = counts[tier_id]
            if found != expected:
                yield content.bank.problem(
                    ("tiers", index, "expected"),
                    ID,
                    f'tier "{tier_id}" expects {expected} question(s) but has {found}',
                )
