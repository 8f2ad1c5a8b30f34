"""The build's shared vocabulary, below every writer: what a writer is given
(`BuildOptions`), what it hands back (`WriterResult`), what a build reports
(`Artifact`), and the two file helpers every stage that writes uses (`StagedFile`
and `atomic_path`, `sha256_of`).

Nothing here imports a writer, genanki or reportlab, so writers, the lock, the
target registry and `build` can all import it without a cycle.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from prepdeck.model import Bank


@dataclass(frozen=True)
class BuildOptions:
    """Everything a writer may depend on besides the bank.  Time is an input."""

    timestamp: int  # SOURCE_DATE_EPOCH, or the clock, read once by the CLI
    content_dir: Path
    style_dirs: tuple[Path, ...] = ()  # user style folders, searched before the defaults
    paper: str = "a4"
    lock_path: Path | None = None  # the Anki lock file; None means the one in content_dir
    update_lock: bool = True  # False: a stale lock is an error (CI, releases)


@dataclass
class WriterResult:
    """What a writer hands back: lines for the build report, and an optional step to
    run once every artifact of the build is in place (the Anki lock file update)."""

    notes: list[str] = field(default_factory=list)
    finalize: Callable[[], None] | None = None


Writer = Callable[[Bank, Path, BuildOptions], WriterResult]


@dataclass
class Artifact:
    target: str
    path: Path
    size: int = 0
    sha256: str = ""
    notes: list[str] = field(default_factory=list)  # lines for the build report


class StagedFile:
    """A temporary file beside `dest`, which `commit` renames over it and `discard`
    removes.  The rename is atomic, so readers see the old file or the new one."""

    def __init__(self, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        os.close(fd)
        self.dest = dest
        self.path = Path(tmp)

    def commit(self) -> None:
        os.chmod(self.path, 0o644)
        os.replace(self.path, self.dest)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """A temporary path beside `dest`, renamed over it only if the block succeeds."""
    staged = StagedFile(dest)
    try:
        yield staged.path
        staged.commit()
    finally:
        staged.discard()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
