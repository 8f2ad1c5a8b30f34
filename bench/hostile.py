"""Hostile banks just under 1 MB: the worst inputs known for each stage, for the
`hostile` rows of `make bench` (promise: no input under 1 MB takes over 30 s or
1 GiB in any command).

Each valid case fills answers up to the limits validate allows (text.py), with the
pattern that was slowest for its stage before the limits existed; each refused case
is a stress repro from issue 23 that validate must refuse quickly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

TARGET_BYTES = 1_000_000  # each bank stays just under this
TARGET_SECONDS = 30.0
TARGET_MIB = 1024.0

BANK_YAML = """\
title: Hostile Bank
slug: hostile
version: 1.0.0
description: Worst cases.
author: Bench
license: CC-BY-4.0
tiers:
  - id: t
    name: Tier
topics:
  - {id: x, name: X}
"""


def _paragraphs(unit: str, paragraph_chars: int = 3_990, answer_chars: int = 63_000) -> str:
    paragraph = (unit * (paragraph_chars // len(unit) + 1))[:paragraph_chars].strip()
    count = max(1, answer_chars // (paragraph_chars + 2))
    return "\n\n".join([paragraph] * count)


def _code(language: str, body: str, answer_chars: int = 63_000) -> str:
    block = f"```{language}\n{body}\n```"
    return "\n\n".join([block] * max(1, answer_chars // (len(block) + 2)))


def _table(columns: int = 12, rows: int = 100) -> str:
    head = "|" + "|".join(f"h{i}" for i in range(columns)) + "|\n"
    rule = "|" + "-|" * columns + "\n"
    row = "|" + "|".join("`a*b`" for _ in range(columns)) + "|\n"
    return head + rule + row * rows


def _dense_table(cell: str = "a") -> str:
    head = "|" + "|".join("h" for _ in range(12)) + "|\n"
    rule = "|" + "-|" * 12 + "\n"
    return head + rule + ("|" + "|".join(cell for _ in range(12)) + "|\n") * 100


def _at_print_limit(piece: str, answer_chars: int = 63_000) -> str:
    """`piece` (Markdown printing `printed(piece)` pieces) repeated, with plain prose
    between so the bank prints one piece per PRINTED_CHARS characters: as dense as
    validate allows (text.py)."""
    from prepdeck.text import PRINTED_CHARS, printed

    filler = "lorem ipsum dolor sit amet " * 150  # 4,050 characters, one paragraph
    unit = piece + "\n\n"
    need = printed(piece) * PRINTED_CHARS * 21 // 20  # 5% for the other fields
    while len(unit) < need:
        unit += filler[: min(3_990, need - len(unit))].strip() + "\n\n"
    return (unit * max(1, answer_chars // len(unit)))[:answer_chars].rsplit("\n\n", 1)[0]


def _nested_lists(answer_chars: int = 63_000) -> str:
    one = "\n".join("  " * depth + "- item **bold** `code`" for depth in range(8))
    return "\n\n".join([one] * (answer_chars // (len(one) + 2)))


# name -> the answer every question of the bank has
VALID: dict[str, Callable[[], str]] = {
    "long paragraphs": lambda: _paragraphs("lorem ipsum dolor sit amet "),
    "200-character words": lambda: _paragraphs("w" * 199 + " "),
    "long code-span words": lambda: _paragraphs("`" + "x" * 3_980 + "` "),
    "hard breaks": lambda: _paragraphs("a  \n", paragraph_chars=160),
    "200 markup runs a paragraph": lambda: _paragraphs("`a` *b* " * 99 + "abc " * 800),
    "unclosed emphasis": lambda: _paragraphs("*ab "),
    "c on newlines": lambda: _code("c", "\n" * 498),
    "systemd blanks": lambda: _code("systemd", " " * 300 + "x"),
    "8-deep lists": _nested_lists,
    "tables at the print limit": lambda: _at_print_limit(_dense_table()),
    "paragraphs at the print limit": lambda: _at_print_limit("\n\n".join(["a"] * 100)),
    "list items at the print limit": lambda: _at_print_limit("\n".join(["- a"] * 100)),
    "markup paragraphs at the print limit": lambda: _at_print_limit(
        "\n\n".join(["`a` *b* **c** [d](https://x.org)"] * 100)
    ),
    "2-column tables at the print limit": lambda: _at_print_limit(
        "|h|i|\n|-|-|\n" + "|`a` *b*|**c**|\n" * 100
    ),
}
REFUSED: dict[str, Callable[[], str]] = {
    "1 MB paragraph": lambda: "word " * 190_000,
    "1 MB word": lambda: "a" * 990_000,
    "'ab ' x 330000": lambda: "ab " * 330_000,
    "'- ' x 10000": lambda: "- " * 10_000 + "x",
    "emphasis 2000 deep": lambda: "*" * 2_000 + "a" + "*" * 2_000,
    "backtick runs 1-1399": lambda: " ".join("`" * i for i in range(1, 1400)),
    "code spans in a row": lambda: _paragraphs("`` ` ``` "),
    "80-column table": lambda: "|" + "a|" * 80 + "\n|" + "-|" * 80 + "\n|" + "b|" * 80,
    "12 x 100 tables": lambda: _table(),
    "12 x 100 tables of one letter": lambda: "\n\n".join([_dense_table()] * 24),
    "one-letter paragraphs": lambda: "\n\n".join(["a"] * 20_000),
    "1,800-word paragraphs": lambda: _paragraphs("`a` *b* " * 99 + "x " * 1600),
    # rows without a "|" are filled out to the header's 12 cells (found in review)
    "12 x 100 tables of bare rows": lambda: "\n\n".join(
        ["|".join("abcdefghijkl") + "\n" + "|".join("-" * 12) + "\n" + "x\n" * 100] * 60
    ),
}


def _question(index: int, answer: str) -> str:
    body = "\n".join(f"      {line}" if line else "" for line in answer.split("\n"))
    return (
        f"  - id: q-{index}\n"
        f"    question: {json.dumps(f'Question {index}?')}\n"
        "    hint: A hint.\n"
        "    key_points: [One, Two]\n"
        f"    answer: |-\n{body}\n"
        "    tags: [x]\n"
        "    refs: []\n"
    )


def write_bank(root: Path, answer: str) -> Path:
    """A bank of as many questions with `answer` as fit under TARGET_BYTES."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "bank.yaml").write_text(BANK_YAML, encoding="utf-8")
    parts = ["tier: t\nquestions:\n"]
    size = len(parts[0]) + len(BANK_YAML)
    index = 1
    while True:
        question = _question(index, answer)
        if size + len(question.encode("utf-8")) >= TARGET_BYTES and index > 1:
            break
        parts.append(question)
        size += len(question.encode("utf-8"))
        index += 1
        if size >= TARGET_BYTES:
            break
    (root / "t.yaml").write_text("".join(parts), encoding="utf-8")
    return root


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


# The default `make bench` row: the slowest valid bank known, paragraphs at every
# limit at once (4,000 characters, 1,000 words, 200 code spans and emphasis each):
# reportlab breaks a paragraph of mixed faces into lines word by word, in each PDF.
WORST = ("200 markup runs a paragraph",)
