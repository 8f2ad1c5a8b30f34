"""The rules a build follows with its lock, and their messages: the lock belongs to
this bank, retired ids stay retired, a renamed note's old id stays taken, a note
type's shape stays put unless changed deliberately (with a major version), a lost
lock is not silently replaced, and with --locked the lock is current.  `check` reads
the lock, stamps the build against it (`stamp.py`) and raises `BuildError` with every
problem; `report_lines` says what the build changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prepdeck.artifacts import BuildOptions, count
from prepdeck.errors import BuildError, Problem
from prepdeck.git import GitError, git, tagged
from prepdeck.lock.file import CONFLICT, LOCK_FILE, LockFormatError, dumps, read_lock
from prepdeck.lock.stamp import (
    QUESTION_KIND,
    Built,
    Lock,
    LockDiff,
    Shape,
    latest_version,
    major,
    stamp,
)
from prepdeck.model import Bank, Question

LIST_LIMIT = 10  # ids named per line in reports and messages
TAG_PREFIX = "v"  # a release of version X is tagged vX (release.py)
MERGE_OPTION = "Merge note types"  # Anki's import option, as its dialog names it


def path_for(options: BuildOptions) -> Path:
    """The lock a build reads and updates: the content folder's."""
    return options.content_dir / LOCK_FILE


def version_released(folder: Path, version: str) -> bool:
    """Whether git knows the release tag of `version` (False outside a git checkout)."""
    return tagged(folder, TAG_PREFIX + version)


def never_released(folder: Path) -> bool:
    """Whether `folder` is in a git checkout that has no release tag (v*) yet: then no
    learner has a note from this bank.  False outside git (nothing to tell by)."""
    try:
        git(folder, "rev-parse", "--git-dir")
    except GitError:
        return False
    return not tagged(folder, f"{TAG_PREFIX}*")


@dataclass(frozen=True, slots=True)
class NotetypeBuild:
    """A note type as a build makes it."""

    name: str  # as users see it in Anki, for messages
    shape: Shape
    hash: str  # its styling
    legacy_hash: str = ""  # its styling hashed as locks before format 3 did


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
    locked: bool = False  # --locked: the lock is read, never written
    # no release is tagged yet (in a git checkout): nothing removed was ever shipped, so
    # the report says nothing about retiring it
    unreleased: bool = False

    @property
    def needs_write(self) -> bool:
        if self.locked:
            return False
        return self.old is None or not self.diff.empty or self.diff.migrated

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
    legacy_note_hashes: Mapping[str, str] | None = None,
    update: bool = True,
    allow_shape_change: bool = False,
    new_lock: bool = False,
) -> LockUpdate:
    """Read the lock at `path` and stamp this build of `bank` against it.

    `note_hashes` is keyed by `note_key`, `notetypes` by kind; the legacy hashes
    migrate a lock from before format 3 (`stamp`).  Raises `BuildError` with every
    problem: a lock prepdeck cannot read, a lock for another bank, ids that were
    retired for good and came back, new ids that another note had before a rename, a
    note type shape that differs from the lock's (unless `allow_shape_change` and a
    major version bump), and (unless `update`) a lock that this build would change.
    A lock that only moves to the current hash scheme is current for --locked.  A
    partial build (`bank.partial`) leaves the notes it did not build as they are,
    instead of retiring them.

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
    built = Built(
        notes=note_hashes,
        notetypes={kind: (t.shape, t.hash) for kind, t in notetypes.items()},
        legacy_notes=legacy_note_hashes or {},
        legacy_notetypes={kind: t.legacy_hash for kind, t in notetypes.items() if t.legacy_hash},
    )
    new, diff = stamp(
        old,
        built,
        bank=bank.slug,
        version=bank.version,
        timestamp=timestamp,
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
    if old is not None and diff.shape_changed:
        problem = _shape_problem(path, old, bank.version, notetypes, diff, allow_shape_change)
        if problem is not None:
            raise BuildError([problem])
    if not update and (old is None or not diff.empty):
        raise BuildError([_problem(path, "stale-lock", _stale_message(old, diff))])
    names = {kind: t.name for kind, t in notetypes.items()}
    pending = tuple(new.pending(bank.version, released=released))
    unreleased = bool(diff.removed or pending) and never_released(path.parent)
    return LockUpdate(
        path,
        old,
        new,
        diff,
        names,
        bank.version,
        pending,
        locked=not update,
        unreleased=unreleased,
    )


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
    if diff.removed and not update.unreleased:
        lines.append(
            f"{len(diff.removed)} removed since the lock, now retired: {_ids(diff.removed)}; "
            "learners' Anki keeps their notes (the README says how to delete them)"
        )
        lines.append(f"find them in Anki's browser: {find_removed(diff.removed)}")
    if update.pending and not update.unreleased:
        lines.append(
            f"retired until version {update.version} is released, then for good: "
            f"{_ids(update.pending)}. To undo, put the question back under the same id; "
            "to change an id, change it back and use `prepdeck rename OLD NEW`"
        )
    for kind in diff.notetypes_changed:
        lines.append(_notetype_line(update, kind))
    if diff.migrated and update.locked:
        lines.append(
            "the lock's hashes are in an older scheme (no note changed); a build without "
            "--locked moves them to the current one"
        )
    elif diff.migrated:
        lines.append(
            "the lock's hashes moved to the current scheme (no note changed; "
            "every note kept its time and version)"
        )
    if update.needs_write:
        lines.append(f"{update.path}: updated; commit it with the content")
    else:
        lines.append(f"no changes since {update.path}")
    return lines


def _notetype_line(update: LockUpdate, kind: str) -> str:
    name = update.names.get(kind, kind)
    if update.old is not None and kind not in update.old.notetypes:
        return f"new note type {name!r}"
    if kind in update.diff.shape_changed:
        return (
            f"note type {name!r}: fields or templates changed, as allowed by "
            f'--allow-notetype-change; the release notes tell users to tick "{MERGE_OPTION}" '
            "when they import"
        )
    if kind == QUESTION_KIND:
        return "card style or templates changed since the lock"
    return f"card style or templates of {name!r} changed since the lock"


def _read_checked(path: Path) -> Lock | None:
    try:
        return read_lock(path)
    except LockFormatError as exc:
        problems = exc.problems
        if problems and problems[0].rule == CONFLICT:
            message = (
                "the lock has merge-conflict markers; take one side whole, e.g. "
                f"`git checkout --theirs -- {path}`, then build again: the build "
                "re-stamps only the notes that differ"
            )
            problems = [Problem(str(path), problems[0].line, 1, CONFLICT, message)]
        raise BuildError(problems) from exc


def earlier_builds(path: Path) -> str | None:
    """How to get a lock back, if git shows that the bank was built before: the last
    commit that had the lock at `path`, or a release tag; else None (also outside a
    git checkout)."""
    folder = path.parent
    if not folder.is_dir():
        return None
    name = f"./{path.name}"
    try:
        rev = git(folder, "log", "-1", "--format=%h", "--", name)
        if rev:
            try:
                git(folder, "cat-file", "-e", f"{rev}:{name}")
            except GitError:  # deleted in `rev`
                rev = f"{rev}~1"
            return (
                f"the lock is in git's history; restore it with `git checkout {rev} -- {path}` "
                f"(in a merge: `git checkout --theirs -- {path}`)"
            )
        tags = git(folder, "tag", "--list", f"{TAG_PREFIX}*", "--sort=-creatordate")
    except GitError:
        return None
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


def _shape_problem(
    path: Path,
    old: Lock,
    version: str,
    notetypes: Mapping[str, NotetypeBuild],
    diff: LockDiff,
    allowed: bool,
) -> Problem | None:
    """The problem with a build whose note type shape differs from the lock's, or
    None if the build says it is deliberate and the version says it is a major one."""
    changes = "; ".join(
        _shape_change(notetypes[kind].name, old.notetypes[kind].shape, notetypes[kind].shape)
        for kind in diff.shape_changed
    )
    latest = latest_version(old)
    needed = major(latest) + 1 if latest else major(version)
    if not allowed:
        message = (
            f"{changes}. Anki recognises a note type by these names: everyone who has the "
            "deck would get a duplicate note type on import, and the notes they have (with "
            "their reviews and tags) would stop receiving updates, unless they import with "
            f'"{MERGE_OPTION}" ticked. Undo the change (give a field new meaning through '
            "the Spare field instead), or make it deliberately: set the version in "
            f"bank.yaml to {needed}.0.0 or later, build with --allow-notetype-change and "
            f'release; the release notes then tell users to tick "{MERGE_OPTION}"'
        )
        return _problem(path, "notetype-shape", message)
    if latest and major(version) < needed:
        message = (
            f"{changes}. --allow-notetype-change needs a major version: the lock has "
            f"content from version {latest} and bank.yaml says {version}; set it to "
            f'{needed}.0.0 or later, so users can tell this update needs "{MERGE_OPTION}"'
        )
        return _problem(path, "notetype-shape", message)
    return None


def _shape_change(name: str, before: Shape, after: Shape) -> str:
    parts = []
    if before.fields != after.fields:
        parts.append(f"fields {_names(before.fields)} -> {_names(after.fields)}")
    if before.templates != after.templates:
        parts.append(f"templates {_names(before.templates)} -> {_names(after.templates)}")
    return f"note type {name!r} changed its {' and '.join(parts)} since the lock"


def _names(names: Sequence[str]) -> str:
    return "[" + ", ".join(names) + "]"
