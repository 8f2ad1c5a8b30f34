"""The Anki lock file: what each note looked like when it last changed, and when.

Anki's default import updates a note only if the package's modification time is
strictly newer than the collection's, and an update replaces the note's tags.  So
a note's `mod` must move forward exactly when its content changes, and stay put
otherwise, or every release would wipe the tags users added.  The lock file
(`content/prepdeck.lock`, committed) records per question id a hash of the rendered
note and the `mod` it was given, plus the same for the note type (CSS and
templates), and the ids that disappeared, so they can be reported and never reused.

This module knows nothing about genanki or Anki: it compares hashes and hands out
times.  `stamp` is the one pure step; reading and writing are separate.  The rules a
build must follow (the lock belongs to this bank, retired ids stay retired, and
with --locked the lock is current) and their messages live here too (`check`), so
the deck writer only renders notes and writes the package.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prepdeck.artifacts import BuildOptions, atomic_path
from prepdeck.errors import BuildError, Problem
from prepdeck.model import Bank, Question

LOCK_FILE = "prepdeck.lock"  # beside bank.yaml, committed with the content
FORMAT = 1
LIST_LIMIT = 10  # ids named per line in reports and messages
ABOUT = (
    "Written by `prepdeck build`; commit it with the content. Per question id: a hash of the "
    "rendered note, the mod time Anki compares on import, and the bank version it last "
    "changed in. See the README."
)


class LockFormatError(ValueError):
    """The lock file is not one prepdeck wrote; `line` and `column` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Entry:
    """One note (or the note type) as it was when it last changed."""

    hash: str
    mod: int  # seconds; what Anki's "update if newer" compares
    version: str = ""  # the bank version the note last changed in (empty for the note type)
    retired: str = ""  # for retired ids: the bank version the note disappeared in


@dataclass(frozen=True, slots=True)
class Lock:
    bank: str  # the slug; GUIDs derive from it, so it must never change under a lock
    notetype: Entry | None
    notes: Mapping[str, Entry] = field(default_factory=dict)
    retired: Mapping[str, Entry] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LockDiff:
    """What a build changes relative to the lock it read."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()  # retired by this build
    reused: tuple[str, ...] = ()  # retired ids that came back: an error for the caller
    notetype_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.added or self.changed or self.removed or self.reused or self.notetype_changed
        )


def stamp(
    old: Lock | None,
    *,
    bank: str,
    version: str,
    timestamp: int,
    notetype_hash: str,
    note_hashes: Mapping[str, str],
    partial: bool = False,
) -> tuple[Lock, LockDiff]:
    """The lock after a build of `note_hashes` (id -> content hash), and what changed.

    A new or changed entry gets `timestamp`, but always strictly more than its previous
    mod, so a build with an older clock still moves it forward.  Ids missing from
    `note_hashes` are retired, unless `partial` (a filtered build), which leaves them.
    """
    old_notes: Mapping[str, Entry] = old.notes if old else {}
    old_retired: Mapping[str, Entry] = old.retired if old else {}
    notes: dict[str, Entry] = {}
    added: list[str] = []
    changed: list[str] = []
    for note_id, digest in note_hashes.items():
        previous = old_notes.get(note_id)
        if previous is None:
            added.append(note_id)
            notes[note_id] = Entry(digest, timestamp, version)
        elif previous.hash != digest:
            changed.append(note_id)
            notes[note_id] = Entry(digest, max(timestamp, previous.mod + 1), version)
        else:
            notes[note_id] = previous
    retired = dict(old_retired)
    removed: list[str] = []
    for note_id, previous in old_notes.items():
        if note_id in notes:
            continue
        if partial:
            notes[note_id] = previous
        else:
            removed.append(note_id)
            retired[note_id] = Entry(previous.hash, previous.mod, previous.version, version)
    reused = sorted(set(note_hashes) & set(old_retired))

    old_type = old.notetype if old else None
    if old_type is None:
        notetype = Entry(notetype_hash, timestamp)
    elif old_type.hash != notetype_hash:
        notetype = Entry(notetype_hash, max(timestamp, old_type.mod + 1))
    else:
        notetype = old_type
    lock = Lock(
        bank=bank,
        notetype=notetype,
        notes=dict(sorted(notes.items())),
        retired=dict(sorted(retired.items())),
    )
    diff = LockDiff(
        added=tuple(sorted(added)),
        changed=tuple(sorted(changed)),
        removed=tuple(sorted(removed)),
        reused=tuple(reused),
        # With no lock there is nothing the note type could have changed from.
        notetype_changed=old_type is not None and notetype != old_type,
    )
    return lock, diff


# -- reading and writing ---------------------------------------------------------


def dumps(lock: Lock) -> str:
    """Stable text: keys sorted, one note per line, so a diff shows one line per change."""

    def entry(e: Entry) -> str:
        data: dict[str, Any] = {"hash": e.hash, "mod": e.mod}
        if e.version:
            data["version"] = e.version
        if e.retired:
            data["retired"] = e.retired
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    def table(entries: Mapping[str, Entry]) -> str:
        if not entries:
            return "{}"
        rows = ",\n".join(
            f"    {json.dumps(key, ensure_ascii=False)}: {entry(value)}"
            for key, value in sorted(entries.items())
        )
        return "{\n" + rows + "\n  }"

    notetype = entry(lock.notetype) if lock.notetype else "null"
    return (
        "{\n"
        f'  "about": {json.dumps(ABOUT)},\n'
        f'  "bank": {json.dumps(lock.bank, ensure_ascii=False)},\n'
        f'  "format": {FORMAT},\n'
        f'  "notes": {table(lock.notes)},\n'
        f'  "notetype": {notetype},\n'
        f'  "retired": {table(lock.retired)}\n'
        "}\n"
    )


def loads(text: str) -> Lock:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockFormatError(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    return from_data(data)


def from_data(data: Any) -> Lock:
    if not isinstance(data, Mapping):
        raise LockFormatError("a lock file is a JSON object")
    if data.get("format") != FORMAT:
        raise LockFormatError(f"unknown lock format {data.get('format')!r}; expected {FORMAT}")
    bank = data.get("bank")
    if not isinstance(bank, str):
        raise LockFormatError('"bank" must be the bank slug')
    notetype = data.get("notetype")
    return Lock(
        bank=bank,
        notetype=None if notetype is None else _entry(notetype, "notetype"),
        notes=_table(data.get("notes", {}), "notes"),
        retired=_table(data.get("retired", {}), "retired"),
    )


def _table(data: Any, name: str) -> dict[str, Entry]:
    if not isinstance(data, Mapping):
        raise LockFormatError(f'"{name}" must be an object')
    return {str(key): _entry(value, f"{name}.{key}") for key, value in data.items()}


def _entry(data: Any, where: str) -> Entry:
    if not isinstance(data, Mapping):
        raise LockFormatError(f'"{where}" must be an object')
    digest, mod = data.get("hash"), data.get("mod")
    if not isinstance(digest, str) or not isinstance(mod, int) or isinstance(mod, bool):
        raise LockFormatError(f'"{where}" needs a string "hash" and an integer "mod"')
    return Entry(digest, mod, str(data.get("version", "")), str(data.get("retired", "")))


def read_lock(path: Path) -> Lock | None:
    """The lock at `path`, or None if there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return loads(text)


def write_lock(lock: Lock, path: Path) -> None:
    """Replace `path` atomically, so an interrupted write never leaves half a lock."""
    with atomic_path(path) as tmp:
        tmp.write_text(dumps(lock), encoding="utf-8")


# -- release notes -------------------------------------------------------------------

LockSource = Lock | Mapping[str, Any] | Path | str | None


def lock_changes(old: LockSource, new: LockSource) -> tuple[list[str], list[str], list[str]]:
    """The ids added, changed and removed between two locks (e.g. the previous
    release's and this one's), each sorted.  A lock may be given as a `Lock`, its
    parsed JSON, a path, or None for "no lock" (everything is new).

    "Changed" means Anki will update the note: its mod moved.
    """
    before, after = _as_lock(old), _as_lock(new)
    old_notes: Mapping[str, Entry] = before.notes if before else {}
    new_notes: Mapping[str, Entry] = after.notes if after else {}
    added = sorted(set(new_notes) - set(old_notes))
    removed = sorted(set(old_notes) - set(new_notes))
    changed = sorted(
        note_id
        for note_id, entry in new_notes.items()
        if note_id in old_notes
        and (entry.mod != old_notes[note_id].mod or entry.hash != old_notes[note_id].hash)
    )
    return added, changed, removed


def _as_lock(source: LockSource) -> Lock | None:
    if source is None or isinstance(source, Lock):
        return source
    if isinstance(source, (str, Path)):
        return read_lock(Path(source))
    return from_data(source)


# -- the rules a build follows ---------------------------------------------------------


def path_for(options: BuildOptions) -> Path:
    """The lock a build reads and updates: the one given, else the content folder's."""
    return options.lock_path or options.content_dir / LOCK_FILE


@dataclass(frozen=True, slots=True)
class LockUpdate:
    """A checked build's view of its lock: what it read, what it will write, and why."""

    path: Path
    old: Lock | None
    new: Lock
    diff: LockDiff

    @property
    def needs_write(self) -> bool:
        return self.old is None or not self.diff.empty

    def write(self) -> None:
        write_lock(self.new, self.path)


def check(
    path: Path,
    bank: Bank,
    *,
    timestamp: int,
    notetype_hash: str,
    note_hashes: Mapping[str, str],
    update: bool = True,
) -> LockUpdate:
    """Read the lock at `path` and stamp this build of `bank` against it.

    Raises `BuildError` with every problem: a lock prepdeck did not write, a lock for
    another bank, ids that were retired and came back, and (unless `update`) a lock
    that this build would change.  A partial build (`bank.partial`) leaves the ids it
    did not build as they are, instead of retiring them.
    """
    old = _read_checked(path)
    if old is not None and old.bank != bank.slug:
        raise BuildError([_problem(path, "lock-bank", _slug_changed(old.bank, bank.slug))])
    new, diff = stamp(
        old,
        bank=bank.slug,
        version=bank.version,
        timestamp=timestamp,
        notetype_hash=notetype_hash,
        note_hashes=note_hashes,
        partial=bank.partial,
    )
    if diff.reused:
        raise BuildError(_reused_problem(q, path) for q in bank.questions if q.id in diff.reused)
    if not update and (old is None or not diff.empty):
        raise BuildError([_problem(path, "stale-lock", _stale_message(old, diff))])
    return LockUpdate(path, old, new, diff)


def report_lines(update: LockUpdate, find_removed: Callable[[Sequence[str]], str]) -> list[str]:
    """The build report's lines about the lock; `find_removed` says how a user finds
    the retired notes (an Anki browser search)."""
    diff, lines = update.diff, []
    if update.old is None:
        lines.append(f"no lock yet: {len(diff.added)} new notes")
    elif diff.added:
        lines.append(f"{len(diff.added)} new since the lock: {_ids(diff.added)}")
    if diff.changed:
        lines.append(f"{len(diff.changed)} changed since the lock: {_ids(diff.changed)}")
    if diff.removed:
        lines.append(
            f"{len(diff.removed)} removed since the lock: {_ids(diff.removed)} "
            "(retired; Anki keeps them, see the README to delete them)"
        )
        lines.append(f"find them in Anki's browser: {find_removed(diff.removed)}")
    if diff.notetype_changed:
        lines.append("card style or templates changed since the lock")
    if update.needs_write:
        lines.append(f"{update.path}: updated; commit it with the content")
    else:
        lines.append(f"no changes since {update.path}")
    return lines


def _read_checked(path: Path) -> Lock | None:
    try:
        return read_lock(path)
    except LockFormatError as exc:
        raise BuildError(
            [Problem(str(path), exc.line, exc.column, "lock-invalid", str(exc))]
        ) from exc


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:LIST_LIMIT])
    more = len(ids) - LIST_LIMIT
    return f"{shown} and {more} more" if more > 0 else shown


def _problem(path: Path, rule: str, message: str) -> Problem:
    return Problem(str(path), 1, 1, rule, message)


def _stale_message(old: Lock | None, diff: LockDiff) -> str:
    fix = "run `prepdeck build` without --locked and commit the lock"
    if old is None:
        return f"no lock file; {fix}"
    parts = []
    if diff.added:
        parts.append(f"new {_ids(diff.added)}")
    if diff.changed:
        parts.append(f"changed {_ids(diff.changed)}")
    if diff.removed:
        parts.append(f"removed {_ids(diff.removed)}")
    if diff.notetype_changed:
        parts.append("card style or templates changed")
    return f"the lock is out of date ({'; '.join(parts)}); {fix}"


def _slug_changed(locked: str, slug: str) -> str:
    return (
        f"the lock is for bank {locked!r} but the bank's slug is {slug!r}; note identities "
        "derive from the slug, so users would get every note twice. Restore the slug, or "
        "delete the lock to start a new deck"
    )


def _reused_problem(question: Question, lock_path: Path) -> Problem:
    message = (
        f"id {question.id!r} belonged to a question that was removed (see 'retired' in "
        f"{lock_path}); users may still have that note with its review history. Use a new id, "
        "or, if this is the same question back again, delete its 'retired' entry"
    )
    where = question.source
    if where is None:
        return _problem(lock_path, "retired-id", message)
    return Problem(str(where.path), where.line, where.column, "retired-id", message)
