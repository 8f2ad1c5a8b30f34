"""Styles are data.  Defaults ship inside the package (`prepdeck/styles/`); a user's
style folders (`--styles DIR`, by default the bank's own `styles/` beside its content
folder, wherever prepdeck runs from) layer on top:
CSS is appended, so it cascades over the defaults, and YAML is deep-merged.

Style YAML goes through the same loader as the bank (`load.py`: positions kept,
YAML traps refused) and the merged result through the kind's JSON Schema
(`schema.py`), so a bad style value is a problem at its file, line and column."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prepdeck import schema
from prepdeck.errors import Level, Problem
from prepdeck.load import Path_, YamlDocument, load_document
from prepdeck.schemas import DocumentKind

DEFAULTS_DIR = Path(__file__).parent / "styles"
BANK_STYLES = "styles"  # a bank's own style folder, beside its content folder


def bank_style_dirs(content_dir: Path) -> tuple[Path, ...]:
    """The style folders a build of `content_dir` uses when none are given: the bank's
    `styles/` beside the content folder (CONTENT_DIR/../styles) if it exists.  Found
    from the content folder, not the working directory, so building a bank from
    anywhere gives the same artifacts."""
    folder = Path(os.path.normpath(content_dir / os.pardir / BANK_STYLES))
    return (folder,) if folder.is_dir() else ()


def describe(style_dirs: Sequence[Path]) -> str:
    """The styles a build used, for its report."""
    if not style_dirs:
        return "prepdeck's defaults"
    return ", then ".join(str(d) for d in style_dirs) + " over prepdeck's defaults"


def style_files(name: str, style_dirs: Sequence[Path]) -> list[Path]:
    """The default file called `name`, then each user folder's, in cascade order."""
    candidates = [DEFAULTS_DIR / name, *(Path(d) / name for d in style_dirs)]
    return [p for p in candidates if p.is_file()]


def read_css(name: str, style_dirs: Sequence[Path]) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in style_files(name, style_dirs))


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True, slots=True)
class Layers:
    """The YAML files merged into one style, in cascade order, seen as one document:
    a path's problem points at the last file that wrote the deepest part of it."""

    docs: tuple[YamlDocument, ...]

    def _source(self, at: Path_) -> YamlDocument:
        best, best_depth = self.docs[-1], -1
        for doc in self.docs:
            depth = _depth(doc.data, at)
            if depth >= best_depth:
                best, best_depth = doc, depth
        return best

    def problem(
        self,
        at: Path_,
        rule: str,
        message: str,
        *,
        level: Level = Level.ERROR,
        key: bool = False,
    ) -> Problem:
        return self._source(at).problem(at, rule, message, level=level, key=key)

    def node_at(self, at: Path_, *, key: bool = False) -> Any:
        return self._source(at).node_at(at, key=key)


def _depth(data: Any, at: Path_) -> int:
    """How many steps of `at` exist in `data`."""
    for depth, step in enumerate(at):
        if isinstance(data, Mapping) and step in data:
            data = data[step]
        else:
            return depth
    return len(at)


Consistency = Callable[[dict[str, Any], schema.Located], list[Problem]]


def located(name: str, style_dirs: Sequence[Path], at: Path_, rule: str, message: str) -> Problem:
    """A problem about the merged style `name` (found past its schema), at the file
    and line that wrote `at`."""
    docs = [load_document(path) for path in style_files(name, style_dirs)]
    return Layers(tuple(d for d in docs if isinstance(d.data, Mapping))).problem(at, rule, message)


def read_yaml(
    name: str,
    style_dirs: Sequence[Path],
    kind: DocumentKind,
    consistency: Consistency | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """The default file `name` deep-merged with each style folder's, checked against
    the `kind` schema, then (if the schema passed) by `consistency`, for rules that
    tie values together; every problem found, with its position, instead of raising."""
    merged: dict[str, Any] = {}
    problems: list[Problem] = []
    docs: list[YamlDocument] = []
    for path in style_files(name, style_dirs):
        doc = load_document(path)
        # A style file with nothing but comments overrides nothing.
        problems += [p for p in doc.problems if p.rule != "empty-file"]
        if doc.node is None or any(p.is_error for p in doc.problems):
            continue
        if not isinstance(doc.data, Mapping):
            problems.append(
                doc.problem((), "top-level-type", "a style file must be a mapping of settings")
            )
            continue
        docs.append(doc)
        merged = deep_merge(merged, doc.data)
    if docs and not problems:
        layers = Layers(tuple(docs))
        problems += schema.check_layers(merged, layers, kind)
        if consistency is not None and not problems:
            problems += consistency(merged, layers)
    return merged, sorted(problems)
