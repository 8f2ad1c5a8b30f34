"""A fenced code block names a language Pygments knows (```yaml, ```python,
```bash, ```console, ```json, ```hcl, ```rego, ...), so the deck and the PDFs can
colour it. An unknown name is a warning: the block still prints, uncoloured.
Leave the name off (```) for plain text.

Colouring has a budget, so no block can hold a build up: a block over 20,000
characters or 500 lines prints uncoloured (a warning), and a block whose colouring
takes Pygments over 2 s of CPU time is an error (some lexers are very slow on odd
text: name no language, or another one)."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Level, Problem
from prepdeck.text import (
    LEX_SECONDS,
    MAX_COLOURED_CHARS,
    MAX_COLOURED_LINES,
    CodeBlock,
    iter_blocks,
    known_language,
    lexed,
    parse_blocks,
)

ID = "code-language"


def check(content: Content) -> Iterator[Problem]:
    for question in content.questions():
        answer = question.text("answer")
        if not answer or "```" not in answer:
            continue
        lines = _fence_lines(answer)
        blocks = [b for b in iter_blocks(parse_blocks(answer)) if isinstance(b, CodeBlock)]
        for block, line in zip(blocks, lines, strict=False):
            if not known_language(block.language):
                yield question.text_problem(
                    "answer",
                    line=line,
                    rule=ID,
                    message=f"answer: code block language {block.language!r} is not one "
                    "Pygments knows; it prints uncoloured",
                    level=Level.WARNING,
                )
                continue
            found = lexed(block.language, block.text)
            if found.too_big:
                yield question.text_problem(
                    "answer",
                    line=line,
                    rule=ID,
                    message=f"answer: a {block.language} code block over "
                    f"{MAX_COLOURED_CHARS:,} characters or {MAX_COLOURED_LINES} lines "
                    "prints uncoloured",
                    level=Level.WARNING,
                )
            elif found.too_slow:
                yield question.text_problem(
                    "answer",
                    line=line,
                    rule=ID,
                    message=f"answer: colouring this code block as {block.language!r} takes "
                    f"Pygments over {LEX_SECONDS:g} s; name no language (```) or another one",
                )


def _fence_lines(text: str) -> list[int]:
    """0-based lines of opening fences, in order (a fence opens, the next closes)."""
    found: list[int] = []
    inside = False
    for number, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("```"):
            if not inside:
                found.append(number)
            inside = not inside
    return found
