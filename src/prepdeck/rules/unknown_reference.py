"""Every key in a question's `refs` is in bank.yaml's reference registry."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem

ID = "unknown-reference"


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None:
        return
    keys = content.declared("references", "key")
    registry = sorted(keys)
    for question in content.questions():
        for index, ref in question.items("refs"):
            if ref not in keys:
                close = difflib.get_close_matches(ref, registry, n=1)
                hint = f'; did you mean "{close[0]}"?' if close else ""
                yield question.problem(
                    "refs",
                    index,
                    rule=ID,
                    message=f'"{ref}" is not in the reference registry{hint}',
                )
