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
import re
import subprocess
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
MAX_MOD = 4_354_819_199  # 2107-12-31, the last second a zip (and SOURCE_DATE_EPOCH) can hold
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})( |$)", re.MULTILINE)
ABOUT = (
    "Written by `prepdeck build`; commit it with the content. Per question id: a hash of the "
    "rendered note, the mod time Anki compares on import, and the bank version it last "
    "changed in. See the README."
)


class LockFormatError(ValueError):
    """The lock file is not one prepdeck wrote; `line` and `column` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1, *, key: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.key = key  # the JSON key the problem is under, for `loads` to place it


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
    conflict = _CONFLICT.search(text)
    if conflict:
        line = text.count("\n", 0, conflict.start()) + 1
        raise LockFormatError("merge-conflict markers", line, 1, key="<conflict>")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockFormatError(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    try:
        return from_data(data)
    except LockFormatError as exc:
        if exc.key:
            exc.line, exc.column = _position_of_key(text, exc.key)
        raise


def _position_of_key(text: str, key: str) -> tuple[int, int]:
    """Where `"key":` is first written in the lock's text, else (1, 1)."""
    found = text.find(json.dumps(key, ensure_ascii=False) + ":")
    if found < 0:
        return 1, 1
    line_start = text.rfind("\n", 0, found) + 1
    return text.count("\n", 0, found) + 1, found - line_start + 1


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
        raise LockFormatError(f'"{name}" must be an object', key=name)
    return {str(key): _entry(value, f"{name}.{key}", str(key)) for key, value in data.items()}


def _entry(data: Any, where: str, key: str = "notetype") -> Entry:
    if not isinstance(data, Mapping):
        raise LockFormatError(f'"{where}" must be an object', key=key)
    digest, mod = data.get("hash"), data.get("mod")
    if not isinstance(digest, str) or not isinstance(mod, int) or isinstance(mod, bool):
        raise LockFormatError(f'"{where}" needs a string "hash" and an integer "mod"', key=key)
    if not 0 <= mod <= MAX_MOD:
        raise LockFormatError(
            f'"{where}": mod {mod} is not a time Anki can store (seconds from 0 to '
            f"{MAX_MOD}); restore the lock from git",
            key=key,
        )
    version, retired = data.get("version", ""), data.get("retired", "")
    if not isinstance(version, str) or not isinstance(retired, str):
        raise LockFormatError(f'"{where}": "version" and "retired" must be strings', key=key)
    return Entry(digest, mod, version, retired)


def read_lock(path: Path) -> Lock | None:
    """The lock at `path`, or None if there is none yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise LockFormatError("is a folder, not a lock file") from None
    except OSError as exc:
        raise LockFormatError(f"cannot read the lock: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LockFormatError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x}); restore the lock from git", line, column
        ) from exc
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

    @property
    def text(self) -> str:
        """The lock's new text, which the build stages and commits with the artifacts."""
        return dumps(self.new)

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
    new_lock: bool = False,
) -> LockUpdate:
    """Read the lock at `path` and stamp this build of `bank` against it.

    Raises `BuildError` with every problem: a lock prepdeck did not write, a lock for
    another bank, ids that were retired and came back, and (unless `update`) a lock
    that this build would change.  A partial build (`bank.partial`) leaves the ids it
    did not build as they are, instead of retiring them.

    With no lock, a build that may update it still stops when the bank was built
    before (the lock is in git's history, or a release is tagged), unless
    `new_lock`: a new lock would give every note a new mod time, and the next import
    would replace the tags users added.
    """
    old = _read_checked(path)
    if old is None and update and not new_lock and (evidence := earlier_builds(path)):
        raise BuildError([_problem(path, "lock-missing", _missing_message(path, evidence))])
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
        if exc.key == "<conflict>":
            message = (
                "the lock has merge-conflict markers; take one side whole, e.g. "
                f"`git checkout --theirs -- {path}`, then build again: the build "
                "re-stamps only the notes that differ"
            )
            raise BuildError(
                [Problem(str(path), exc.line, exc.column, "lock-conflict", message)]
            ) from exc
        raise BuildError(
            [Problem(str(path), exc.line, exc.column, "lock-invalid", str(exc))]
        ) from exc


def _git(cwd: Path, *args: str) -> str | None:
    """git's output, or None when git fails or `cwd` is not in a checkout."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def earlier_builds(path: Path) -> str | None:
    """How to get a lock back, if git shows that the bank was built before: the last
    commit that had the lock at `path`, or a release tag; else None."""
    folder = path.parent
    if not folder.is_dir():
        return None
    name = f"./{path.name}"
    rev = _git(folder, "log", "-1", "--format=%h", "--", name)
    if rev:
        if _git(folder, "cat-file", "-e", f"{rev}:{name}") is None:  # deleted in `rev`
            rev = f"{rev}~1"
        return (
            f"the lock is in git's history; restore it with `git checkout {rev} -- {path}` "
            f"(in a merge: `git checkout --theirs -- {path}`)"
        )
    tags = _git(folder, "tag", "--list", "v*", "--sort=-creatordate")
    if tags:
        tag = tags.splitlines()[0]
        return f"release {tag} exists; restore its lock with `git checkout {tag} -- {path}`"
    return None


def _missing_message(path: Path, evidence: str) -> str:
    return (
        f"no lock file, but this bank was built before: {evidence}, then build again. "
        "A new lock would give every note a new time, and Anki's next import would "
        "replace the tags users added; to start one anyway, pass --new-lock"
    )


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
