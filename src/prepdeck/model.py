"""The typed core: a validated question bank as frozen dataclasses.

Nothing here knows about YAML, Anki or reportlab.  `build_bank` turns the plain
data of documents that passed validation into a `Bank`; renderers only ever see a
`Bank`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from prepdeck.images import ImageData

# Slugs and ids: lowercase letters and digits in words joined by single hyphens (the
# schemas' id pattern).  fullmatch, so a trailing newline is not let through.
_KEBAB_CASE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_kebab_case(text: str) -> bool:
    """Whether `text` is a valid slug or id: "k8s-security", not "K8s", "a--b" or "a\\n"."""
    return _KEBAB_CASE.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where something was written, 1-based, so renderers can name it in errors."""

    path: Path
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Tier:
    id: str
    name: str
    position: int  # 1-based, the order bank.yaml declares
    expected: int | None = None


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Reference:
    key: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    tier: Tier
    number: int  # 1-based position in the whole bank; stays the same under filters
    position: int  # 1-based position within its tier
    question: str  # inline Markdown
    hint: str  # inline Markdown
    key_points: tuple[str, ...]  # inline Markdown each
    answer: str  # block Markdown
    tags: tuple[str, ...]  # topic ids
    refs: tuple[str, ...]  # reference keys
    source: SourceLocation | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """The number people see, the same in the deck, the booklet and the cards.

        Numbered within the tier ("Q2.3": tier 2, question 3), so a question added at
        the end of a tier renumbers nothing, and no other note changes in Anki.
        """
        return f"Q{self.tier.position}.{self.position}"


# What `anki_notes:` in bank.yaml may list: a question's own note, and its key-point
# recall note.  The schema's enum lists the same names (a test checks).
ANKI_NOTES = ("question", "key-points")
DEFAULT_ANKI_NOTES = ("question",)


@dataclass(frozen=True, slots=True)
class Bank:
    title: str
    slug: str
    version: str
    description: str
    author: str
    license: str
    language: str
    tiers: tuple[Tier, ...]
    topics: tuple[Topic, ...]
    references: tuple[Reference, ...]
    questions: tuple[Question, ...]
    # When the answers' claims were last checked (bank.yaml `reviewed:`, YYYY-MM-DD), or "".
    reviewed: str = ""
    # Each output's own words about the bank (bank.yaml `blurbs:`): (output, Markdown).
    blurbs: tuple[tuple[str, str], ...] = ()
    # The kinds of Anki note each question yields (bank.yaml `anki_notes:`, once
    # `cards:`), from ANKI_NOTES.
    anki_notes: tuple[str, ...] = DEFAULT_ANKI_NOTES
    # Set by `filtered`: a partial build leaves the lock's other ids alone instead of
    # retiring them, and title pages say what was left out.
    partial: bool = False
    filter_description: str | None = None  # for display only
    # The answers' images as validation read and checked them (images.py), by the
    # path an answer names; the writers embed these bytes, never a second read.
    images: Mapping[str, ImageData] = field(default_factory=dict, repr=False, compare=False)
    _reference_index: Mapping[str, Reference] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # Built once per bank (writers look references up for every question).
        object.__setattr__(self, "_reference_index", {r.key: r for r in self.references})

    def tier(self, tier_id: str) -> Tier:
        for tier in self.tiers:
            if tier.id == tier_id:
                return tier
        raise KeyError(tier_id)

    def questions_in(self, tier: Tier | str) -> tuple[Question, ...]:
        tier_id = tier if isinstance(tier, str) else tier.id
        return tuple(q for q in self.questions if q.tier.id == tier_id)

    def blurb(self, output: str) -> str:
        """What `output` ("booklet", "quiz", "site") says about the bank: its blurb, else
        the description."""
        return dict(self.blurbs).get(output) or self.description

    def cited(self, question: Question) -> tuple[Reference, ...]:
        """The references `question` cites, in its order (keys the registry lacks are
        skipped; a validated bank has none)."""
        index = self._reference_index
        return tuple(index[key] for key in question.refs if key in index)

    def filtered(self, *, tiers: Sequence[str] = (), topics: Sequence[str] = ()) -> Bank:
        """The questions in any of `tiers` tagged with any of `topics` (empty means all).

        Question numbers are kept, so a filtered booklet still matches the deck.
        """
        if not tiers and not topics:
            return self
        wanted_tiers, wanted_topics = set(tiers), set(topics)
        questions = tuple(
            q
            for q in self.questions
            if (not wanted_tiers or q.tier.id in wanted_tiers)
            and (not wanted_topics or wanted_topics.intersection(q.tags))
        )
        parts = []
        if tiers:
            parts.append("tier " + ", ".join(self.tier(t).name for t in tiers))
        if topics:
            parts.append("topic " + ", ".join(topics))
        kept_tiers = tuple(t for t in self.tiers if any(q.tier.id == t.id for q in questions))
        return replace(
            self,
            questions=questions,
            tiers=kept_tiers,
            partial=True,
            filter_description="; ".join(parts),
        )


def build_bank(
    bank_data: Mapping[str, Any],
    tier_questions: Iterable[tuple[str, Mapping[str, Any], SourceLocation | None]],
) -> Bank:
    """Build the model from validated plain data.

    `tier_questions` yields (tier id, question mapping, where it was written) in file
    order; questions are put in the order the bank declares its tiers.
    """
    tiers = tuple(
        Tier(
            id=str(t["id"]),
            name=str(t["name"]),
            position=i,
            expected=None if t.get("expected") is None else int(t["expected"]),
        )
        for i, t in enumerate(bank_data["tiers"], start=1)
    )
    by_id = {t.id: t for t in tiers}
    grouped: dict[str, list[tuple[Mapping[str, Any], SourceLocation | None]]] = {
        t.id: [] for t in tiers
    }
    for tier_id, data, where in tier_questions:
        grouped[tier_id].append((data, where))
    questions: list[Question] = []
    for tier in tiers:
        for position, (data, where) in enumerate(grouped[tier.id], start=1):
            questions.append(
                Question(
                    id=data["id"],
                    tier=by_id[tier.id],
                    number=len(questions) + 1,
                    position=position,
                    question=data["question"].strip(),
                    hint=data["hint"].strip(),
                    key_points=tuple(p.strip() for p in data["key_points"]),
                    answer=data["answer"].strip(),
                    tags=tuple(data.get("tags", ())),
                    refs=tuple(data.get("refs", ())),
                    source=where,
                )
            )
    return Bank(
        title=bank_data["title"],
        slug=bank_data["slug"],
        version=str(bank_data["version"]),
        description=bank_data.get("description", "").strip(),
        author=bank_data.get("author", ""),
        license=bank_data.get("license", ""),
        reviewed=bank_data.get("reviewed", ""),
        blurbs=tuple((str(k), str(v).strip()) for k, v in bank_data.get("blurbs", {}).items()),
        language=bank_data.get("language", "en"),
        tiers=tiers,
        topics=tuple(Topic(id=t["id"], name=t["name"]) for t in bank_data.get("topics", ())),
        references=tuple(
            Reference(key=r["key"], title=r["title"], url=r["url"])
            for r in bank_data.get("references", ())
        ),
        questions=tuple(questions),
        anki_notes=tuple(bank_data.get("anki_notes", bank_data.get("cards", DEFAULT_ANKI_NOTES))),
    )
