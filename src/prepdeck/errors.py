"""Problems are values: every check yields `Problem`s, and printing them is a
separate step (`report.py`).  Exceptions carry lists of problems across stage
boundaries; the CLI maps them to exit codes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# What a terminal, a CI log or a workflow-command parser could act on rather than
# show: C0 and C1 controls (ESC, BEL, CR, LF, CSI...), DEL, the Unicode line and
# paragraph separators, and the bidirectional controls that reorder a shown line.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """`text` with every character that could act on a terminal or a log escaped as
    Python would write it (`\\x1b`, `\\n`, `\\u202e`), so a problem is always one
    line that shows what the file holds and can forge nothing (an ANSI sequence, a
    second `::error::` line in GitHub Actions)."""
    return _UNPRINTABLE.sub(_escape, text)


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One thing wrong with the content, at a 1-based line and column."""

    path: str
    line: int
    column: int
    rule: str
    message: str
    level: Level = Level.ERROR

    def __post_init__(self) -> None:
        # Paths and messages quote the bank's text (keys, ids, file names): escaped
        # here, once, so every output (text, json, github, the preview page) is safe.
        object.__setattr__(self, "path", printable(self.path))
        object.__setattr__(self, "message", printable(self.message))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.level}[{self.rule}]: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR


class PrepdeckError(Exception):
    """Base of every error prepdeck reports without a traceback."""


class ProblemsError(PrepdeckError):
    """Content or a build step failed with these problems (exit code 1)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s)")


class ContentError(ProblemsError):
    """The bank is invalid; nothing was built."""


class BuildError(ProblemsError):
    """The bank is valid but an artifact cannot be made from it (a glyph the font
    lacks, a card too long to print); nothing was written."""
