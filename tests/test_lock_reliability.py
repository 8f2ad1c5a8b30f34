"""The lock, rename and release against hostile or unlucky input (issue 23 items 7, 8,
12, 15 and 16), and a lock that no dependency version rewrites (issue 22 item 7).

Each test reproduces the fault as the issue found it: a lock edited by hand or by an
attacker (a 5,000-digit mod, nesting 100,000 deep, a version "1.²", a `renamed` map
that gives two notes one identity), a FIFO in the lock's place, a full disk or an
unwritable lock during `prepdeck rename`, an edited style folder at release time, and
the same content built with another Pygments.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygments
import pytest
from click.testing import CliRunner

from conftest import BASICS_YAML, CONTENT, MakeBank
from prepdeck import notetypes, text
from prepdeck.artifacts import BuildOptions
from prepdeck.build import build
from prepdeck.cli import cli
from prepdeck.errors import BuildError
from prepdeck.git import GitError, git
from prepdeck.lock import read_lock
from prepdeck.model import Bank
from prepdeck.release import ReleaseError, release
from prepdeck.rename import RenameError, rename
from prepdeck.validate import validate_content

EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "lock-format-2" / "content"
ROOT = CONTENT.parent


def valid_bank(root: Path) -> Bank:
    result = validate_content(root)
    assert result.bank is not None, result.problems
    return result.bank


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exc_info is None or result.exc_info[0] is SystemExit, result.exc_info
    return result.exit_code, result.output


def commit_all(cwd: Path, message: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


@pytest.fixture
def locked(make_bank: MakeBank, tmp_path: Path) -> Path:
    """A bank built once, so it has a lock."""
    content = make_bank()
    build(valid_bank(content), out_dir=tmp_path / "dist", options=BuildOptions(EPOCH, content))
    return content


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for f in folders for p in sorted(f.rglob("*")) if p.is_file()}


# -- issue 23 item 12: hostile lock text is one problem, never a traceback -------------


def _edit_first_note(lock_text: str, key: str, value: str) -> str:
    data = lock_text.splitlines()
    for i, line in enumerate(data):
        if '"first-question": {' in line:
            entry = json.loads(line.split(": ", 1)[1].rstrip(","))
            written = json.dumps({**entry, key: 0}).replace('"' + key + '": 0', f'"{key}": {value}')
            data[i] = f'    "first-question": {written}' + ("," if line.endswith(",") else "")
            return "\n".join(data) + "\n"
    raise AssertionError("no first-question entry")


Edit = Callable[[str], str]
HOSTILE: dict[str, tuple[Edit, str]] = {
    "5000-digit-mod": (lambda t: _edit_first_note(t, "mod", "9" * 5000), "5,000 digits"),
    "deep-nesting": (lambda t: "[" * 100_000 + "]" * 100_000, "nesting deeper than"),
    "superscript-version": (lambda t: _edit_first_note(t, "version", '"1.\u00b2"'), "version"),
    "5000-digit-version": (
        lambda t: _edit_first_note(t, "version", '"1.' + "9" * 5000 + '.0"'),
        "version",
    ),
    "5000-digit-format": (lambda t: t.replace('"format": 3', '"format": ' + "7" * 5000), "format"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_lock_is_one_problem_in_build_and_release(
    locked: Path, tmp_path: Path, case: str
) -> None:
    edit, expected = HOSTILE[case]
    lock_path = locked / "prepdeck.lock"
    hostile = edit(lock_path.read_text(encoding="utf-8"))
    lock_path.write_text(hostile, encoding="utf-8")
    code, output = run("build", str(locked), "--out", str(tmp_path / "out"), "--target", "anki")
    assert code == 1 and "Traceback" not in output, output[-2000:]
    [line] = [row for row in output.splitlines() if "error[lock-invalid]" in row]
    assert expected in line and len(line) < 400, line
    assert line.startswith(f"{lock_path}:")
    # the same text as --previous-lock of a release: one line, no traceback
    previous = tmp_path / "previous.lock"
    previous.write_text(hostile, encoding="utf-8")
    lock_path.unlink()
    build(valid_bank(locked), out_dir=tmp_path / "d2", options=BuildOptions(EPOCH, locked))
    with pytest.raises(ReleaseError) as caught:
        release(locked, out_dir=tmp_path / "rel", timestamp=EPOCH, previous_lock=previous,
                targets=("anki",), allow_dirty=True)  # fmt: skip
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{previous}:") and expected in message


def test_the_problem_points_at_the_hostile_value(locked: Path, tmp_path: Path) -> None:
    lock_path = locked / "prepdeck.lock"
    lock_path.write_text(
        _edit_first_note(lock_path.read_text(encoding="utf-8"), "mod", "9" * 5000),
        encoding="utf-8",
    )
    with pytest.raises(BuildError) as caught:
        build(valid_bank(locked), out_dir=tmp_path / "d", options=BuildOptions(EPOCH, locked))
    [problem] = caught.value.problems
    line = lock_path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert '"first-question"' in line and line[problem.column - 1 :].startswith("9999")


def test_a_fifo_in_the_locks_place_is_a_problem_not_a_hang(locked: Path, tmp_path: Path) -> None:
    lock_path = locked / "prepdeck.lock"
    lock_path.unlink()
    os.mkfifo(lock_path)
    done = subprocess.run(
        [sys.executable, "-m", "prepdeck", "build", str(locked), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,  # before the fix this never returned: the open blocked forever
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{lock_path}:1:1: error[lock-invalid]: is not a regular file" in done.stdout


# -- issue 23 item 8: the renamed map cannot give two notes one identity ---------------


@pytest.mark.parametrize(
    ("renamed", "expected"),
    [
        ({"second-question": "first-question"}, "also a question id"),
        ({"first-question": "second-question", "second-question": "first-question"}, "cycle"),
        ({"first-question": "old-id", "second-question": "old-id"}, "same identity"),
    ],
    ids=["target-is-live", "swap", "guid-twice"],
)
def test_a_hand_edited_renamed_map_is_refused(
    locked: Path, tmp_path: Path, renamed: dict[str, str], expected: str
) -> None:
    lock_path = locked / "prepdeck.lock"
    data = json.loads(lock_path.read_text(encoding="utf-8"))
    data["renamed"] = renamed
    lock_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    before = snapshot(locked)
    code, output = run("build", str(locked), "--out", str(tmp_path / "out"), "--target", "anki")
    assert code == 1 and "Traceback" not in output
    problems = [row for row in output.splitlines() if "error[lock-invalid]" in row]
    assert problems and any(expected in row for row in problems), output
    assert all(row.startswith(f"{lock_path}:") and ":1:1:" not in row for row in problems)
    assert snapshot(locked) == before and not list((tmp_path / "out").glob("*.apkg"))


def test_a_rename_then_a_build_still_reads_its_own_lock(locked: Path, tmp_path: Path) -> None:
    rename(locked, "first-question", "renamed-question")
    lock = read_lock(locked / "prepdeck.lock")
    assert lock is not None and lock.renamed == {"renamed-question": "first-question"}
    rename(locked, "renamed-question", "third-id")  # a chain collapses to one entry
    build(valid_bank(locked), out_dir=tmp_path / "d", options=BuildOptions(EPOCH + 9, locked))


# -- issue 23 item 7: rename writes both files or neither -------------------------------


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EPERM, errno.EROFS])
def test_rename_is_all_or_nothing(locked: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """The lock cannot be replaced (immutable: EPERM; full disk; read-only): the tier
    file is put back, nothing is left behind, and the CLI says so without a traceback."""
    before = snapshot(locked)
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == "prepdeck.lock" and not Path(src).name.startswith(".prepdeck.lock"):
            return real_replace(src, dst)  # a restore of a backup
        if Path(dst).name == "prepdeck.lock":
            raise OSError(code, os.strerror(code), str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(RenameError, match=os.strerror(code)):
        rename(locked, "first-question", "new-question")
    assert snapshot(locked) == before  # tier file, lock, and no temporary file
    code_, output = run("rename", "first-question", "new-question", str(locked))
    assert code_ == 1 and "Traceback" not in output and "nothing was changed" in output
    assert snapshot(locked) == before


def test_rename_with_a_full_disk_while_staging_changes_nothing(
    locked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(locked)
    real_write = Path.write_bytes

    def write_bytes(self: Path, data: Any) -> int:
        if self.name.startswith(".prepdeck.lock."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    with pytest.raises(RenameError, match="No space left"):
        rename(locked, "first-question", "new-question")
    assert snapshot(locked) == before


# -- issue 23 item 16: release checks the style folders too -----------------------------


@pytest.mark.slow
@pytest.mark.parametrize("change", ["edited", "untracked"])
def test_release_refuses_uncommitted_style_changes(
    make_bank: MakeBank, tmp_path: Path, change: str
) -> None:
    content = make_bank()
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "anki.css").write_text(".pd { color: black; }\n", encoding="utf-8")
    build(
        valid_bank(content),
        out_dir=tmp_path / "dist",
        options=BuildOptions(EPOCH, content, style_dirs=(styles,)),
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("dist/\n", encoding="utf-8")
    commit_all(tmp_path, "bank, styles and lock")
    if change == "edited":
        (styles / "anki.css").write_text(".pd { color: red; }\n", encoding="utf-8")
    else:
        (styles / "site.css").write_text("body { margin: 0; }\n", encoding="utf-8")
    kwargs: dict[str, Any] = {"timestamp": EPOCH, "targets": ("anki",), "since": None}
    with pytest.raises(ReleaseError, match=r"uncommitted changes \(.*styles/(anki\.css|site\.css)"):
        release(content, out_dir=tmp_path / "rel", style_dirs=(styles,), **kwargs)
    assert not (tmp_path / "rel").exists()
    commit_all(tmp_path, "styles")
    if change == "edited":  # the committed style changed the note type: build the lock
        build(
            valid_bank(content),
            out_dir=tmp_path / "dist",
            options=BuildOptions(EPOCH + 5, content, style_dirs=(styles,)),
        )
        commit_all(tmp_path, "lock")
    release(content, out_dir=tmp_path / "rel", style_dirs=(styles,), **kwargs)


# -- one git module with one contract ---------------------------------------------------


def test_git_raises_on_failure_and_on_a_timeout(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        git(tmp_path, "log", "-1")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    with pytest.raises(GitError, match=r"no answer within 0\.5 s"):
        git(tmp_path, "-c", "alias.wait=!sleep 5", "wait", timeout=0.5)
    assert git(tmp_path, "rev-parse", "--is-inside-work-tree") == "true"


# -- issue 22 item 7: no dependency version rewrites the lock ---------------------------

CODE_YAML = BASICS_YAML.replace(
    "answer: Builds and tests on every push.",
    "answer: |\n      Builds on every push:\n\n"
    '      ```python\n      def build(): return "ok"\n      ```',
)


def test_another_pygments_output_leaves_the_lock_as_it_is(
    make_bank: MakeBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a Pygments release changes (its token spans and its CSS: 2.17 against 2.21
    marked 7 of 51 notes and both note types changed) is simulated by rendering every
    code block and the code CSS differently: a --locked build still passes, with the
    lock unchanged, though the deck itself shows the other rendering."""
    content = make_bank(basics__yaml=CODE_YAML)
    bank = valid_bank(content)
    build(bank, out_dir=tmp_path / "dist", options=BuildOptions(EPOCH, content))
    lock_before = (content / "prepdeck.lock").read_bytes()
    real_code_html = text.code_html
    monkeypatch.setattr(
        text, "code_html", lambda block: real_code_html(block).replace("hl-", "other-")
    )
    monkeypatch.setattr(notetypes, "CODE_CSS", notetypes.CODE_CSS.replace("hl-", "other-"))
    built = build(
        bank,
        out_dir=tmp_path / "other",
        options=BuildOptions(EPOCH + 60, content, update_lock=False),
        targets=("anki",),
    )
    assert (content / "prepdeck.lock").read_bytes() == lock_before
    assert _sqlite_has(built[0].path, "other-")  # the deck did use the other rendering


def _sqlite_has(apkg: Path, needle: str) -> bool:
    import sqlite3
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(apkg) as package:
        name = next(n for n in package.namelist() if n.startswith("collection.anki2"))
        package.extract(name, scratch)
        db = sqlite3.connect(Path(scratch) / name)
        try:
            rows = db.execute("select flds from notes").fetchall()
        finally:
            db.close()
    return any(needle in row[0] for row in rows)


@pytest.mark.slow
def test_the_committed_lock_is_what_these_dependency_versions_build(tmp_path: Path) -> None:
    """content/prepdeck.lock is built with the pinned versions (constraints.txt).  This
    builds the bank --locked with whatever is installed: in the lowest-versions job
    (`make test-lowest`: every runtime dependency at pyproject.toml's floor) it proves
    that the lowest and the pinned versions give the same lock."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    shutil.copytree(ROOT / "styles", tmp_path / "styles")  # the bank's own styles
    lock_before = (content / "prepdeck.lock").read_bytes()
    code, output = run(
        "build", str(content), "--out", str(tmp_path / "dist"), "--target", "anki", "--locked"
    )
    assert code == 0, output
    assert (content / "prepdeck.lock").read_bytes() == lock_before


def test_a_format_2_lock_migrates_without_restamping_a_note(tmp_path: Path) -> None:
    """The fixture's lock was written by prepdeck before format 3 (hashes of Pygments'
    output).  Building it today keeps every note's and note type's mod and version,
    moves the hashes to the current scheme, and says so; a --locked build of the old
    lock passes too (nothing changed for learners)."""
    pinned = _pinned("Pygments")
    if pygments.__version__ != pinned:
        pytest.skip(f"the fixture was hashed with Pygments {pinned}; this run has another")
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    old = json.loads((content / "prepdeck.lock").read_text(encoding="utf-8"))
    code, output = run("build", str(content), "--out", str(tmp_path / "a"), "--locked")
    assert code == 0, output  # --locked: the old lock is current (and is not written)
    assert json.loads((content / "prepdeck.lock").read_text(encoding="utf-8")) == old
    code, output = run("build", str(content), "--out", str(tmp_path / "b"))
    assert code == 0, output
    assert "the lock's hashes moved to the current scheme" in output
    assert "changed since the lock" not in output
    new = json.loads((content / "prepdeck.lock").read_text(encoding="utf-8"))
    assert (old["format"], new["format"]) == (2, 3)
    for table in ("notes", "notetypes"):
        assert new[table].keys() == old[table].keys()
        for key, entry in old[table].items():
            assert (new[table][key]["mod"], new[table][key].get("version")) == (
                entry["mod"],
                entry.get("version"),
            ), key
    assert new["notes"]["with-code"]["hash"] != old["notes"]["with-code"]["hash"]
    assert new["notes"]["without-code"] == old["notes"]["without-code"]
    assert new["notes"]["deep-question"] == old["notes"]["deep-question"]
    code, output = run("build", str(content), "--out", str(tmp_path / "c"), "--locked")
    assert code == 0 and "no changes since" in output


def test_a_partial_build_of_a_format_2_lock_keeps_its_format(tmp_path: Path) -> None:
    pinned = _pinned("Pygments")
    if pygments.__version__ != pinned:
        pytest.skip(f"the fixture was hashed with Pygments {pinned}; this run has another")
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    old = (content / "prepdeck.lock").read_text(encoding="utf-8")
    code, output = run(
        "build", str(content), "--out", str(tmp_path / "a"), "--tier", "deep", "--target", "anki"
    )
    assert code == 0, output  # the basics notes it did not build keep their format-2 hashes
    assert (content / "prepdeck.lock").read_text(encoding="utf-8") == old
    code, output = run("build", str(content), "--out", str(tmp_path / "b"), "--target", "anki")
    assert code == 0 and "changed since the lock" not in output, output


def _pinned(name: str) -> str:
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.lower().startswith(name.lower() + "=="):
            return line.split("==", 1)[1]
    raise AssertionError(f"{name} is not pinned")
