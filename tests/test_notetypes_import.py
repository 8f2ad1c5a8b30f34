"""Upgrades through the real Anki backend: from the deck prepdeck 0.1 shipped (one note
type without ids, no recall cards; tests/fixtures/anki-0.1) to this version, with the
options Anki's import dialog starts with; and a deliberate note type change imported
with "Merge note types"."""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from anki.collection import Collection, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportResponse
from anki.models import NotetypeId
from anki.scheduler.v3 import Scheduler
from anki.scheduler_pb2 import CardAnswer

from anki_helpers import T0, collection, import_package, make_bank, options
from conftest import write_files
from prepdeck import anki, lock, notetypes
from prepdeck.artifacts import BuildOptions
from prepdeck.model import Bank
from prepdeck.validate import validate_content

if TYPE_CHECKING:
    from anki.cards import CardId

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
RELEASED = ROOT / "tests" / "fixtures" / "anki-0.1"
SLUG = "ai-devsecops"
QUESTIONS = 51


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    col = collection(tmp_path / "anki" / "collection.anki2")
    yield col
    col.close()


def review(col: Collection, card_id: CardId) -> tuple[int, int, int, int, int]:
    card = col.get_card(card_id)
    card.start_timer()
    sched = col.sched
    assert isinstance(sched, Scheduler)
    states = col._backend.get_scheduling_states(card.id)
    sched.answer_card(sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))
    card.load()
    return card.type, card.queue, card.due, card.ivl, card.reps


def scheduling(col: Collection, card_id: CardId) -> tuple[int, int, int, int, int]:
    card = col.get_card(card_id)
    return card.type, card.queue, card.due, card.ivl, card.reps


def revlog(col: Collection, card_id: CardId) -> int:
    assert col.db is not None
    return int(col.db.scalar("select count() from revlog where cid = ?", card_id))


def notetype(col: Collection, ntid: int) -> dict[str, Any]:
    col.models._clear_cache()  # the Python side caches note types across imports
    found = col.models.get(NotetypeId(ntid))
    assert found is not None
    return dict(found)


def prepdeck_notetypes(col: Collection) -> list[str]:
    return sorted(n.name for n in col.models.all_names_and_ids() if "prepdeck" in n.name)


def counts(log: ImportResponse.Log) -> tuple[int, int, int, int]:
    return len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)


def released_content(tmp_path: Path) -> Path:
    """This repository's content, with the lock as prepdeck 0.1 left it."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    shutil.copy(RELEASED / "prepdeck.lock", content / "prepdeck.lock")
    return content


def build_from(content: Path, dest: Path, cards: tuple[str, ...], timestamp: int) -> Path:
    result = validate_content(content)
    assert result.bank is not None
    bank = dataclasses.replace(result.bank, anki_notes=cards)
    build_options = BuildOptions(
        timestamp=timestamp, content_dir=content, style_dirs=(ROOT / "styles",)
    )
    written = anki.write_deck(bank, dest, build_options)
    write_files(written)
    return dest


def changed_since_release(content: Path) -> set[str]:
    """Question ids whose rendered note differs from 0.1's (none on this branch; other
    branches may change how fields render, which legitimately updates those notes)."""
    before = lock.read_lock(RELEASED / "prepdeck.lock")
    after = lock.read_lock(content / "prepdeck.lock")
    assert before is not None and after is not None
    return {k for k, e in after.notes.items() if k in before.notes and before.notes[k] != e}


class Studied:
    """The learner's state after using 0.1 for a while: two cards reviewed, a tag."""

    def __init__(self, col: Collection) -> None:
        log = import_package(col, RELEASED / "ai-devsecops.apkg")
        assert counts(log) == (QUESTIONS, 0, 0, 0)
        self.notes = {col.get_note(n)["ID"]: n for n in col.find_notes("")}
        self.guids = {qid: col.get_note(nid).guid for qid, nid in self.notes.items()}
        self.reviewed = {}
        for question_id in ("ai-specific-attack-surface", "prompt-injection-layered-defense"):
            [card_id] = col.find_cards(f'"ID:{question_id}"')
            self.reviewed[card_id] = review(col, card_id)
        # The learner tags every note; Anki replaces the tags of a note an import
        # updates, so the tag must survive on every note the new release left alone.
        col.tags.bulk_add(list(self.notes.values()), "my-weak-spot")
        self.notetype = notetype(col, anki.notetype_id(SLUG))

    def assert_kept(self, col: Collection, changed: set[str]) -> None:
        """The question notes are the same notes, with their history and the user's tag."""
        question_type = anki.notetype_id(SLUG)
        now = {
            col.get_note(n)["ID"]: n for n in col.find_notes(f'"note:prepdeck question ({SLUG})"')
        }
        assert now == self.notes
        assert {qid: col.get_note(nid).guid for qid, nid in now.items()} == self.guids
        assert all(col.get_note(nid).mid == question_type for nid in now.values())
        for card_id, state in self.reviewed.items():
            assert scheduling(col, card_id) == state
            assert revlog(col, card_id) == 1
        unchanged = [nid for qid, nid in self.notes.items() if qid not in changed]
        assert unchanged, "the upgrade must leave some notes alone to test their tags"
        assert all("my-weak-spot" in col.get_note(nid).tags for nid in unchanged)


@pytest.fixture
def studied(col: Collection) -> Studied:
    assert all((RELEASED / name).is_file() for name in ("ai-devsecops.apkg", "prepdeck.lock")), (
        "the 0.1 fixture is missing"
    )
    return Studied(col)


def test_turning_recall_on_adds_recall_notes_and_keeps_everything(
    tmp_path: Path, col: Collection, studied: Studied
) -> None:
    content = released_content(tmp_path)
    # Built after the study session (Anki stamps the tag edit with the clock).
    release = int(time.time()) + 3600
    package = build_from(content, tmp_path / "1.1.apkg", ("question", "key-points"), release)

    log = import_package(col, package)

    changed = changed_since_release(content)
    assert sorted(n.fields[0] for n in log.updated) == sorted(changed)
    assert not log.conflicting
    assert len(log.new) == QUESTIONS
    assert len(log.duplicate) == QUESTIONS - len(changed)
    # no duplicate note type: the question type is the same one, the recall type is new
    assert prepdeck_notetypes(col) == [
        f"prepdeck key points ({SLUG})",
        f"prepdeck question ({SLUG})",
    ]
    studied.assert_kept(col, changed)

    # 51 recall notes, each in its question's subdeck, tagged like its question
    recall_type = notetypes.notetype_id(SLUG, notetypes.KEY_POINTS)
    recall_notes = col.find_notes(f'"note:prepdeck key points ({SLUG})"')
    assert len(recall_notes) == QUESTIONS
    for nid in recall_notes:
        recall = col.get_note(nid)
        assert recall.mid == recall_type
        question = col.get_note(studied.notes[recall["ID"]])
        assert set(recall.tags) == set(question.tags) - {"my-weak-spot"}
        [recall_card] = recall.cards()
        [question_card] = question.cards()
        assert recall_card.did == question_card.did
        assert col.decks.name(recall_card.did).split("::")[-1][:3] in {
            f"{i:02d} " for i in range(1, 7)
        }

    # the question note type now carries prepdeck's field and template ids
    question_type = notetype(col, anki.notetype_id(SLUG))
    built = notetypes.note_type(notetypes.QUESTION, SLUG, [ROOT / "styles"])
    assert [f["id"] for f in question_type["flds"]] == list(built.field_ids)
    assert [t["id"] for t in question_type["tmpls"]] == [t[0] for t in built.templates]

    # Re-importing the same file adds and changes nothing.
    before = notetype(col, anki.notetype_id(SLUG))["mod"], col.note_count(), col.card_count()
    log = import_package(col, package)
    assert counts(log) == (0, 0, 2 * QUESTIONS, 0)
    after = notetype(col, anki.notetype_id(SLUG))["mod"], col.note_count(), col.card_count()
    assert after == before == (before[0], 2 * QUESTIONS, 2 * QUESTIONS)
    studied.assert_kept(col, changed)


def test_with_recall_off_only_the_ids_reach_the_note_type(
    tmp_path: Path, col: Collection, studied: Studied
) -> None:
    content = released_content(tmp_path)
    package = build_from(content, tmp_path / "1.1.apkg", ("question",), int(time.time()) + 3600)

    log = import_package(col, package)

    changed = changed_since_release(content)
    assert sorted(n.fields[0] for n in log.updated) == sorted(changed)
    assert not log.new and not log.conflicting
    assert prepdeck_notetypes(col) == [f"prepdeck question ({SLUG})"]
    studied.assert_kept(col, changed)
    upgraded = notetype(col, anki.notetype_id(SLUG))
    assert upgraded["mod"] > studied.notetype["mod"]  # the ids did reach the collection
    assert all(isinstance(f["id"], int) for f in [*upgraded["flds"], *upgraded["tmpls"]])

    def without_ids(nt: dict[str, Any]) -> dict[str, Any]:
        # The CSS is styling, which releases may change (code colours, the font stack)
        # and which reaches users by the same default import; the rest must not move.
        skip = {"id", "mod", "usn", "originalId", "css"}
        return {
            **{k: v for k, v in nt.items() if k not in skip | {"flds", "tmpls"}},
            "flds": [{k: v for k, v in f.items() if k != "id"} for f in nt["flds"]],
            "tmpls": [{k: v for k, v in t.items() if k != "id"} for t in nt["tmpls"]],
        }

    assert without_ids(upgraded) == without_ids(studied.notetype)
    built = notetypes.note_type(notetypes.QUESTION, SLUG, [ROOT / "styles"])
    assert upgraded["css"] == built.css  # the new styling did arrive


def test_retired_recall_notes_are_found_by_the_reported_search(
    tmp_path: Path, col: Collection
) -> None:
    on = dataclasses.replace(make_bank(), anki_notes=("question", "key-points"))
    result = anki.write_deck(on, tmp_path / "a.apkg", options(tmp_path))
    assert result.files
    write_files(result)
    import_package(col, tmp_path / "a.apkg")
    off = anki.write_deck(make_bank(), tmp_path / "b.apkg", options(tmp_path, T0 + 60))
    [line] = [n for n in off.report if n.startswith("find them in Anki's browser: ")]
    search = line.removeprefix("find them in Anki's browser: ")
    found = col.find_notes(search)
    assert len(found) == 5
    assert {col.get_note(n).note_type()["name"] for n in found} == {  # type: ignore[index]
        "prepdeck key points (test-bank)"
    }
    log = import_package(col, tmp_path / "b.apkg")
    assert counts(log) == (0, 0, 5, 0)  # Anki keeps them until the user deletes them


def test_a_deliberate_shape_change_imports_with_merge_note_types(
    tmp_path: Path, col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = anki.write_deck(make_bank(), tmp_path / "1.apkg", options(tmp_path))
    assert first.files
    write_files(first)
    import_package(col, tmp_path / "1.apkg")
    [card_id] = col.find_cards('"ID:what-is-ci"')
    state = review(col, card_id)
    notes = {col.get_note(n)["ID"]: n for n in col.find_notes("")}

    # A later prepdeck adds a field to the question note type, on purpose.
    grown = dataclasses.replace(notetypes.QUESTION, fields=(*notetypes.QUESTION.fields, "Mnemonic"))
    monkeypatch.setitem(notetypes.BY_KEY, "question", grown)
    bank: Bank = make_bank(version="2.0.0")
    second = anki.write_deck(
        bank,
        tmp_path / "2.apkg",
        options(tmp_path, int(time.time()) + 3600, allow_notetype_change=True),
    )
    assert second.files
    write_files(second)

    # What the guard warns about: the default import duplicates the note type...
    other = collection(tmp_path / "other" / "collection.anki2")
    try:
        import_package(other, tmp_path / "1.apkg")
        log = import_package(other, tmp_path / "2.apkg")
        assert len(log.conflicting) == 5 and not log.updated
        assert prepdeck_notetypes(other) == [
            "prepdeck question (test-bank)",
            "prepdeck question (test-bank)+",
        ]
    finally:
        other.close()

    # ...and what the release notes tell users to do keeps everything.
    presets = col._backend.get_import_anki_package_presets()
    presets.merge_notetypes = True
    request = ImportAnkiPackageRequest(package_path=str(tmp_path / "2.apkg"), options=presets)
    log = col.import_anki_package(request).log
    assert not log.conflicting and not log.new
    assert prepdeck_notetypes(col) == ["prepdeck question (test-bank)"]
    merged = notetype(col, anki.notetype_id("test-bank"))
    assert [f["name"] for f in merged["flds"]] == list(grown.fields)
    assert {col.get_note(n)["ID"]: n for n in col.find_notes("")} == notes
    assert scheduling(col, card_id) == state and revlog(col, card_id) == 1
