"""A release: validate, build twice with one timestamp, insist on identical bytes, then
write `SHA256SUMS` and the release notes.

`make release`, the release workflow and a maintainer by hand all call `release()`, so
a release cut on a laptop has the same bytes as the one CI publishes.  The second
build runs in a fresh interpreter (its own hash seed, no state shared with the first),
so output that depends on set order or on something left over from the first build
shows up here rather than as a download that does not match its checksum.

The notes say what changed for people who already have the deck: the question ids
added, changed and removed since the previous release, from that release's lock file
(`lock.py`), read from a path or from git (`git show <tag>:<lock>`), and, when a note
type's fields or templates changed, how to import so that their notes keep updating.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from prepdeck import lock as lockfile
from prepdeck import pipeline
from prepdeck.artifacts import Artifact, StagedFile, commit_all, stage
from prepdeck.errors import BuildError, ContentError, Level, PrepdeckError, Problem, printable
from prepdeck.git import GitError, commit_time, git, uncommitted
from prepdeck.model import Bank
from prepdeck.style_folders import bank_style_dirs
from prepdeck.targets import TARGETS

CHECKSUMS = "SHA256SUMS"
NOTES = "RELEASE-NOTES.md"
AUTO = "auto"  # `since`: the latest v* tag before this version, if git knows one
TAG_PREFIX = lockfile.TAG_PREFIX


class ReleaseError(PrepdeckError):
    """The release cannot be made as asked; the message says what to change."""


@dataclass(frozen=True, slots=True)
class Changes:
    """Notes that differ from the previous release, each sorted, by lock key (a question
    id, or "<id>/<kind>" for a question's other notes: see `lock.note_key`)."""

    since: str | None  # the previous release's tag or lock path; None: a first release
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    notetypes: tuple[str, ...] = ()  # note type kinds whose fields or templates changed


@dataclass(frozen=True, slots=True)
class Release:
    version: str
    tag: str  # the tag this version is released under: "v" + version
    artifacts: tuple[Artifact, ...]  # in the output folder, sorted by file name
    checksums: Path
    release_notes: Path  # RELEASE-NOTES.md
    changes: Changes
    warnings: tuple[Problem, ...] = ()  # from validation; the CLI shows them

    @property
    def summary(self) -> str:
        """One line: the tag, that the builds agreed, and what changed."""
        changes = self.changes
        what = (
            "first release"
            if changes.since is None
            else f"since {changes.since}: {len(changes.added)} added, "
            f"{len(changes.changed)} changed, {len(changes.removed)} removed"
        )
        if changes.notetypes:
            what += '; the notes tell users to import with "Merge note types"'
        return f"{self.tag}: two builds byte-identical; {what}"

    def as_dict(self) -> dict[str, object]:
        """What `release --format json` says beside the problems and artifacts."""
        changes = self.changes
        return {
            "version": self.version,
            "tag": self.tag,
            "checksums": str(self.checksums),
            "release_notes": str(self.release_notes),
            "since": changes.since,
            "added": list(changes.added),
            "changed": list(changes.changed),
            "removed": list(changes.removed),
            "notetypes": list(changes.notetypes),
        }


def release_timestamp(content_dir: Path, environ: Mapping[str, str]) -> int:
    """SOURCE_DATE_EPOCH if set, else the time of the commit checked out, so a release
    made by hand has the bytes CI publishes.  Raises `pipeline.RequestError` for a bad
    SOURCE_DATE_EPOCH and `ReleaseError` outside a git checkout."""
    if "SOURCE_DATE_EPOCH" in environ:
        return pipeline.source_date_epoch(environ)
    found = commit_time(content_dir)
    if found is None:
        raise ReleaseError(
            "set SOURCE_DATE_EPOCH (seconds since 1970), or release from a git "
            "checkout so the builds take the commit's time"
        )
    return found


def release(
    content_dir: Path,
    *,
    out_dir: Path,
    timestamp: int,
    tag: str | None = None,
    previous_lock: Path | None = None,
    since: str | None = None,
    style_dirs: Sequence[Path] | None = None,
    paper: str = "a4",
    strict: bool = False,
    targets: Sequence[str] = TARGETS,
    on_step: Callable[[str], None] | None = None,
    allow_dirty: bool = False,
    jobs: int = 1,
) -> Release:
    """Release the bank in `content_dir` into `out_dir`.

    `timestamp` is SOURCE_DATE_EPOCH for both builds.  `tag`, if given, must be "v"
    plus the bank's version.  The previous release is `previous_lock` (a lock file),
    or `since` (a git tag whose committed lock is read, or `AUTO`); neither means a
    first release.  The lock in `content_dir` must be current, as with `build --locked`,
    and the content committed (unless `allow_dirty`): CI builds the commit, so
    uncommitted changes would give other bytes than the release it publishes.
    `style_dirs` None means the bank's own styles, as for a build.

    Both builds run `pipeline.run`, the second in a fresh interpreter.  Raises
    `ContentError` (invalid bank), `BuildError` (stale lock, unbuildable artifact),
    `pipeline.RequestError` (a paper pdf.yaml lacks) or `ReleaseError` (tag mismatch,
    builds differ, no previous lock).  Nothing is written to `out_dir` unless both
    builds succeed and agree.
    """
    step = on_step or (lambda _message: None)
    if previous_lock is not None and since is not None:
        raise ReleaseError("give the previous release as a lock file or as a tag, not both")
    styles = bank_style_dirs(content_dir) if style_dirs is None else tuple(style_dirs)
    folders = (content_dir, *styles)  # what the release is built from: all committed
    if not allow_dirty and (dirty := uncommitted(folders)):
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        where = " and ".join(str(f) for f in folders)
        raise ReleaseError(
            f"{where} have uncommitted changes ({shown}); a release is built from a "
            "commit, so CI would produce other bytes. Commit them, or pass --allow-dirty "
            "for a trial release"
        )
    request = pipeline.Request(
        targets=tuple(targets),
        style_dirs=tuple(style_dirs) if style_dirs else None,
        paper=paper,
        strict=strict,
    )
    found: list[tuple[str, Changes]] = []

    def check(bank: Bank) -> None:
        """Between validation and the first build: the tag, and the changes since."""
        release_tag = TAG_PREFIX + bank.version
        if tag is not None and tag != release_tag:
            raise ReleaseError(
                f"tag {tag!r} does not match the bank's version {bank.version!r} "
                f"({content_dir / 'bank.yaml'}); the tag for this version is {release_tag!r}"
            )
        lock_path = content_dir / lockfile.LOCK_FILE
        changes = _changes(
            bank, lock_path, previous_lock=previous_lock, since=since, release_tag=release_tag
        )
        found.append((release_tag, changes))

    with tempfile.TemporaryDirectory(prefix="prepdeck-release-") as tmp:
        first, second = Path(tmp) / "first", Path(tmp) / "second"
        step("validating, then the first build")
        outcome = pipeline.run(
            content_dir,
            request,
            out_dir=first,
            timestamp=timestamp,
            update_lock=False,
            jobs=jobs,
            check=check,
        )
        if outcome.bank is None:
            raise ContentError(outcome.problems)
        if not outcome.ok:
            raise BuildError(outcome.problems)
        bank, built = outcome.bank, outcome.artifacts
        [(release_tag, changes)] = found
        step("second build, in a fresh interpreter")
        _build_in_child(content_dir, second, request, timestamp, jobs)
        _compare(first, second)
        step("writing the release")
        artifacts = tuple(
            replace(a, path=out_dir / a.path.name, report=[])
            for a in sorted(built, key=lambda a: a.path.name)
        )
        checksums, notes = out_dir / CHECKSUMS, out_dir / NOTES
        texts = {
            checksums: checksums_text(artifacts),
            notes: notes_text(bank, release_tag, artifacts, changes, timestamp=timestamp),
        }
        _publish(built, out_dir, texts)
    warnings = tuple(p for p in outcome.problems if not p.is_error)
    return Release(bank.version, release_tag, artifacts, checksums, notes, changes, warnings)


# -- building twice ------------------------------------------------------------------


def _build_in_child(
    content_dir: Path, out_dir: Path, request: pipeline.Request, timestamp: int, jobs: int
) -> None:
    """Validate and build again in a new Python process; problems come back as values."""
    message = {
        "content_dir": str(content_dir),
        "out_dir": str(out_dir),
        "timestamp": timestamp,
        "style_dirs": None if request.style_dirs is None else [str(p) for p in request.style_dirs],
        "paper": request.paper,
        "targets": list(request.targets),
        "jobs": jobs,
    }
    child = subprocess.run(
        [sys.executable, "-c", "from prepdeck.release import _child_main; _child_main()"],
        input=json.dumps(message),
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        answer = json.loads(child.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise ReleaseError(
            f"the second build crashed (exit {child.returncode}): {child.stderr.strip()}"
        ) from None
    if answer.get("problems"):
        raise BuildError(
            Problem(p["path"], p["line"], p["column"], p["rule"], p["message"], Level(p["level"]))
            for p in answer["problems"]
        )
    if answer.get("error"):
        raise ReleaseError(f"the second build failed: {answer['error']}")


def _child_main() -> None:
    """The second build's side of `_build_in_child`: JSON in on stdin, JSON out."""
    message = json.loads(sys.stdin.read())
    answer: dict[str, object] = {}
    try:
        styles = message["style_dirs"]
        request = pipeline.Request(
            targets=tuple(message["targets"]),
            style_dirs=None if styles is None else tuple(Path(p) for p in styles),
            paper=str(message["paper"]),
        )
        outcome = pipeline.run(
            Path(message["content_dir"]),
            request,
            out_dir=Path(message["out_dir"]),
            timestamp=int(message["timestamp"]),
            update_lock=False,
            jobs=int(message["jobs"]),
        )
        if not outcome.ok:
            answer["problems"] = [
                {
                    "path": p.path,
                    "line": p.line,
                    "column": p.column,
                    "rule": p.rule,
                    "message": p.message,
                    "level": p.level.value,
                }
                for p in outcome.problems
            ]
    except PrepdeckError as exc:
        answer["error"] = str(exc)
    sys.stdout.write("\n" + json.dumps(answer) + "\n")


def _compare(first: Path, second: Path) -> None:
    names = sorted(p.name for p in first.iterdir())
    other = sorted(p.name for p in second.iterdir())
    if names != other:
        raise ReleaseError(f"the two builds wrote different files: {names} and {other}")
    differ = [name for name in names if not _same_bytes(first / name, second / name)]
    if differ:
        raise ReleaseError(
            "the two builds are not byte-identical, so the release would not be "
            f"reproducible: {', '.join(differ)} differ (same content, same "
            "SOURCE_DATE_EPOCH); something in the writer depends on the clock, the "
            "process or the order of a set"
        )


def _same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def _publish(built: Sequence[Artifact], out_dir: Path, texts: Mapping[Path, str]) -> None:
    """Copy the checked artifacts into `out_dir` (the copies have the bytes, and so the
    size and digest, the build recorded) with the `texts` (checksums, notes), all or
    nothing, as a build does: a failure leaves the previous release's files as they were."""
    staged: list[StagedFile] = []
    try:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            for artifact in built:
                copy = stage(out_dir / artifact.path.name, staged)
                shutil.copyfile(artifact.path, copy.path)
            for path, text in texts.items():
                stage(path, staged).path.write_text(text, encoding="utf-8")
            commit_all(staged)
        except OSError as exc:
            raise ReleaseError(
                f"cannot write {exc.filename or out_dir}: {exc.strerror or exc}; "
                "nothing was replaced"
            ) from exc
    except BaseException:
        for file in staged:
            file.discard()
        raise


# -- checksums and notes -------------------------------------------------------------


def checksums_text(artifacts: Sequence[Artifact]) -> str:
    """`sha256sum` format ("<hex>  <name>"), sorted by name: `sha256sum -c` checks it."""
    rows = sorted((a.path.name, a.sha256) for a in artifacts)
    return "".join(f"{digest}  {name}\n" for name, digest in rows)


def notes_text(
    bank: Bank,
    tag: str,
    artifacts: Sequence[Artifact],
    changes: Changes,
    *,
    timestamp: int,
) -> str:
    """The release notes in Markdown; the same inputs give the same text."""
    date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    lines = [
        f"# {_text(bank.title)} {bank.version}",
        "",
        f"Version {bank.version}, tagged `{tag}`, built {date} (UTC).",
        "",
        "## Questions",
        "",
        "| Tier | Questions |",
        "| --- | ---: |",
    ]
    for tier in bank.tiers:
        lines.append(f"| {_text(tier.name)} | {len(bank.questions_in(tier))} |")
    lines += [f"| **Total** | **{len(bank.questions)}** |", ""]
    if changes.since is None:
        lines += ["## Changes", "", "First release: every question is new.", ""]
    else:
        lines += [f"## Changes since {_code(changes.since)}", ""]
        if changes.notetypes:
            lines += [MERGE_NOTE_TYPES, ""]
        if not (changes.added or changes.changed or changes.removed):
            lines.append("No question was added, changed or removed.")
        for label, keys in (
            ("Added", changes.added),
            ("Changed", changes.changed),
            ("Removed", changes.removed),
        ):
            by_kind: dict[str, list[str]] = {}
            for key in keys:
                question_id, kind = lockfile.split_key(key)
                by_kind.setdefault(kind, []).append(question_id)
            for kind, ids in sorted(by_kind.items(), key=lambda item: _kind_order(item[0])):
                what = label if kind == lockfile.QUESTION_KIND else f"{label} {_kind_label(kind)}"
                lines.append(f"- {what} ({len(ids)}): " + ", ".join(_code(i) for i in ids))
        lines.append("")
    lines += [
        "## Files",
        "",
        f"Check a download with `sha256sum --check {CHECKSUMS} --ignore-missing`.",
        "",
        "| File | Size (bytes) | SHA-256 |",
        "| --- | ---: | --- |",
    ]
    for artifact in sorted(artifacts, key=lambda a: a.path.name):
        lines.append(
            f"| {_code(artifact.path.name, cell=True)} | {artifact.size} | `{artifact.sha256}` |"
        )
    return "\n".join(lines) + "\n"


MERGE_NOTE_TYPES = (
    '**Import this version with "Merge note types" ticked.** The deck\'s note type '
    "changed its fields or templates. In Anki choose File > Import, pick the file, tick "
    '"Merge note types" and import: your notes, reviews and tags are kept and updated. '
    "Without it, Anki adds a second note type and your existing notes stop receiving "
    "updates."
)


def _kind_order(kind: str) -> tuple[bool, str]:
    return (kind != lockfile.QUESTION_KIND, kind)


def _kind_label(kind: str) -> str:
    return "key-point recall cards" if kind == "key-points" else f"{_text(kind)} notes"


# Bank text in the notes is Markdown that GitHub renders on the release page, so every
# piece of it goes through one of these two: a title such as `Deck ![t](https://…)`
# must print as written, never fetch an image or make a link.
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def _text(text: str) -> str:
    """`text` as literal Markdown: control characters escaped as `printable` shows
    them (a newline would end the line), and every ASCII punctuation character
    backslash-escaped (CommonMark lets any be), which undoes links, images, emphasis,
    raw HTML, entities, headings, table pipes and the `https:` and `www.`
    autolinks.  GFM still links an e-mail address in plain text whatever the escapes,
    and GitHub an @mention, so a WORD JOINER (invisible, never a line break) follows
    each `@`."""
    return _PUNCTUATION.sub(r"\\\1", printable(text)).replace("@", "@\u2060")


def _code(text: str, *, cell: bool = False) -> str:
    """`text` as a code span (literal by nature): a fence of more backticks than any
    run inside it, padded when the text starts or ends with one; in a table `cell`,
    `|` escaped (GFM splits a cell at it even inside code, and drops the backslash)."""
    text = printable(text)
    if cell:
        text = text.replace("|", "\\|")
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# -- the previous release --------------------------------------------------------------


def _changes(
    bank: Bank,
    lock_path: Path,
    *,
    previous_lock: Path | None,
    since: str | None,
    release_tag: str,
) -> Changes:
    if previous_lock is not None:
        label, previous = str(previous_lock), _read_previous_lock(previous_lock)
    elif since is None:
        return Changes(since=None)
    else:
        tag = (
            previous_release_tag(lock_path.parent, exclude=release_tag) if since == AUTO else since
        )
        if tag is None:
            return Changes(since=None)
        label, previous = tag, _lock_at_tag(lock_path, tag)
    if previous.bank != bank.slug:
        raise ReleaseError(
            f"the previous lock ({label}) is for bank {previous.bank!r}, not {bank.slug!r}"
        )
    current = _read_current_lock(lock_path)
    added, changed, removed = lockfile.lock_changes(previous, current)
    notetypes = lockfile.shape_changes(previous, current)
    return Changes(label, tuple(added), tuple(changed), tuple(removed), tuple(notetypes))


def _read_current_lock(path: Path) -> lockfile.Lock:
    try:
        current = lockfile.read_lock(path)
    except lockfile.LockFormatError as exc:
        raise BuildError(exc.problems) from exc
    if current is None:
        message = "no lock file; run `prepdeck build` and commit the lock before a release"
        raise BuildError([Problem(str(path), 1, 1, "stale-lock", message)])
    return current


def _read_previous_lock(path: Path) -> lockfile.Lock:
    try:
        previous = lockfile.read_lock(path)
    except lockfile.LockFormatError as exc:
        raise ReleaseError(_not_a_lock(exc)) from None
    if previous is None:
        raise ReleaseError(f"no previous lock at {path}")
    return previous


def previous_release_tag(repo_dir: Path, *, exclude: str) -> str | None:
    """The latest `v*` tag reachable from HEAD other than `exclude`, or None when there
    is none or `repo_dir` is not in a git checkout (a first release)."""
    try:
        found = git(
            repo_dir,
            "describe",
            "--tags",
            "--abbrev=0",
            f"--match={TAG_PREFIX}[0-9]*",
            f"--exclude={exclude}",
            "HEAD",
        )
    except GitError:
        return None
    return found or None


def _lock_at_tag(lock_path: Path, tag: str) -> lockfile.Lock:
    """The lock as committed at `tag`: `git show <tag>:<lock path>`."""
    repo_dir = lock_path.parent
    try:
        git(repo_dir, "rev-parse", "--verify", "--quiet", f"{tag}^{{commit}}")
    except GitError:
        raise ReleaseError(
            f"{tag!r} is not a tag or commit in the git repository at {repo_dir} "
            "(a shallow clone has no history: fetch with --tags, or give --previous-lock)"
        ) from None
    try:
        text = git(repo_dir, "show", f"{tag}:./{lock_path.name}", strip=False)
    except GitError:
        raise ReleaseError(
            f"{tag} has no {lock_path.name} beside its bank, so the changes since it are "
            "unknown; give the previous lock with --previous-lock, or --since none"
        ) from None
    try:
        return lockfile.loads(text, f"{tag}:{lock_path.name}")
    except lockfile.LockFormatError as exc:
        raise ReleaseError(_not_a_lock(exc)) from None


def _not_a_lock(error: lockfile.LockFormatError) -> str:
    """The first problem of a previous lock prepdeck cannot read, on one line."""
    first = error.problems[0]
    more = len(error.problems) - 1
    extra = f" (and {more} more)" if more else ""
    return f"{first.path}:{first.line}:{first.column}: not a prepdeck lock: {first.message}{extra}"
