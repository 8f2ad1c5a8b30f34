"""Every tag on a question is a topic declared in bank.yaml's vocabulary."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem

ID = "unknown-topic"


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None:
        return
    topics = content.declared("topics", "id")
    vocabulary = sorted(topics)
    for question in content.questions():
        for index, tag in question.items("tags"):
            if tag not in topics:
                close = difflib.get_close_matches(tag, vocabulary, n=1)
                hint = f'; did you mean "{close[0]}"?' if close else ""
                yield question.problem(
                    "tags", index, rule=ID, message=f'"{tag}" is not a declared topic{hint}'
                )
