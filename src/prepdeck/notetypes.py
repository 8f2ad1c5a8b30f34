"""The deck's note types: what they are called, their fields and templates, and the
ids that let Anki recognise them across releases.

A note type's *shape* is its field names and template names, in order (`lock.Shape`;
Anki's own code calls it the schema, a word prepdeck keeps for JSON Schema).  Anki's
import compares exactly that: a package whose note type has the same id but another
shape becomes a duplicate note type ("... +") with the default options, and the
notes users already have stop receiving updates.  So the shapes here are frozen,
and the lock (`prepdeck.lock`) records them, so that a change fails the build unless it is
made on purpose (`--allow-notetype-change`, see `anki.py`).

Everything else (the note type's name, template text, CSS) is *styling*: it may
change in any release and reaches users with the default import.

Field and template ids.  Since 2.1.67 (the "Merge note types" import option) Anki
gives every field and template a random signed 64-bit `id`, stored as `"id"` in each
entry of the note type's `flds` and `tmpls`, and merges note types by those ids,
falling back to names when either side has none.  Ours are derived from the bank
slug, the note type and the field or template name, so every build gives the same
ids, and a user who merges gets our fields matched to theirs.  genanki 0.13 has no
notion of them; it passes unknown keys of the field and template dicts through to
the collection's JSON unchanged, which is all this needs (no SQL patching).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import genanki

from prepdeck.lock import Shape
from prepdeck.style_folders import read_text, style_files
from prepdeck.text import CODE_CLASS_PREFIX, DARK_CODE_STYLE, LIGHT_CODE_STYLE, code_css

NAMESPACE = "prepdeck"
CSS_FILE = "anki.css"  # every note type's style; a kind may add its own after it


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    front_file: str
    back_file: str


@dataclass(frozen=True, slots=True)
class NoteKind:
    """One kind of note the deck can hold: its note type's frozen shape and where its
    templates come from.  `key` is the name `bank.yaml` uses in `cards:`."""

    key: str
    name: str  # shown in Anki as "<name> (<slug>)"
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    css_files: tuple[str, ...] = (CSS_FILE,)

    @property
    def shape(self) -> Shape:
        return Shape(self.fields, tuple(t.name for t in self.templates))


# Frozen.  Renaming, adding, removing or reordering a field or template changes the
# shape; see the module docstring.  Add meaning to `Spare` instead of adding a field.
QUESTION = NoteKind(
    key="question",
    name="prepdeck question",
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
    templates=(Template("Question", "anki-front.html", "anki-back.html"),),
)

# A second note type rather than a second template of the first: adding a template to
# an existing note type is a shape change, so turning recall cards on would break
# every user's updates.  A new note type is simply added by the default import.
KEY_POINTS = NoteKind(
    key="key-points",
    name="prepdeck key points",
    fields=("ID", "Label", "Tier", "Question", "KeyPoints", "Source", "Spare"),
    templates=(Template("Key points", "anki-recall-front.html", "anki-recall-back.html"),),
    css_files=(CSS_FILE, "anki-recall.css"),
)

NOTE_KINDS = (QUESTION, KEY_POINTS)
BY_KEY = {kind.key: kind for kind in NOTE_KINDS}


def stable_id(*names: str) -> int:
    """An Anki object id (note type, deck) from names: the same names, the same id.

    In genanki's recommended range, far below the millisecond timestamps Anki gives
    the objects it creates itself, so it never collides with them.
    """
    digest = hashlib.sha256("\x1f".join((NAMESPACE, *names)).encode("utf-8")).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def part_id(slug: str, kind: NoteKind, part: str, name: str) -> int:
    """A field or template id: a signed 64-bit integer, like the random ones Anki makes."""
    key = "\x1f".join((NAMESPACE, slug, kind.name, part, name)).encode("utf-8")
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big", signed=True)


def notetype_id(slug: str, kind: NoteKind = QUESTION) -> int:
    return stable_id(slug, "notetype", kind.name)


@dataclass(frozen=True, slots=True)
class NoteType:
    """A note type as built: its kind, with the bank's ids, template text and CSS."""

    kind: NoteKind
    id: int
    name: str
    field_ids: tuple[int, ...]
    templates: tuple[tuple[int, str, str], ...]  # (id, front, back) per template
    css: str
    # `css` with the code colours as `CODE_CSS_HASHED` names them rather than as the
    # installed Pygments writes them: what the lock hashes
    hashed_css: str = ""

    @property
    def shape(self) -> Shape:
        return self.kind.shape

    @property
    def style_hash(self) -> str:
        """Everything but the shape that users see or Anki stores, as prepdeck defines
        it (the code colours by their Pygments style names, not Pygments' CSS): a
        change moves the note type's mod forward, so the default import takes it."""
        return _digest(
            [self.name, list(self.field_ids), [list(t) for t in self.templates], self.hashed_css]
        )

    @property
    def legacy_style_hash(self) -> str:
        """The styling hash of locks before format 3, over the CSS as written."""
        return _digest(
            [self.name, list(self.field_ids), [list(t) for t in self.templates], self.css]
        )

    def genanki_model(self) -> genanki.Model:
        # Fresh dicts every time: genanki's Model.to_json mutates what it is given.
        fields: list[dict[str, Any]] = [
            {"name": name, "id": field_id}
            for name, field_id in zip(self.kind.fields, self.field_ids, strict=True)
        ]
        templates: list[dict[str, Any]] = [
            {"name": template.name, "id": template_id, "qfmt": front, "afmt": back}
            for template, (template_id, front, back) in zip(
                self.kind.templates, self.templates, strict=True
            )
        ]
        return genanki.Model(
            model_id=self.id,
            name=self.name,
            fields=fields,
            templates=templates,
            css=self.css,
            sort_field_index=0,
        )


def note_type(kind: NoteKind, slug: str, style_dirs: Sequence[Path]) -> NoteType:
    """The note type of `kind` for bank `slug`, with the default templates and CSS,
    overridden by style folders (a template file replaces the default; CSS is
    appended)."""
    return NoteType(
        kind=kind,
        id=notetype_id(slug, kind),
        name=f"{kind.name} ({slug})",
        field_ids=tuple(part_id(slug, kind, "field", name) for name in kind.fields),
        templates=tuple(
            (
                part_id(slug, kind, "template", t.name),
                _template(t.front_file, style_dirs),
                _template(t.back_file, style_dirs),
            )
            for t in kind.templates
        ),
        css=_css(kind, style_dirs, CODE_CSS),
        hashed_css=_css(kind, style_dirs, CODE_CSS_HASHED),
    )


# Pygments token colours for code blocks: a light style, and a dark one in night
# mode (desktop and AnkiMobile mark it with .nightMode, AnkiDroid with .night_mode).
CODE_SCOPES = {
    "light": (".pd .code",),
    "dark": (".nightMode .pd .code", ".night_mode .pd .code"),
}
CODE_CSS = code_css(**CODE_SCOPES)
# What the lock hashes in CODE_CSS's place: the styles and selectors that define it
# (a change to them changes the hash), not the rules a Pygments version generates.
CODE_CSS_HASHED = (
    f"/* Pygments {LIGHT_CODE_STYLE} / {DARK_CODE_STYLE}, classes {CODE_CLASS_PREFIX}*, "
    f"under {CODE_SCOPES} */\n"
)


def _css(kind: NoteKind, style_dirs: Sequence[Path], code: str) -> str:
    """Each of the kind's CSS files, the default first and then each style folder's
    (whose rules win); the code colours follow the default base style, so a style
    folder can override them too."""
    parts: list[str] = []
    for name in kind.css_files:
        default, *overrides = style_files(name, style_dirs)
        parts.append(read_text(default))
        if name == CSS_FILE:
            parts.append(code)
        parts.extend(read_text(p) for p in overrides)
    return "\n".join(parts)


def _template(name: str, style_dirs: Sequence[Path]) -> str:
    return read_text(style_files(name, style_dirs)[-1]).strip()


def _digest(value: object) -> str:
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]
