"""Question ids are unique across the whole bank: an id is an Anki note's identity,
so two questions with one id would overwrite each other in every deck."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content, QuestionAt
from prepdeck.errors import Problem

ID = "duplicate-id"


def check(content: Content) -> Iterator[Problem]:
    first: dict[str, QuestionAt] = {}
    for question in content.questions():
        qid = question.id
        if qid is None:
            continue
        if qid in first:
            yield question.problem(
                "id", rule=ID, message=f'id "{qid}" is already used at {first[qid].where}'
            )
        else:
            first[qid] = question
