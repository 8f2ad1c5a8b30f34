"""The Anki lock file: what each note looked like when it last changed, and when.

Anki's default import updates a note only if the package's modification time is
strictly newer than the collection's, and an update replaces the note's tags.  So
a note's `mod` must move forward exactly when its content changes, and stay put
otherwise, or every release would wipe the tags users added.  The lock file
(`content/prepdeck.lock`, committed) records per question id a hash of the rendered
note and the `mod` it was given, plus the same for the note type (CSS and
templates), and the ids that disappeared, so they can be reported and never reused.

A note's Anki identity (its GUID) derives from the id it was first built with.
`prepdeck rename` records a new id for it in `renamed` (current id -> identity id),
so the note keeps its GUID, and learners their history, under the new id.

An id that disappears is retired, but only provisionally until the version it
disappeared in is released (tag v<version>) or the version moves on: until then the
id may come back (an accidental deletion, an id edited by hand and edited back).
After that the retirement is permanent and reusing the id is an error, since a new
question under an old id would inherit another question's Anki note.

This module knows nothing about genanki or Anki: it compares hashes and hands out
times.  `stamp` is the one pure step; reading and writing are separate.  The rules a
build must follow (the lock belongs to this bank, retired ids stay retired, and
with --locked the lock is current) and their messages live here too (`check`), so
the deck writer only renders notes and writes the package.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prepdeck.artifacts import BuildOptions, atomic_path, count
from prepdeck.errors import BuildError, Problem
from prepdeck.model import Bank, Question

LOCK_FILE = "prepdeck.lock"  # beside bank.yaml, committed with the content
FORMAT = 1
LIST_LIMIT = 10  # ids named per line in reports and messages
TAG_PREFIX = "v"  # a release of version X is tagged vX (release.py)
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
    # current id -> the id the note's GUID derives from, for notes `prepdeck rename` moved
    renamed: Mapping[str, str] = field(default_factory=dict)

    def identity(self, note_id: str) -> str:
        """The id this note's Anki GUID derives from."""
        return self.renamed.get(note_id, note_id)

    def owner_of(self, identity: str) -> str | None:
        """The current (or retired) id whose note has this identity, if any."""
        for note_id in (*self.notes, *self.retired):
            if self.identity(note_id) == identity:
                return note_id
        return None

    def pending(self, version: str, *, released: bool) -> list[str]:
        """Retired ids that may still come back: retired in `version`, not yet released."""
        if released:
            return []
        return sorted(i for i, e in self.retired.items() if e.retired == version)


@dataclass(frozen=True, slots=True)
class LockDiff:
    """What a build changes relative to the lock it read."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()  # retired by this build
    reused: tuple[str, ...] = ()  # permanently retired ids that came back: an error
    restored: tuple[str, ...] = ()  # provisionally retired ids that came back: fine
    # new ids that are the identity of another note (its id before a rename): an error
    taken: tuple[str, ...] = ()
    notetype_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.changed
            or self.removed
            or self.reused
            or self.restored
            or self.taken
            or self.notetype_changed
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
    released: bool = False,
) -> tuple[Lock, LockDiff]:
    """The lock after a build of `note_hashes` (id -> content hash), and what changed.

    A new or changed entry gets `timestamp`, but always strictly more than its previous
    mod, so a build with an older clock still moves it forward.  Ids missing from
    `note_hashes` are retired, unless `partial` (a filtered build), which leaves them.
    A retired id that comes back is restored if its retirement is still provisional
    (retired in `version`, and `version` not `released`), else reported as reused.
    """
    old_notes: Mapping[str, Entry] = old.notes if old else {}
    old_retired: Mapping[str, Entry] = old.retired if old else {}
    pending = set(old.pending(version, released=released)) if old else set()
    notes: dict[str, Entry] = {}
    added: list[str] = []
    changed: list[str] = []
    restored: list[str] = []
    taken: list[str] = []
    for note_id, digest in note_hashes.items():
        previous = old_notes.get(note_id)
        if previous is None and note_id in pending:
            restored.append(note_id)
            back = old_retired[note_id]
            previous = Entry(back.hash, back.mod, back.version)
            notes[note_id] = previous
        if previous is None:
            owner = old.owner_of(note_id) if old else None
            if owner is not None and owner != note_id:
                taken.append(note_id)
            added.append(note_id)
            notes[note_id] = Entry(digest, timestamp, version)
        elif previous.hash != digest:
            changed.append(note_id)
            notes[note_id] = Entry(digest, max(timestamp, previous.mod + 1), version)
        else:
            notes[note_id] = previous
    retired = {i: e for i, e in old_retired.items() if i not in restored}
    removed: list[str] = []
    for note_id, previous in old_notes.items():
        if note_id in notes:
            continue
        if partial:
            notes[note_id] = previous
        else:
            removed.append(note_id)
            retired[note_id] = Entry(previous.hash, previous.mod, previous.version, version)
    reused = sorted((set(note_hashes) & set(old_retired)) - set(restored))
    old_renamed = old.renamed if old else {}
    renamed = {k: v for k, v in old_renamed.items() if k in notes or k in retired}

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
        renamed=dict(sorted(renamed.items())),
    )
    diff = LockDiff(
        added=tuple(sorted(added)),
        changed=tuple(sorted(changed)),
        removed=tuple(sorted(removed)),
        reused=tuple(reused),
        restored=tuple(sorted(restored)),
        taken=tuple(sorted(taken)),
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
    # Only a lock with renames has the key, so locks without any keep their bytes.
    renamed = "".join(
        f"    {json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
        + (",\n" if i < len(lock.renamed) - 1 else "\n")
        for i, (key, value) in enumerate(sorted(lock.renamed.items()))
    )
    return (
        "{\n"
        f'  "about": {json.dumps(ABOUT)},\n'
        f'  "bank": {json.dumps(lock.bank, ensure_ascii=False)},\n'
        f'  "format": {FORMAT},\n'
        f'  "notes": {table(lock.notes)},\n'
        f'  "notetype": {notetype},\n'
        + (f'  "renamed": {{\n{renamed}  }},\n' if renamed else "")
        + f'  "retired": {table(lock.retired)}\n'
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
    renamed = data.get("renamed", {})
    if not isinstance(renamed, Mapping) or not all(isinstance(v, str) for v in renamed.values()):
        raise LockFormatError('"renamed" must map ids to the ids their notes were first built as')
    return Lock(
        bank=bank,
        notetype=None if notetype is None else _entry(notetype, "notetype"),
        notes=_table(data.get("notes", {}), "notes"),
        retired=_table(data.get("retired", {}), "retired"),
        renamed={str(k): v for k, v in renamed.items()},
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

    "Changed" means Anki will update the note: its mod moved.  Notes are matched by
    their Anki identity, so a renamed question is changed (listed by its new id), not
    removed and added.
    """
    before, after = _as_lock(old), _as_lock(new)
    old_notes = _by_identity(before)
    new_notes = _by_identity(after)
    added = sorted(new_notes[i][0] for i in set(new_notes) - set(old_notes))
    removed = sorted(old_notes[i][0] for i in set(old_notes) - set(new_notes))
    changed = sorted(
        note_id
        for identity, (note_id, entry) in new_notes.items()
        if identity in old_notes
        and (
            entry.mod != old_notes[identity][1].mod
            or entry.hash != old_notes[identity][1].hash
            or note_id != old_notes[identity][0]
        )
    )
    return added, changed, removed


def _by_identity(lock: Lock | None) -> dict[str, tuple[str, Entry]]:
    if lock is None:
        return {}
    return {lock.identity(note_id): (note_id, e) for note_id, e in lock.notes.items()}


def rename(lock: Lock, old: str, new: str) -> Lock:
    """The lock with note `old` now called `new`, keeping its entry and its identity.

    The caller has checked that `old` is a note and `new` is free (`rename_problem`)."""
    notes = dict(lock.notes)
    notes[new] = notes.pop(old)
    renamed = dict(lock.renamed)
    identity = renamed.pop(old, old)
    if identity != new:  # renaming back to the first id needs no record
        renamed[new] = identity
    return Lock(
        bank=lock.bank,
        notetype=lock.notetype,
        notes=dict(sorted(notes.items())),
        retired=lock.retired,
        renamed=dict(sorted(renamed.items())),
    )


def rename_problem(lock: Lock, old: str, new: str) -> str | None:
    """Why the lock cannot take `old` -> `new`, or None."""
    if new in lock.notes:
        return (
            f"{new!r} is in the lock but not in the content (removed since the last build); "
            "run `prepdeck build` first, or choose another id"
        )
    if new in lock.retired:
        return f"{new!r} is a retired id; a new id keeps learners' notes apart, so choose another"
    owner = lock.owner_of(new)
    if owner is not None and owner != old:
        return (
            f"{new!r} is the Anki identity of {owner!r} (its id before a rename), so a note "
            "with it would merge with that one; choose another id"
        )
    return None


def version_released(folder: Path, version: str) -> bool:
    """Whether git knows the release tag of `version` (False outside a git checkout)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "tag", "--list", TAG_PREFIX + version],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


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
    version: str = ""  # the bank version built
    pending: tuple[str, ...] = ()  # retired ids that may still come back before a release

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
    another bank, ids that were retired for good and came back, new ids that another
    note had before a rename, and (unless `update`) a lock that this build would
    change.  A partial build (`bank.partial`) leaves the ids it did not build as they
    are, instead of retiring them.
    """
    old = _read_checked(path)
    if old is not None and old.bank != bank.slug:
        raise BuildError([_problem(path, "lock-bank", _slug_changed(old.bank, bank.slug))])
    # Asking git is needed only when some retirement could still be provisional.
    could_be_pending = old is not None and bool(old.pending(bank.version, released=False))
    released = could_be_pending and version_released(path.parent, bank.version)
    new, diff = stamp(
        old,
        bank=bank.slug,
        version=bank.version,
        timestamp=timestamp,
        notetype_hash=notetype_hash,
        note_hashes=note_hashes,
        partial=bank.partial,
        released=released,
    )
    problems = [
        _reused_problem(q, path, bank.version) for q in bank.questions if q.id in diff.reused
    ]
    if old is not None:
        problems += [_taken_problem(q, path, old) for q in bank.questions if q.id in diff.taken]
    if problems:
        raise BuildError(problems)
    if not update and (old is None or not diff.empty):
        raise BuildError([_problem(path, "stale-lock", _stale_message(old, diff))])
    pending = tuple(new.pending(bank.version, released=released))
    return LockUpdate(path, old, new, diff, bank.version, pending)


def report_lines(update: LockUpdate, find_removed: Callable[[Sequence[str]], str]) -> list[str]:
    """The build report's lines about the lock; `find_removed` says how a user finds
    the retired notes (an Anki browser search)."""
    diff, lines = update.diff, []
    if update.old is None:
        lines.append(f"no lock yet: {count(len(diff.added), 'new note')}")
    elif diff.added:
        lines.append(f"{len(diff.added)} new since the lock: {_ids(diff.added)}")
    if diff.changed:
        lines.append(f"{len(diff.changed)} changed since the lock: {_ids(diff.changed)}")
    if diff.restored:
        lines.append(
            f"{len(diff.restored)} back from retirement: {_ids(diff.restored)} "
            "(removed since the last release, so they keep their notes)"
        )
    if diff.removed:
        lines.append(
            f"{len(diff.removed)} removed since the lock, now retired: {_ids(diff.removed)}; "
            "learners' Anki keeps their notes (the README says how to delete them)"
        )
        lines.append(f"find them in Anki's browser: {find_removed(diff.removed)}")
    if update.pending:
        lines.append(
            f"retired until version {update.version} is released, then for good: "
            f"{_ids(update.pending)}. To undo, put the question back under the same id; "
            "to change an id, change it back and use `prepdeck rename OLD NEW`"
        )
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
    if diff.restored:
        parts.append(f"back from retirement {_ids(diff.restored)}")
    if diff.notetype_changed:
        parts.append("card style or templates changed")
    return f"the lock is out of date ({'; '.join(parts)}); {fix}"


def _slug_changed(locked: str, slug: str) -> str:
    return (
        f"the lock is for bank {locked!r} but the bank's slug is {slug!r}; note identities "
        "derive from the slug, so users would get every note twice. Restore the slug, or "
        "delete the lock to start a new deck"
    )


def _reused_problem(question: Question, lock_path: Path, version: str) -> Problem:
    message = (
        f"id {question.id!r} belonged to a question that was removed and released as "
        f"removed (see 'retired' in {lock_path}); users may still have that note with its "
        "review history. Use a new id, or, if this is the same question back again, "
        f"delete its 'retired' entry (ids removed since the last release, {version} "
        "unreleased, come back without this error)"
    )
    return _at_question(question, lock_path, "retired-id", message)


def _taken_problem(question: Question, lock_path: Path, lock: Lock) -> Problem:
    owner = lock.owner_of(question.id)
    message = (
        f"id {question.id!r} was renamed to {owner!r} (see 'renamed' in {lock_path}), and "
        "that note keeps it as its Anki identity; a new question needs a new id"
    )
    return _at_question(question, lock_path, "renamed-id", message)


def _at_question(question: Question, lock_path: Path, rule: str, message: str) -> Problem:
    where = question.source
    if where is None:
        return _problem(lock_path, rule, message)
    return Problem(str(where.path), where.line, where.column, rule, message)
