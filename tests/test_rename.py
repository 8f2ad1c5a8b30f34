"""`prepdeck rename`: the id changes in place in the YAML, the lock records it, and
the Anki note (with the learner's history) carries over; and retirement that stays
provisional until a release."""

from __future__ import annotations

import json
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import genanki
import pytest
from click.testing import CliRunner

from prepdeck.cli import cli
from prepdeck.lock import Built, Entry, Lock, LockDiff, lock_changes, read_lock, rename, stamp

EPOCH = 1_767_225_600
FIRST, SECOND = "what-each-field-holds", "validate-before-build"


def run(*args: str, epoch: int = EPOCH) -> tuple[int, str, str]:
    env = {"SOURCE_DATE_EPOCH": str(epoch)}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    root = tmp_path / "bank"
    assert run("init", str(root), "--slug", "k8s")[0] == 0
    return root


@pytest.fixture
def content(bank: Path) -> Path:
    return bank / "content"


def build(content: Path, epoch: int = EPOCH, *extra: str) -> tuple[int, str, str]:
    out = content.parent / "dist"
    return run("build", str(content), "--out", str(out), "--target", "anki", *extra, epoch=epoch)


def snapshot(content: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(content.glob("*")) if p.is_file()}


# -- the text edit ---------------------------------------------------------------------


def test_rename_changes_only_the_id_in_the_file(content: Path) -> None:
    tier = content / "fundamentals.yaml"
    before = tier.read_text()
    code, stdout, stderr = run("rename", FIRST, "what-a-question-holds", str(content))
    assert code == 0, stderr
    assert stdout.splitlines()[0] == f"{tier}:10:9: {FIRST} -> what-a-question-holds"
    assert "was never built (not in the lock)" in stdout
    # only the id's value: the same text in the answer's code block stays
    after = tier.read_text()
    assert after == before.replace(f"- id: {FIRST}\n", "- id: what-a-question-holds\n", 1)
    assert f"      - id: {FIRST}\n" in after
    assert not (content / "prepdeck.lock").exists()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("  - id: 'old-id'  # keep me\r\n", "  - id: 'new-id'  # keep me\r\n"),
        ('  - {id: "old-id", question: Q}\r\n', '  - {id: "new-id", question: Q}\r\n'),
        ("  -   id:    old-id\r\n", "  -   id:    new-id\r\n"),
    ],
)
def test_quotes_line_ends_comments_and_a_bom_survive(
    content: Path, written: str, expected: str
) -> None:
    tier = content / "fundamentals.yaml"
    text = (
        "\ufeff# my notes: old-id\r\ntier: fundamentals\r\nquestions:\r\n"
        + written
        + "  - {id: other, question: 'old-id'}\r\n"
    )
    tier.write_bytes(text.encode())
    code, stdout, _ = run("rename", "old-id", "new-id", str(content))
    assert code == 0
    assert stdout.startswith(f"{tier}:4:")
    assert tier.read_bytes().decode() == text.replace(written, expected)


@pytest.mark.parametrize(
    ("old", "new", "code", "message"),
    [
        (FIRST, "Bad_Id", 2, "'Bad_Id' is not kebab-case"),
        (FIRST, "bad-id\n", 2, "'bad-id\\n' is not kebab-case"),
        (FIRST, SECOND, 1, f"{SECOND!r} is already the id of the question at"),
        ("what-each-field-hold", "x", 1, "no question has the id 'what-each-field-hold' in "),
        (FIRST, FIRST, 1, "already has that id"),
    ],
)
def test_refusals_change_nothing(
    content: Path, old: str, new: str, code: int, message: str
) -> None:
    assert build(content)[0] == 0
    before = snapshot(content)
    result = run("rename", old, new, str(content))
    assert result[0] == code and message in result[2], result
    assert snapshot(content) == before


def test_did_you_mean_for_a_missing_id(content: Path) -> None:
    _, _, stderr = run("rename", "what-each-field-hold", "x", str(content))
    assert f'did you mean "{FIRST}"?; nothing was changed' in stderr


def test_a_file_that_cannot_be_read_is_named(content: Path) -> None:
    (content / "scenarios.yaml").write_text("tier: [unclosed\n")
    code, _, stderr = run("rename", "renaming-a-question", "x", str(content))
    assert code == 1
    assert f"(cannot read {content / 'scenarios.yaml'}: run `prepdeck validate`)" in stderr


# -- the lock ------------------------------------------------------------------------


def guids(content: Path) -> dict[str, str]:
    """Question id -> GUID in the built deck."""
    import sqlite3

    dist = content.parent / "dist"
    with zipfile.ZipFile(dist / "k8s.apkg") as apkg:
        (dist / "c.anki2").write_bytes(apkg.read("collection.anki2"))
    db = sqlite3.connect(dist / "c.anki2")
    try:
        rows = db.execute("select guid, flds from notes").fetchall()
    finally:
        db.close()
    return {flds.split("\x1f")[0]: guid for guid, flds in rows}


def test_a_renamed_note_keeps_its_guid_and_renaming_back_forgets_the_record(
    content: Path,
) -> None:
    assert build(content)[0] == 0
    original = guids(content)[FIRST]
    assert original == genanki.guid_for("prepdeck", "k8s", FIRST)

    code, stdout, _ = run("rename", FIRST, "fields-explained", str(content))
    assert code == 0 and "recorded; the note keeps its Anki identity" in stdout
    lock = read_lock(content / "prepdeck.lock")
    assert lock is not None and lock.renamed == {"fields-explained": FIRST}
    code, _, stderr = build(content, EPOCH + 60)
    assert code == 0 and "1 changed since the lock: fields-explained" in stderr
    assert guids(content)["fields-explained"] == original
    lock = read_lock(content / "prepdeck.lock")
    assert lock is not None and lock.notes["fields-explained"].mod == EPOCH + 60

    # a second rename keeps the first identity; renaming back needs no record at all
    assert run("rename", "fields-explained", "fields-again", str(content))[0] == 0
    assert read_lock(content / "prepdeck.lock").renamed == {"fields-again": FIRST}  # type: ignore[union-attr]
    assert run("rename", "fields-again", FIRST, str(content))[0] == 0
    assert read_lock(content / "prepdeck.lock").renamed == {}  # type: ignore[union-attr]
    assert '"renamed"' not in (content / "prepdeck.lock").read_text()
    assert build(content, EPOCH + 120)[0] == 0
    assert guids(content)[FIRST] == original


def all_guids(content: Path) -> list[str]:
    import sqlite3

    dist = content.parent / "dist"
    with zipfile.ZipFile(dist / "k8s.apkg") as apkg:
        (dist / "all.anki2").write_bytes(apkg.read("collection.anki2"))
    db = sqlite3.connect(dist / "all.anki2")
    try:
        return sorted(guid for (guid,) in db.execute("select guid from notes"))
    finally:
        db.close()


def test_a_rename_keeps_the_recall_note_too(content: Path) -> None:
    bank_yaml = content / "bank.yaml"
    bank_yaml.write_text(
        bank_yaml.read_text().replace(
            "anki_notes: [question]", "anki_notes: [question, key-points]"
        )
    )
    assert build(content)[0] == 0
    before = all_guids(content)
    assert len(before) == 8  # four questions, each with a recall note
    assert run("rename", FIRST, "fields-explained", str(content))[0] == 0
    code, _, stderr = build(content, EPOCH + 60)
    assert code == 0, stderr
    assert "2 changed since the lock: fields-explained, fields-explained/key-points" in stderr
    assert all_guids(content) == before


def test_the_old_id_of_a_renamed_note_is_not_free(content: Path) -> None:
    assert build(content)[0] == 0
    assert run("rename", FIRST, "fields-explained", str(content))[0] == 0
    assert build(content)[0] == 0
    # a new question under the old id would share the renamed note's GUID
    tier = content / "fundamentals.yaml"
    text = tier.read_text()
    tier.write_text(text.replace(f"  - id: {SECOND}\n", f"  - id: {FIRST}\n"))
    code, stdout, stderr = build(content)
    assert code == 1
    assert f"error[renamed-id]: id {FIRST!r} was renamed to 'fields-explained'" in stdout
    # and rename refuses to make that collision too
    tier.write_text(text)
    code, _, stderr = run("rename", SECOND, FIRST, str(content))
    assert code == 1 and "is the Anki identity of 'fields-explained'" in stderr


def test_the_release_notes_see_a_rename_as_a_change() -> None:
    entry = Entry("h", 1, "1.0.0")
    before = Lock("k8s", {}, {"a": entry, "a/key-points": entry, "b": entry})
    after = rename(before, "a", "c")
    assert after.renamed == {"c": "a"} and after.identity("c") == "a"
    assert set(after.notes) == {"b", "c", "c/key-points"}  # a question's notes move together
    assert lock_changes(before, after) == ([], ["c", "c/key-points"], [])
    plain = Lock("k8s", {}, {"b": entry, "c": entry})
    assert lock_changes(before, plain) == (["c"], [], ["a", "a/key-points"])


# -- retirement: provisional until the release ------------------------------------------


def drop_first(content: Path) -> dict[Path, str]:
    """Delete the first question (and lower its tier's count); hand back the files' text."""
    tier, bank_yaml = content / "fundamentals.yaml", content / "bank.yaml"
    saved = {tier: tier.read_text(), bank_yaml: bank_yaml.read_text()}
    text = saved[tier]
    start, end = text.index(f"  - id: {FIRST}"), text.index(f"  - id: {SECOND}")
    tier.write_text(text[:start] + text[end:])
    bank_yaml.write_text(saved[bank_yaml].replace("expected: 2", "expected: 1", 1))
    return saved


def put_back(saved: dict[Path, str]) -> None:
    for path, text in saved.items():
        path.write_text(text)


def test_an_id_removed_since_the_release_may_come_back(content: Path) -> None:
    assert build(content)[0] == 0
    original = drop_first(content)
    code, _, stderr = build(content, EPOCH + 60)
    assert code == 0
    assert f"anki:   1 removed since the lock, now retired: {FIRST};" in stderr
    assert (
        f"retired until version 0.1.0 is released, then for good: {FIRST}. To undo, put the "
        "question back under the same id" in stderr
    )
    put_back(original)
    code, _, stderr = build(content, EPOCH + 120)
    assert code == 0, stderr
    assert f"1 back from retirement: {FIRST}" in stderr
    lock = read_lock(content / "prepdeck.lock")
    assert lock is not None and FIRST in lock.notes and not lock.retired
    assert lock.notes[FIRST].mod == EPOCH  # unchanged content: Anki has nothing to update


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(folder), *args],
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "HOME": str(folder),
            "PATH": "/usr/bin:/bin",
        },
    )


def test_retirement_is_permanent_once_the_version_is_released(bank: Path, content: Path) -> None:
    assert build(content)[0] == 0
    original = drop_first(content)
    assert build(content, EPOCH + 60)[0] == 0
    git(bank, "init", "-q")
    git(bank, "add", ".")
    git(bank, "commit", "-qm", "0.1.0")
    git(bank, "tag", "v0.1.0")
    put_back(original)
    code, stdout, _ = build(content, EPOCH + 120)
    assert code == 1
    assert f"error[retired-id]: id {FIRST!r} belonged to a question that was removed" in stdout


def test_retirement_is_permanent_once_the_version_moves_on(content: Path) -> None:
    assert build(content)[0] == 0
    original = drop_first(content)
    assert build(content, EPOCH + 60)[0] == 0
    put_back(original)
    bank_yaml = content / "bank.yaml"
    bank_yaml.write_text(bank_yaml.read_text().replace("version: 0.1.0", "version: 0.2.0"))
    code, stdout, _ = build(content, EPOCH + 120)
    assert code == 1 and "error[retired-id]" in stdout


def test_stamp_restores_only_provisional_retirements() -> None:
    entry = Entry("h", 5, "1.0.0")
    old = Lock("k8s", {}, {}, {"gone": Entry("h", 5, "1.0.0", "1.1.0")})

    def again(version: str, released: bool = False) -> tuple[Lock, LockDiff]:
        return stamp(
            old, Built({"gone": "h"}), bank="k8s", version=version, timestamp=9, released=released
        )

    lock, diff = again("1.1.0")
    assert diff.restored == ("gone",) and not diff.reused and lock.notes == {"gone": entry}
    _, diff = again("1.1.0", released=True)
    assert diff.reused == ("gone",) and not diff.restored
    _, diff = again("1.2.0")
    assert diff.reused == ("gone",)


# -- the real Anki backend -----------------------------------------------------------


@pytest.fixture
def col(tmp_path: Path) -> Iterator[object]:
    from anki_helpers import collection

    col = collection(tmp_path / "anki" / "collection.anki2")
    yield col
    col.close()


@pytest.mark.slow
def test_anki_keeps_the_note_and_its_history_across_a_rename(content: Path, col: object) -> None:
    from anki.collection import Collection
    from anki.scheduler.v3 import Scheduler
    from anki.scheduler_pb2 import CardAnswer

    from anki_helpers import import_package

    assert isinstance(col, Collection)
    apkg = content.parent / "dist" / "k8s.apkg"
    assert build(content)[0] == 0
    import_package(col, apkg)
    assert col.note_count() == 4
    [cid] = col.find_cards(f'"ID:{FIRST}"')
    card = col.get_card(cid)
    card.start_timer()
    sched = col.sched
    assert isinstance(sched, Scheduler)
    states = col._backend.get_scheduling_states(card.id)
    sched.answer_card(sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))
    card.load()
    scheduling = (card.type, card.queue, card.due, card.ivl, card.reps)
    assert card.reps == 1

    code, _, stderr = run("rename", FIRST, "fields-explained", str(content))
    assert code == 0, stderr
    later = int(time.time()) + 3600  # after the review, as a real next release is
    assert build(content, later)[0] == 0
    log = import_package(col, apkg)

    assert [n.fields[0] for n in log.updated] == ["fields-explained"]
    assert not log.new and not log.conflicting
    assert col.note_count() == 4 and col.card_count() == 4
    assert not col.find_notes(f'"ID:{FIRST}"')
    [nid] = col.find_notes('"ID:fields-explained"')
    note = col.get_note(nid)
    assert note["ID"] == "fields-explained" and note.id == card.nid
    card.load()
    assert (card.type, card.queue, card.due, card.ivl, card.reps) == scheduling
    assert col.db is not None
    assert col.db.scalar("select count() from revlog where cid = ?", card.id) == 1
    assert json.loads((content / "prepdeck.lock").read_text())["renamed"] == {
        "fields-explained": FIRST
    }
