"""The Anki writer without Anki: frozen identity, the lock, reproducible packages."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from anki_helpers import T0, make_bank, options
from conftest import write_files
from prepdeck import anki, lock, notetypes
from prepdeck.build import build
from prepdeck.errors import BuildError
from prepdeck.lock.stamp import renamed_problems
from prepdeck.model import Bank


def write(
    tmp_path: Path,
    name: str = "deck.apkg",
    *,
    bank: Bank | None = None,
    keep_lock: bool = True,
    timestamp: int = T0,
    **changes: Any,
) -> Path:
    """Build the test bank (or `bank`) into `tmp_path/name`, updating the lock."""
    dest = tmp_path / name
    result = anki.write_deck(bank or make_bank(), dest, options(tmp_path, timestamp, **changes))
    if keep_lock:
        write_files(result)
    return dest


def notes_in(apkg: Path, tmp_path: Path) -> dict[str, tuple[str, int, list[str], str]]:
    """ID field -> (guid, mod, fields, tags) as stored in the package."""
    with zipfile.ZipFile(apkg) as archive:
        db = tmp_path / "extracted.anki2"
        db.write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT guid, mod, flds, tags FROM notes").fetchall()
        models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    finally:
        conn.close()
    db.unlink()
    out = {}
    for guid, mod, flds, tags in rows:
        fields = flds.split("\x1f")
        out[fields[0]] = (guid, mod, fields, tags)
    out["<notetype>"] = ("", next(iter(models.values()))["mod"], [], "")
    return out


# -- frozen identity ------------------------------------------------------------------


def test_field_list_is_frozen() -> None:
    # Changing these makes Anki see a different note type: users get duplicates and no
    # more updates.  Never edit this test to make it pass; use the Spare field instead.
    assert anki.NOTE_FIELDS == (
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
    assert anki.TEMPLATE_NAME == "Question"


def test_ids_are_pinned() -> None:
    assert anki.notetype_id("ai-devsecops") == 1664185106
    assert anki.parent_deck_id("ai-devsecops") == 1865263643
    assert anki.tier_deck_id("ai-devsecops", "beginner") == 1883591525
    assert anki.note_guid("ai-devsecops", "some-id") == "f63viVZ_AL"


def test_ids_depend_on_the_bank() -> None:
    assert anki.notetype_id("a") != anki.notetype_id("b")
    assert anki.note_guid("a", "q") != anki.note_guid("b", "q")
    assert anki.tier_deck_id("a", "t") != anki.parent_deck_id("a")


def test_the_guid_survives_any_text_edit(tmp_path: Path) -> None:
    before = notes_in(write(tmp_path, "a.apkg"), tmp_path)
    edited = make_bank(
        edits={"what-is-ci": {"question": "What is continuous integration?", "hint": "x"}}
    )
    after = notes_in(write(tmp_path, "b.apkg", bank=edited), tmp_path)
    assert after["what-is-ci"][0] == before["what-is-ci"][0]
    assert after["what-is-ci"][2][3] != before["what-is-ci"][2][3]


def test_subdecks_sort_in_tier_order() -> None:
    names = anki.deck_names(make_bank())
    assert list(names.values()) == [
        "Test Bank::01 Beginner",
        "Test Bank::02 Intermediate",
        "Test Bank::03 Advanced",
    ]
    assert sorted(names.values()) == list(names.values())


def test_tags_and_fields(tmp_path: Path) -> None:
    notes = notes_in(write(tmp_path), tmp_path)
    _, _, fields, tags = notes["pipeline-secrets"]
    assert tags.split() == [
        "bank::test-bank",
        "tier::intermediate",
        "topic::ci-cd",
        "topic::secrets",
    ]
    assert fields[1:3] == ["Q2.2", "Intermediate"]
    assert fields[8] == "Test Bank 1.0.0"
    _, _, fields, _ = notes["what-is-a-secret"]
    assert fields[3] == "What is a <strong>secret</strong>?"
    assert fields[5] == "<ul><li>API keys</li><li>Tokens</li><li>Passwords</li></ul>"
    assert fields[7] == '<ul><li><a href="https://owasp.org/">OWASP Top 10 &amp; more</a></li></ul>'


def test_only_https_and_mailto_references_are_links(tmp_path: Path) -> None:
    _, _, fields, _ = notes_in(write(tmp_path), tmp_path)["hostile-text"]
    assert fields[7] == "<ul><li>An old page</li></ul>"


# -- the lock ------------------------------------------------------------------------


def test_first_build_stamps_everything_and_writes_the_lock(tmp_path: Path) -> None:
    # Also: with no lock, nothing "changed since the lock" (the card style line was a bug).
    bank = make_bank()
    result = anki.write_deck(bank, tmp_path / "deck.apkg", options(tmp_path))
    lock_path = tmp_path / "content" / "prepdeck.lock"
    assert not lock_path.exists()  # only the build writes it
    assert result.files
    assert result.report[1:] == [
        "no lock yet: 5 new notes",
        f"{lock_path}: updated; commit it with the content",
    ]
    write_files(result)
    written = lock.read_lock(lock_path)
    assert written is not None
    assert set(written.notes) == {q.id for q in bank.questions}
    assert {e.mod for e in written.notes.values()} == {T0}
    assert set(written.notetypes) == {"question"}
    assert written.notetypes["question"].mod == T0


def test_unchanged_build_keeps_the_lock_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path)
    before = (tmp_path / "content" / "prepdeck.lock").read_bytes()
    result = anki.write_deck(make_bank(), tmp_path / "b.apkg", options(tmp_path, T0 + 100))
    assert not result.files
    assert result.report[-1].startswith("no changes since")
    assert (tmp_path / "content" / "prepdeck.lock").read_bytes() == before


def test_a_change_moves_only_that_note_forward(tmp_path: Path) -> None:
    write(tmp_path)
    edited = make_bank(edits={"what-is-ci": {"hint": "Merging early and often."}})
    result = anki.write_deck(edited, tmp_path / "b.apkg", options(tmp_path, T0 + 100))
    assert "1 changed since the lock: what-is-ci" in result.report
    notes = notes_in(tmp_path / "b.apkg", tmp_path)
    assert notes["what-is-ci"][1] == T0 + 100
    assert {k: v[1] for k, v in notes.items() if k != "what-is-ci"} == {
        k: T0 for k in notes if k != "what-is-ci"
    }


def test_mod_moves_forward_even_when_the_clock_does_not(tmp_path: Path) -> None:
    write(tmp_path, timestamp=T0)
    edited = make_bank(edits={"what-is-ci": {"hint": "Changed."}})
    write(tmp_path, "b.apkg", bank=edited, timestamp=T0 - 500)
    assert notes_in(tmp_path / "b.apkg", tmp_path)["what-is-ci"][1] == T0 + 1


def test_a_version_bump_alone_changes_no_note(tmp_path: Path) -> None:
    write(tmp_path)
    result = anki.write_deck(
        make_bank(version="1.1.0"), tmp_path / "b.apkg", options(tmp_path, T0 + 100)
    )
    assert not result.files
    notes = notes_in(tmp_path / "b.apkg", tmp_path)
    assert notes["what-is-ci"][2][8] == "Test Bank 1.0.0"  # the version it last changed in
    assert {mod for _, mod, _, _ in notes.values()} == {T0}


def test_the_source_field_names_the_version_a_note_changed_in(tmp_path: Path) -> None:
    write(tmp_path)
    edited = make_bank(version="1.1.0", edits={"what-is-ci": {"hint": "Changed."}})
    notes = notes_in(write(tmp_path, "b.apkg", bank=edited, timestamp=T0 + 1), tmp_path)
    assert notes["what-is-ci"][2][8] == "Test Bank 1.1.0"
    assert notes["rotate-keys"][2][8] == "Test Bank 1.0.0"


def test_removed_questions_are_reported_and_retired(tmp_path: Path) -> None:
    write(tmp_path)
    result = anki.write_deck(
        make_bank(drop=["rotate-keys"], version="1.1.0"),
        tmp_path / "b.apkg",
        options(tmp_path, T0 + 100),
    )
    assert any(
        line.startswith("1 removed since the lock, now retired: rotate-keys;")
        for line in result.report
    )
    assert any(
        line.startswith("retired until version 1.1.0 is released, then for good: rotate-keys.")
        for line in result.report
    )
    assert 'find them in Anki\'s browser: "tag:bank::test-bank" ("ID:rotate-keys")' in result.report
    assert result.files
    write_files(result)
    written = lock.read_lock(tmp_path / "content" / "prepdeck.lock")
    assert written is not None
    assert "rotate-keys" not in written.notes
    assert written.retired["rotate-keys"].retired == "1.1.0"


def test_a_retired_id_is_never_reused_after_its_version(tmp_path: Path) -> None:
    write(tmp_path)
    write(tmp_path, "b.apkg", bank=make_bank(drop=["rotate-keys"]))
    # Back in the version it was removed in, it is restored (test_rename.py); a later
    # version may not reuse it.
    with pytest.raises(BuildError) as caught:
        write(tmp_path, "c.apkg", bank=make_bank(version="1.1.0"))
    [problem] = caught.value.problems
    assert problem.rule == "retired-id"
    assert "rotate-keys" in problem.message


def test_a_filtered_build_retires_nothing(tmp_path: Path) -> None:
    write(tmp_path)
    filtered = make_bank().filtered(tiers=["beginner"])
    result = anki.write_deck(filtered, tmp_path / "b.apkg", options(tmp_path, T0 + 100))
    assert not result.files
    assert not any("removed" in line for line in result.report)


def test_the_partial_flag_not_the_display_text_decides_retirement(tmp_path: Path) -> None:
    write(tmp_path)
    fewer = make_bank(drop=["rotate-keys"])
    described = dataclasses.replace(fewer, filter_description="a title-page note")
    result = anki.write_deck(described, tmp_path / "b.apkg", options(tmp_path, T0 + 100))
    assert any(
        "1 removed since the lock, now retired: rotate-keys" in line for line in result.report
    )
    partial = dataclasses.replace(fewer, partial=True)
    result = anki.write_deck(partial, tmp_path / "b.apkg", options(tmp_path, T0 + 100))
    assert not result.files
    assert not any("removed" in line for line in result.report)


def test_a_stale_lock_fails_a_locked_build(tmp_path: Path) -> None:
    write(tmp_path)
    edited = make_bank(edits={"what-is-ci": {"hint": "Changed."}}, drop=["rotate-keys"])
    with pytest.raises(BuildError) as caught:
        anki.write_deck(edited, tmp_path / "b.apkg", options(tmp_path, update_lock=False))
    [problem] = caught.value.problems
    assert problem.rule == "stale-lock"
    assert problem.path == str(tmp_path / "content" / "prepdeck.lock")
    assert "changed what-is-ci" in problem.message
    assert "removed rotate-keys" in problem.message


def test_a_missing_lock_fails_a_locked_build(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as caught:
        anki.write_deck(make_bank(), tmp_path / "a.apkg", options(tmp_path, update_lock=False))
    assert caught.value.problems[0].rule == "stale-lock"


def test_a_current_lock_passes_a_locked_build(tmp_path: Path) -> None:
    write(tmp_path)
    result = anki.write_deck(
        make_bank(), tmp_path / "b.apkg", options(tmp_path, T0 + 5, update_lock=False)
    )
    assert not result.files


def test_a_broken_lock_is_a_problem_with_a_position(tmp_path: Path) -> None:
    lock_path = tmp_path / "content" / "prepdeck.lock"
    lock_path.parent.mkdir()
    lock_path.write_text('{\n  "format": 1,\n  "bank": oops\n}\n')
    with pytest.raises(BuildError) as caught:
        write(tmp_path)
    [problem] = caught.value.problems
    assert (problem.rule, problem.line, problem.column) == ("lock-invalid", 3, 11)


def test_a_changed_slug_is_refused(tmp_path: Path) -> None:
    write(tmp_path)
    with pytest.raises(BuildError) as caught:
        write(tmp_path, "b.apkg", bank=make_bank(slug="renamed"))
    assert caught.value.problems[0].rule == "lock-bank"


def test_lock_changes_for_release_notes(tmp_path: Path) -> None:
    write(tmp_path)
    previous = tmp_path / "previous.lock"
    previous.write_bytes((tmp_path / "content" / "prepdeck.lock").read_bytes())
    edited = make_bank(
        edits={"what-is-ci": {"hint": "Changed."}},
        drop=["rotate-keys"],
        add=[("advanced", make_question("brand-new"))],
    )
    write(tmp_path, "b.apkg", bank=edited, timestamp=T0 + 10)
    current = lock.read_lock(tmp_path / "content" / "prepdeck.lock")
    before = lock.read_lock(previous)
    assert lock.lock_changes(before, current) == (["brand-new"], ["what-is-ci"], ["rotate-keys"])
    assert lock.lock_changes(before, before) == ([], [], [])
    assert before is not None
    assert lock.lock_changes(None, before)[0] == sorted(before.notes)


def make_question(question_id: str) -> dict[str, Any]:
    return {
        "id": question_id,
        "question": "New?",
        "hint": "Yes.",
        "key_points": ["One"],
        "answer": "New.",
        "tags": [],
        "refs": [],
    }


def test_the_lock_file_is_stable_text(tmp_path: Path) -> None:
    write(tmp_path)
    text = (tmp_path / "content" / "prepdeck.lock").read_text()
    assert text.endswith("}\n")
    assert '    "what-is-ci": {"hash": ' in text  # one line per note, for readable diffs
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert list(data["notes"]) == sorted(data["notes"])


MAX_MOD = 4_354_819_199  # lock.schema.json's maximum: 2107-12-31, a zip's last second
ids = st.from_regex(r"[a-z0-9]{1,4}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)
versions = st.sampled_from(["", "1.0.0", "2.10.3", "0.1.0-rc.1"])
digests = st.from_regex(r"[0-9a-f]{8,64}", fullmatch=True)
entries = st.builds(
    lock.Entry,
    hash=digests,
    mod=st.integers(min_value=0, max_value=MAX_MOD),
    version=versions,
    retired=versions,
)
names = st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=4).map(tuple)
notetype_entries = st.builds(
    lock.NotetypeEntry,
    shape=st.builds(lock.Shape, fields=names, templates=names),
    hash=digests,
    mod=st.integers(min_value=0, max_value=MAX_MOD),
    version=versions,
)


@given(
    bank=ids,
    types=st.dictionaries(ids, notetype_entries, max_size=3),
    notes=st.dictionaries(ids | st.builds(lambda i, k: f"{i}/{k}", ids, ids), entries, max_size=5),
    retired=st.dictionaries(ids, entries, max_size=3),
    renamed=st.dictionaries(ids, ids, max_size=3),
)
def test_the_lock_round_trips(
    bank: str,
    types: dict[str, lock.NotetypeEntry],
    notes: dict[str, lock.Entry],
    retired: dict[str, lock.Entry],
    renamed: dict[str, str],
) -> None:
    original = lock.Lock(
        bank,
        dict(sorted(types.items())),
        dict(sorted(notes.items())),
        dict(sorted(retired.items())),
        dict(sorted(renamed.items())),
    )
    assume(not renamed_problems(original))
    assert lock.loads(lock.dumps(original)) == original


# -- packaging -----------------------------------------------------------------------


def test_same_content_and_epoch_give_identical_bytes(tmp_path: Path) -> None:
    first = write(tmp_path / "one", keep_lock=False)
    second = write(tmp_path / "two", keep_lock=False)
    assert first.read_bytes() == second.read_bytes()
    # ...and with the lock written, a rebuild of unchanged content is identical too.
    write(tmp_path / "one", "again.apkg")
    assert (tmp_path / "one" / "again.apkg").read_bytes() == first.read_bytes()


def test_the_zip_is_normalised(tmp_path: Path) -> None:
    with zipfile.ZipFile(write(tmp_path, timestamp=T0 + 3661)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["collection.anki2", "media"]
    for info in infos:
        assert info.date_time == (2026, 1, 1, 1, 1, 0)  # zip dates have 2-second steps
        assert info.external_attr >> 16 == 0o100644
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_DEFLATED


def test_no_temporary_files_are_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "out"
    build(make_bank(), out_dir=out, options=options(tmp_path), targets=["anki"])
    assert [p.name for p in out.iterdir()] == ["test-bank.apkg"]
    assert list(scratch.iterdir()) == []
    assert [p.name for p in (tmp_path / "content").iterdir()] == ["prepdeck.lock"]


def test_a_failed_build_leaves_the_previous_package(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_bank(), out_dir=out, options=options(tmp_path), targets=["anki"])
    package = out / "test-bank.apkg"
    before = package.read_bytes()
    lock_before = (tmp_path / "content" / "prepdeck.lock").read_bytes()
    edited = make_bank(edits={"what-is-ci": {"hint": "Changed."}})
    with pytest.raises(BuildError):
        build(
            edited,
            out_dir=out,
            options=options(tmp_path, T0 + 10, update_lock=False),
            targets=["anki"],
        )
    assert package.read_bytes() == before
    assert [p.name for p in out.iterdir()] == ["test-bank.apkg"]
    assert (tmp_path / "content" / "prepdeck.lock").read_bytes() == lock_before


def test_the_build_updates_the_lock_only_after_the_package_is_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    package = out / "test-bank.apkg"
    seen: list[tuple[bool, list[str]]] = []
    real_replace = os.replace

    def watching(src: Any, dst: Any) -> None:
        # What the out folder holds at the moment the lock is renamed into place (the
        # lock is staged with the artifacts and committed after them, all or nothing).
        if Path(dst).name == lock.LOCK_FILE:
            seen.append((package.is_file(), sorted(p.name for p in out.iterdir())))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", watching)
    [artifact] = build(make_bank(), out_dir=out, options=options(tmp_path), targets=["anki"])
    assert artifact.path == package
    assert any("no lock yet: 5 new notes" in line for line in artifact.report)
    assert seen == [(True, ["test-bank.apkg"])]  # the package in place, no staged files
    assert (tmp_path / "content" / "prepdeck.lock").is_file()


def failing_writer(bank: Bank, dest: Path, options: Any) -> Any:
    raise BuildError([])


def test_a_later_target_failing_leaves_the_lock_unwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prepdeck import targets

    boom = targets.Target("boom", ".boom", f"{__name__}:failing_writer", "fails")
    monkeypatch.setitem(targets.REGISTRY, "boom", boom)
    out = tmp_path / "out"
    with pytest.raises(BuildError):
        build(make_bank(), out_dir=out, options=options(tmp_path), targets=["anki", "boom"])
    assert not (tmp_path / "content" / "prepdeck.lock").exists()
    assert list(out.iterdir()) == []


def test_style_folders_override_css_and_templates(tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "anki.css").write_text(".pd-question { color: red; }\n")
    (styles / "anki-back.html").write_text("{{FrontSide}}<hr id=answer>{{Hint}}\n")
    notetype = notetypes.note_type(notetypes.QUESTION, "test-bank", [styles])
    assert notetype.css.endswith(".pd-question { color: red; }\n")
    assert notetype.css.startswith("/* prepdeck's default card style.")
    [(_, _, back)] = notetype.templates
    assert back == "{{FrontSide}}<hr id=answer>{{Hint}}"
    plain = notetypes.note_type(notetypes.QUESTION, "test-bank", [])
    assert notetype.style_hash != plain.style_hash
    assert notetype.shape == plain.shape  # styling never touches the shape


def test_the_lock_rules_run_without_the_deck_writer(tmp_path: Path) -> None:
    bank = make_bank()
    path = tmp_path / lock.LOCK_FILE
    hashes = {q.id: "h" for q in bank.questions}

    def check(bank: Bank, **changes: Any) -> lock.LockUpdate:
        question = lock.NotetypeBuild("q", lock.FORMAT_1_SHAPE, "n")
        args: dict[str, Any] = {
            "timestamp": T0,
            "notetypes": {"question": question},
            "note_hashes": hashes,
        }
        return lock.check(path, bank, **{**args, **changes})

    with pytest.raises(BuildError) as caught:
        check(bank, update=False)
    assert [(p.rule, p.message[:13]) for p in caught.value.problems] == [
        ("stale-lock", "no lock file;")
    ]
    update = check(bank)
    assert update.old is None and update.needs_write and not update.diff.notetypes_changed
    path.write_text(update.text, encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        check(dataclasses.replace(bank, slug="other"))
    assert [p.rule for p in caught.value.problems] == ["lock-bank"]
    assert not check(bank, update=False).needs_write
    code = "import sys, prepdeck.lock; assert 'genanki' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
