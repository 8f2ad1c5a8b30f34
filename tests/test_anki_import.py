"""Round trips through the real Anki backend, with the import options users get by
default: what a learner sees on a fresh import, and what survives a release upgrade."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition
from anki.models import NotetypeId
from anki.scheduler.v3 import Scheduler
from anki.scheduler_pb2 import CardAnswer

from anki_helpers import T0, collection, import_package, make_bank, options
from conftest import write_files
from prepdeck import anki
from prepdeck.model import Bank

if TYPE_CHECKING:  # anki.cards imported before anki.collection is a circular import
    from anki.cards import CardId
    from anki.notes import NoteId

pytestmark = pytest.mark.slow


def build(tmp_path: Path, name: str, bank: Bank | None = None, **changes: Any) -> Path:
    dest = tmp_path / name
    result = anki.write_deck(bank or make_bank(), dest, options(tmp_path, **changes))
    if result.files:
        write_files(result)
    return dest


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    col = collection(tmp_path / "anki" / "collection.anki2")
    yield col
    col.close()


def note_for(col: Collection, question_id: str) -> NoteId:
    [nid] = col.find_notes(f'"ID:{question_id}"')
    return nid


def card_for(col: Collection, question_id: str) -> CardId:
    [cid] = col.find_cards(f'"ID:{question_id}"')
    return cid


def test_the_default_import_options_are_update_if_newer(col: Collection) -> None:
    # The tests import with whatever Anki's dialog presets are; pin what they mean.
    presets = col._backend.get_import_anki_package_presets()
    assert presets == ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        update_notetypes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        with_scheduling=False,
        with_deck_configs=False,
    )


def test_a_fresh_import(tmp_path: Path, col: Collection) -> None:
    log = import_package(col, build(tmp_path, "deck.apkg"))
    assert len(log.new) == 5
    assert not (log.updated or log.duplicate or log.conflicting)

    # subdecks, in tier order as Anki lists them
    [parent] = [d for d in col.decks.deck_tree().children if d.name == "Test Bank"]
    assert [child.name for child in parent.children] == [
        "01 Beginner",
        "02 Intermediate",
        "03 Advanced",
    ]
    per_deck = {
        child.name: len(col.find_cards(f'"deck:Test Bank::{child.name}"'))
        for child in parent.children
    }
    assert per_deck == {"01 Beginner": 2, "02 Intermediate": 2, "03 Advanced": 1}
    assert "Version 1.0.0" in col.decks.by_name("Test Bank")["desc"]  # type: ignore[index]

    # tags
    assert len(col.find_notes("tag:bank::test-bank")) == 5
    assert len(col.find_notes("tag:tier::intermediate")) == 2
    assert len(col.find_notes("tag:topic::secrets")) == 3
    assert col.find_notes("tag:tier::beginner") == col.find_notes('"deck:Test Bank::01 Beginner"')

    # the one note type, with the frozen fields
    notetype = col.models.get(NotetypeId(anki.notetype_id("test-bank")))
    assert notetype is not None
    assert [f["name"] for f in notetype["flds"]] == list(anki.NOTE_FIELDS)
    assert notetype["mod"] == T0

    # what a learner sees
    card = col.get_card(card_for(col, "what-is-a-secret"))
    question, answer = card.question(), card.answer()
    assert "What is a <strong>secret</strong>?" in question
    assert "Q1.1" in question and "Beginner" in question
    assert "Credentials that grant access." not in question
    assert "Credentials that grant access." in answer
    assert answer.index("Credentials that grant access.") < answer.index("<li>API keys</li>")
    assert answer.index("<li>API keys</li>") < answer.index("A secret is a credential.")
    assert '<a href="https://owasp.org/">OWASP Top 10 &amp; more</a>' in answer


def test_hostile_text_shows_literally(tmp_path: Path, col: Collection) -> None:
    import_package(col, build(tmp_path, "deck.apkg"))
    card = col.get_card(card_for(col, "hostile-text"))
    question, answer = card.question(), card.answer()
    assert "a &lt; b &amp;&amp; c" in question
    assert "List&lt;String&gt;" in question
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer
    assert "&lt;img src=x onerror=alert(1)&gt;" in answer
    assert "<code>List&lt;String&gt;</code>" in answer
    for live in ("<script>alert", "<img src=x", "<String>", 'javascript:alert(1)"'):
        assert live not in question + answer
    assert 'href="javascript' not in answer


def test_reimporting_the_same_package_changes_nothing(tmp_path: Path, col: Collection) -> None:
    package = build(tmp_path, "deck.apkg")
    import_package(col, package)
    log = import_package(col, package)
    assert not log.new and not log.updated and not log.conflicting
    assert len(log.duplicate) == 5
    assert col.note_count() == 5


def test_a_release_upgrade_updates_only_the_edited_note(tmp_path: Path, col: Collection) -> None:
    import_package(col, build(tmp_path, "1.0.0.apkg"))

    # The learner studies the card that is going to change...
    studied = col.get_card(card_for(col, "what-is-ci"))
    studied.start_timer()
    states = col._backend.get_scheduling_states(studied.id)
    sched = col.sched
    assert isinstance(sched, Scheduler)
    sched.answer_card(sched.build_answer(card=studied, states=states, rating=CardAnswer.GOOD))
    studied.load()
    scheduling = (studied.type, studied.queue, studied.due, studied.ivl, studied.reps)
    assert studied.reps == 1
    # ...and tags a note that is not.
    untouched = note_for(col, "rotate-keys")
    col.tags.bulk_add([untouched], "my-weak-spot")

    # The next release is built after that study session.  (Anki stamps the tag edit
    # with the clock, so a release older than it would never update the note anyway.)
    release = int(time.time()) + 3600
    edited = make_bank(
        version="1.1.0",
        reviewed="2026-11-30",
        edits={"what-is-ci": {"question": "What is continuous integration?"}},
    )
    log = import_package(col, build(tmp_path, "1.1.0.apkg", edited, timestamp=release))

    assert [n.fields[0] for n in log.updated] == ["what-is-ci"]
    assert not log.new and not log.conflicting
    assert col.note_count() == 5 and col.card_count() == 5
    assert (
        "What is continuous integration?" in col.get_note(note_for(col, "what-is-ci"))["Question"]
    )
    # the history and the scheduling of the updated note's card are intact
    studied.load()
    assert (studied.type, studied.queue, studied.due, studied.ivl, studied.reps) == scheduling
    assert col.db is not None
    assert col.db.scalar("select count() from revlog where cid = ?", studied.id) == 1
    # the user's tag on the untouched note survives
    assert "my-weak-spot" in col.get_note(untouched).tags
    # the deck description says which version this is
    description = col.decks.by_name("Test Bank")["desc"]  # type: ignore[index]
    assert "Version 1.1.0" in description and "claims checked 2026-11-30" in description


def test_an_edit_with_an_unchanged_epoch_still_reaches_users(
    tmp_path: Path, col: Collection
) -> None:
    import_package(col, build(tmp_path, "a.apkg"))
    edited = make_bank(edits={"what-is-ci": {"hint": "Changed."}})
    log = import_package(col, build(tmp_path, "b.apkg", edited, timestamp=T0))
    assert [n.fields[0] for n in log.updated] == ["what-is-ci"]


def test_a_css_only_change_reaches_the_collection(tmp_path: Path, col: Collection) -> None:
    import_package(col, build(tmp_path, "a.apkg"))
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "anki.css").write_text(".pd-question { color: rebeccapurple; }\n")
    package = build(tmp_path, "b.apkg", style_dirs=(styles,), timestamp=T0 + 60)
    log = import_package(col, package)
    assert not log.updated and not log.new
    notetype = col.models.get(NotetypeId(anki.notetype_id("test-bank")))
    assert notetype is not None
    assert "rebeccapurple" in notetype["css"]
    assert "rebeccapurple" in col.get_card(card_for(col, "what-is-ci")).question()


def test_a_template_change_reaches_the_collection(tmp_path: Path, col: Collection) -> None:
    import_package(col, build(tmp_path, "a.apkg"))
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "anki-back.html").write_text("{{FrontSide}}<hr id=answer>ONLY THE HINT {{Hint}}")
    import_package(col, build(tmp_path, "b.apkg", style_dirs=(styles,), timestamp=T0 + 60))
    assert "ONLY THE HINT" in col.get_card(card_for(col, "what-is-ci")).answer()


def test_removed_questions_stay_until_the_user_deletes_them(
    tmp_path: Path, col: Collection
) -> None:
    import_package(col, build(tmp_path, "a.apkg"))
    log = import_package(
        col, build(tmp_path, "b.apkg", make_bank(drop=["rotate-keys"]), timestamp=T0 + 60)
    )
    assert not log.updated and not log.new
    assert col.note_count() == 5  # Anki never deletes on import; the README says how
    search = anki.retired_search("test-bank", ["rotate-keys", "what_is*gone"])
    assert col.find_notes(search) == [note_for(col, "rotate-keys")]
