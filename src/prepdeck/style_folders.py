"""Styles are data.  Defaults ship inside the package (`prepdeck/styles/`); a user's
style folders (`--styles DIR`, by default the bank's own `styles/` beside its content
folder, wherever prepdeck runs from) layer on top:
CSS is appended, so it cascades over the defaults, and YAML is deep-merged.

Style YAML goes through the same loader as the bank (`load.py`: positions kept,
YAML traps refused) and the merged result through the kind's JSON Schema
(`schema.py`), so a bad style value is a problem at its file, line and column."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prepdeck import schema
from prepdeck.errors import BuildError, Level, Problem
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


# The text style files a build reads: CSS placed in a <style> block (the study page's,
# and every Anki card's), and the card templates (HTML by design).
TEXT_SUFFIXES = (".css", ".html")
# What ends a <style> block however the CSS goes on: an HTML parser reads `</style`
# (any case) followed by a space, `/` or `>` as its end tag.  Refused whatever follows,
# so no spelling slips through; CSS never needs it (in a string, write `\3c /style`).
_STYLE_END = re.compile(r"</style", re.IGNORECASE)


def text_files(style_dirs: Sequence[Path]) -> list[Path]:
    """Every CSS and template file a build would read from the defaults and `style_dirs`."""
    names = sorted(p.name for p in DEFAULTS_DIR.iterdir() if p.suffix in TEXT_SUFFIXES)
    return [path for name in names for path in style_files(name, style_dirs)]


def text_problems(path: Path) -> tuple[str, list[Problem]]:
    """The text of style file `path`, and what stops a build from using it: bytes that
    are not UTF-8, and in CSS a `</style` that would end the <style> block the CSS is
    placed in (the rest of the file would then be HTML in the page and on every card:
    a `<meta http-equiv=refresh>` navigates the study page away)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return "", [Problem(str(path), 1, 1, "unreadable", f"cannot read: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line, column = before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
        message = (
            f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot start a character here; "
            "save the file as UTF-8"
        )
        return "", [Problem(str(path), line, column, "encoding", message)]
    problems: list[Problem] = []
    if path.suffix == ".css":
        for match in _STYLE_END.finditer(text):
            before_text = text[: match.start()]
            line = before_text.count("\n") + 1
            column = match.start() - (before_text.rfind("\n") + 1) + 1
            problems.append(
                Problem(
                    str(path),
                    line,
                    column,
                    "style-css",
                    f'"{match.group()}" would end the <style> block this CSS is placed in '
                    "(on the study page and on every Anki card), and what follows would be "
                    "HTML; remove it (in a CSS string, write \\3c /style)",
                )
            )
    return text, problems


def read_text(path: Path) -> str:
    """A style file's text; a `BuildError` with its problems if a build cannot use it
    (validate reports the same problems first, so this is the last line of defence)."""
    text, problems = text_problems(path)
    if problems:
        raise BuildError(problems)
    return text


def read_css(name: str, style_dirs: Sequence[Path]) -> str:
    return "\n".join(read_text(p) for p in style_files(name, style_dirs))


def check_text_files(style_dirs: Sequence[Path]) -> list[Problem]:
    """Every problem of every CSS and template file a build would read."""
    return [p for path in text_files(style_dirs) for p in text_problems(path)[1]]


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
MIN_PRINTABLE_MM = 40  # the text block pdf.yaml's margins leave on every paper, each way


def _numbers(data: Any, at: Path_ = ()) -> list[tuple[Path_, float]]:
    if isinstance(data, Mapping):
        return [n for key, value in data.items() for n in _numbers(value, (*at, key))]
    if isinstance(data, float):
        return [(at, data)]
    return []


def pdf_consistency(data: dict[str, Any], where: schema.Located) -> list[Problem]:
    """What the schema cannot say about pdf.yaml (which it has passed): no NaN, quiz
    line bounds in order, and margins that leave a printable area on every paper."""
    problems = [
        where.problem(at, "out-of-range", f'"{at[-1]}" is not a number (.nan)')
        for at, value in _numbers(data)
        if value != value  # NaN: every range check is false for it
    ]
    quiz = data["quiz"]
    if quiz["lines_min"] > quiz["lines_max"]:
        problems.append(
            where.problem(
                ("quiz", "lines_min"),
                "out-of-range",
                f"lines_min ({quiz['lines_min']}) is more than lines_max ({quiz['lines_max']})",
            )
        )
    page = data["page"]
    for name, paper in data["papers"].items():
        sheet = paper.get("cards")
        if sheet is not None:  # card stock: its cards must lie on it
            gap = sheet.get("gap_mm", 0)
            across = sheet["left_mm"] + sheet["cols"] * (sheet["width_mm"] + gap) - gap
            down = sheet["top_mm"] + sheet["rows"] * (sheet["height_mm"] + gap) - gap
            if across > paper["width_mm"] + 0.01 or down > paper["height_mm"] + 0.01:
                problems.append(
                    where.problem(
                        ("papers", name, "cards"),
                        "out-of-range",
                        f'the cards grid of paper "{name}" reaches {across:g} x {down:g} mm, '
                        f"past the {paper['width_mm']:g} x {paper['height_mm']:g} mm sheet",
                        key=True,
                    )
                )
            continue  # no margins: the booklet and the quiz do not print on card stock
        across = paper["width_mm"] - page["margin_left_mm"] - page["margin_right_mm"]
        down = paper["height_mm"] - page["margin_top_mm"] - page["margin_bottom_mm"]
        if min(across, down) < MIN_PRINTABLE_MM:
            problems.append(
                where.problem(
                    _changed(where, (("papers", name), ("page",))),
                    "out-of-range",
                    f"the margins leave {max(across, 0):g} x {max(down, 0):g} mm of paper "
                    f'"{name}" ({paper["width_mm"]:g} x {paper["height_mm"]:g} mm) to print '
                    f"on; at least {MIN_PRINTABLE_MM} mm each way is needed",
                    key=True,
                )
            )
    return problems


def _changed(where: schema.Located, candidates: Sequence[Path_]) -> Path_:
    """Of paths that together make a problem, the one the latest file wrote: a
    paper a style folder added, or the margins it changed, not the package's
    default that the change now contradicts."""
    if not isinstance(where, Layers):
        return candidates[0]

    def latest(at: Path_) -> int:
        written = [i for i, d in enumerate(where.docs) if _depth(d.data, at) == len(at)]
        return max(written, default=-1)

    return max(candidates, key=latest)  # a tie: the first


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
