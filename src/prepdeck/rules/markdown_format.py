"""Text fields use only the Markdown prepdeck renders.

Questions, hints and key points are one paragraph of inline Markdown: **bold**,
*italic*, `code`, [links](https://example.org). The model answer adds paragraphs,
lists, fenced code blocks (```yaml ... ```), pipe tables with a header row, and
images on a line of their own: ![alt text](media/diagram.png).

Anything else is reported where it is written instead of being silently flattened:
raw HTML, headings, block quotes, horizontal rules, indented code blocks (use a
fence), ~~~ fences, footnotes, images without alt text, images from URLs, and
images inside text, a table cell, or a one-paragraph field.

So is text past the limits no author meets and every hostile file does (what the
renderers could only cut, or lay out for minutes): a paragraph or one-line field
over 4,000 characters or 1,000 words, 40 hard line breaks or 200 code spans,
emphasis and links; an answer over 64,000 characters; a word over 200 characters
outside code; lists nested more than 8 deep; emphasis and links nested more than 16
deep; a code block over 1,000 lines; a table over 12 columns, 100 rows or 300
characters a cell; and a bank that prints more than
20,000 paragraphs, list items and table cells in all, or one per 16 characters of
its text when that is more (real banks print one per 150 characters or more; each
is laid out in every PDF).  That one is reported at the answer that prints most.
"""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content, QuestionAt
from prepdeck.errors import Problem
from prepdeck.text import (
    MAX_PRINTED,
    PRINTED_CHARS,
    inline_issues,
    markdown_issues,
    printed,
    printed_bound,
)

ID = "markdown-format"
_INLINE_FIELDS = ("question", "hint")


def check(content: Content) -> Iterator[Problem]:
    for question in content.questions():
        for name in _INLINE_FIELDS:
            value = question.text(name)
            if value:
                for issue in inline_issues(value):
                    yield question.problem(name, rule=ID, message=f"{name}: {issue.message}")
        for index, point in question.items("key_points"):
            for issue in inline_issues(point):
                yield question.problem(
                    "key_points", index, rule=ID, message=f"key point: {issue.message}"
                )
        answer = question.text("answer")
        if answer:
            for issue in markdown_issues(answer):
                yield question.text_problem(
                    "answer", line=issue.line, rule=ID, message=f"answer: {issue.message}"
                )
    yield from _too_much_to_print(content)


def _too_much_to_print(content: Content) -> Iterator[Problem]:
    """The bank-wide limit on pieces printed one by one (see the module docstring):
    counted from a bound without parsing, and parsed only when the bound is over."""
    chars = 0
    fixed = 0  # questions, hints and key points: a piece each
    answers: list[tuple[QuestionAt, str]] = []
    for question in content.questions():
        for name in _INLINE_FIELDS:
            value = question.text(name)
            if value:
                chars += len(value)
                fixed += 1
        points = question.items("key_points")
        chars += sum(len(point) for _, point in points)
        fixed += len(points)
        answer = question.text("answer")
        if answer:
            chars += len(answer)
            answers.append((question, answer))
    limit = max(MAX_PRINTED, chars // PRINTED_CHARS)
    if fixed + sum(printed_bound(answer) for _, answer in answers) <= limit:
        return
    counts = [(printed(answer), question) for question, answer in answers]
    total = fixed + sum(count for count, _ in counts)
    if total <= limit or not counts:
        return
    most, question = max(counts, key=lambda pair: pair[0])
    yield question.problem(
        "answer",
        rule=ID,
        message=(
            f"the bank prints {total:,} paragraphs, list items and table cells, more than "
            f"the {limit:,} its {chars:,} characters of text allow (one per "
            f"{PRINTED_CHARS}, at least {MAX_PRINTED:,}), and every PDF lays out each "
            f"one; this answer prints the most: {most:,}"
        ),
    )
