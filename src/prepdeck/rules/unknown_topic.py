"""Every tag on a question is a topic declared in bank.yaml's vocabulary."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content, did_you_mean
from prepdeck.errors import Problem

ID = "unknown-topic"


def check(content: Content) -> Iterator[Problem]:
    if not content.bank_loaded:
        return
    topics = content.declared("topics", "id")
    for question in content.questions():
        for index, tag in question.items("tags"):
            if tag not in topics:
                message = f'"{tag}" is not a declared topic{did_you_mean(tag, topics)}'
                yield question.problem("tags", index, rule=ID, message=message)
