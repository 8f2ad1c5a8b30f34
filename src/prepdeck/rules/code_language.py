"""A fenced code block names a language Pygments knows (```yaml, ```python,
```bash, ```console, ```json, ```hcl, ```rego, ...), so the deck and the PDFs can
colour it. An unknown name is a warning: the block still prints, uncoloured.
Leave the name off (```) for plain text."""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Level, Problem
from prepdeck.text import CodeBlock, iter_blocks, known_language, parse_blocks

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
