"""The Anki lock file: what each note looked like when it last changed, and when.

Anki's default import updates a note only if the package's modification time is
strictly newer than the collection's, and an update replaces the note's tags.  So
a note's `mod` must move forward exactly when its content changes, and stay put
otherwise, or every release would wipe the tags users added.  The lock file
(`content/prepdeck.lock`, committed) records per note a hash of the rendered note
and the `mod` it was given, and the ids that disappeared, so they can be reported and
never reused.  A question's own note is keyed by the question id; the other notes a
question yields (its key-point recall note) by "<id>/<kind>".

Per note type it records the schema (field and template names, in order) apart from
a hash of the styling (name, ids, template text, CSS): styling may change in any
release, a schema change breaks every user's updates, so the caller refuses it
unless told otherwise (`LockDiff.schema_changed`).

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

FORMAT = 2
ABOUT = (
    "Written by `prepdeck build`; commit it with the content. Per note: a hash of the "
    "rendered note, the mod time Anki compares on import, and the bank version it last "
    "changed in. Per note type: its schema (field and template names) and a hash of its "
    "styling. See the README."
)
KIND_SEPARATOR = "/"  # "<question id>/<kind>"; question ids are kebab-case, never contain it
QUESTION_KIND = "question"  # the kind of a question's own note, keyed by the bare id


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
class Schema:
    """What Anki compares to decide whether a note type is the same one."""

    fields: tuple[str, ...]
    templates: tuple[str, ...]


# Format 1 locks were written by prepdeck 0.1, whose one note type ("question") had
# exactly this schema and no record of it; reading one assumes it.
FORMAT_1_SCHEMA = Schema(
    fields=(
        "ID",
        "Label",
        "Tier",
        "Question",
        "Hint",
        "KeyPoints",
        "Answer",
        "References",
        "Source",
        "Spare",
    ),
    templates=("Question",),
)


@dataclass(frozen=True, slots=True)
class NotetypeEntry:
    """A note type as it was when it last changed."""

    schema: Schema
    hash: str  # the styling: name, field and template ids, template text, CSS
    mod: int
    version: str = ""  # the bank version its schema was set in (empty: before format 2)


@dataclass(frozen=True, slots=True)
class Lock:
    bank: str  # the slug; GUIDs derive from it, so it must never change under a lock
    notetypes: Mapping[str, NotetypeEntry] = field(default_factory=dict)  # by kind
    notes: Mapping[str, Entry] = field(default_factory=dict)
    retired: Mapping[str, Entry] = field(default_factory=dict)


def note_key(question_id: str, kind: str = QUESTION_KIND) -> str:
    """The lock's key for the note of `kind` that question `question_id` yields."""
    return question_id if kind == QUESTION_KIND else f"{question_id}{KIND_SEPARATOR}{kind}"


def split_key(key: str) -> tuple[str, str]:
    """(question id, kind) of a lock key."""
    question_id, _, kind = key.partition(KIND_SEPARATOR)
    return question_id, kind or QUESTION_KIND


@dataclass(frozen=True, slots=True)
class LockDiff:
    """What a build changes relative to the lock it read."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()  # retired by this build
    reused: tuple[str, ...] = ()  # retired question ids that came back: an error for the caller
    notetypes_changed: tuple[str, ...] = ()  # kinds whose styling or schema changed
    schema_changed: tuple[str, ...] = ()  # kinds whose schema changed: users' updates break

    @property
    def empty(self) -> bool:
        return not (
            self.added or self.changed or self.removed or self.reused or self.notetypes_changed
        )


def stamp(
    old: Lock | None,
    *,
    bank: str,
    version: str,
    timestamp: int,
    notetypes: Mapping[str, tuple[Schema, str]],
    note_hashes: Mapping[str, str],
    partial: bool = False,
) -> tuple[Lock, LockDiff]:
    """The lock after a build of `note_hashes` (key -> content hash) with `notetypes`
    (kind -> (schema, styling hash)), and what changed.

    A new or changed entry gets `timestamp`, but always strictly more than its previous
    mod, so a build with an older clock still moves it forward.  Keys missing from
    `note_hashes` are retired, unless `partial` (a filtered build), which leaves them.
    A retired question id that comes back is reported as `reused`; a retired
    "<id>/<kind>" note that comes back (recall cards turned on again) is the same note
    as before, so it is revived with a newer mod.  Note types the build does not use
    keep their entries: users still have them, and may get them back.
    """
    old_notes: Mapping[str, Entry] = old.notes if old else {}
    old_retired: Mapping[str, Entry] = old.retired if old else {}
    notes: dict[str, Entry] = {}
    added: list[str] = []
    changed: list[str] = []
    retired = dict(old_retired)
    for key, digest in note_hashes.items():
        previous = old_notes.get(key)
        if previous is None:
            added.append(key)
            gone = old_retired.get(key) if KIND_SEPARATOR in key else None
            if gone is not None:
                del retired[key]
            notes[key] = Entry(digest, _next_mod(timestamp, gone), version)
        elif previous.hash != digest:
            changed.append(key)
            notes[key] = Entry(digest, _next_mod(timestamp, previous), version)
        else:
            notes[key] = previous
    removed: list[str] = []
    for key, previous in old_notes.items():
        if key in notes:
            continue
        if partial:
            notes[key] = previous
        else:
            removed.append(key)
            retired[key] = Entry(previous.hash, previous.mod, previous.version, version)
    reused = sorted(k for k in set(note_hashes) & set(old_retired) if KIND_SEPARATOR not in k)

    types: dict[str, NotetypeEntry] = dict(old.notetypes) if old else {}
    types_changed: list[str] = []
    schema_changed: list[str] = []
    for kind, (schema, digest) in notetypes.items():
        before = types.get(kind)
        if before is None:
            types[kind] = NotetypeEntry(schema, digest, timestamp, version)
            types_changed.append(kind)
        elif before.schema != schema:
            types[kind] = NotetypeEntry(schema, digest, _next_mod(timestamp, before), version)
            types_changed.append(kind)
            schema_changed.append(kind)
        elif before.hash != digest:
            types[kind] = NotetypeEntry(
                schema, digest, _next_mod(timestamp, before), before.version
            )
            types_changed.append(kind)
    lock = Lock(
        bank=bank,
        notetypes=dict(sorted(types.items())),
        notes=dict(sorted(notes.items())),
        retired=dict(sorted(retired.items())),
    )
    diff = LockDiff(
        added=tuple(sorted(added)),
        changed=tuple(sorted(changed)),
        removed=tuple(sorted(removed)),
        reused=tuple(reused),
        notetypes_changed=tuple(sorted(types_changed)),
        schema_changed=tuple(sorted(schema_changed)),
    )
    return lock, diff


def _next_mod(timestamp: int, previous: Entry | NotetypeEntry | None) -> int:
    return timestamp if previous is None else max(timestamp, previous.mod + 1)


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

    def notetype(e: NotetypeEntry) -> str:
        data: dict[str, Any] = {
            "fields": list(e.schema.fields),
            "hash": e.hash,
            "mod": e.mod,
            "templates": list(e.schema.templates),
        }
        if e.version:
            data["version"] = e.version
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    types = "{}"
    if lock.notetypes:
        rows = ",\n".join(
            f"    {json.dumps(kind, ensure_ascii=False)}: {notetype(value)}"
            for kind, value in sorted(lock.notetypes.items())
        )
        types = "{\n" + rows + "\n  }"
    return (
        "{\n"
        f'  "about": {json.dumps(ABOUT)},\n'
        f'  "bank": {json.dumps(lock.bank, ensure_ascii=False)},\n'
        f'  "format": {FORMAT},\n'
        f'  "notes": {table(lock.notes)},\n'
        f'  "notetypes": {types},\n'
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
    lock_format = data.get("format")
    if lock_format not in (1, FORMAT):
        raise LockFormatError(f"unknown lock format {lock_format!r}; expected {FORMAT}")
    bank = data.get("bank")
    if not isinstance(bank, str):
        raise LockFormatError('"bank" must be the bank slug')
    if lock_format == 1:
        # One note type and no schema recorded: see FORMAT_1_SCHEMA.
        old = data.get("notetype")
        entry = None if old is None else _entry(old, "notetype")
        notetypes = (
            {}
            if entry is None
            else {QUESTION_KIND: NotetypeEntry(FORMAT_1_SCHEMA, entry.hash, entry.mod)}
        )
    else:
        notetypes = _notetypes(data.get("notetypes", {}))
    return Lock(
        bank=bank,
        notetypes=notetypes,
        notes=_table(data.get("notes", {}), "notes"),
        retired=_table(data.get("retired", {}), "retired"),
    )


def _notetypes(data: Any) -> dict[str, NotetypeEntry]:
    if not isinstance(data, Mapping):
        raise LockFormatError('"notetypes" must be an object')
    types = {}
    for kind, value in data.items():
        where = f"notetypes.{kind}"
        entry = _entry(value, where)
        fields, templates = value.get("fields"), value.get("templates")
        if not (_names(fields) and _names(templates)):
            raise LockFormatError(f'"{where}" needs "fields" and "templates" as lists of names')
        types[str(kind)] = NotetypeEntry(
            Schema(tuple(fields), tuple(templates)), entry.hash, entry.mod, entry.version
        )
    return types


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


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
    """The note keys added, changed and removed between two locks (e.g. the previous
    release's and this one's), each sorted (see `note_key`).  A lock may be given as a `Lock`, its
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


def schema_changes(old: LockSource, new: LockSource) -> list[str]:
    """The note type kinds whose schema differs between two locks: users who have the
    old one must import with "Merge note types" to keep getting updates."""
    before, after = _as_lock(old), _as_lock(new)
    if before is None or after is None:
        return []
    return sorted(
        kind
        for kind, entry in after.notetypes.items()
        if kind in before.notetypes and before.notetypes[kind].schema != entry.schema
    )


def _as_lock(source: LockSource) -> Lock | None:
    if source is None or isinstance(source, Lock):
        return source
    if isinstance(source, (str, Path)):
        return read_lock(Path(source))
    return from_data(source)
