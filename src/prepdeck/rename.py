"""`prepdeck rename OLD NEW`: give a question a new id and keep its Anki note.

Two edits, each checked before anything is written, and written together or not at
all (staged beside their files and renamed over them as a build's artifacts are: a
full disk or an unwritable lock leaves both files as they were):

- the tier file: the id's value is replaced in the text, at the line and column the
  loader recorded for it, so comments, quoting and layout stay exactly as they were
  (re-dumping the YAML would lose them);
- the lock (`lock.rename`): the note's entry moves to the new id, which records the
  id the note's GUID derives from, so the next build updates the same note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from prepdeck import lock as lockfile
from prepdeck.artifacts import StagedFile, commit_all, stage
from prepdeck.content import did_you_mean
from prepdeck.errors import PrepdeckError
from prepdeck.load import YamlDocument
from prepdeck.model import is_kebab_case
from prepdeck.validate import read_content

# What YAML (and so the loader's line numbers) counts as a line break.
_LINE_BREAK = re.compile("(\r\n|[\r\n\x85\u2028\u2029])")
_BOM = "\ufeff"


class RenameError(PrepdeckError):
    """The rename cannot be made; nothing was written."""


@dataclass(frozen=True, slots=True)
class Renamed:
    path: Path  # the tier file edited
    line: int  # 1-based position of the id's value
    column: int
    lock: Path | None  # the lock the rename was recorded in; None: OLD was never built

    def report(self, old: str, new: str) -> list[str]:
        """What `prepdeck rename` prints: where the id changed, and what the lock kept."""
        if self.lock is None:
            kept = f"{old!r} was never built (not in the lock), so there is no note to keep"
        else:
            kept = f"{self.lock}: recorded; the note keeps its Anki identity"
        return [f"{self.path}:{self.line}:{self.column}: {old} -> {new}", kept]


def rename(content_dir: Path, old: str, new: str) -> Renamed:
    """Rename question `old` to `new` in the bank at `content_dir`.

    Raises `RenameError`, having written nothing, when `new` is not a valid id or is
    taken (by a question, a retired note, or another note's identity), or when no
    single question has the id `old`."""
    if not is_kebab_case(new):
        raise RenameError(
            f"{new!r} is not a valid id: use kebab-case (lowercase letters, digits, single "
            'hyphens), e.g. "prompt-injection-defenses"'
        )
    content, _ = read_content(content_dir)
    questions = list(content.questions())
    matches = [q for q in questions if q.id == old]
    if not matches:
        ids = [q.id for q in questions if q.id]
        unread = [doc.display for doc in content.tier_docs if doc.node is None]
        hint = f" (cannot read {', '.join(unread)}: run `prepdeck validate`)" if unread else ""
        raise RenameError(
            f"no question has the id {old!r} in {content_dir}{did_you_mean(old, ids)}{hint}"
        )
    if len(matches) > 1:
        where = ", ".join(q.where for q in matches)
        raise RenameError(f"{old!r} is the id of more than one question ({where}); fix that first")
    if old == new:
        raise RenameError(f"{old!r} already has that id")
    taken = [q for q in questions if q.id == new]
    if taken:
        raise RenameError(f"{new!r} is already the id of the question at {taken[0].where}")
    lock_path = content_dir / lockfile.LOCK_FILE
    try:
        lock = lockfile.read_lock(lock_path)
    except lockfile.LockFormatError as exc:
        raise RenameError("\n".join(map(str, exc.problems))) from None
    if lock is not None:
        why = lockfile.rename_problem(lock, old, new)
        if why:
            raise RenameError(why)

    question = matches[0]
    at = ("questions", question.index, "id")
    text, line, column = _edited(question.doc, at, old, new)
    new_lock = lockfile.rename(lock, old, new) if lock and old in lock.notes else None
    files = {question.doc.path: text.encode("utf-8")}
    if new_lock is not None:
        files[lock_path] = lockfile.dumps(new_lock).encode("utf-8")
    _write_together(files)
    return Renamed(question.doc.path, line, column, lock_path if new_lock else None)


def _write_together(files: dict[Path, bytes]) -> None:
    """Replace every file with its bytes, or none (raises `RenameError`)."""
    staged: list[StagedFile] = []
    try:
        for dest, data in files.items():
            stage(dest, staged).path.write_bytes(data)
        commit_all(staged)
    except OSError as exc:
        names = " and ".join(str(dest) for dest in files)
        raise RenameError(f"cannot write {names}: {exc.strerror or exc}") from None
    finally:
        for file in staged:
            file.discard()


def _edited(
    doc: YamlDocument, at: tuple[str, int, str], old: str, new: str
) -> tuple[str, int, int]:
    """The file's text with the scalar at `at` changed from `old` to `new`, and the
    1-based position of that scalar."""
    node = doc.node_at(at)
    raw = doc.path.read_bytes().decode("utf-8")
    bom = _BOM if raw.startswith(_BOM) else ""
    text = raw.removeprefix(_BOM)  # the loader's marks count from after a BOM
    start, end = (node.start_mark, node.end_mark) if node is not None else (None, None)
    where = f"{doc.display}:{start.line + 1}:{start.column + 1}" if start else doc.display
    cannot = RenameError(
        f"{where}: cannot change this id in place (write it as a plain or quoted scalar on "
        "one line)"
    )
    if start is None or end is None or start.line != end.line:
        raise cannot
    pieces = _LINE_BREAK.split(text)  # lines at even indices, their breaks between
    line = pieces[2 * start.line]
    written = line[start.column : end.column]
    quote = written[:1] if written[:1] in ("'", '"') else ""
    if written != f"{quote}{old}{quote}":
        raise cannot
    pieces[2 * start.line] = line[: start.column] + quote + new + quote + line[end.column :]
    edited = "".join(pieces)
    check = YamlDocument(doc.path, doc.display, node=yaml.compose(edited, Loader=yaml.SafeLoader))
    moved = check.node_at(at)
    if not isinstance(moved, yaml.ScalarNode) or moved.value != new:  # pragma: no cover
        raise cannot
    return bom + edited, start.line + 1, start.column + 1
