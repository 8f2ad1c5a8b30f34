"""The lock as data, and `stamp`: the pure step from the lock a build read and what the
build made to the lock it writes, with what changed.  No files, no git, no messages.

A new or changed note gets the build's timestamp, but always strictly more than its
previous mod, so a build with an older clock still moves it forward; an unchanged note
keeps its entry, so Anki's "update if newer" import leaves it (and the tags learners
added to it) alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

FORMAT = 3  # what `dumps` writes; formats 1 and 2 are read and migrated (see `HASH_FORMAT`)
# The first format whose note hashes leave out what a dependency renders (Pygments'
# token spans and CSS): a lock older than this carries hashes of the full rendering,
# which a build compares with its legacy hashes once, keeping every unchanged note's
# mod and version, and writes in the current scheme (`stamp`).
HASH_FORMAT = 3
KIND_SEPARATOR = "/"  # "<question id>/<kind>"; question ids are kebab-case, never contain it
QUESTION_KIND = "question"  # the kind of a question's own note, keyed by the bare id


@dataclass(frozen=True, slots=True)
class Entry:
    """One note as it was when it last changed."""

    hash: str
    mod: int  # seconds; what Anki's "update if newer" compares
    version: str = ""  # the bank version the note last changed in
    retired: str = ""  # for retired ids: the bank version the note disappeared in


@dataclass(frozen=True, slots=True)
class Shape:
    """A note type's shape: its field names and template names, in order.  Anki
    compares exactly this to decide whether an imported note type is the one a user
    has (Anki's code calls it the note type's schema; prepdeck keeps that word for
    JSON Schema).  The lock stores it as the note type's "fields" and "templates"."""

    fields: tuple[str, ...]
    templates: tuple[str, ...]


# Format 1 locks were written by prepdeck 0.1, whose one note type ("question") had
# exactly this shape and no record of it; reading one assumes it.
FORMAT_1_SHAPE = Shape(
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

    shape: Shape
    hash: str  # the styling: name, field and template ids, template text, CSS
    mod: int
    version: str = ""  # the bank version its shape was set in (empty: before format 2)


@dataclass(frozen=True, slots=True)
class Lock:
    bank: str  # the slug; GUIDs derive from it, so it must never change under a lock
    notetypes: Mapping[str, NotetypeEntry] = field(default_factory=dict)  # by kind
    notes: Mapping[str, Entry] = field(default_factory=dict)
    retired: Mapping[str, Entry] = field(default_factory=dict)
    # question id -> the question id its notes' GUIDs derive from, after `prepdeck rename`
    renamed: Mapping[str, str] = field(default_factory=dict)
    format: int = FORMAT  # the format it was read in: below HASH_FORMAT, legacy hashes

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

    def changed_in(self) -> dict[str, str]:
        """{question id: the bank version its question note last changed in} for every
        current question ("" for a note stamped before versions were recorded).  The
        study page shows it; a question's other notes ("<id>/<kind>") follow its own."""
        return {k: e.version for k, e in self.notes.items() if KIND_SEPARATOR not in k}


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
    notetypes_changed: tuple[str, ...] = ()  # kinds whose styling or shape changed
    shape_changed: tuple[str, ...] = ()  # kinds whose shape changed: users' updates break
    # the lock's hashes moved to the current scheme; no note changed for it, but the
    # lock's text did
    migrated: bool = False

    @property
    def empty(self) -> bool:
        """Whether no note or note type changes (a migration alone changes none)."""
        return not (
            self.added
            or self.changed
            or self.removed
            or self.reused
            or self.restored
            or self.taken
            or self.notetypes_changed
        )


@dataclass(frozen=True, slots=True)
class Built:
    """What a build made, as the lock sees it: hashes by lock key (`note_key`) and note
    types by kind.  The legacy hashes are the same notes hashed as locks before
    `HASH_FORMAT` did (the full rendering); only a migration reads them."""

    notes: Mapping[str, str]
    notetypes: Mapping[str, tuple[Shape, str]] = field(default_factory=dict)
    legacy_notes: Mapping[str, str] = field(default_factory=dict)
    legacy_notetypes: Mapping[str, str] = field(default_factory=dict)


def stamp(
    old: Lock | None,
    built: Built,
    *,
    bank: str,
    version: str,
    timestamp: int,
    partial: bool = False,
    released: bool = False,
) -> tuple[Lock, LockDiff]:
    """The lock after a build of `built`, and what changed.

    Keys missing from `built.notes` are retired, unless `partial` (a filtered build),
    which leaves them.  A retired question id that comes back is restored if its
    retirement is still provisional (retired in `version`, and `version` not
    `released`), else reported as `reused`; a retired "<id>/<kind>" note that comes back
    (recall cards turned on again) is the same note as before, so it is revived with a
    newer mod.  Note types the build does not use keep their entries: users still have
    them, and may get them back.

    An `old` lock from before `HASH_FORMAT` is migrated: a note whose legacy hash
    matches keeps its mod and version.  A partial build cannot migrate the notes it
    leaves, so it keeps the old format and stamps with the legacy hashes.
    """
    run = _Stamping(old, built, version, timestamp, partial)
    pending = set(old.pending(version, released=released)) if old else set()
    for key in run.built.notes:
        run.note(key, key in pending)
    run.retire_missing()
    for kind, (shape, digest) in run.built.notetypes.items():
        run.notetype(kind, shape, digest)
    return run.result(bank)


class _Stamping:
    """One `stamp` under way: the entries so far and what changed."""

    def __init__(
        self, old: Lock | None, built: Built, version: str, timestamp: int, partial: bool
    ) -> None:
        self.old = old
        self.version = version
        self.timestamp = timestamp
        self.partial = partial
        self.format = FORMAT
        migrating = old is not None and old.format < HASH_FORMAT
        if migrating and partial and old is not None:
            # Entries it does not build stay in the old scheme: so does the whole lock
            # (as format 2, which records note types as format 1 did not).
            self.format = HASH_FORMAT - 1
            built = Built(
                {k: built.legacy_notes.get(k, v) for k, v in built.notes.items()},
                {k: (s, built.legacy_notetypes.get(k, d)) for k, (s, d) in built.notetypes.items()},
            )
            migrating = False
        self.built = built
        self.migrating = migrating
        self.notes: dict[str, Entry] = {}
        self.retired: dict[str, Entry] = dict(old.retired) if old else {}
        self.types: dict[str, NotetypeEntry] = dict(old.notetypes) if old else {}
        self.added: list[str] = []
        self.changed: list[str] = []
        self.restored: list[str] = []
        self.taken: list[str] = []
        self.removed: list[str] = []
        self.types_changed: list[str] = []
        self.shape_changed: list[str] = []

    def same(self, before: str, digest: str, legacy: str | None) -> bool:
        """Whether a recorded hash is this build's, in either scheme while migrating."""
        return before == digest or (self.migrating and legacy is not None and before == legacy)

    def note(self, key: str, pending: bool) -> None:
        digest = self.built.notes[key]
        previous = self.old.notes.get(key) if self.old else None
        if previous is None and pending:
            self.restored.append(key)
            back = self.retired.pop(key)
            previous = Entry(back.hash, back.mod, back.version)
        if previous is None:
            self.new_note(key, digest)
        elif not self.same(previous.hash, digest, self.built.legacy_notes.get(key)):
            self.changed.append(key)
            self.notes[key] = Entry(digest, _next_mod(self.timestamp, previous), self.version)
        else:
            self.notes[key] = replace(previous, hash=digest)

    def new_note(self, key: str, digest: str) -> None:
        old = self.old
        if old is not None and KIND_SEPARATOR not in key:
            owner = old.owner_of(key)
            if owner is not None and owner != key:
                self.taken.append(key)
        self.added.append(key)
        # A retired "<id>/<kind>" note that comes back is the same note, newer.
        gone = self.retired.pop(key, None) if KIND_SEPARATOR in key else None
        self.notes[key] = Entry(digest, _next_mod(self.timestamp, gone), self.version)

    def retire_missing(self) -> None:
        for key, previous in (self.old.notes if self.old else {}).items():
            if key in self.notes:
                continue
            if self.partial:
                self.notes[key] = previous
            else:
                self.removed.append(key)
                self.retired[key] = replace(previous, retired=self.version)

    def notetype(self, kind: str, shape: Shape, digest: str) -> None:
        before = self.types.get(kind)
        if before is None:
            self.types[kind] = NotetypeEntry(shape, digest, self.timestamp, self.version)
            if self.old is not None:  # with no lock there is nothing it could have changed from
                self.types_changed.append(kind)
            return
        mod = _next_mod(self.timestamp, before)
        if before.shape != shape:
            self.types[kind] = NotetypeEntry(shape, digest, mod, self.version)
            self.types_changed.append(kind)
            self.shape_changed.append(kind)
        elif not self.same(before.hash, digest, self.built.legacy_notetypes.get(kind)):
            self.types[kind] = NotetypeEntry(shape, digest, mod, before.version)
            self.types_changed.append(kind)
        else:
            self.types[kind] = replace(before, hash=digest)

    def result(self, bank: str) -> tuple[Lock, LockDiff]:
        old_retired = self.old.retired if self.old else {}
        reused = sorted(
            k
            for k in set(self.built.notes) & set(old_retired)
            if KIND_SEPARATOR not in k and k not in self.restored
        )
        old_renamed = self.old.renamed if self.old else {}
        renamed = {k: v for k, v in old_renamed.items() if k in self.notes or k in self.retired}
        lock = Lock(
            bank=bank,
            notetypes=dict(sorted(self.types.items())),
            notes=dict(sorted(self.notes.items())),
            retired=dict(sorted(self.retired.items())),
            renamed=dict(sorted(renamed.items())),
            format=self.format,
        )
        diff = LockDiff(
            added=tuple(sorted(self.added)),
            changed=tuple(sorted(self.changed)),
            removed=tuple(sorted(self.removed)),
            reused=tuple(reused),
            restored=tuple(sorted(self.restored)),
            taken=tuple(sorted(self.taken)),
            notetypes_changed=tuple(sorted(self.types_changed)),
            shape_changed=tuple(sorted(self.shape_changed)),
            migrated=self.old is not None and self.old.format < self.format,
        )
        return lock, diff


def _next_mod(timestamp: int, previous: Entry | NotetypeEntry | None) -> int:
    return timestamp if previous is None else max(timestamp, previous.mod + 1)


# -- between two locks (release notes) ---------------------------------------------


def lock_changes(old: Lock | None, new: Lock | None) -> tuple[list[str], list[str], list[str]]:
    """The note keys added, changed and removed between two locks (e.g. the previous
    release's and this one's), each sorted (see `note_key`); None is "no lock"
    (everything is new).

    "Changed" means Anki will update the note: its mod moved (hashes are not compared:
    two locks may hash in different schemes, and a changed hash always moves the mod).
    Notes are matched by their Anki identity, so a renamed question is changed (listed
    by its new id), not removed and added.
    """
    old_notes = _by_identity(old)
    new_notes = _by_identity(new)
    added = sorted(new_notes[i][0] for i in set(new_notes) - set(old_notes))
    removed = sorted(old_notes[i][0] for i in set(old_notes) - set(new_notes))
    changed = sorted(
        key
        for identity, (key, entry) in new_notes.items()
        if identity in old_notes
        and (entry.mod != old_notes[identity][1].mod or key != old_notes[identity][0])
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


def shape_changes(old: Lock | None, new: Lock | None) -> list[str]:
    """The note type kinds whose shape differs between two locks: users who have the
    old one must import with "Merge note types" to keep getting updates."""
    if old is None or new is None:
        return []
    return sorted(
        kind
        for kind, entry in new.notetypes.items()
        if kind in old.notetypes and old.notetypes[kind].shape != entry.shape
    )


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
    return replace(
        lock,
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


def renamed_problems(lock: Lock) -> list[tuple[str, str]]:
    """(question id, why) for each entry of `lock.renamed` that would give two notes
    one Anki identity: an identity that is also a live (or retired) question id, an
    identity that is itself renamed (a chain or a cycle, such as a swap), or two ids
    with the same identity.  `rename` never writes one; a hand edit can."""
    live = {k for k in (*lock.notes, *lock.retired) if KIND_SEPARATOR not in k}
    found: list[tuple[str, str]] = []
    first: dict[str, str] = {}
    for question_id, identity in sorted(lock.renamed.items()):
        if identity in lock.renamed:
            why = f"its identity {identity!r} is itself renamed (a chain or a cycle)"
        elif identity in live and identity != question_id:
            why = f"its identity {identity!r} is also a question id in the lock"
        elif identity in first:
            why = f"{first[identity]!r} has the same identity {identity!r}"
        else:
            first[identity] = question_id
            continue
        found.append((question_id, why))
    return found


# -- versions ------------------------------------------------------------------------


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """A sort key for "X.Y.Z[-pre][+build]" that never converts digits to an int (a
    5,000-digit part sorts after a shorter one, as a number would): (length, digits)
    per part, a part that is not ASCII digits counting as 0."""
    core = version.split("-", 1)[0].split("+", 1)[0]
    key = []
    for part in core.split("."):
        digits = part.lstrip("0") if part.isascii() and part.isdigit() else ""
        key.append((len(digits), digits))
    return tuple(key)


def major(version: str) -> int:
    """The major part of a version (0 if none; past 100 digits, 10**100: no real
    version has one, and Python's int() refuses past 4,300)."""
    digits = version_key(version)[0][1]
    return int(digits or "0") if len(digits) <= 100 else 10**100


def latest_version(lock: Lock) -> str:
    """The newest bank version the lock records anything changing in ("" if none)."""
    versions = [e.version for e in lock.notes.values()]
    versions += [v for e in lock.retired.values() for v in (e.version, e.retired)]
    versions += [t.version for t in lock.notetypes.values()]
    return max((v for v in versions if v), key=version_key, default="")
