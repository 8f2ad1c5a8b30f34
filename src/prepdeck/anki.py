"""Bank -> .apkg: one note per question (and, if the bank asks for `key-points` cards,
a recall note per question), a subdeck per tier, identity that survives edits.

What users keep across releases depends on four things decided here and in the lock:

- a note's GUID comes from the bank slug, the question id and the note's kind alone;
- each kind of note has its own note type (`notetypes.py`) whose shape is frozen and
  whose ids come from the slug;
- each note's `mod` comes from the lock file (`lock.py`), so it moves forward exactly
  when the note's rendered content changes, and Anki's "update if newer" import
  touches only those notes (an update replaces a note's tags);
- a note type whose shape differs from the lock's fails the build (`lock.check`),
  unless the build is told it is deliberate, with a major version bump.

genanki writes the collection; the package is zipped here, with fixed dates and
order, so the same content and SOURCE_DATE_EPOCH give the same bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import genanki

from prepdeck import lock as lockfile
from prepdeck.artifacts import BuildOptions, WriterResult, count
from prepdeck.images import image_data
from prepdeck.model import Bank, Question, Reference, Tier
from prepdeck.notetypes import BY_KEY, QUESTION, NoteKind, NoteType, note_type, stable_id
from prepdeck.notetypes import notetype_id as notetype_id  # re-exported: tests, tools
from prepdeck.text import (
    CodeBlock,
    blocks_html,
    code_plain_html,
    inline_html,
    is_safe_url,
    iter_blocks,
    iter_images,
    parse_blocks,
    parse_inline,
)

# The question note type's frozen shape (see notetypes.py).
NOTE_FIELDS = QUESTION.fields
TEMPLATE_NAME = QUESTION.templates[0].name
GUID_NAMESPACE = "prepdeck"
# Deflate level 1: a third of the time of the default 6 for about a fifth more bytes
# (10,000 questions: 0.5 s and 10.8 MB against 1.4 s and 9.1 MB).
ZIP_LEVEL = 1


def parent_deck_id(slug: str) -> int:
    return stable_id(slug, "deck")


def tier_deck_id(slug: str, tier_id: str) -> int:
    # From the tier id, not its display name, so renaming a tier keeps the id.
    return stable_id(slug, "deck", tier_id)


def note_guid(slug: str, question_id: str, kind: NoteKind = QUESTION) -> str:
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


# -- media ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Media:
    """The images the answers show, as files in the package.

    A file is named by its content's hash, so an edited image gets a new name (and
    its notes a new hash, so the import updates them), and an unchanged one keeps
    its name and is not added twice."""

    names: Mapping[str, str]  # the answer's content-relative path -> media file name
    files: Mapping[str, bytes]  # media file name -> its bytes

    def src(self, path: str) -> str:
        return self.names[path]


def collect_media(bank: Bank, content_dir: Path) -> Media:
    names: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for question in bank.questions:
        for image in iter_images(parse_blocks(question.answer)):
            if image.src in names:
                continue
            data = image_data(bank.images, content_dir, image.src).data
            suffix = Path(image.src).suffix.lower().replace(".jpeg", ".jpg")
            name = f"{bank.slug}-{hashlib.sha256(data).hexdigest()[:20]}{suffix}"
            names[image.src] = name
            files[name] = data
    return Media(names, files)


# -- notes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedNote:
    question: Question
    fields: tuple[str, ...]  # Source holds the bank title; the version comes from the lock
    tags: tuple[str, ...]
    hash: str  # what the lock compares: `hashed` and the tags
    kind: NoteKind = QUESTION
    # The fields as the hash sees them: code blocks as their language and text, not
    # Pygments' spans, so no version of a dependency changes a note's identity.
    hashed: tuple[str, ...] = ()
    legacy_hash: str = ""  # the hash of `fields` and tags, as locks before format 3 had it

    @property
    def key(self) -> str:
        """The note's key in the lock."""
        return lockfile.note_key(self.question.id, self.kind.key)


# Anki reads its own tags out of a card's HTML, wherever they stand (inside <code>
# and attribute values too): `[sound:f]` plays a file, `[anki:tts …]…[/anki:tts]`
# speaks, and `[latex]…[/latex]`, `[$]…[/$]`, `[$$]…[/$$]` become LaTeX images (the
# last three in any case).  Bank text is text: the opening bracket of each is
# written as a character reference, which the card shows as "[" and Anki's patterns
# do not match.  Text without one of these openings renders byte for byte as before.
_ANKI_TAG_OPENING = re.compile(r"\[(?=sound:|anki:tts|latex\]|\$\]|\$\$\])", re.IGNORECASE)


def anki_text(html: str) -> str:
    """`html` with every opening of an Anki media or LaTeX tag made inert."""
    return _ANKI_TAG_OPENING.sub("&#91;", html)


def render_note(bank: Bank, question: Question, media: Media | None = None) -> RenderedNote:
    key_points = "".join(f"<li>{inline_html(parse_inline(p))}</li>" for p in question.key_points)
    refs = "".join(f"<li>{_reference_html(ref)}</li>" for ref in bank.cited(question))
    blocks = parse_blocks(question.answer)
    image_src = media.src if media else _no_media
    answer = blocks_html(blocks, image_src)
    fields = tuple(
        anki_text(field)
        for field in (
            escape(question.id),
            escape(question.label),
            escape(question.tier.name),
            inline_html(parse_inline(question.question)),
            inline_html(parse_inline(question.hint)),
            f"<ul>{key_points}</ul>" if key_points else "",
            answer,
            f"<ul>{refs}</ul>" if refs else "",
            escape(bank.title),
            "",
        )
    )
    hashed: tuple[str, ...] = fields
    if any(isinstance(b, CodeBlock) for b in iter_blocks(blocks)):
        plain_answer = anki_text(blocks_html(blocks, image_src, code_plain_html))
        hashed = (*fields[:_ANSWER], plain_answer, *fields[_ANSWER + 1 :])
    tags = (
        f"bank::{_tag(bank.slug)}",
        f"tier::{_tag(question.tier.id)}",
        *(f"topic::{_tag(t)}" for t in question.tags),
    )
    return _note(question, fields, hashed, tags, QUESTION)


_ANSWER = QUESTION.fields.index("Answer")


def _note(
    question: Question,
    fields: tuple[str, ...],
    hashed: tuple[str, ...],
    tags: tuple[str, ...],
    kind: NoteKind,
) -> RenderedNote:
    digest = _digest([list(hashed), list(tags)])
    legacy = digest if hashed is fields else _digest([list(fields), list(tags)])
    return RenderedNote(question, fields, tags, digest, kind, hashed, legacy)


def as_kind(note: RenderedNote, kind: NoteKind) -> RenderedNote:
    """The note of `kind` for the question of `note` (a question note): the fields
    `kind` has, by name, from the question note's renderings, so every kind shows the
    same text; a field the question note lacks is empty.  The same tags.

    The key-point recall note is `as_kind(note, KEY_POINTS)`: the question on the
    front, the key points to check off on the back.  For the question kind itself
    this is `note` again, with the same hash.
    """
    by_name = dict(zip(QUESTION.fields, note.fields, strict=True))
    fields = tuple(by_name.get(name, "") for name in kind.fields)
    hashed: tuple[str, ...] = fields
    if note.hashed is not note.fields:
        hashed_by_name = dict(zip(QUESTION.fields, note.hashed, strict=True))
        hashed = tuple(hashed_by_name.get(name, "") for name in kind.fields)
        if hashed == fields:
            hashed = fields
    return _note(note.question, fields, hashed, note.tags, kind)


def _no_media(path: str) -> str:
    raise ValueError(f"image {path!r}: rendered without its media")


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
    """Write the deck to `dest`; hand back the report lines and the lock update.

    The lock decides each note's mod time and enforces its rules (`lock.check`);
    this only renders the notes and writes the package."""
    notetypes = [note_type(BY_KEY[key], bank.slug, options.style_dirs) for key in bank.anki_notes]
    media = collect_media(bank, options.content_dir)
    questions = [render_note(bank, q, media) for q in bank.questions]
    notes = [as_kind(n, t.kind) for t in notetypes for n in questions]
    update = lockfile.check(
        lockfile.path_for(options),
        bank,
        timestamp=options.timestamp,
        notetypes={
            t.kind.key: lockfile.NotetypeBuild(t.name, t.shape, t.style_hash, t.legacy_style_hash)
            for t in notetypes
        },
        note_hashes={n.key: n.hash for n in notes},
        legacy_note_hashes={n.key: n.legacy_hash for n in notes},
        update=options.update_lock,
        allow_shape_change=options.allow_notetype_change,
        new_lock=options.new_lock,
    )
    _write_package(dest, bank, notetypes, notes, update.new, options.timestamp, media)
    recall = sum(1 for n in notes if n.kind.key != QUESTION.key)
    summary = count(len(notes), "note")
    if recall:
        summary += (
            f" ({count(len(notes) - recall, 'question')}, {count(recall, 'key-point recall note')})"
        )
    summary += f" in {count(len(bank.tiers), 'tier subdeck')}"
    if media.files:
        summary += f", {count(len(media.files), 'image')}"
    report = [summary, *lockfile.report_lines(update, lambda ids: retired_search(bank.slug, ids))]
    # The lock is replaced together with the artifacts, all or nothing (build.py).
    return WriterResult(
        report=report, files={update.path: update.text} if update.needs_write else {}
    )


def _write_package(
    dest: Path,
    bank: Bank,
    notetypes: Sequence[NoteType],
    notes: Sequence[RenderedNote],
    lock: lockfile.Lock,
    timestamp: int,
    media: Media,
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
        fields[note.kind.fields.index("Source")] = anki_text(
            escape(f"{bank.title} {entry.version}")
        )
        # From the id the question was first built with, so a rename keeps the note.
        guid = note_guid(bank.slug, lock.identity(note.question.id), note.kind)
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
        # the package's media: files named "0", "1", ... and a manifest of their names
        ordered = sorted(media.files)
        manifest = {str(i): name for i, name in enumerate(ordered)}
        entries: dict[str, Path | bytes] = {
            "collection.anki2": db_path,
            "media": json.dumps(manifest, sort_keys=True).encode("utf-8"),
        }
        entries.update((str(i), media.files[name]) for i, name in enumerate(ordered))
        _zip(dest, entries, timestamp)


def _zip(dest: Path, entries: Mapping[str, Path | bytes], timestamp: int) -> None:
    """A zip whose bytes depend only on the entries and `timestamp`."""
    date_time = _zip_date_time(timestamp)
    with zipfile.ZipFile(dest, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the host
            info.external_attr = 0o100644 << 16
            content = entries[name]
            data = content if isinstance(content, bytes) else content.read_bytes()
            # writestr's compresslevel is the public way to set a ZipInfo's level
            # before Python 3.13 (open(info, "w") ignores the archive's compresslevel)
            archive.writestr(info, data, compresslevel=ZIP_LEVEL)


def _zip_date_time(timestamp: int) -> tuple[int, int, int, int, int, int]:
    # Zip dates are local-time fields from 1980 on; use UTC so the host's zone doesn't leak.
    t = time.gmtime(max(timestamp, 315532800))  # 1980-01-01
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def _bank_description(bank: Bank) -> str:
    parts = [f"<p>{escape(bank.description)}</p>"] if bank.description else []
    facts = [f"Version {bank.version}", f"{len(bank.questions)} questions"]
    if bank.reviewed:
        facts.append(f"claims checked {bank.reviewed}")
    if bank.author:
        facts.append(f"by {bank.author}")
    if bank.license:
        facts.append(bank.license)
    parts.append(f"<p>{escape(' · '.join(facts))}</p>")
    if bank.filter_description:
        parts.append(f"<p>{escape('Only ' + bank.filter_description)}</p>")
    parts.append(f"<p>{escape(_TAG_HELP.format(slug=bank.slug))}</p>")
    return anki_text("".join(parts))


_TAG_HELP = (
    "Every note is tagged bank::{slug}, tier::<tier> and topic::<topic>. Re-import a newer "
    "version with the default options: notes that changed are updated, your reviews are kept."
)


def _tier_description(bank: Bank, tier: Tier) -> str:
    count = sum(1 for q in bank.questions if q.tier.id == tier.id)
    questions = "1 question" if count == 1 else f"{count} questions"
    text = f"{tier.name}: {questions} of {bank.title}, version {bank.version}."
    return anki_text(f"<p>{escape(text)}</p>")
