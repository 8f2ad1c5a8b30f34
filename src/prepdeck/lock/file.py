"""Reading and writing the lock: JSON on disk, checked by the shipped JSON Schema
(`schemas/lock.schema.json`) through the loader and schema pipeline the bank's own
files use, so a hand-edited or hostile lock is a list of `path:line:col` problems,
never a traceback.

Reading takes only a regular file (a FIFO in the lock's place never blocks a build)
of at most `load.MAX_FILE_BYTES`.  `json` parses it (fast, exact JSON; an integer of
more than `MAX_DIGITS` digits is kept as `TooLong` for the schema to refuse, and
nesting too deep for Python is refused at its place); the compiled schema validator
answers "valid?", and only an invalid lock is composed again for positions.  After
the schema, `renamed` is checked so that no two notes can share an Anki identity.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from prepdeck import schema
from prepdeck.errors import PrepdeckError, Problem
from prepdeck.load import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    FileTooLargeError,
    JsonDocument,
    NotARegularFileError,
    read_regular,
)
from prepdeck.lock.stamp import (
    FORMAT_1_SHAPE,
    QUESTION_KIND,
    Entry,
    Lock,
    NotetypeEntry,
    Shape,
    renamed_problems,
)

LOCK_FILE = "prepdeck.lock"  # beside bank.yaml, committed with the content
INVALID = "lock-invalid"  # the rule of every problem with the lock's own structure
CONFLICT = "lock-conflict"  # merge-conflict markers
MAX_DIGITS = 30  # an integer longer than this is no mod; it is never converted
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})( |$)", re.MULTILINE)
# Written into every lock, so its words stay as they are: changing them would rewrite
# every user's lock.  ("schema" here is the note type's shape, `Shape`.)
ABOUT = (
    "Written by `prepdeck build`; commit it with the content. Per note: a hash of what "
    "defines the note, the mod time Anki compares on import, and the bank version it last "
    "changed in. Per note type: its schema (field and template names) and a hash of its "
    "styling. See the README."
)


class LockFormatError(PrepdeckError):
    """The lock is not one prepdeck can read: every problem found, in `problems`."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(str(problems[0]) if problems else "invalid lock")


class TooLong(int):
    """An integer written with more than `MAX_DIGITS` digits: kept as a huge value that
    no range admits, and shown by its length (Python refuses to convert 4,300)."""

    digits: int

    def __new__(cls, text: str) -> TooLong:
        value = super().__new__(cls, 10**MAX_DIGITS)
        value.digits = len(text.lstrip("-"))
        return value

    def __repr__(self) -> str:
        return f"a number of {self.digits:,} digits"


def _parse_int(text: str) -> int:
    return int(text) if len(text) <= MAX_DIGITS else TooLong(text)


# -- reading -------------------------------------------------------------------------


def read_lock(path: Path) -> Lock | None:
    """The lock at `path`, or None if there is none yet; raises `LockFormatError`."""

    def fail(message: str, line: int = 1, column: int = 1) -> LockFormatError:
        return LockFormatError([Problem(str(path), line, column, INVALID, message)])

    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return None
    except NotARegularFileError as exc:
        what = "a folder" if exc.strerror == "a folder" else "not a regular file"
        raise fail(f"is {what}, not a lock file") from None
    except FileTooLargeError as exc:
        raise fail(f"too large for a lock file: {exc.strerror}") from None
    except OSError as exc:
        raise fail(f"cannot read the lock: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise fail(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x}); restore the lock from git", line, column
        ) from exc
    return loads(text, str(path))


def loads(text: str, display: str = LOCK_FILE) -> Lock:
    """The lock written as `text`; problems are placed in `display`."""

    def fail(rule: str, message: str, line: int = 1, column: int = 1) -> LockFormatError:
        return LockFormatError([Problem(display, line, column, rule, message)])

    conflict = _CONFLICT.search(text)
    if conflict:
        line = text.count("\n", 0, conflict.start()) + 1
        raise fail(CONFLICT, "merge-conflict markers", line)
    try:
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise fail(INVALID, f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        line, column = _too_deep(text)
        raise fail(INVALID, f"nesting deeper than {MAX_DEPTH} levels", line, column) from None
    doc = JsonDocument(path=Path(display), display=display, text=text)
    try:
        problems = schema.check_layers(data, doc, "lock")
    except RecursionError:  # pragma: no cover - json refuses what would recurse here
        problems = [Problem(display, 1, 1, INVALID, "nesting too deep")]
    if problems:
        raise LockFormatError([_as_lock_problem(p) for p in problems])
    lock = _from_data(data)
    problems = [
        doc.problem(("renamed", question_id), INVALID, f"renamed {question_id!r}: {why}", key=True)
        for question_id, why in renamed_problems(lock)
    ]
    if problems:
        raise LockFormatError(problems)
    return lock


def _as_lock_problem(problem: Problem) -> Problem:
    """A schema problem under the lock's one rule, its own rule's name in the message
    where it says something ("unknown key ...")."""
    return Problem(problem.path, problem.line, problem.column, INVALID, problem.message)


def _too_deep(text: str) -> tuple[int, int]:
    """Where the nesting of `text` first goes past `MAX_DEPTH` (strings skipped)."""
    depth = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                start = match.start()
                return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1
        elif token in "]}":
            depth -= 1
    return 1, 1  # pragma: no cover - json only recurses this deep


def _from_data(data: Mapping[str, Any]) -> Lock:
    """The lock from data the schema accepted."""
    lock_format: int = data["format"]
    if lock_format == 1:
        # One note type and no shape recorded: see FORMAT_1_SHAPE.
        old = data.get("notetype")
        notetypes = (
            {}
            if old is None
            else {QUESTION_KIND: NotetypeEntry(FORMAT_1_SHAPE, old["hash"], old["mod"])}
        )
    else:
        notetypes = {
            kind: NotetypeEntry(
                Shape(tuple(value["fields"]), tuple(value["templates"])),
                value["hash"],
                value["mod"],
                value.get("version", ""),
            )
            for kind, value in data.get("notetypes", {}).items()
        }
    return Lock(
        bank=data["bank"],
        notetypes=notetypes,
        notes=_entries(data.get("notes", {})),
        retired=_entries(data.get("retired", {})),
        renamed=dict(data.get("renamed", {})),
        format=lock_format,
    )


def _entries(table: Mapping[str, Any]) -> dict[str, Entry]:
    return {
        key: Entry(value["hash"], value["mod"], value.get("version", ""), value.get("retired", ""))
        for key, value in table.items()
    }


# -- writing -------------------------------------------------------------------------


def dumps(lock: Lock) -> str:
    """Stable text: keys sorted, one note per line, so a diff shows one line per change."""

    def text(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    def entry(e: Entry) -> str:
        data: dict[str, Any] = {"hash": e.hash, "mod": e.mod}
        if e.version:
            data["version"] = e.version
        if e.retired:
            data["retired"] = e.retired
        return text(data)

    def notetype(e: NotetypeEntry) -> str:
        data: dict[str, Any] = {
            "fields": list(e.shape.fields),
            "hash": e.hash,
            "mod": e.mod,
            "templates": list(e.shape.templates),
        }
        if e.version:
            data["version"] = e.version
        return text(data)

    def table(rows: list[str]) -> str:
        return "{\n" + ",\n".join(rows) + "\n  }" if rows else "{}"

    def rows(entries: Mapping[str, Any], show: Any) -> list[str]:
        return [f"    {text(key)}: {show(value)}" for key, value in sorted(entries.items())]

    # Only a lock with renames has the key, so locks without any keep their bytes.
    renamed = rows(lock.renamed, text)
    return (
        "{\n"
        f'  "about": {json.dumps(ABOUT)},\n'
        f'  "bank": {text(lock.bank)},\n'
        f'  "format": {lock.format},\n'
        f'  "notes": {table(rows(lock.notes, entry))},\n'
        f'  "notetypes": {table(rows(lock.notetypes, notetype))},\n'
        + (f'  "renamed": {table(renamed)},\n' if renamed else "")
        + f'  "retired": {table(rows(lock.retired, entry))}\n'
        "}\n"
    )
