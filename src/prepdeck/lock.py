"""The Anki lock file: what each note looked like when it last changed, and when.

Anki's default import updates a note only if the package's modification time is
strictly newer than the collection's, and an update replaces the note's tags.  So
a note's `mod` must move forward exactly when its content changes, and stay put
otherwise, or every release would wipe the tags users added.  The lock file
(`content/prepdeck.lock`, committed) records per question id a hash of the rendered
note and the `mod` it was given, plus the same for the note type (CSS and
templates), and the ids that disappeared, so they can be reported and never reused.

This module knows nothing about genanki or Anki: it compares hashes and hands out
times.  `stamp` is the one pure step; reading and writing are separate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prepdeck.build import atomic_path

FORMAT = 1
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
        notetype_changed=notetype != old_type,
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
