"""Content folder in, every problem out: files, YAML, structure, then the rules
that look across the whole bank.  Nothing stops at the first problem."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from prepdeck import schema
from prepdeck.content import BANK_FILE, Content
from prepdeck.errors import Level, Problem
from prepdeck.gcpause import gc_paused
from prepdeck.load import YamlDocument, load_document
from prepdeck.model import Bank, SourceLocation, build_bank
from prepdeck.rules import RULES
from prepdeck.style_folders import check_text_files


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


def content_files(root: Path) -> tuple[Path, list[Path], list[Problem]]:
    """bank.yaml and the tier files beside it (every other .yaml/.yml), sorted, and a
    problem for each entry named like a content file that is not read: a link that
    leads out of the folder (refused: the deck would carry someone else's file), a
    dangling link, or something that is not a regular file (a folder, a FIFO)."""
    problems: list[Problem] = []
    tier_files: list[Path] = []
    real_root = root.resolve()
    for path in sorted(root.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        if why := _not_readable(path, real_root):
            rule, message = why
            # Skipping a stray tier-named entry is safe; a refused link or bank.yaml is not.
            skipped = rule != "link-outside" and path.name != BANK_FILE
            level = Level.WARNING if skipped else Level.ERROR
            problems.append(Problem(str(path), 1, 1, rule, message, level))
        elif path.name != BANK_FILE:
            tier_files.append(path)
    return root / BANK_FILE, tier_files, problems


def _not_readable(path: Path, real_root: Path) -> tuple[str, str] | None:
    """(rule, message) when `path` must not be read as content, else None."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "dangling-link", "a symbolic link to nothing (or a loop); skipped"
        if not target.is_relative_to(real_root):
            return (
                "link-outside",
                f"a symbolic link to {target}, outside the content folder; refused "
                "(copy the file in if it belongs to the bank)",
            )
    if path.is_dir():
        return "not-a-file", "a folder named like a content file; skipped"
    if not path.is_file():
        return "not-a-file", "not a regular file (a FIFO, socket or device?); skipped"
    return None


def read_content(root: Path) -> tuple[Content, list[Problem]]:
    bank_path, tier_paths, problems = content_files(root)
    bank_doc: YamlDocument | None = None
    refused = {Path(p.path) for p in problems if p.is_error}
    if bank_path in refused:
        bank_doc = YamlDocument(bank_path, str(bank_path))  # reported; nothing read
    elif bank_path.is_file():
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
    # A file that was refused or skipped still counts as one that did not load, so the
    # rules that need the whole bank (tier counts, unused entries) stay quiet.
    tier_docs += [YamlDocument(path, str(path)) for path in sorted(refused - {bank_path})]
    return Content(root, bank_doc, tier_docs), problems


def validate_content(
    root: Path,
    *,
    build_model: bool = True,
    pdf_styles: tuple[Path, ...] | None = (),
    style_dirs: Sequence[Path] | None = None,
) -> Validation:
    """Validate a bank folder; the result holds the `Bank` when it has no errors
    (and `build_model`: `prepdeck validate` needs only the problems).

    `pdf_styles` are the style folders whose pdf.yaml and fonts the PDFs would print
    with (the package defaults under them); None when no PDF will be made.
    `style_dirs` are the folders whose CSS and card templates a build would use: each
    file must be UTF-8, and CSS must not end its <style> block; None skips them."""
    with gc_paused():
        content, problems = read_content(root)
        if style_dirs is not None:
            problems += check_text_files(style_dirs)
        content.pdf_styles = pdf_styles
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

    bank = build_bank(content.bank_data, questions())
    images = {src: data for src, data in content.images.items() if not isinstance(data, str)}
    return replace(bank, images=images) if images else bank
