"""The Anki lock file: what each note looked like when it last changed, and when.

Anki's default import updates a note only if the package's modification time is
strictly newer than the collection's, and an update replaces the note's tags.  So
a note's `mod` must move forward exactly when its content changes, and stay put
otherwise, or every release would wipe the tags users added.  The lock file
(`content/prepdeck.lock`, committed) records per note a hash of what defines the note
and the `mod` it was given, and the ids that disappeared, so they can be reported and
never reused.  A question's own note is keyed by the question id; the other notes a
question yields (its key-point recall note) by "<id>/<kind>".

What a note's hash covers is decided by prepdeck, never by a dependency's version:
the note's fields as prepdeck renders them, with each code block as its language and
text rather than Pygments' coloured spans, and the note type's styling with the code
colours named by their Pygments style rather than the CSS Pygments generates (see
`anki.py` and `notetypes.py`).  So installing any version of a dependency that
pyproject.toml allows leaves the lock as it is (a test builds the bank under the
lowest versions and the pinned ones and compares).

Per note type it records the shape (`Shape`: field and template names, in order) apart
from a hash of the styling: styling may change in any release, a shape change breaks
every user's updates, so the caller refuses it unless told otherwise.

A note's Anki identity (its GUID) derives from the question id it was first built
with.  `prepdeck rename` records a new id for it in `renamed` (current question id ->
identity id), so the note keeps its GUID, and learners their history, under the new id.

A question id that disappears is retired, but only provisionally until the version
it disappeared in is released (tag v<version>) or the version moves on.  After that
the retirement is permanent and reusing the id is an error, since a new question
under an old id would inherit another question's Anki note.

The parts, each importing only those before it:

- `stamp.py`: the lock as data and the pure `stamp` algorithm (no files, no git);
- `file.py`: reading (a regular file, JSON, the shipped `lock.schema.json` through the
  loader/schema pipeline the bank uses) and writing (`dumps`);
- `check.py`: the rules a build follows and their messages (`check`, `report_lines`).

This package knows nothing about genanki or Anki: it compares hashes and hands out
times.  Its names are re-exported here, so callers write `lock.check`, `lock.Lock`.
`Lock.changed_in()` gives {question id: the version it last changed in}.
"""

from __future__ import annotations

from prepdeck.lock.check import (
    LIST_LIMIT,
    MERGE_OPTION,
    TAG_PREFIX,
    LockUpdate,
    NotetypeBuild,
    check,
    earlier_builds,
    never_released,
    path_for,
    report_lines,
    version_released,
)
from prepdeck.lock.file import (
    ABOUT,
    LOCK_FILE,
    LockFormatError,
    dumps,
    loads,
    read_lock,
)
from prepdeck.lock.stamp import (
    FORMAT,
    FORMAT_1_SHAPE,
    HASH_FORMAT,
    KIND_SEPARATOR,
    QUESTION_KIND,
    Built,
    Entry,
    Lock,
    LockDiff,
    NotetypeEntry,
    Shape,
    lock_changes,
    note_key,
    rename,
    rename_problem,
    shape_changes,
    split_key,
    stamp,
)

__all__ = [
    "ABOUT",
    "FORMAT",
    "FORMAT_1_SHAPE",
    "HASH_FORMAT",
    "KIND_SEPARATOR",
    "LIST_LIMIT",
    "LOCK_FILE",
    "MERGE_OPTION",
    "QUESTION_KIND",
    "TAG_PREFIX",
    "Built",
    "Entry",
    "Lock",
    "LockDiff",
    "LockFormatError",
    "LockUpdate",
    "NotetypeBuild",
    "NotetypeEntry",
    "Shape",
    "check",
    "dumps",
    "earlier_builds",
    "loads",
    "lock_changes",
    "never_released",
    "note_key",
    "path_for",
    "read_lock",
    "rename",
    "rename_problem",
    "report_lines",
    "shape_changes",
    "split_key",
    "stamp",
    "version_released",
]
