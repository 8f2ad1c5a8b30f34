"""Bank -> .apkg: one note per question, a subdeck per tier, identity that survives edits.

What users keep across releases depends on three things decided here:

- a note's GUID comes from the bank slug and the question id alone;
- the note type (fields, templates, CSS) is one, frozen, with an id from the slug;
- each note's `mod` comes from the lock file (`lock.py`), so it moves forward exactly
  when the note's rendered content changes, and Anki's "update if newer" import
  touches only those notes (an update replaces a note's tags).

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
from prepdeck.artifacts import BuildOptions, WriterResult
from prepdeck.model import Bank, Question, Reference, Tier
from prepdeck.styles import style_files
from prepdeck.text import (
    blocks_html,
    code_css,
    inline_html,
    is_safe_url,
    iter_images,
    parse_blocks,
    parse_inline,
)

# Frozen.  Anki treats any change to the field or template names as a different note
# type: users would get a duplicate note type and no more updates.  Add meaning to
# `Spare` instead of adding a field.
NOTE_FIELDS = (
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
)
TEMPLATE_NAME = "Question"
NOTETYPE_NAME = "prepdeck question"  # shown as "prepdeck question (<slug>)"
GUID_NAMESPACE = "prepdeck"
FRONT_TEMPLATE = "anki-front.html"
BACK_TEMPLATE = "anki-back.html"
CSS_FILE = "anki.css"
_SOURCE = NOTE_FIELDS.index("Source")
# Deflate level 1: a third of the time of the default 6 for about a fifth more bytes
# (10,000 questions: 0.5 s and 10.8 MB against 1.4 s and 9.1 MB).
ZIP_LEVEL = 1


def stable_id(*names: str) -> int:
    """An Anki object id from names: the same names always give the same id.

    In genanki's recommended range, far below the millisecond timestamps Anki gives
    the objects it creates itself, so it never collides with them.
    """
    digest = hashlib.sha256("\x1f".join((GUID_NAMESPACE, *names)).encode("utf-8")).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def notetype_id(slug: str) -> int:
    return stable_id(slug, "notetype", NOTETYPE_NAME)


def parent_deck_id(slug: str) -> int:
    return stable_id(slug, "deck")


def tier_deck_id(slug: str, tier_id: str) -> int:
    # From the tier id, not its display name, so renaming a tier keeps the id.
    return stable_id(slug, "deck", tier_id)


def note_guid(slug: str, question_id: str) -> str:
    """Namespaced so two banks never collide; no text goes in, so edits keep it."""
    return str(genanki.guid_for(GUID_NAMESPACE, slug, question_id))


def retired_search(slug: str, question_ids: Sequence[str]) -> str:
    """A search for Anki's browser that finds these questions' notes, to delete them."""
    ids = " OR ".join(f'"ID:{_search_escape(i)}"' for i in question_ids)
    return f'"tag:bank::{_search_escape(_tag(slug))}" ({ids})'


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


# -- the note type -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteType:
    id: int
    name: str
    front: str
    back: str
    css: str

    @property
    def hash(self) -> str:
        return _digest(
            [self.name, list(NOTE_FIELDS), TEMPLATE_NAME, self.front, self.back, self.css]
        )

    def genanki_model(self) -> genanki.Model:
        # Fresh dicts every time: genanki's Model.to_json mutates what it is given.
        return genanki.Model(
            model_id=self.id,
            name=self.name,
            fields=[{"name": name} for name in NOTE_FIELDS],
            templates=[{"name": TEMPLATE_NAME, "qfmt": self.front, "afmt": self.back}],
            css=self.css,
            sort_field_index=0,
        )


def note_type(bank: Bank, style_dirs: Sequence[Path]) -> NoteType:
    """The note type with the default templates and CSS, overridden by style folders
    (a template file replaces the default; CSS is appended)."""
    return NoteType(
        id=notetype_id(bank.slug),
        name=f"{NOTETYPE_NAME} ({bank.slug})",
        front=_template(FRONT_TEMPLATE, style_dirs),
        back=_template(BACK_TEMPLATE, style_dirs),
        css=_css(style_dirs),
    )


# Pygments token colours for code blocks: a light style, and a dark one in night
# mode (desktop and AnkiMobile mark it with .nightMode, AnkiDroid with .night_mode).
CODE_CSS = code_css(
    light=(".pd .code",),
    dark=(".nightMode .pd .code", ".night_mode .pd .code"),
)


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
            data = (content_dir / image.src).read_bytes()
            suffix = Path(image.src).suffix.lower().replace(".jpeg", ".jpg")
            name = f"{bank.slug}-{hashlib.sha256(data).hexdigest()[:20]}{suffix}"
            names[image.src] = name
            files[name] = data
    return Media(names, files)


def _css(style_dirs: Sequence[Path]) -> str:
    """The default CSS, then the code colours, then each style folder's CSS (whose
    rules win)."""
    default, *overrides = style_files(CSS_FILE, style_dirs)
    return "\n".join(
        [
            default.read_text(encoding="utf-8"),
            CODE_CSS,
            *(p.read_text(encoding="utf-8") for p in overrides),
        ]
    )


def _template(name: str, style_dirs: Sequence[Path]) -> str:
    return style_files(name, style_dirs)[-1].read_text(encoding="utf-8").strip()


# -- notes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedNote:
    question: Question
    fields: tuple[str, ...]  # Source holds the bank title; the version comes from the lock
    tags: tuple[str, ...]
    hash: str


def render_note(bank: Bank, question: Question, media: Media | None = None) -> RenderedNote:
    key_points = "".join(f"<li>{inline_html(parse_inline(p))}</li>" for p in question.key_points)
    refs = "".join(f"<li>{_reference_html(ref)}</li>" for ref in bank.cited(question))
    fields = (
        escape(question.id),
        escape(question.label),
        escape(question.tier.name),
        inline_html(parse_inline(question.question)),
        inline_html(parse_inline(question.hint)),
        f"<ul>{key_points}</ul>" if key_points else "",
        blocks_html(parse_blocks(question.answer), media.src if media else _no_media),
        f"<ul>{refs}</ul>" if refs else "",
        escape(bank.title),
        "",
    )
    tags = (
        f"bank::{_tag(bank.slug)}",
        f"tier::{_tag(question.tier.id)}",
        *(f"topic::{_tag(t)}" for t in question.tags),
    )
    return RenderedNote(question, fields, tags, _digest([list(fields), list(tags)]))


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
    notetype = note_type(bank, options.style_dirs)
    media = collect_media(bank, options.content_dir)
    notes = [render_note(bank, q, media) for q in bank.questions]
    update = lockfile.check(
        lockfile.path_for(options),
        bank,
        timestamp=options.timestamp,
        notetype_hash=notetype.hash,
        note_hashes={n.question.id: n.hash for n in notes},
        update=options.update_lock,
    )
    _write_package(dest, bank, notetype, notes, update.new, options.timestamp, media)
    summary = f"{len(bank.questions)} notes in {len(bank.tiers)} tier subdecks"
    if media.files:
        summary += f", {len(media.files)} images"
    report = [summary, *lockfile.report_lines(update, lambda ids: retired_search(bank.slug, ids))]
    return WriterResult(notes=report, finalize=update.write if update.needs_write else None)


def _write_package(
    dest: Path,
    bank: Bank,
    notetype: NoteType,
    notes: Sequence[RenderedNote],
    lock: lockfile.Lock,
    timestamp: int,
    media: Media,
) -> None:
    model = notetype.genanki_model()
    names = deck_names(bank)
    parent = genanki.Deck(parent_deck_id(bank.slug), bank.title, _bank_description(bank))
    tier_decks = {
        t.id: genanki.Deck(tier_deck_id(bank.slug, t.id), names[t.id], _tier_description(bank, t))
        for t in bank.tiers
    }
    mods: dict[str, int] = {}
    for note in notes:
        entry = lock.notes[note.question.id]
        fields = list(note.fields)
        fields[_SOURCE] = escape(f"{bank.title} {entry.version}")
        guid = note_guid(bank.slug, note.question.id)
        mods[guid] = entry.mod
        tier_decks[note.question.tier.id].add_note(
            genanki.Note(model=model, fields=fields, tags=list(note.tags), guid=guid)
        )
    package = genanki.Package([parent, *tier_decks.values()])
    assert lock.notetype is not None

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
            # genanki stamps every note and the note type with `timestamp`; put back
            # the times the lock keeps, so unchanged notes look unchanged to Anki.
            rows = cursor.execute("SELECT id, guid FROM notes").fetchall()
            cursor.executemany(
                "UPDATE notes SET mod = ? WHERE id = ?", [(mods[guid], nid) for nid, guid in rows]
            )
            (models_json,) = cursor.execute("SELECT models FROM col").fetchone()
            models = json.loads(models_json)
            models[str(notetype.id)]["mod"] = lock.notetype.mod
            cursor.execute("UPDATE col SET models = ?", (json.dumps(models, sort_keys=True),))
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
