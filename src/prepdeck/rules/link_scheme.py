"""Links in question text use https or mailto; anything else (http, javascript:,
file:) would print as plain text, so it is flagged where it is written."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem
from prepdeck.text import iter_links, parse_blocks, parse_inline

ID = "link-scheme"
_INLINE_FIELDS = ("question", "hint")


def _bad(nodes: tuple) -> list[str]:  # type: ignore[type-arg]
    return [link.url for link in iter_links(nodes) if not link.safe]


def check(content: Content) -> Iterator[Problem]:
    for question in content.questions():
        found: list[tuple[tuple[str | int, ...], str]] = []
        for name in _INLINE_FIELDS:
            text = question.text(name)
            if text and "](" in text:
                found += [((name,), url) for url in _bad(parse_inline(text))]
        for index, point in question.items("key_points"):
            if "](" in point:
                found += [(("key_points", index), url) for url in _bad(parse_inline(point))]
        answer = question.text("answer")
        if answer and "](" in answer:
            found += [(("answer",), url) for url in _bad(parse_blocks(answer))]
        for steps, url in found:
            yield question.problem(
                *steps,
                rule=ID,
                message=f"link to {url!r}: only https:// and mailto: links are allowed",
            )
