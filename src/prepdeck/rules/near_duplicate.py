"""(warning) No question is asked twice under two ids: questions whose text is the
same once case, punctuation, Markdown markup and spacing are ignored."""

from __future__ import annotations

import re
from collections.abc import Iterator

from prepdeck.content import Content, QuestionAt
from prepdeck.errors import Level, Problem

ID = "near-duplicate"
_NOT_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def check(content: Content) -> Iterator[Problem]:
    seen: dict[str, QuestionAt] = {}
    for question in content.questions():
        text = question.text("question")
        if not text:
            continue
        key = normalize(text)
        if key in seen:
            other = seen[key]
            yield question.problem(
                "question",
                rule=ID,
                message=f'asks the same as "{other.id}" ({other.where}); merge them or reword one',
                level=Level.WARNING,
            )
        else:
            seen[key] = question
