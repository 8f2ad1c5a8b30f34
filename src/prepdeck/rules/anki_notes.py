"""`anki_notes` in bank.yaml includes "question": every question keeps its own note,
which holds the model answer that a key-point recall card points to.

`cards:` is the old name of `anki_notes:` (it read like the flash-card PDF, the
`cards` target).  A bank that still uses it builds as before, with a warning
that names the new key; a bank that gives both is an error."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Level, Problem

ID = "anki-notes"
KEY = "anki_notes"
OLD_KEY = "cards"  # before 1.2


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None or not isinstance(content.bank.data, dict):
        return
    data = content.bank.data
    key = KEY
    if OLD_KEY in data:
        if KEY in data:
            yield content.bank.problem(
                (OLD_KEY,),
                ID,
                f'"{OLD_KEY}" is the old name of "{KEY}", and both are given; keep "{KEY}" only',
                key=True,
            )
            return
        key = OLD_KEY
        yield content.bank.problem(
            (OLD_KEY,),
            ID,
            f'"{OLD_KEY}" is now called "{KEY}" (the Anki notes each question yields; '
            f'"cards" is the flash-card PDF); rename the key, the value stays',
            level=Level.WARNING,
            key=True,
        )
    notes = data.get(key)
    if isinstance(notes, list) and notes and "question" not in notes:
        yield content.bank.problem(
            (key,), ID, f'"{key}" must include "question": every question keeps its own note'
        )
