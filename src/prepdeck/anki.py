"""Bank -> .apkg: one note per question (and, if the bank asks for `key-points` cards,
a recall note per question), a subdeck per tier, identity that survives edits.

What users keep across releases depends on four things decided here:

- a note's GUID comes from the bank slug, the question id and the note's kind alone;
- each kind of note has its own note type (`notetypes.py`) whose schema is frozen and
  whose ids come from the slug;
- each note's `mod` comes from the lock file (`lock.py`), so it moves forward exactly
  when the note's rendered content changes, and Anki's "update if newer" import
  touches only those notes (an update replaces a note's tags);
- a note type whose schema differs from the lock's fails the build, unless the build
  is told it is deliberate (`allow_notetype_change`), with a major version bump.

genanki writes the collection; the package is zipped here, with fixed dates and
order, so the same content and SOURCE_DATE_EPOCH give the same bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import genanki

from prepdeck import lock as lockfile
from prepdeck.build import BuildOptions, WriterResult
from prepdeck.errors import BuildError, Problem
from prepdeck.model import Bank, Question, Reference, Tier
from prepdeck.notetypes import BY_KEY, QUESTION, Kind, NoteType, note_type, stable_id
from prepdeck.notetypes import notetype_id as notetype_id  # re-exported: tests, tools
from prepdeck.text import blocks_html, inline_html, is_safe_url, parse_blocks, parse_inline

# The question note type's frozen schema (see notetypes.py).
FIELDS = QUESTION.fields
TEMPLATE_NAME = QUESTION.templates[0].name
GUID_NAMESPACE = "prepdeck"
LIST_LIMIT = 10  # ids named per line in the build report
# Deflate level 1: a third of the time of the default 6 for about a fifth more bytes
# (10,000 questions: 0.5 s and 10.8 MB against 1.4 s and 9.1 MB).
ZIP_LEVEL = 1


def parent_deck_id(slug: str) -> int:
    return stable_id(slug, "deck")


def tier_deck_id(slug: str, tier_id: str) -> int:
    # From the tier id, not its display name, so renaming a tier keeps the id.
    return stable_id(slug, "deck", tier_id)


def note_guid(slug: str, question_id: str, kind: Kind = QUESTION) -> str:
    """Namespaced so two banks never collide; no text goes in, so edits keep it.  A
    question's own note keeps the GUID it had before there were other kinds."""
    if kind.key == QUESTION.key:
        return str(genanki.guid_for(GUID_NAMESPACE, slug, question_id))
    return str(genanki.guid_for(GUID_NAMESPACE, slug, question_id, kind.key))


def retired_search(slug: str, keys: Sequence[str]) -> str:
    """A search for Anki's browser that finds these notes (lock keys: a question id
    finds the question's notes of every kind; "<id>/<kind>" only that kind's)."""
    whole = [k for k in keys if lockfile.split_key(k)[1] == lockfile.QUESTION_KIND]
    by_kind: dict[str, list[str]] = {}
    for key in keys:
        question_id, kind = lockfile.split_key(key)
        if kind != lockfile.QUESTION_KIND and question_id not in whole:
            by_kind.setdefault(kind, []).append(question_id)
    bank = f'"tag:bank::{_search_escape(_tag(slug))}"'
    by_note_type = [
        f'"note:{_search_escape(_notetype_name(kind, slug))}" ({_any_id(ids)})'
        for kind, ids in by_kind.items()
    ]
    if not whole and len(by_note_type) == 1:
        return f"{bank} {by_note_type[0]}"
    clauses = [_any_id(whole)] if whole else []
    clauses += [f"({clause})" for clause in by_note_type]
    return f"{bank} ({' OR '.join(clauses)})"


def _any_id(ids: Sequence[str]) -> str:
    return " OR ".join(f'"ID:{_search_escape(i)}"' for i in ids)


def _notetype_name(kind: str, slug: str) -> str:
    return f"{BY_KEY[kind].name} ({slug})" if kind in BY_KEY else kind


def _search_escape(text: str) -> str:
    # Inside quotes Anki still treats \ " * _ as special.
    for char in '\\"*_':
        text = text.replace(char, "\\" + char)
    return text


def deck_names(bank: Bank) -> dict[str, str]:
    """Tier id -> subdeck name.  Anki lists decks by name, so a zero-padded position
    keeps them in tier order."""
    width = max(2, len(str(max((t.position for t in bank.tiers), default=1))))
    return {t.id: f"{bank.title}::{t.position:0{width}d} {t.name}" for t in bank.tiers}


# -- notes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedNote:
    question: Question
    fields: tuple[str, ...]  # Source holds the bank title; the version comes from the lock
    tags: tuple[str, ...]
    hash: str
    kind: Kind = QUESTION

    @property
    def key(self) -> str:
        """The note's key in the lock."""
        return lockfile.note_key(self.question.id, self.kind.key)


def render_note(bank: Bank, question: Question) -> RenderedNote:
    key_points = "".join(f"<li>{inline_html(parse_inline(p))}</li>" for p in question.key_points)
    refs = "".join(f"<li>{_reference_html(ref)}</li>" for ref in bank.cited(question))
    fields = (
        escape(question.id),
        escape(question.label),
        escape(question.tier.name),
        inline_html(parse_inline(question.question)),
        inline_html(parse_inline(question.hint)),
        f"<ul>{key_points}</ul>" if key_points else "",
        blocks_html(parse_blocks(question.answer)),
        f"<ul>{refs}</ul>" if refs else "",
        escape(bank.title),
        "",
    )
    tags = _tags(bank, question)
    return RenderedNote(question, fields, tags, _digest([list(fields), list(tags)]))


def as_kind(note: RenderedNote, kind: Kind) -> RenderedNote:
    """The note of `kind` for the question of `note` (a question note): the fields
    `kind` has, by name, from the question note's renderings, so every kind shows the
    same text; a field the question note lacks is empty.  The same tags.

    The key-point recall note is `as_kind(note, KEY_POINTS)`: the question on the
    front, the key points to check off on the back.  For the question kind itself
    this is `note` again, with the same hash.
    """
    by_name = dict(zip(QUESTION.fields, note.fields, strict=True))
    fields = tuple(by_name.get(name, "") for name in kind.fields)
    digest = _digest([list(fields), list(note.tags)])
    return RenderedNote(note.question, fields, note.tags, digest, kind)


def _tags(bank: Bank, question: Question) -> tuple[str, ...]:
    return (
        f"bank::{_tag(bank.slug)}",
        f"tier::{_tag(question.tier.id)}",
        *(f"topic::{_tag(t)}" for t in question.tags),
    )


def _reference_html(ref: Reference) -> str:
    title = escape(ref.title)
    if is_safe_url(ref.url):
        return f'<a href="{escape(ref.url)}">{title}</a>'
    return title


def _tag(name: str) -> str:
    # Anki splits tags on whitespace; ids are validated slugs, this only keeps it safe.
    return "_".join(name.split())


def _digest(value: object) -> str:
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


# -- the writer ----------------------------------------------------------------------


def write_deck(bank: Bank, dest: Path, options: BuildOptions) -> WriterResult:
    """Write the deck to `dest`; hand back the report lines and the lock update."""
    lock_path = options.lock_path or options.content_dir / "prepdeck.lock"
    kinds = [BY_KEY[key] for key in bank.cards]
    notetypes = [note_type(kind, bank.slug, options.style_dirs) for kind in kinds]
    questions = [render_note(bank, q) for q in bank.questions]
    notes = [as_kind(n, kind) for kind in kinds for n in questions]

    old = _read_lock(lock_path)
    if old is not None and old.bank != bank.slug:
        raise BuildError([_lock_problem(lock_path, "lock-bank", _slug_changed(old.bank, bank))])
    new, diff = lockfile.stamp(
        old,
        bank=bank.slug,
        version=bank.version,
        timestamp=options.timestamp,
        notetypes={t.kind.key: (t.schema, t.style_hash) for t in notetypes},
        note_hashes={n.key: n.hash for n in notes},
        partial=bank.filter_description is not None,
    )
    if diff.reused:
        raise BuildError(
            [_reused_problem(n.question, lock_path) for n in notes if n.key in diff.reused]
        )
    if diff.schema_changed:
        assert old is not None  # a schema can only change relative to a lock
        problem = _schema_problem(old, bank, notetypes, diff, lock_path, options)
        if problem is not None:
            raise BuildError([problem])
    if not options.update_lock and (old is None or not diff.empty):
        raise BuildError([_lock_problem(lock_path, "stale-lock", _stale_message(old, diff))])

    _write_package(dest, bank, notetypes, notes, new, options.timestamp)

    report = _report(bank, old, notetypes, notes, diff, lock_path)
    if old is not None and diff.empty:
        return WriterResult(notes=report)
    report.append(f"{lock_path}: updated; commit it with the content")
    return WriterResult(notes=report, finalize=lambda: lockfile.write_lock(new, lock_path))


def _read_lock(path: Path) -> lockfile.Lock | None:
    try:
        return lockfile.read_lock(path)
    except lockfile.LockFormatError as exc:
        raise BuildError(
            [Problem(str(path), exc.line, exc.column, "lock-invalid", str(exc))]
        ) from exc


def _write_package(
    dest: Path,
    bank: Bank,
    notetypes: Sequence[NoteType],
    notes: Sequence[RenderedNote],
    lock: lockfile.Lock,
    timestamp: int,
) -> None:
    models = {t.kind.key: t.genanki_model() for t in notetypes}
    names = deck_names(bank)
    parent = genanki.Deck(parent_deck_id(bank.slug), bank.title, _bank_description(bank))
    tier_decks = {
        t.id: genanki.Deck(tier_deck_id(bank.slug, t.id), names[t.id], _tier_description(bank, t))
        for t in bank.tiers
    }
    mods: dict[str, int] = {}
    for note in notes:
        entry = lock.notes[note.key]
        fields = list(note.fields)
        fields[note.kind.fields.index("Source")] = escape(f"{bank.title} {entry.version}")
        guid = note_guid(bank.slug, note.question.id, note.kind)
        mods[guid] = entry.mod
        tier_decks[note.question.tier.id].add_note(
            genanki.Note(
                model=models[note.kind.key], fields=fields, tags=list(note.tags), guid=guid
            )
        )
    package = genanki.Package([parent, *tier_decks.values()])
    type_mods = {str(t.id): lock.notetypes[t.kind.key].mod for t in notetypes}

    with tempfile.TemporaryDirectory(prefix="prepdeck-anki-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        conn = sqlite3.connect(db_path)
        try:
            cursor = conn.cursor()
            # A scratch file: no need to wait for the disk, and a crash leaves nothing to recover.
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA journal_mode = MEMORY")
            # Note and card ids count up from the epoch in ms, as genanki does; 0 is not an id.
            package.write_to_db(cursor, timestamp, itertools.count(max(timestamp, 1) * 1000))
            # genanki stamps every note and note type with `timestamp`; put back the
            # times the lock keeps, so unchanged ones look unchanged to Anki.
            rows = cursor.execute("SELECT id, guid FROM notes").fetchall()
            cursor.executemany(
                "UPDATE notes SET mod = ? WHERE id = ?", [(mods[guid], nid) for nid, guid in rows]
            )
            (models_json,) = cursor.execute("SELECT models FROM col").fetchone()
            stored = json.loads(models_json)
            for model_id, mod in type_mods.items():
                stored[model_id]["mod"] = mod
            cursor.execute("UPDATE col SET models = ?", (json.dumps(stored, sort_keys=True),))
            conn.commit()
        finally:
            conn.close()
        _zip(dest, {"collection.anki2": db_path, "media": b"{}"}, timestamp)


def _zip(dest: Path, entries: Mapping[str, Path | bytes], timestamp: int) -> None:
    """A zip whose bytes depend only on the entries and `timestamp`."""
    date_time = _zip_date_time(timestamp)
    with zipfile.ZipFile(dest, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            if sys.version_info >= (3, 13):
                info.compress_level = ZIP_LEVEL
            else:
                info._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]
            info.create_system = 3  # unix, whatever the host
            info.external_attr = 0o100644 << 16
            content = entries[name]
            with archive.open(info, "w") as out:
                if isinstance(content, bytes):
                    out.write(content)
                else:
                    with content.open("rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)


def _zip_date_time(timestamp: int) -> tuple[int, int, int, int, int, int]:
    # Zip dates are local-time fields from 1980 on; use UTC so the host's zone doesn't leak.
    t = time.gmtime(max(timestamp, 315532800))  # 1980-01-01
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def _bank_description(bank: Bank) -> str:
    parts = [f"<p>{escape(bank.description)}</p>"] if bank.description else []
    facts = [f"Version {bank.version}", f"{len(bank.questions)} questions"]
    if bank.author:
        facts.append(f"by {bank.author}")
    if bank.license:
        facts.append(bank.license)
    parts.append(f"<p>{escape(' · '.join(facts))}</p>")
    if bank.filter_description:
        parts.append(f"<p>{escape('Only ' + bank.filter_description)}</p>")
    parts.append(f"<p>{escape(_TAG_HELP.format(slug=bank.slug))}</p>")
    return "".join(parts)


_TAG_HELP = (
    "Every note is tagged bank::{slug}, tier::<tier> and topic::<topic>. Re-import a newer "
    "version with the default options: notes that changed are updated, your reviews are kept."
)


def _tier_description(bank: Bank, tier: Tier) -> str:
    count = sum(1 for q in bank.questions if q.tier.id == tier.id)
    questions = "1 question" if count == 1 else f"{count} questions"
    text = f"{tier.name}: {questions} of {bank.title}, version {bank.version}."
    return f"<p>{escape(text)}</p>"


# -- report and problems ------------------------------------------------------------------


def _report(
    bank: Bank,
    old: lockfile.Lock | None,
    notetypes: Sequence[NoteType],
    notes: Sequence[RenderedNote],
    diff: lockfile.LockDiff,
    lock_path: Path,
) -> list[str]:
    what = f"{len(notes)} notes"
    recall = sum(1 for n in notes if n.kind.key != QUESTION.key)
    if recall:
        what += f" ({len(notes) - recall} questions, {recall} key-point recall notes)"
    lines = [f"{what} in {len(bank.tiers)} tier subdecks"]
    if diff.added:
        lines.append(f"{len(diff.added)} new since the lock: {_ids(diff.added)}")
    if diff.changed:
        lines.append(f"{len(diff.changed)} changed since the lock: {_ids(diff.changed)}")
    if diff.removed:
        lines.append(
            f"{len(diff.removed)} removed since the lock: {_ids(diff.removed)} "
            "(retired; Anki keeps them, see the README to delete them)"
        )
        lines.append(f"find them in Anki's browser: {retired_search(bank.slug, diff.removed)}")
    for notetype in notetypes:
        kind = notetype.kind.key
        if kind not in diff.notetypes_changed:
            continue
        if old is None or kind not in old.notetypes:
            if old is not None:
                lines.append(f"new note type {notetype.name!r}")
        elif kind in diff.schema_changed:
            lines.append(
                f"note type {notetype.name!r}: fields or templates changed, as allowed by "
                f"--allow-notetype-change; the release notes tell users to tick "
                f'"{MERGE_OPTION}" when they import'
            )
        elif kind == QUESTION.key:
            lines.append("card style or templates changed since the lock")
        else:
            lines.append(f"card style or templates of {notetype.name!r} changed since the lock")
    if diff.empty:
        lines.append(f"no changes since {lock_path}")
    return lines


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:LIST_LIMIT])
    more = len(ids) - LIST_LIMIT
    return f"{shown} and {more} more" if more > 0 else shown


def _lock_problem(lock_path: Path, rule: str, message: str) -> Problem:
    return Problem(str(lock_path), 1, 1, rule, message)


def _stale_message(old: lockfile.Lock | None, diff: lockfile.LockDiff) -> str:
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
    if diff.notetypes_changed:
        parts.append("note types changed: " + ", ".join(diff.notetypes_changed))
    return f"the lock is out of date ({'; '.join(parts)}); {fix}"


MERGE_OPTION = "Merge note types"


def _schema_problem(
    old: lockfile.Lock,
    bank: Bank,
    notetypes: Sequence[NoteType],
    diff: lockfile.LockDiff,
    lock_path: Path,
    options: BuildOptions,
) -> Problem | None:
    """The problem with a build whose note type schema differs from the lock's, or
    None if the build says it is deliberate and the version says it is a major one."""
    changes = "; ".join(
        _schema_change(t.name, old.notetypes[t.kind.key].schema, t.schema)
        for t in notetypes
        if t.kind.key in diff.schema_changed
    )
    latest = _latest_version(old)
    major = _major(latest) + 1 if latest else _major(bank.version)
    if not options.allow_notetype_change:
        message = (
            f"{changes}. Anki recognises a note type by these names: everyone who has the "
            "deck would get a duplicate note type on import, and the notes they have (with "
            "their reviews and tags) would stop receiving updates, unless they import with "
            f'"{MERGE_OPTION}" ticked. Undo the change (give a field new meaning through '
            "the Spare field instead), or make it deliberately: set the version in "
            f"bank.yaml to {major}.0.0 or later, build with --allow-notetype-change and "
            f'release; the release notes then tell users to tick "{MERGE_OPTION}"'
        )
        return _lock_problem(lock_path, "notetype-schema", message)
    if latest and _major(bank.version) < major:
        message = (
            f"{changes}. --allow-notetype-change needs a major version: the lock has "
            f"content from version {latest} and bank.yaml says {bank.version}; set it to "
            f"{major}.0.0 or later, so users can tell this update needs "
            f'"{MERGE_OPTION}"'
        )
        return _lock_problem(lock_path, "notetype-schema", message)
    return None


def _schema_change(name: str, before: lockfile.Schema, after: lockfile.Schema) -> str:
    parts = []
    if before.fields != after.fields:
        parts.append(f"fields {_names(before.fields)} -> {_names(after.fields)}")
    if before.templates != after.templates:
        parts.append(f"templates {_names(before.templates)} -> {_names(after.templates)}")
    return f"note type {name!r} changed its {' and '.join(parts)} since the lock"


def _names(names: Sequence[str]) -> str:
    return "[" + ", ".join(names) + "]"


def _latest_version(lock: lockfile.Lock) -> str:
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


def _slug_changed(locked: str, bank: Bank) -> str:
    return (
        f"the lock is for bank {locked!r} but the bank's slug is {bank.slug!r}; note identities "
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
        return _lock_problem(lock_path, "retired-id", message)
    return Problem(str(where.path), where.line, where.column, "retired-id", message)
