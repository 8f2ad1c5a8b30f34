"""Problems are values: every check yields `Problem`s, and printing them is a
separate step (`report.py`).  Exceptions carry lists of problems across stage
boundaries; the CLI maps them to exit codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


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
