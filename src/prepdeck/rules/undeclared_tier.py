"""A tier file's `tier:` names a tier that bank.yaml declares."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content, did_you_mean
from prepdeck.errors import Problem

ID = "undeclared-tier"


def check(content: Content) -> Iterator[Problem]:
    if not content.bank_loaded or not isinstance(content.bank_data.get("tiers"), list):
        return
    declared = sorted(content.declared("tiers", "id"))
    for doc, data in content.tier_files():
        tier = data.get("tier")
        if isinstance(tier, str) and tier not in declared:
            hint = did_you_mean(tier, declared) or f" (declared: {', '.join(declared)})"
            yield doc.problem(("tier",), ID, f'tier "{tier}" is not declared in bank.yaml{hint}')
