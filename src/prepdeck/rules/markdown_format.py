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
over 4,000 characters, 40 hard line breaks or 200 code spans, emphasis and links; an
answer over 64,000 characters; a word over 200 characters outside code; lists
nested more than 8 deep; emphasis and links nested more than 16 deep; a table over
12 columns, 100 rows or 300 characters a cell.
"""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem
from prepdeck.text import inline_issues, markdown_issues

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
