"""Note types that can evolve: stable field and template ids, key-point recall notes,
the lock's record of note type shapes and the guard against shape changes (without Anki; the
round trips through the real backend are in test_notetypes_import.py)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import genanki
import pytest
from hypothesis import given
from hypothesis import strategies as st

from anki_helpers import T0, make_bank, options
from conftest import write_files
from prepdeck import anki, lock, notetypes, schema
from prepdeck.artifacts import BuildOptions
from prepdeck.errors import BuildError
from prepdeck.model import ANKI_NOTES, Bank
from prepdeck.release import MERGE_NOTE_TYPES, Changes, notes_text

RECALL = ("question", "key-points")
SLUG = "test-bank"


def write(
    tmp_path: Path,
    name: str = "deck.apkg",
    *,
    bank: Bank | None = None,
    timestamp: int = T0,
    **changes: Any,
) -> tuple[Path, list[str]]:
    dest = tmp_path / name
    result = anki.write_deck(bank or make_bank(), dest, options(tmp_path, timestamp, **changes))
    write_files(result)
    return dest, result.report


def package(apkg: Path, tmp_path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The notes (guid, mod, fields, tags, deck id of the card) and the note types."""
    db = tmp_path / "extracted.anki2"
    with zipfile.ZipFile(apkg) as archive:
        db.write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT n.guid, n.mod, n.flds, n.tags, n.mid, c.did FROM notes n "
            "JOIN cards c ON c.nid = n.id ORDER BY n.id"
        ).fetchall()
        models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    finally:
        conn.close()
    db.unlink()
    notes = [
        {"guid": g, "mod": m, "fields": f.split("\x1f"), "tags": t.split(), "mid": mid, "did": did}
        for g, m, f, t, mid, did in rows
    ]
    return notes, models


def recall_bank(**changes: Any) -> Bank:
    return dataclasses.replace(make_bank(**changes), anki_notes=RECALL)


# -- ids -----------------------------------------------------------------------------


def test_field_and_template_ids_are_stable_signed_64_bit_and_per_bank() -> None:
    for kind in notetypes.NOTE_KINDS:
        built = notetypes.note_type(kind, "ai-devsecops", [])
        again = notetypes.note_type(kind, "ai-devsecops", [])
        other = notetypes.note_type(kind, "another-bank", [])
        ids = [*built.field_ids, *(t[0] for t in built.templates)]
        assert ids == [*again.field_ids, *(t[0] for t in again.templates)]
        assert len(set(ids)) == len(ids)
        assert all(-(2**63) <= i < 2**63 for i in ids)
        assert not set(ids) & {*other.field_ids, *(t[0] for t in other.templates)}


def test_ids_are_pinned() -> None:
    # Users' collections hold these after the first import; changing them makes a
    # "Merge note types" import add every field a second time.
    question = notetypes.note_type(notetypes.QUESTION, "ai-devsecops", [])
    recall = notetypes.note_type(notetypes.KEY_POINTS, "ai-devsecops", [])
    assert question.id == anki.notetype_id("ai-devsecops") == 1664185106
    assert recall.id == notetypes.notetype_id("ai-devsecops", notetypes.KEY_POINTS) == 2113814017
    assert question.field_ids[:2] == (-2532119907519399046, -5254469249934533197)
    assert question.templates[0][0] == 6766864964798326006
    assert recall.templates[0][0] == 4542240673844720755


def test_the_package_carries_the_ids_where_anki_reads_them(tmp_path: Path) -> None:
    apkg, _ = write(tmp_path, bank=recall_bank())
    _, models = package(apkg, tmp_path)
    assert len(models) == 2
    for kind in notetypes.NOTE_KINDS:
        expected = notetypes.note_type(kind, SLUG, [])
        model = models[str(expected.id)]
        assert model["name"] == f"{kind.name} ({SLUG})"
        assert [(f["name"], f["id"]) for f in model["flds"]] == list(
            zip(kind.fields, expected.field_ids, strict=True)
        )
        assert [(t["name"], t["id"]) for t in model["tmpls"]] == [
            (t.name, i) for t, (i, _, _) in zip(kind.templates, expected.templates, strict=True)
        ]


def test_a_model_is_built_from_fresh_dicts_every_time() -> None:
    # genanki's Model.to_json adds keys to the dicts it was given.
    notetype = notetypes.note_type(notetypes.QUESTION, SLUG, [])
    first = notetype.genanki_model()
    first.to_json(0, 1)
    second = notetype.genanki_model()
    assert "ord" in first.fields[0] and "ord" not in second.fields[0]
    assert isinstance(second, genanki.Model)


def test_the_format_1_shape_is_the_question_shape() -> None:
    assert notetypes.QUESTION.shape == lock.FORMAT_1_SHAPE


# -- recall notes ----------------------------------------------------------------------


def test_recall_notes_sit_beside_their_questions(tmp_path: Path) -> None:
    apkg, report = write(tmp_path, bank=recall_bank())
    notes, _ = package(apkg, tmp_path)
    recall_mid = notetypes.notetype_id(SLUG, notetypes.KEY_POINTS)
    questions = {n["fields"][0]: n for n in notes if n["mid"] != recall_mid}
    recalls = {n["fields"][0]: n for n in notes if n["mid"] == recall_mid}
    assert set(questions) == set(recalls) and len(recalls) == 5
    for question_id, recall in recalls.items():
        question = questions[question_id]
        assert recall["guid"] == genanki.guid_for("prepdeck", SLUG, question_id, "key-points")
        assert question["guid"] == anki.note_guid(SLUG, question_id)
        assert recall["tags"] == question["tags"]
        assert recall["did"] == question["did"]  # the same tier subdeck
    fields = dict(
        zip(notetypes.KEY_POINTS.fields, recalls["what-is-a-secret"]["fields"], strict=True)
    )
    assert fields == {
        "ID": "what-is-a-secret",
        "Label": "Q1.1",
        "Tier": "Beginner",
        "Question": "What is a <strong>secret</strong>?",
        "KeyPoints": "<ul><li>API keys</li><li>Tokens</li><li>Passwords</li></ul>",
        "Source": "Test Bank 1.0.0",
        "Spare": "",
    }
    assert report[0] == "10 notes (5 questions, 5 key-point recall notes) in 3 tier subdecks"


def test_recall_notes_are_escaped_like_their_questions(tmp_path: Path) -> None:
    notes, _ = package(write(tmp_path, bank=recall_bank())[0], tmp_path)
    [recall] = [n for n in notes if n["fields"][0] == "hostile-text" and len(n["fields"]) == 7]
    assert "<img" not in recall["fields"][4] and "&lt;img" in recall["fields"][4]


def test_turning_recall_on_keeps_every_question_note_as_it_was(tmp_path: Path) -> None:
    before, _ = package(write(tmp_path, "a.apkg")[0], tmp_path)
    after, _ = package(
        write(tmp_path, "b.apkg", bank=recall_bank(), timestamp=T0 + 60)[0], tmp_path
    )
    question_mid = anki.notetype_id(SLUG)
    kept = [n for n in after if n["mid"] == question_mid]
    assert [(n["guid"], n["mod"], n["fields"]) for n in kept] == [
        (n["guid"], n["mod"], n["fields"]) for n in before
    ]
    assert {n["mod"] for n in after if n["mid"] != question_mid} == {T0 + 60}


def test_only_the_changed_kind_of_note_moves(tmp_path: Path) -> None:
    write(tmp_path, bank=recall_bank())
    _, report = write(
        tmp_path,
        "b.apkg",
        bank=recall_bank(edits={"what-is-ci": {"answer": "New answer."}}),
        timestamp=T0 + 60,
    )
    assert "1 changed since the lock: what-is-ci" in report  # the recall note has no answer
    _, report = write(
        tmp_path,
        "c.apkg",
        bank=recall_bank(edits={"what-is-ci": {"answer": "New answer.", "key_points": ["X"]}}),
        timestamp=T0 + 120,
    )
    assert "2 changed since the lock: what-is-ci, what-is-ci/key-points" in report


def test_turning_recall_off_retires_the_recall_notes(tmp_path: Path) -> None:
    write(tmp_path, bank=recall_bank())
    _, report = write(tmp_path, "b.apkg", timestamp=T0 + 60)
    assert report[1].startswith("5 removed since the lock, now retired: hostile-text/key-points, ")
    retired = sorted(f"{q.id}/key-points" for q in make_bank().questions)
    assert report[2] == f"find them in Anki's browser: {anki.retired_search(SLUG, retired)}"
    search = anki.retired_search(SLUG, [f"{q}/key-points" for q in ("what-is-ci", "rotate-keys")])
    assert search == (
        '"tag:bank::test-bank" "note:prepdeck key points (test-bank)" '
        '("ID:what-is-ci" OR "ID:rotate-keys")'
    )
    written = lock.read_lock(tmp_path / "content" / "prepdeck.lock")
    assert written is not None
    assert set(written.retired) == {f"{q.id}/key-points" for q in make_bank().questions}
    assert set(written.notetypes) == {"question", "key-points"}  # users still have it

    # ...and turning it on again brings back the same notes, newer than before, even
    # with an older clock.
    _, report = write(tmp_path, "c.apkg", bank=recall_bank(), timestamp=T0 - 30)
    assert report[1].startswith("5 new since the lock")
    revived = lock.read_lock(tmp_path / "content" / "prepdeck.lock")
    assert revived is not None and not revived.retired
    assert revived.notes["what-is-ci/key-points"].mod == T0 + 1


def test_a_removed_question_retires_both_its_notes(tmp_path: Path) -> None:
    write(tmp_path, bank=recall_bank())
    _, report = write(tmp_path, "b.apkg", bank=recall_bank(drop=["rotate-keys"]), timestamp=T0 + 60)
    assert "2 removed since the lock, now retired: rotate-keys, rotate-keys/key-points" in report[1]
    assert report[2].endswith('"tag:bank::test-bank" ("ID:rotate-keys")')
    # In a later version the id stays retired (in the same one it may come back).
    with pytest.raises(BuildError) as caught:
        write(tmp_path, "c.apkg", bank=recall_bank(version="1.1.0"), timestamp=T0 + 90)
    assert [p.rule for p in caught.value.problems] == ["retired-id"]


def test_a_locked_build_with_recall_newly_on_is_stale(tmp_path: Path) -> None:
    write(tmp_path)
    with pytest.raises(BuildError) as caught:
        write(tmp_path, "b.apkg", bank=recall_bank(), update_lock=False)
    [problem] = caught.value.problems
    assert problem.rule == "stale-lock"
    assert "note types changed: key-points" in problem.message


# -- the shape guard -------------------------------------------------------------------

WITH_MNEMONIC = dataclasses.replace(
    notetypes.QUESTION, fields=(*notetypes.QUESTION.fields, "Mnemonic")
)


@pytest.fixture
def changed_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    """A prepdeck whose question note type gained a field."""
    monkeypatch.setitem(notetypes.BY_KEY, "question", WITH_MNEMONIC)


def test_a_shape_change_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path)
    lock_before = (tmp_path / "content" / "prepdeck.lock").read_bytes()
    monkeypatch.setitem(notetypes.BY_KEY, "question", WITH_MNEMONIC)
    with pytest.raises(BuildError) as caught:
        write(tmp_path, "b.apkg", timestamp=T0 + 60)
    [problem] = caught.value.problems
    assert problem.rule == "notetype-shape"
    assert problem.message.startswith(
        "note type 'prepdeck question (test-bank)' changed its fields [ID, Label, Tier, "
        "Question, Hint, KeyPoints, Answer, References, Source, Spare] -> [ID, Label, Tier, "
        "Question, Hint, KeyPoints, Answer, References, Source, Spare, Mnemonic] since the lock."
    )
    for words in (
        "duplicate note type",
        "stop receiving updates",
        '"Merge note types"',
        "set the version in bank.yaml to 2.0.0 or later",
        "--allow-notetype-change",
    ):
        assert words in problem.message
    assert (tmp_path / "content" / "prepdeck.lock").read_bytes() == lock_before
    assert not (tmp_path / "b.apkg").exists()


def test_a_deliberate_shape_change_needs_a_major_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path)
    monkeypatch.setitem(notetypes.BY_KEY, "question", WITH_MNEMONIC)
    with pytest.raises(BuildError) as caught:
        write(
            tmp_path,
            "b.apkg",
            bank=make_bank(version="1.5.0"),
            timestamp=T0 + 60,
            allow_notetype_change=True,
        )
    [problem] = caught.value.problems
    assert "needs a major version" in problem.message and "2.0.0 or later" in problem.message

    _, report = write(
        tmp_path,
        "c.apkg",
        bank=make_bank(version="2.0.0"),
        timestamp=T0 + 60,
        allow_notetype_change=True,
    )
    assert any("fields or templates changed" in line for line in report)
    written = lock.read_lock(tmp_path / "content" / "prepdeck.lock")
    assert written is not None
    entry = written.notetypes["question"]
    assert entry.shape == WITH_MNEMONIC.shape and entry.version == "2.0.0"
    assert entry.mod == T0 + 60
    # the next build sees no change at all
    _, report = write(tmp_path, "d.apkg", bank=make_bank(version="2.0.0"), timestamp=T0 + 90)
    assert report[-1].startswith("no changes since")


def test_a_template_rename_is_a_shape_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, bank=recall_bank())
    renamed = dataclasses.replace(
        notetypes.KEY_POINTS,
        templates=(dataclasses.replace(notetypes.KEY_POINTS.templates[0], name="Recall"),),
    )
    monkeypatch.setitem(notetypes.BY_KEY, "key-points", renamed)
    with pytest.raises(BuildError) as caught:
        write(tmp_path, "b.apkg", bank=recall_bank(), timestamp=T0 + 60)
    assert "templates [Key points] -> [Recall]" in caught.value.problems[0].message


def test_styling_changes_stay_allowed(tmp_path: Path) -> None:
    write(tmp_path, bank=recall_bank())
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "anki.css").write_text(".pd-checklist { color: teal; }\n")
    (styles / "anki-recall-back.html").write_text("{{FrontSide}}<hr id=answer>{{KeyPoints}}")
    _, report = write(
        tmp_path, "b.apkg", bank=recall_bank(), timestamp=T0 + 60, style_dirs=(styles,)
    )
    assert "card style or templates changed since the lock" in report
    assert (
        "card style or templates of 'prepdeck key points (test-bank)' changed since the lock"
        in (report)
    )
    written = lock.read_lock(tmp_path / "content" / "prepdeck.lock")
    assert written is not None
    assert {t.mod for t in written.notetypes.values()} == {T0 + 60}


def test_a_format_1_lock_upgrades_without_a_shape_error(tmp_path: Path) -> None:
    old = {
        "bank": SLUG,
        "format": 1,
        "notes": {},
        "notetype": {"hash": "0" * 32, "mod": T0 - 10},
        "retired": {},
    }
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "prepdeck.lock").write_text(json.dumps(old))
    _, report = write(tmp_path)
    assert "card style or templates changed since the lock" in report
    written = lock.read_lock(tmp_path / "content" / "prepdeck.lock")
    assert written is not None and written.notetypes["question"].mod == T0


# -- bank.yaml and release notes ----------------------------------------------------------


def test_note_kinds_are_named_once() -> None:
    properties = schema.schema("bank")["properties"]
    for key in ("anki_notes", "cards"):  # cards: the old name, still read
        enum = properties[key]["items"]["enum"]
        assert enum == list(ANKI_NOTES) == [k.key for k in notetypes.NOTE_KINDS]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("anki_notes: [question, key-points]", []),
        ("anki_notes: [question, flashcards]", [("note-kind", 24)]),
        ("anki_notes: [question, question]", [("duplicate-item", 13)]),
        ("cards: [question, flashcards]", [("note-kind", 19)]),
    ],
)
def test_the_anki_notes_setting_is_validated(
    tmp_path: Path, line: str, expected: list[tuple[str, int]]
) -> None:
    from conftest import BANK_YAML
    from prepdeck.load import load_document

    path = tmp_path / "bank.yaml"
    path.write_text(BANK_YAML + line + "\n")
    problems = schema.check(load_document(path), "bank")
    line_number = BANK_YAML.count("\n") + 1
    assert [(p.rule, p.line, p.column) for p in problems] == [
        (rule, line_number, column) for rule, column in expected
    ]


def test_release_notes_tell_users_to_merge_note_types() -> None:
    bank = make_bank(version="2.0.0")
    changes = Changes(
        "v1.0.0",
        added=("what-is-ci/key-points",),
        changed=("rotate-keys",),
        notetypes=("question",),
    )
    text = notes_text(bank, "v2.0.0", [], changes, timestamp=T0)
    assert MERGE_NOTE_TYPES in text
    assert 'tick "Merge note types"' in text
    assert "- Added key-point recall cards (1): `what-is-ci`" in text
    assert "- Changed (1): `rotate-keys`" in text
    plain = notes_text(bank, "v2.0.0", [], dataclasses.replace(changes, notetypes=()), timestamp=T0)
    assert "Merge note types" not in plain


def test_shape_changes_between_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path)
    previous = lock.read_lock(tmp_path / "content" / "prepdeck.lock")
    monkeypatch.setitem(notetypes.BY_KEY, "question", WITH_MNEMONIC)
    write(tmp_path, bank=make_bank(version="2.0.0"), timestamp=T0 + 60, allow_notetype_change=True)
    current = lock.read_lock(tmp_path / "content" / "prepdeck.lock")
    assert lock.shape_changes(previous, current) == ["question"]
    assert lock.shape_changes(previous, previous) == []
    assert lock.shape_changes(None, current) == []

    # the release reads both locks and carries the instruction
    from prepdeck.release import _changes

    saved = tmp_path / "previous.lock"
    assert previous is not None
    saved.write_text(lock.dumps(previous))
    bank = make_bank(version="2.0.0")
    changes = _changes(
        bank,
        tmp_path / "content" / "prepdeck.lock",
        previous_lock=saved,
        since=None,
        release_tag="v2.0.0",
    )
    assert changes.notetypes == ("question",)
    assert MERGE_NOTE_TYPES in notes_text(bank, "v2.0.0", [], changes, timestamp=T0)


def test_build_options_default_to_refusing_shape_changes() -> None:
    assert BuildOptions(timestamp=0, content_dir=Path()).allow_notetype_change is False


def test_the_cli_refuses_a_shape_change_unless_allowed(
    make_bank: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from conftest import BANK_YAML
    from prepdeck.cli import cli

    def build(root: Path, *extra: str) -> tuple[int, str, str]:
        args = ["build", str(root), "--out", str(tmp_path / "d"), "--target", "anki", *extra]
        result = CliRunner().invoke(cli, args, env={"SOURCE_DATE_EPOCH": str(T0)})
        return result.exit_code, result.stdout, result.stderr

    root = make_bank()
    assert build(root)[0] == 0
    monkeypatch.setitem(notetypes.BY_KEY, "question", WITH_MNEMONIC)
    code, out, err = build(root)
    assert code == 1
    assert out.startswith(f"{root}/prepdeck.lock:1:1: error[notetype-shape]: note type ")
    assert err.endswith("build failed; no artifact was changed\n")
    root = make_bank(bank__yaml=BANK_YAML.replace("version: 1.0.0", "version: 2.0.0"))
    code, out, err = build(root, "--allow-notetype-change")
    assert code == 0, out + err
    assert "fields or templates changed, as allowed by --allow-notetype-change" in err


keys = st.from_regex(r"[a-z]{1,3}(/key-points)?", fullmatch=True)
hashes = st.dictionaries(keys, st.sampled_from(["h1", "h2"]), max_size=6)
kinds = st.dictionaries(
    st.sampled_from(["question", "key-points"]),
    st.tuples(st.sampled_from([lock.FORMAT_1_SHAPE, lock.Shape(("A",), ("T",))]), st.just("s")),
)


@given(first=hashes, second=hashes, types=kinds, clock=st.integers(T0 - 100, T0 + 100))
def test_stamping_twice_changes_nothing_and_mods_never_go_back(
    first: dict[str, str], second: dict[str, str], types: Any, clock: int
) -> None:
    def stamp(old: lock.Lock | None, notes: dict[str, str], when: int) -> Any:
        built = lock.Built(notes, types)
        return lock.stamp(old, built, bank="b", version="1.0.0", timestamp=when)

    before, _ = stamp(None, first, T0)
    after, diff = stamp(before, second, clock)
    again, repeat = stamp(after, second, clock + 50)
    assert repeat.empty and again == after
    for key, entry in after.notes.items():
        previous = before.notes.get(key) or before.retired.get(key)
        if previous is not None and key in diff.changed:
            assert entry.mod > previous.mod
    assert set(after.notes) == set(second)
    assert set(after.retired) == set(first) - set(second)
    assert set(diff.reused) == set()  # nothing was retired before the second build
