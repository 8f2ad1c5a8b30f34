"""Problems to text, one `Format` per output style (yamllint's model), and what a
build or release prints about its artifacts."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:  # the CLI reads FORMATS for --help: keep this module's import cheap
    from prepdeck.artifacts import Artifact
    from prepdeck.errors import Problem

FormatName = Literal["auto", "text", "json", "github"]
FORMATS: tuple[FormatName, ...] = get_args(FormatName)  # what --format offers


def resolve(name: FormatName) -> FormatName:
    """`auto` is `github` inside GitHub Actions, where annotations show on the diff."""
    if name == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return name


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_problem(problem: Problem, name: FormatName, *, color: bool = False) -> str:
    name = resolve(name)
    if name == "github":
        command = "error" if problem.is_error else "warning"
        props = ",".join(
            (
                f"file={_github_escape(problem.path, property_value=True)}",
                f"line={problem.line}",
                f"col={problem.column}",
                f"title={_github_escape(problem.rule, property_value=True)}",
            )
        )
        return f"::{command} {props}::{_github_escape(str(problem))}"
    if name == "json":
        import json  # here, not at the top: `prepdeck --help` reads FORMATS

        return json.dumps(as_dict(problem), ensure_ascii=False)
    if color:
        level = "\x1b[31merror\x1b[0m" if problem.is_error else "\x1b[33mwarning\x1b[0m"
        return (
            f"\x1b[1m{problem.path}:{problem.line}:{problem.column}:\x1b[0m "
            f"{level}[{problem.rule}]: {problem.message}"
        )
    return str(problem)


def as_dict(problem: Problem) -> dict[str, object]:
    return {
        "path": problem.path,
        "line": problem.line,
        "column": problem.column,
        "level": str(problem.level),
        "rule": problem.rule,
        "message": problem.message,
    }


def format_problems(problems: Sequence[Problem], name: FormatName, *, color: bool = False) -> str:
    """Every problem, one per line; json is a single array."""
    if resolve(name) == "json":
        import json

        return json.dumps([as_dict(p) for p in problems], ensure_ascii=False, indent=2)
    return "\n".join(format_problem(p, name, color=color) for p in problems)


def summary(problems: Sequence[Problem]) -> str:
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    files = len({p.path for p in problems})
    parts = [f"{errors} error{'s' * (errors != 1)}", f"{warnings} warning{'s' * (warnings != 1)}"]
    return f"{', '.join(parts)} in {files} file{'s' * (files != 1)}"


def json_document(
    problems: Sequence[Problem], artifacts: Sequence[Artifact], **more: object
) -> str:
    """A build's or release's whole answer as one JSON document: the problems, the
    artifacts, and what else the command knows (`more`), whether it failed or not."""
    import json

    document = {
        "problems": [as_dict(p) for p in problems],
        "artifacts": [
            {"target": a.target, "path": str(a.path), "size": a.size, "sha256": a.sha256}
            for a in artifacts
        ],
        **more,
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def artifact_lines(artifacts: Sequence[Artifact]) -> list[str]:
    """One line per artifact, in columns: path, size, SHA-256."""
    paths = [str(a.path) for a in artifacts]
    width = max(map(len, paths), default=0)
    return [
        f"{path:<{width}}  {size_text(a.size):>9}  sha256:{a.sha256}"
        for path, a in zip(paths, artifacts, strict=True)
    ]


def size_text(size: float) -> str:
    """1023 B, 1.0 KiB, 2.5 MiB."""
    for unit in ("B", "KiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MiB"


class Progress:
    """Counts the artifacts as they are done and keeps their times; `show`, if given,
    gets a line per artifact (builds in parallel finish in any order)."""

    def __init__(self, total: int, show: Callable[[str], None] | None) -> None:
        self.total = total
        self.done = 0
        self.show = show
        self.seconds: dict[str, float] = {}

    def started(self, target: str) -> None:
        pass

    def finished(self, target: str, seconds: float) -> None:
        self.done += 1
        self.seconds[target] = seconds
        if self.show:
            self.show(f"[{self.done}/{self.total}] {target} built in {seconds:.2f} s")


def time_lines(seconds: Mapping[str, float]) -> list[str]:
    """How long each artifact took, for --verbose when no progress lines showed it."""
    return [f"{target}: built in {took:.2f} s" for target, took in seconds.items()]


def build_lines(styles: str, artifacts: Sequence[Artifact]) -> list[str]:
    """A build's report: the styles used, then each artifact's own lines, labelled."""
    labelled = [("styles", styles)]
    labelled += [(a.target, line) for a in artifacts for line in a.report]
    width = max(len(label) for label, _ in labelled) + 1
    return [f"{label + ':':<{width}} {line}" for label, line in labelled]
