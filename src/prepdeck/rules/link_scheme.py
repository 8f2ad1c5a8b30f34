"""Links in question text use https or mailto; anything else (http, javascript:,
file:) would print as plain text, so it is flagged where it is written."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem
from prepdeck.text import SAFE_SCHEMES, iter_links, parse_blocks, parse_inline

ID = "link-scheme"
_INLINE_FIELDS = ("question", "hint")


def _bad(nodes: tuple) -> list[str]:  # type: ignore[type-arg]
    return [link.url for link in iter_links(nodes) if not link.safe]


def may_hold_unsafe_link(text: str) -> bool:
    """False when no link in `text` can be unsafe, without parsing it.

    A link's destination starts right after "](" (reference links and autolinks are
    not enabled), so when every "](" is followed by https:// or mailto:, every link
    is safe. Anything else goes to the parser, which has the last word.
    """
    start = text.find("](")
    while start != -1:
        if not text[start + 2 : start + 10].lower().startswith(SAFE_SCHEMES):
            return True
        start = text.find("](", start + 2)
    return False


def check(content: Content) -> Iterator[Problem]:
    for question in content.questions():
        found: list[tuple[tuple[str | int, ...], str]] = []
        for name in _INLINE_FIELDS:
            text = question.text(name)
            if text and may_hold_unsafe_link(text):
                found += [((name,), url) for url in _bad(parse_inline(text))]
        for index, point in question.items("key_points"):
            if may_hold_unsafe_link(point):
                found += [(("key_points", index), url) for url in _bad(parse_inline(point))]
        answer = question.text("answer")
        if answer and may_hold_unsafe_link(answer):
            found += [(("answer",), url) for url in _bad(parse_blocks(answer))]
        for steps, url in found:
            yield question.problem(
                *steps,
                rule=ID,
                message=f"link to {url!r}: only https:// and mailto: links are allowed",
            )
