"""The loaded content of a bank folder, as rules see it: bank.yaml and the tier
files, with helpers that tolerate documents whose structure is broken (the schema
reports those; rules look only at what has the right shape)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import ScalarNode

from prepdeck.errors import Level, Problem
from prepdeck.images import ImageData, read_image
from prepdeck.load import YamlDocument

BANK_FILE = "bank.yaml"


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """'; did you mean "x"?' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(value, sorted(choices), n=1)
    return f'; did you mean "{close[0]}"?' if close else ""


@dataclass(frozen=True)
class QuestionAt:
    """One question mapping and where it sits."""

    doc: YamlDocument
    index: int
    data: dict[str, Any]

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        return value if isinstance(value, str) else None

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        return value if isinstance(value, str) else None

    def items(self, name: str) -> list[tuple[int, str]]:
        """(index, text) of a list field's text items."""
        value = self.data.get(name)
        if not isinstance(value, list):
            return []
        return [(i, item) for i, item in enumerate(value) if isinstance(item, str)]

    def problem(
        self, *steps: str | int, rule: str, message: str, level: Level = Level.ERROR
    ) -> Problem:
        return self.doc.problem(("questions", self.index, *steps), rule, message, level=level)

    def text_problem(
        self,
        *steps: str | int,
        line: int,
        rule: str,
        message: str,
        level: Level = Level.ERROR,
    ) -> Problem:
        """A problem at a 0-based `line` of a text field's value.

        A literal block scalar (`|`) keeps its lines, so the problem points at the
        very line; in any other style lines are folded, so it points at the field.
        """
        path = ("questions", self.index, *steps)
        node = self.doc.node_at(path)
        if isinstance(node, ScalarNode) and node.style == "|":
            row = node.start_mark.line + 1 + line
            column = _indent_of(self.doc, row, node.start_mark.column)
            return Problem(self.doc.display, row + 1, column, rule, message, level)
        return self.doc.problem(path, rule, message, level=level)

    @property
    def where(self) -> str:
        line, _ = self.doc.position(("questions", self.index))
        return f"{self.doc.display}:{line}"


def _indent_of(doc: YamlDocument, row: int, fallback: int) -> int:
    """1-based column of the first non-blank character on a 0-based `row`."""
    text = doc.source_line(row)
    if text is None:
        return fallback + 1
    return len(text) - len(text.lstrip(" ")) + 1


@dataclass
class Content:
    root: Path
    bank: YamlDocument | None
    tier_docs: list[YamlDocument]
    # the style folders the PDFs would use, or None when no PDF is to be made
    # (`build --target anki`): the rules that check printability then skip
    pdf_styles: tuple[Path, ...] | None = None
    # each image an answer names, read and checked once: its data or what is wrong
    images: dict[str, ImageData | str] = field(default_factory=dict)

    def image(self, src: str) -> ImageData | str:
        """The image `src` names, read once however many answers show it."""
        found = self.images.get(src)
        if found is None:
            found = self.images[src] = read_image(self.root, src)
        return found

    @property
    def bank_loaded(self) -> bool:
        """bank.yaml was read into a mapping, so its declarations can be trusted."""
        return self.bank is not None and isinstance(self.bank.data, dict)

    @property
    def tiers_loaded(self) -> bool:
        """Every tier file was read into a mapping.  When one was not (a syntax error, a
        refused link), counts and usage across the bank are unknown: rules that need
        them stay quiet rather than repeat the file's problem as a cascade."""
        return all(isinstance(doc.data, dict) for doc in self.tier_docs)

    @property
    def bank_data(self) -> dict[str, Any]:
        data = self.bank.data if self.bank else None
        return data if isinstance(data, dict) else {}

    def bank_entries(self, section: str) -> list[tuple[int, dict[str, Any]]]:
        """(index, mapping) of bank.yaml's `tiers`, `topics` or `references`."""
        value = self.bank_data.get(section)
        if not isinstance(value, list):
            return []
        return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]

    def declared(self, section: str, key: str) -> set[str]:
        return {
            entry[key] for _, entry in self.bank_entries(section) if isinstance(entry.get(key), str)
        }

    def tier_files(self) -> Iterator[tuple[YamlDocument, dict[str, Any]]]:
        for doc in self.tier_docs:
            if isinstance(doc.data, dict):
                yield doc, doc.data

    def questions(self) -> Iterator[QuestionAt]:
        for doc, data in self.tier_files():
            questions = data.get("questions")
            if isinstance(questions, list):
                for index, question in enumerate(questions):
                    if isinstance(question, dict):
                        yield QuestionAt(doc, index, question)
