"""Releases: two builds, identical bytes, checksums, notes with the changes since the
previous release, and the CLI's exit codes."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BASICS_YAML, DEEP_YAML, MakeBank, run
from conftest import git as shared_git
from prepdeck import pipeline
from prepdeck.artifacts import BuildOptions
from prepdeck.build import build
from prepdeck.errors import BuildError, ContentError
from prepdeck.git import commit_time
from prepdeck.release import (
    AUTO,
    CHECKSUMS,
    NOTES,
    ReleaseError,
    previous_release_tag,
    release,
    release_timestamp,
)
from prepdeck.targets import REGISTRY, TARGETS
from prepdeck.validate import validate_content

EPOCH = 1767225600  # 2026-01-01T00:00:00Z
# The writers that exist in this checkout; the release command itself needs all of them.
AVAILABLE = tuple(
    t for t in TARGETS if importlib.util.find_spec(REGISTRY[t].writer.partition(":")[0]) is not None
)
ALL_WRITERS = AVAILABLE == TARGETS

pytestmark = pytest.mark.slow

NEW_QUESTION = """\
  - id: fourth-question
    question: What is least privilege?
    hint: Only what is needed.
    key_points: [Scope]
    answer: Grant each job only the permissions it needs.
    tags: [ci-cd]
    refs: [owasp]
"""


def lock(content: Path) -> Path:
    """Build the deck without --locked, as a maintainer does, so the lock is current."""
    bank = validate_content(content).bank
    assert bank is not None
    # new_lock: a test may tag a release made before the bank had a lock.
    options = BuildOptions(timestamp=EPOCH, content_dir=content, new_lock=True)
    build(bank, out_dir=content.parent / "scratch", options=options, targets=("anki",))
    return content / "prepdeck.lock"


def edit_bank(content: Path, *, version: str = "1.1.0") -> None:
    """Change first-question, remove third-question, add fourth-question."""
    (content / "bank.yaml").write_text(
        (content / "bank.yaml").read_text().replace("version: 1.0.0", f"version: {version}")
    )
    basics = BASICS_YAML.replace("What is a secret?", "What is a secret, exactly?")
    (content / "basics.yaml").write_text(basics)
    deep = DEEP_YAML[: DEEP_YAML.index("  - id: third-question")] + NEW_QUESTION
    (content / "deep.yaml").write_text(deep)


def git(cwd: Path, *args: str) -> str:
    return shared_git(cwd, *args, epoch=EPOCH)  # commits and tags at the release's time


# -- the library ---------------------------------------------------------------------


def test_release_writes_checked_artifacts_checksums_and_notes(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    content = make_bank()
    lock(content)
    out = tmp_path / "dist"
    result = release(content, out_dir=out, timestamp=EPOCH, tag="v1.0.0", targets=AVAILABLE)

    assert (result.version, result.tag) == ("1.0.0", "v1.0.0")
    names = sorted(a.path.name for a in result.artifacts)
    suffix = {
        "anki": ".apkg",
        "booklet": ".pdf",
        "quiz": "-quiz.pdf",
        "cards": "-cards.pdf",
        "site": ".html",
    }
    assert names == sorted(f"tiny{suffix[t]}" for t in AVAILABLE)
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, CHECKSUMS, NOTES])

    # SHA256SUMS: sha256sum's format, sorted by name, matching the bytes on disk.
    lines = (out / CHECKSUMS).read_text().splitlines()
    assert lines == sorted(lines, key=lambda line: line.split("  ", 1)[1])
    assert lines == [
        f"{hashlib.sha256((out / name).read_bytes()).hexdigest()}  {name}" for name in names
    ]
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "--check", "--strict", CHECKSUMS], cwd=out, check=True)

    notes = (out / NOTES).read_text()
    assert notes.startswith("# Tiny Bank 1.0.0\n")
    assert "tagged `v1.0.0`, built 2026-01-01 (UTC)" in notes
    assert "| Basics | 2 |\n| Deep | 1 |\n| **Total** | **3** |" in notes
    assert "First release: every question is new." in notes
    for artifact in result.artifacts:
        assert f"| `{artifact.path.name}` | {artifact.size} | `{artifact.sha256}` |" in notes


def test_two_releases_of_the_same_commit_have_the_same_bytes(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    content = make_bank()
    lock(content)
    one = release(content, out_dir=tmp_path / "one", timestamp=EPOCH, targets=AVAILABLE)
    two = release(content, out_dir=tmp_path / "two", timestamp=EPOCH, targets=AVAILABLE)
    for path in [*(a.path for a in one.artifacts), one.checksums, one.release_notes]:
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes(), path.name
    assert [a.sha256 for a in one.artifacts] == [a.sha256 for a in two.artifacts]


def test_builds_that_differ_fail_and_write_nothing(
    make_bank: MakeBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = make_bank()
    lock(content)

    def clock_dependent_build(*args: object, **kwargs: object) -> object:
        artifacts = build(*args, **kwargs)  # type: ignore[arg-type]
        with artifacts[0].path.open("ab") as fh:
            fh.write(b"\0")  # what a writer that reads the clock would do
        return artifacts

    monkeypatch.setattr(pipeline, "build", clock_dependent_build)  # the first build only
    out = tmp_path / "dist"
    with pytest.raises(ReleaseError, match="not byte-identical") as info:
        release(content, out_dir=out, timestamp=EPOCH, targets=AVAILABLE)
    assert f"tiny{'.apkg' if AVAILABLE[0] == 'anki' else ''}" in str(info.value)
    assert not out.exists()


def test_tag_must_match_the_version(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    lock(content)
    with pytest.raises(ReleaseError) as info:
        release(content, out_dir=tmp_path / "dist", timestamp=EPOCH, tag="v1.0.1")
    assert str(info.value) == (
        f"tag 'v1.0.1' does not match the bank's version '1.0.0' ({content}/bank.yaml); "
        "the tag for this version is 'v1.0.0'"
    )
    assert not (tmp_path / "dist").exists()


def test_release_needs_a_current_lock(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    with pytest.raises(BuildError) as info:
        release(content, out_dir=tmp_path / "dist", timestamp=EPOCH, targets=("anki",))
    assert [p.rule for p in info.value.problems] == ["stale-lock"]
    assert not (content / "prepdeck.lock").exists()  # a release never writes the lock


def test_invalid_bank_is_a_content_error(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank(basics__yaml=BASICS_YAML.replace("tags: [ci-cd]", "tags: [nope]"))
    with pytest.raises(ContentError) as info:
        release(content, out_dir=tmp_path / "dist", timestamp=EPOCH)
    assert [p.rule for p in info.value.problems if p.is_error] == ["unknown-topic"]


def test_notes_list_ids_added_changed_and_removed_since_a_previous_lock(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    content = make_bank()
    previous = tmp_path / "v1.0.0.lock"
    shutil.copyfile(lock(content), previous)
    edit_bank(content)
    lock(content)

    result = release(
        content,
        out_dir=tmp_path / "dist",
        timestamp=EPOCH,
        previous_lock=previous,
        targets=AVAILABLE,
    )
    changes = result.changes
    assert (changes.since, changes.added, changes.changed, changes.removed) == (
        str(previous),
        ("fourth-question",),
        ("first-question",),
        ("third-question",),
    )
    notes = result.release_notes.read_text()
    assert (
        f"## Changes since `{previous}`\n\n"
        "- Added (1): `fourth-question`\n"
        "- Changed (1): `first-question`\n"
        "- Removed (1): `third-question`\n"
    ) in notes
    assert "| Basics | 2 |\n| Deep | 1 |\n| **Total** | **3** |" in notes


def test_notes_say_when_nothing_changed(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    previous = tmp_path / "previous.lock"
    shutil.copyfile(lock(content), previous)
    result = release(
        content,
        out_dir=tmp_path / "dist",
        timestamp=EPOCH,
        previous_lock=previous,
        targets=("anki",),
    )
    assert "No question was added, changed or removed." in result.release_notes.read_text()


def test_previous_lock_of_another_bank_is_refused(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    lock(content)
    other = tmp_path / "other.lock"
    other.write_text((content / "prepdeck.lock").read_text().replace('"tiny"', '"other"'))
    with pytest.raises(ReleaseError, match="is for bank 'other', not 'tiny'"):
        release(content, out_dir=tmp_path / "dist", timestamp=EPOCH, previous_lock=other)


def test_since_a_tag_reads_that_release_lock_from_git(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    lock(content)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "content")
    git(tmp_path, "commit", "-q", "-m", "1.0.0")
    git(tmp_path, "tag", "v1.0.0")
    edit_bank(content)
    lock(content)
    git(tmp_path, "commit", "-q", "-a", "-m", "1.1.0")
    git(tmp_path, "tag", "v1.1.0")  # the tag being released is not its own previous release

    assert previous_release_tag(content, exclude="v1.1.0") == "v1.0.0"
    assert commit_time(content) == EPOCH
    for since in (AUTO, "v1.0.0"):
        result = release(
            content,
            out_dir=tmp_path / "dist",
            timestamp=EPOCH,
            tag="v1.1.0",
            since=since,
            targets=("anki",),
        )
        changes = result.changes
        assert (changes.since, changes.added, changes.changed, changes.removed) == (
            "v1.0.0",
            ("fourth-question",),
            ("first-question",),
            ("third-question",),
        )

    with pytest.raises(ReleaseError, match=r"'v0\.9\.0' is not a tag or commit"):
        release(content, out_dir=tmp_path / "dist", timestamp=EPOCH, since="v0.9.0")


def test_since_a_tag_without_a_lock_says_how_to_go_on(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "content")
    git(tmp_path, "commit", "-q", "-m", "before locks")
    git(tmp_path, "tag", "v0.9.0")
    lock(content)  # not committed: the release is a trial run
    with pytest.raises(ReleaseError, match=r"v0\.9\.0 has no prepdeck\.lock .* --since none"):
        release(content, out_dir=tmp_path / "dist", timestamp=EPOCH, since=AUTO, allow_dirty=True)


def test_auto_outside_git_is_a_first_release(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    lock(content)
    assert previous_release_tag(content, exclude="v1.0.0") is None
    assert commit_time(content) is None
    result = release(
        content, out_dir=tmp_path / "dist", timestamp=EPOCH, since=AUTO, targets=("anki",)
    )
    assert result.changes.since is None


# -- the command line ----------------------------------------------------------------


def test_cli_tag_mismatch_exits_1_with_a_clear_error(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    lock(content)
    out = tmp_path / "dist"
    env = {"SOURCE_DATE_EPOCH": str(EPOCH)}
    for args, extra in (((("--tag", "v2.0.0")), {}), ((), {"PREPDECK_TAG": "v2.0.0"})):
        code, stdout, stderr = run(
            "release", str(content), "--out", str(out), *args, env={**env, **extra}
        )
        assert (code, stdout) == (1, "")
        assert stderr == (
            f"Error: tag 'v2.0.0' does not match the bank's version '1.0.0' "
            f"({content}/bank.yaml); the tag for this version is 'v1.0.0'\n"
        )
    assert not out.exists()


def test_cli_stale_lock_prints_the_problem_and_exits_1(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    code, stdout, stderr = run(
        "release",
        str(content),
        "--out",
        str(tmp_path / "dist"),
        env={"SOURCE_DATE_EPOCH": str(EPOCH)},
    )
    assert code == 1
    assert stdout.startswith(f"{content}/prepdeck.lock:1:1: error[stale-lock]: no lock file")
    assert stderr.endswith("release failed; nothing was written\n")


def test_cli_usage_errors_exit_2(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    lock(content)
    previous = content / "prepdeck.lock"
    code, _, stderr = run(
        "release", str(content), "--previous-lock", str(previous), "--since", "v1.0.0"
    )
    assert code == 2 and "give --previous-lock or --since, not both" in stderr
    code, _, stderr = run("release", str(content), env={"SOURCE_DATE_EPOCH": "soon"})
    assert code == 2 and "SOURCE_DATE_EPOCH" in stderr
    out = tmp_path / "out"
    code, _, stderr = run(
        "release", str(content), "--out", str(out), "--paper", "a5",
        env={"SOURCE_DATE_EPOCH": str(EPOCH)},
    )  # fmt: skip
    assert code == 2 and "Invalid value for '--paper': 'a5' is not a paper in pdf.yaml" in stderr
    assert not out.exists()


def test_cli_needs_a_time_outside_git(make_bank: MakeBank, tmp_path: Path) -> None:
    content = make_bank()
    lock(content)
    code, _, stderr = run("release", str(content), env={"SOURCE_DATE_EPOCH": None})  # type: ignore[dict-item]
    assert code == 1 and "set SOURCE_DATE_EPOCH" in stderr


@pytest.mark.skipif(not ALL_WRITERS, reason=f"only the {', '.join(AVAILABLE)} writers exist yet")
def test_cli_release_prints_each_artifact_and_json(
    make_bank: MakeBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./styles here: the styles the lock was made with
    content = make_bank()
    lock(content)
    out = tmp_path / "dist"
    env = {"SOURCE_DATE_EPOCH": str(EPOCH)}
    code, stdout, stderr = run(
        "release", str(content), "--out", str(out), "--tag", "v1.0.0", env=env
    )
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        str(out / name)
        for name in (
            "tiny-cards.pdf",
            "tiny-quiz.pdf",
            "tiny.apkg",
            "tiny.html",
            "tiny.pdf",
            CHECKSUMS,
            NOTES,
        )
    ]
    assert stderr.endswith("v1.0.0: two builds byte-identical; first release\n")

    code, stdout, stderr = run(
        "release", str(content), "--out", str(out), "--format", "json", "--since", "none", env=env
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["tag"] == "v1.0.0" and summary["since"] is None
    assert {Path(a["path"]).name for a in summary["artifacts"]} == {
        "tiny.apkg",
        "tiny.html",
        "tiny.pdf",
        "tiny-quiz.pdf",
        "tiny-cards.pdf",
    }


def test_cli_help_has_an_example() -> None:
    code, out, _ = run("release", "--help")
    assert code == 0 and "Example:" in out and "PREPDECK_TAG" in out


def test_cli_release_json_is_one_document_whether_it_fails_or_not(
    make_bank: MakeBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    content = make_bank()
    env = {"SOURCE_DATE_EPOCH": str(EPOCH)}
    args = ["release", str(content), "--out", str(tmp_path / "dist"), "--format", "json"]
    # no lock yet: a build problem, printed as the same document as a success
    code, stdout, _ = run(*args, "--since", "none", env=env)
    document = json.loads(stdout)
    assert code == 1 and document["artifacts"] == []
    assert [p["rule"] for p in document["problems"]] == ["stale-lock"]
    # a release error that is not a content problem: still one document
    lock(content)
    code, stdout, _ = run(*args, "--tag", "v9.9.9", "--since", "none", env=env)
    document = json.loads(stdout)
    assert code == 1 and document["artifacts"] == []
    [problem] = document["problems"]
    assert (
        problem["rule"] == "release" and "does not match the bank's version" in problem["message"]
    )
    # a success: the problems (the warnings) and the artifacts, with the release's facts
    code, stdout, _ = run(*args, "--since", "none", env=env)
    document = json.loads(stdout)
    assert code == 0 and document["problems"] == [] and len(document["artifacts"]) == len(TARGETS)
    assert {a["target"] for a in document["artifacts"]} == set(TARGETS)
    assert document["tag"] == "v1.0.0" and document["release_notes"].endswith(NOTES)


def test_the_release_time_is_source_date_epoch_else_the_commits(tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    folder.mkdir()
    with pytest.raises(ReleaseError, match="set SOURCE_DATE_EPOCH"):
        release_timestamp(folder, {})  # not a git checkout, and no SOURCE_DATE_EPOCH
    assert release_timestamp(folder, {"SOURCE_DATE_EPOCH": "1767225600"}) == 1767225600
    with pytest.raises(pipeline.RequestError):
        release_timestamp(folder, {"SOURCE_DATE_EPOCH": "yesterday"})
    (folder / "bank.yaml").write_text("x: 1\n", encoding="utf-8")
    shared_git(folder, "init", "-q")
    shared_git(folder, "add", "-A")
    shared_git(folder, "commit", "-qm", "first", epoch=1700000000)
    assert release_timestamp(folder, {}) == 1700000000
    assert release_timestamp(folder, {"SOURCE_DATE_EPOCH": "1767225601"}) == 1767225601
