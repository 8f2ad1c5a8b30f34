"""`cards` in bank.yaml includes "question": every question keeps its own note, which
holds the model answer that a key-point recall card points to."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem

ID = "cards-question"


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None or not isinstance(content.bank.data, dict):
        return
    cards = content.bank.data.get("cards")
    if isinstance(cards, list) and cards and "question" not in cards:
        yield content.bank.problem(
            ("cards",), ID, '"cards" must include "question": every question keeps its own note'
        )
