"""The build pipeline: validated bank in, artifacts out, each written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from prepdeck.load import gc_paused
from prepdeck.model import Bank

TARGETS = ("anki", "booklet", "quiz", "cards", "site")
PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class BuildOptions:
    """Everything a writer may depend on besides the bank.  Time is an input."""

    timestamp: int  # SOURCE_DATE_EPOCH, or the clock, read once by the CLI
    content_dir: Path
    style_dirs: tuple[Path, ...] = ()  # user style folders, searched before the defaults
    paper: str = "a4"
    lock_path: Path | None = None  # the Anki lock file; None means content_dir/prepdeck.lock
    update_lock: bool = True  # False: a stale lock is an error (CI, releases)


@dataclass
class Artifact:
    target: str
    path: Path
    size: int = 0
    sha256: str = ""
    notes: list[str] = field(default_factory=list)  # lines for the build report


def artifact_name(bank: Bank, target: str) -> str:
    suffix = {
        "anki": ".apkg",
        "booklet": ".pdf",
        "quiz": "-quiz.pdf",
        "cards": "-cards.pdf",
        "site": ".html",
    }
    return bank.slug + suffix[target]


@contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """A temporary path beside `dest`, renamed over it only if the block succeeds."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, dest)
    finally:
        tmp_path.unlink(missing_ok=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class WriterResult:
    """What a writer hands back: lines for the build report, and an optional step to
    run once every artifact of the build is in place (the Anki lock file update)."""

    notes: list[str] = field(default_factory=list)
    finalize: Callable[[], None] | None = None


Writer = Callable[[Bank, Path, BuildOptions], WriterResult]


def _writer(target: str) -> Writer:
    # Imported here so that `prepdeck --help` and `validate` never load genanki or reportlab.
    if target == "anki":
        from prepdeck.anki import write_deck

        return write_deck
    if target == "booklet":
        from prepdeck.pdf.booklet import write_booklet

        return write_booklet
    if target == "site":
        from prepdeck.site import write_site

        return write_site
    if target == "quiz":
        from prepdeck.pdf.quiz import write_quiz

        return write_quiz
    from prepdeck.pdf.cards import write_cards

    return write_cards


def build(
    bank: Bank,
    *,
    out_dir: Path,
    options: BuildOptions,
    targets: Sequence[str] = TARGETS,
    on_start: Callable[[str], None] | None = None,
) -> list[Artifact]:
    """Write every target, then move them all into `out_dir` together.

    Each artifact is first written to a temporary file beside its destination; only
    when all writers have succeeded are they renamed into place (and the writers'
    finalize steps run), so a failed build leaves every previous artifact as it was.
    """
    staged: list[tuple[str, Path, Path, WriterResult]] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with gc_paused():
            for target in targets:
                if on_start:
                    on_start(target)
                dest = out_dir / artifact_name(bank, target)
                fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=out_dir)
                os.close(fd)
                staged.append((target, dest, Path(tmp), WriterResult()))
                result = _writer(target)(bank, Path(tmp), options)
                staged[-1] = (target, dest, Path(tmp), result)
    except BaseException:
        for _, _, tmp_path, _ in staged:
            tmp_path.unlink(missing_ok=True)
        raise
    artifacts = []
    for target, dest, tmp_path, result in staged:
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, dest)
        artifacts.append(Artifact(target, dest, dest.stat().st_size, sha256_of(dest), result.notes))
    for _, _, _, result in staged:
        if result.finalize:
            result.finalize()
    return artifacts
