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

A note's Anki identity (its GUID) derives from the question id it was first built
with.  `prepdeck rename` records a new id for it in `renamed` (current question id ->
identity id), so the note (and its "<id>/<kind>" notes) keeps its GUID, and learners
their history, under the new id.

A question id that disappears is retired, but only provisionally until the version
it disappeared in is released (tag v<version>) or the version moves on: until then
the id may come back (an accidental deletion, an id edited by hand and edited back).
After that the retirement is permanent and reusing the id is an error, since a new
question under an old id would inherit another question's Anki note.

This module knows nothing about genanki or Anki: it compares hashes and hands out
times.  `stamp` is the one pure step; reading and writing are separate.  The rules a
build must follow (the lock belongs to this bank, retired ids stay retired, a note
type's schema stays put unless changed deliberately, and with --locked the lock is
current) and their messages live here too (`check`), so the deck writer only renders
notes and writes the package.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prepdeck.artifacts import BuildOptions, atomic_path, count
from prepdeck.errors import BuildError, Problem
from prepdeck.model import Bank, Question

LOCK_FILE = "prepdeck.lock"  # beside bank.yaml, committed with the content
FORMAT = 2
LIST_LIMIT = 10  # ids named per line in reports and messages
TAG_PREFIX = "v"  # a release of version X is tagged vX (release.py)
MERGE_OPTION = "Merge note types"  # Anki's import option, as its dialog names it
MAX_MOD = 4_354_819_199  # 2107-12-31, the last second a zip (and SOURCE_DATE_EPOCH) can hold
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})( |$)", re.MULTILINE)
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
    # question id -> the question id its notes' GUIDs derive from, after `prepdeck rename`
    renamed: Mapping[str, str] = field(default_factory=dict)

    def identity(self, question_id: str) -> str:
        """The question id this question's Anki GUIDs derive from."""
        return self.renamed.get(question_id, question_id)

    def owner_of(self, identity: str) -> str | None:
        """The current (or retired) question id whose notes have this identity, if any."""
        for key in (*self.notes, *self.retired):
            if KIND_SEPARATOR not in key and self.identity(key) == identity:
                return key
        return None

    def pending(self, version: str, *, released: bool) -> list[str]:
        """Retired question ids that may still come back: retired in `version`, which
        is not released yet."""
        if released:
            return []
        return sorted(
            k for k, e in self.retired.items() if KIND_SEPARATOR not in k and e.retired == version
        )


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
    reused: tuple[str, ...] = ()  # permanently retired question ids that came back: an error
    restored: tuple[str, ...] = ()  # provisionally retired question ids that came back: fine
    # new question ids that are another note's identity (its id before a rename): an error
    taken: tuple[str, ...] = ()
    notetypes_changed: tuple[str, ...] = ()  # kinds whose styling or schema changed
    schema_changed: tuple[str, ...] = ()  # kinds whose schema changed: users' updates break

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.changed
            or self.removed
            or self.reused
            or self.restored
            or self.taken
            or self.notetypes_changed
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
    released: bool = False,
) -> tuple[Lock, LockDiff]:
    """The lock after a build of `note_hashes` (key -> content hash) with `notetypes`
    (kind -> (schema, styling hash)), and what changed.

    A new or changed entry gets `timestamp`, but always strictly more than its previous
    mod, so a build with an older clock still moves it forward.  Keys missing from
    `note_hashes` are retired, unless `partial` (a filtered build), which leaves them.
    A retired question id that comes back is restored if its retirement is still
    provisional (retired in `version`, and `version` not `released`), else reported
    as `reused`; a retired
    "<id>/<kind>" note that comes back (recall cards turned on again) is the same note
    as before, so it is revived with a newer mod.  Note types the build does not use
    keep their entries: users still have them, and may get them back.
    """
    old_notes: Mapping[str, Entry] = old.notes if old else {}
    old_retired: Mapping[str, Entry] = old.retired if old else {}
    pending = set(old.pending(version, released=released)) if old else set()
    notes: dict[str, Entry] = {}
    added: list[str] = []
    changed: list[str] = []
    restored: list[str] = []
    taken: list[str] = []
    retired = dict(old_retired)
    for key, digest in note_hashes.items():
        previous = old_notes.get(key)
        if previous is None and key in pending:
            restored.append(key)
            back = retired.pop(key)
            previous = notes[key] = Entry(back.hash, back.mod, back.version)
        if previous is None:
            owner = old.owner_of(key) if old and KIND_SEPARATOR not in key else None
            if owner is not None and owner != key:
                taken.append(key)
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
    reused = [k for k in reused if k not in restored]
    old_renamed = old.renamed if old else {}
    renamed = {k: v for k, v in old_renamed.items() if k in notes or k in retired}

    types: dict[str, NotetypeEntry] = dict(old.notetypes) if old else {}
    types_changed: list[str] = []
    schema_changed: list[str] = []
    for kind, (schema, digest) in notetypes.items():
        before = types.get(kind)
        if before is None:
            types[kind] = NotetypeEntry(schema, digest, timestamp, version)
            if old is not None:  # with no lock there is nothing it could have changed from
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
        renamed=dict(sorted(renamed.items())),
    )
    diff = LockDiff(
        added=tuple(sorted(added)),
        changed=tuple(sorted(changed)),
        removed=tuple(sorted(removed)),
        reused=tuple(reused),
        restored=tuple(sorted(restored)),
        taken=tuple(sorted(taken)),
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
    # Only a lock with renames has the key, so locks without any keep their bytes.
    renamed = ",\n".join(
        f"    {json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in sorted(lock.renamed.items())
    )
    return (
        "{\n"
        f'  "about": {json.dumps(ABOUT)},\n'
        f'  "bank": {json.dumps(lock.bank, ensure_ascii=False)},\n'
        f'  "format": {FORMAT},\n'
        f'  "notes": {table(lock.notes)},\n'
        f'  "notetypes": {types},\n'
        + (f'  "renamed": {{\n{renamed}\n  }},\n' if renamed else "")
        + f'  "retired": {table(lock.retired)}\n'
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
    renamed = data.get("renamed", {})
    if not isinstance(renamed, Mapping) or not all(isinstance(v, str) for v in renamed.values()):
        raise LockFormatError(
            '"renamed" must map ids to the ids their notes were first built as', key="renamed"
        )
    return Lock(
        bank=bank,
        notetypes=notetypes,
        notes=_table(data.get("notes", {}), "notes"),
        retired=_table(data.get("retired", {}), "retired"),
        renamed={str(k): v for k, v in renamed.items()},
    )


def _notetypes(data: Any) -> dict[str, NotetypeEntry]:
    if not isinstance(data, Mapping):
        raise LockFormatError('"notetypes" must be an object')
    types = {}
    for kind, value in data.items():
        where = f"notetypes.{kind}"
        entry = _entry(value, where)
        fields, templates = value.get("fields"), value.get("templates")
        if not (_is_names(fields) and _is_names(templates)):
            raise LockFormatError(f'"{where}" needs "fields" and "templates" as lists of names')
        types[str(kind)] = NotetypeEntry(
            Schema(tuple(fields), tuple(templates)), entry.hash, entry.mod, entry.version
        )
    return types


def _is_names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


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


def lock_changes(before: Lock | None, after: Lock | None) -> tuple[list[str], list[str], list[str]]:
    """The note keys added, changed and removed between two locks (e.g. the previous
    release's and this one's), each sorted (see `note_key`).  None is "no lock"
    (everything is new).

    "Changed" means Anki will update the note: its mod moved.  Notes are matched by
    their Anki identity, so a renamed question is changed (listed by its new id), not
    removed and added.
    """
    old_notes = _by_identity(before)
    new_notes = _by_identity(after)
    added = sorted(new_notes[i][0] for i in set(new_notes) - set(old_notes))
    removed = sorted(old_notes[i][0] for i in set(old_notes) - set(new_notes))
    changed = sorted(
        key
        for identity, (key, entry) in new_notes.items()
        if identity in old_notes
        and (
            entry.mod != old_notes[identity][1].mod
            or entry.hash != old_notes[identity][1].hash
            or key != old_notes[identity][0]
        )
    )
    return added, changed, removed


def _by_identity(lock: Lock | None) -> dict[str, tuple[str, Entry]]:
    """Identity key -> (lock key, entry) of the lock's notes."""
    if lock is None:
        return {}
    found = {}
    for key, entry in lock.notes.items():
        question_id, kind = split_key(key)
        found[note_key(lock.identity(question_id), kind)] = (key, entry)
    return found


# -- renames ---------------------------------------------------------------------------


def rename(lock: Lock, old: str, new: str) -> Lock:
    """The lock with question `old` now called `new`: its notes (the question's own and
    its "<id>/<kind>" ones, retired or not) move to the new id and keep their identity.

    The caller has checked that `old` is a note and `new` is free (`rename_problem`)."""

    def moved(entries: Mapping[str, Entry]) -> dict[str, Entry]:
        result = {}
        for key, entry in entries.items():
            question_id, kind = split_key(key)
            result[note_key(new, kind) if question_id == old else key] = entry
        return dict(sorted(result.items()))

    renamed = dict(lock.renamed)
    identity = renamed.pop(old, old)
    if identity != new:  # renaming back to the first id needs no record
        renamed[new] = identity
    return Lock(
        bank=lock.bank,
        notetypes=lock.notetypes,
        notes=moved(lock.notes),
        retired=moved(lock.retired),  # a retired recall note of `old` revives under `new`
        renamed=dict(sorted(renamed.items())),
    )


def rename_problem(lock: Lock, old: str, new: str) -> str | None:
    """Why the lock cannot take question `old` -> `new`, or None."""
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
    return folder.is_dir() and bool(_git(folder, "tag", "--list", TAG_PREFIX + version))


def schema_changes(before: Lock | None, after: Lock | None) -> list[str]:
    """The note type kinds whose schema differs between two locks: users who have the
    old one must import with "Merge note types" to keep getting updates."""
    if before is None or after is None:
        return []
    return sorted(
        kind
        for kind, entry in after.notetypes.items()
        if kind in before.notetypes and before.notetypes[kind].schema != entry.schema
    )


# -- the rules a build follows ---------------------------------------------------------


def path_for(options: BuildOptions) -> Path:
    """The lock a build reads and updates: the content folder's."""
    return options.content_dir / LOCK_FILE


@dataclass(frozen=True, slots=True)
class NotetypeBuild:
    """A note type as a build makes it."""

    name: str  # as users see it in Anki, for messages
    schema: Schema
    hash: str  # its styling


@dataclass(frozen=True, slots=True)
class LockUpdate:
    """A checked build's view of its lock: what it read, what it will write, and why."""

    path: Path
    old: Lock | None
    new: Lock
    diff: LockDiff
    names: Mapping[str, str] = field(default_factory=dict)  # note type kind -> name
    version: str = ""  # the bank version built
    pending: tuple[str, ...] = ()  # retired ids that may still come back before a release

    @property
    def needs_write(self) -> bool:
        return self.old is None or not self.diff.empty

    @property
    def text(self) -> str:
        """The lock's new text, which the build stages and commits with the artifacts."""
        return dumps(self.new)


def check(
    path: Path,
    bank: Bank,
    *,
    timestamp: int,
    notetypes: Mapping[str, NotetypeBuild],
    note_hashes: Mapping[str, str],
    update: bool = True,
    allow_schema_change: bool = False,
    new_lock: bool = False,
) -> LockUpdate:
    """Read the lock at `path` and stamp this build of `bank` against it.

    `note_hashes` is keyed by `note_key`, `notetypes` by kind.  Raises `BuildError`
    with every problem: a lock prepdeck did not write, a lock for another bank, ids
    that were retired for good and came back, new ids that another note had before a
    rename, a note type schema that differs from the lock's
    (unless `allow_schema_change` and a major version bump), and (unless `update`) a
    lock that this build would change.  A partial build (`bank.partial`) leaves the
    notes it did not build as they are, instead of retiring them.

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
    # Asking git is needed only when some retirement could still be provisional.
    could_be_pending = old is not None and bool(old.pending(bank.version, released=False))
    released = could_be_pending and version_released(path.parent, bank.version)
    new, diff = stamp(
        old,
        bank=bank.slug,
        version=bank.version,
        timestamp=timestamp,
        notetypes={kind: (t.schema, t.hash) for kind, t in notetypes.items()},
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
    if old is not None and diff.schema_changed:
        problem = _schema_problem(path, old, bank.version, notetypes, diff, allow_schema_change)
        if problem is not None:
            raise BuildError([problem])
    if not update and (old is None or not diff.empty):
        raise BuildError([_problem(path, "stale-lock", _stale_message(old, diff))])
    names = {kind: t.name for kind, t in notetypes.items()}
    pending = tuple(new.pending(bank.version, released=released))
    return LockUpdate(path, old, new, diff, names, bank.version, pending)


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
    for kind in diff.notetypes_changed:
        name = update.names.get(kind, kind)
        if update.old is not None and kind not in update.old.notetypes:
            lines.append(f"new note type {name!r}")
        elif kind in diff.schema_changed:
            lines.append(
                f"note type {name!r}: fields or templates changed, as allowed by "
                f'--allow-notetype-change; the release notes tell users to tick "{MERGE_OPTION}" '
                "when they import"
            )
        elif kind == QUESTION_KIND:
            lines.append("card style or templates changed since the lock")
        else:
            lines.append(f"card style or templates of {name!r} changed since the lock")
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
    if diff.restored:
        parts.append(f"back from retirement {_ids(diff.restored)}")
    if diff.notetypes_changed == (QUESTION_KIND,):
        parts.append("card style or templates changed")
    elif diff.notetypes_changed:
        parts.append("note types changed: " + ", ".join(diff.notetypes_changed))
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


def _schema_problem(
    path: Path,
    old: Lock,
    version: str,
    notetypes: Mapping[str, NotetypeBuild],
    diff: LockDiff,
    allowed: bool,
) -> Problem | None:
    """The problem with a build whose note type schema differs from the lock's, or
    None if the build says it is deliberate and the version says it is a major one."""
    changes = "; ".join(
        _schema_change(notetypes[kind].name, old.notetypes[kind].schema, notetypes[kind].schema)
        for kind in diff.schema_changed
    )
    latest = _latest_version(old)
    major = _major(latest) + 1 if latest else _major(version)
    if not allowed:
        message = (
            f"{changes}. Anki recognises a note type by these names: everyone who has the "
            "deck would get a duplicate note type on import, and the notes they have (with "
            "their reviews and tags) would stop receiving updates, unless they import with "
            f'"{MERGE_OPTION}" ticked. Undo the change (give a field new meaning through '
            "the Spare field instead), or make it deliberately: set the version in "
            f"bank.yaml to {major}.0.0 or later, build with --allow-notetype-change and "
            f'release; the release notes then tell users to tick "{MERGE_OPTION}"'
        )
        return _problem(path, "notetype-schema", message)
    if latest and _major(version) < major:
        message = (
            f"{changes}. --allow-notetype-change needs a major version: the lock has "
            f"content from version {latest} and bank.yaml says {version}; set it to "
            f'{major}.0.0 or later, so users can tell this update needs "{MERGE_OPTION}"'
        )
        return _problem(path, "notetype-schema", message)
    return None


def _schema_change(name: str, before: Schema, after: Schema) -> str:
    parts = []
    if before.fields != after.fields:
        parts.append(f"fields {_names(before.fields)} -> {_names(after.fields)}")
    if before.templates != after.templates:
        parts.append(f"templates {_names(before.templates)} -> {_names(after.templates)}")
    return f"note type {name!r} changed its {' and '.join(parts)} since the lock"


def _names(names: Sequence[str]) -> str:
    return "[" + ", ".join(names) + "]"


def _latest_version(lock: Lock) -> str:
    """The newest bank version the lock records anything changing in ("" if none)."""
    versions = [e.version for e in lock.notes.values()]
    versions += [v for e in lock.retired.values() for v in (e.version, e.retired)]
    versions += [t.version for t in lock.notetypes.values()]
    return max((v for v in versions if v), key=_version_key, default="")


def _version_key(version: str) -> tuple[int, ...]:
    core = version.split("-", 1)[0].split("+", 1)[0]
    return tuple(int(part) if part.isdigit() else 0 for part in core.split("."))


def _major(version: str) -> int:
    return _version_key(version)[0]
