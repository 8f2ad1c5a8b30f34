"""Content folder in, every problem out: files, YAML, structure, then the rules
that look across the whole bank.  Nothing stops at the first problem."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prepdeck import schema
from prepdeck.content import BANK_FILE, Content
from prepdeck.errors import Level, Problem
from prepdeck.gcpause import gc_paused
from prepdeck.load import YamlDocument, load_document
from prepdeck.model import Bank, SourceLocation, build_bank
from prepdeck.rules import RULES


@dataclass
class Validation:
    problems: list[Problem] = field(default_factory=list)
    bank: Bank | None = None  # set only when there are no errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.WARNING]

    def ok(self, *, strict: bool = False) -> bool:
        return not (self.errors or (strict and self.warnings))


def content_files(root: Path) -> tuple[Path, list[Path]]:
    """bank.yaml and the tier files beside it (every other .yaml/.yml), sorted."""
    tier_files = sorted(
        p
        for p in root.iterdir()
        if p.suffix in (".yaml", ".yml") and p.name != BANK_FILE and p.is_file()
    )
    return root / BANK_FILE, tier_files


def read_content(root: Path) -> tuple[Content, list[Problem]]:
    bank_path, tier_paths = content_files(root)
    problems: list[Problem] = []
    bank_doc: YamlDocument | None = None
    if bank_path.is_file():
        bank_doc = load_document(bank_path)
        problems += bank_doc.problems
        if bank_doc.node is not None:
            problems += schema.check(bank_doc, "bank")
    else:
        problems.append(Problem(str(bank_path), 1, 1, "missing-bank", f"no {BANK_FILE} in {root}"))
    tier_docs = []
    for path in tier_paths:
        doc = load_document(path)
        problems += doc.problems
        if doc.node is not None:
            problems += schema.check(doc, "tier")
        tier_docs.append(doc)
    return Content(root, bank_doc, tier_docs), problems


def validate_content(root: Path, *, build_model: bool = True) -> Validation:
    """Validate a bank folder; the result holds the `Bank` when it has no errors
    (and `build_model`: `prepdeck validate` needs only the problems)."""
    with gc_paused():
        content, problems = read_content(root)
        for rule in RULES:
            problems.extend(rule.check(content))
        result = Validation(sorted(set(problems)))
        if build_model and not result.errors:
            result.bank = _model(content)
    return result


def _model(content: Content) -> Bank:
    def questions() -> Iterator[tuple[str, dict[str, Any], SourceLocation]]:
        for question in content.questions():
            line, column = question.doc.position(("questions", question.index))
            where = SourceLocation(question.doc.path, line, column)
            yield question.doc.data["tier"], question.data, where

    return build_bank(content.bank_data, questions())
