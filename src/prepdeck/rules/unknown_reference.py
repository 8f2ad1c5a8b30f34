"""Every key in a question's `refs` is in bank.yaml's reference registry."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content, did_you_mean
from prepdeck.errors import Problem

ID = "unknown-reference"


def check(content: Content) -> Iterator[Problem]:
    if not content.bank_loaded:
        return
    keys = content.declared("references", "key")
    for question in content.questions():
        for index, ref in question.items("refs"):
            if ref not in keys:
                message = f'"{ref}" is not in the reference registry{did_you_mean(ref, keys)}'
                yield question.problem("refs", index, rule=ID, message=message)
