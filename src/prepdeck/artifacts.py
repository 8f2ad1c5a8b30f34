"""The build's shared vocabulary, below every writer: what a writer is given
(`BuildOptions`), what it hands back (`WriterResult`), what a build reports
(`Artifact`), and the file helpers every stage that writes uses (`StagedFile`,
`commit_all`, `atomic_path`, `sha256_of`).

Temporary files are named `.<file name>.<pid>.<8 characters>.tmp` beside the file
they replace.  A build killed outright (SIGKILL, a power cut) cannot clean up, so the
next `StagedFile` for the same file removes such leftovers, but only those of
processes that are gone, and nothing that does not follow the pattern.

Nothing here imports a writer, genanki or reportlab, so writers, the lock, the
target registry and `build` can all import it without a cycle.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
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
    update_lock: bool = True  # False: a stale lock is an error (CI, releases)
    allow_notetype_change: bool = False  # True: a note type shape change is deliberate
    new_lock: bool = False  # start a lock although git shows the bank was built before


@dataclass
class WriterResult:
    """What a writer hands back: lines for the build report, and other files the build
    replaces together with the artifacts (the Anki lock: path -> new text), staged and
    committed all or nothing with them."""

    report: list[str] = field(default_factory=list)
    files: dict[Path, str] = field(default_factory=dict)


Writer = Callable[[Bank, Path, BuildOptions], WriterResult]


@dataclass
class Artifact:
    target: str
    path: Path
    size: int = 0
    sha256: str = ""
    report: list[str] = field(default_factory=list)  # lines for the build report


def _temp_pattern(name: str) -> re.Pattern[str]:
    """Our temporary files for `name`: `.<name>.<pid>.<token>.tmp`, and the names
    before the pid was added (`.<name>.<token>.tmp`, from tempfile.mkstemp)."""
    return re.compile(rf"\.{re.escape(name)}\.(?:(\d+)\.)?[a-z0-9_]{{8}}\.tmp")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def remove_stale_temp_files(dest: Path) -> list[Path]:
    """Remove the temporary files a killed build left beside `dest`; the ones removed.

    Only files that match prepdeck's naming for `dest` exactly, and whose process is
    gone (or that predate the pid in the name), so a concurrent build keeps its own."""
    pattern = _temp_pattern(dest.name)
    removed = []
    try:
        entries = list(os.scandir(dest.parent))
    except OSError:
        return []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        if match.group(1) is not None and _alive(int(match.group(1))):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _temp_name(dest: Path) -> Path:
    return dest.parent / f".{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def check_destination(dest: Path) -> str | None:
    """Why `dest` cannot be replaced by a file, or None (checked before anything is)."""
    if dest.is_dir():
        return f"{dest} is a folder; move it away, the build writes a file there"
    if dest.exists() and not dest.is_file():
        return f"{dest} exists and is not a regular file"
    if dest.parent.exists() and not dest.parent.is_dir():
        return f"{dest.parent} is not a folder"
    if dest.parent.is_dir() and not os.access(dest.parent, os.W_OK | os.X_OK):
        return f"cannot write in {dest.parent} (permission denied)"
    return None


class StagedFile:
    """A temporary file beside `dest`, which `commit` renames over it and `discard`
    removes.  The rename is atomic, so readers see the old file or the new one."""

    def __init__(self, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(dest)
        path = _temp_name(dest)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        self.dest = dest
        self.path = path
        self.backup: Path | None = None  # the replaced file, kept until the build is done

    def commit(self) -> None:
        os.chmod(self.path, 0o644)
        os.replace(self.path, self.dest)

    def keep_backup(self) -> None:
        """Keep the current `dest` under a temporary name, so `restore` can put it back."""
        if not self.dest.exists():
            return
        backup = _temp_name(self.dest)
        try:
            os.link(self.dest, backup)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
                raise
            shutil.copy2(self.dest, backup)  # a file system without hard links
        self.backup = backup

    def restore(self) -> None:
        """Undo `commit`: the previous file back (or none, if there was none)."""
        if self.backup is not None:
            os.replace(self.backup, self.dest)
            self.backup = None
        else:
            self.dest.unlink(missing_ok=True)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        if self.backup is not None:
            self.backup.unlink(missing_ok=True)
            self.backup = None


class Terminated(BaseException):
    """SIGTERM arrived (CI cancelling a job): unwinds like Ctrl-C, so every staged
    temporary file is removed on the way out."""


@contextmanager
def terminate_like_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated` (in the main thread)."""

    def handler(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for a few steps that must not be split: creating a
    temporary file and recording it for clean-up, or the renames of `commit_all`.  A
    signal that arrives meanwhile is delivered (and raises) when the block ends, with
    everything it must clean up on record.  Outside the main thread (where Python
    runs no signal handler) and where the platform cannot block signals, a no-op."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def stage(dest: Path, staged: list[StagedFile]) -> StagedFile:
    """A new `StagedFile` for `dest`, recorded in `staged` before any signal can stop
    the caller, so whoever cleans up `staged` never misses a temporary file."""
    with signals_held():
        file = StagedFile(dest)
        staged.append(file)
    return file


def commit_all(files: Sequence[StagedFile]) -> None:
    """Rename every staged file over its destination, or none: if a rename fails,
    the files already replaced get their previous content back, and the error is
    raised.  Temporary files and backups are gone either way.  A signal waits until
    this is over, so it never stops the renames half-way."""
    with signals_held():
        done: list[StagedFile] = []
        try:
            for file in files:
                file.keep_backup()
                file.commit()
                done.append(file)
        except BaseException:
            for file in reversed(done):
                with contextlib.suppress(OSError):  # nothing better to do than go on
                    file.restore()
            raise
        finally:
            for file in files:
                file.discard()


@contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """A temporary path beside `dest`, renamed over it only if the block succeeds."""
    staged: StagedFile | None = None
    try:
        with signals_held():  # the file exists only once `staged` names it
            staged = StagedFile(dest)
        yield staged.path
        staged.commit()
    finally:
        if staged is not None:
            staged.discard()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def count(number: int, singular: str, plural: str | None = None) -> str:
    """ "1 page", "2 pages": a number with its noun, for build reports."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
