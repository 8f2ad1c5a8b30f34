"""The build pipeline: validated bank in, artifacts out, all of them or none.

Every artifact, and every file a writer asks to replace with it (the Anki lock), is
first written to a temporary file beside its destination.  Only when every writer
has succeeded are they renamed into place together (`commit_all`), and if one rename
fails the files already replaced get their previous content back.  So a failed build,
whatever failed (a writer, a full disk, a folder where a file should go, SIGTERM),
leaves every previous file as it was and no temporary file behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from prepdeck.artifacts import (
    Artifact,
    BuildOptions,
    StagedFile,
    WriterResult,
    check_destination,
    commit_all,
    sha256_of,
    stage,
)
from prepdeck.errors import BuildError, Problem
from prepdeck.gcpause import gc_paused
from prepdeck.model import Bank
from prepdeck.targets import REGISTRY, TARGETS


def build(
    bank: Bank,
    *,
    out_dir: Path,
    options: BuildOptions,
    targets: Sequence[str] = TARGETS,
    on_start: Callable[[str], None] | None = None,
) -> list[Artifact]:
    """Write every target into `out_dir`, all or nothing.

    Raises `BuildError` for content that cannot be built and for files that cannot be
    written (the problem names the file and the system's reason)."""
    dests = [out_dir / REGISTRY[name].file_name(bank.slug) for name in targets]
    _check(dests)
    staged: list[StagedFile] = []
    results: list[tuple[str, StagedFile, WriterResult]] = []
    try:
        try:
            with gc_paused():
                for name, dest in zip(targets, dests, strict=True):
                    if on_start:
                        on_start(name)
                    file = stage(dest, staged)
                    result = REGISTRY[name].load_writer()(bank, file.path, options)
                    results.append((name, file, result))
                    for path, text in result.files.items():
                        _check([path])
                        companion = stage(path, staged)
                        companion.path.write_text(text, encoding="utf-8")
            commit_all(staged)
        except OSError as exc:
            raise BuildError([_write_problem(exc, out_dir)]) from exc
    except BaseException:
        for file in staged:
            file.discard()
        raise
    artifacts = [
        Artifact(name, file.dest, file.dest.stat().st_size, sha256_of(file.dest), result.report)
        for name, file, result in results
    ]
    return artifacts


def _check(dests: Sequence[Path]) -> None:
    """Every destination can take a file, before anything is written."""
    problems = [
        Problem(str(dest), 1, 1, "cannot-write", why)
        for dest in dests
        if (why := check_destination(dest))
    ]
    if problems:
        raise BuildError(problems)


def _write_problem(exc: OSError, out_dir: Path) -> Problem:
    where = exc.filename or out_dir
    reason = exc.strerror or str(exc)
    return Problem(
        str(where), 1, 1, "cannot-write", f"cannot write {where}: {reason}; nothing was replaced"
    )
