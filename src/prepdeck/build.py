"""The build pipeline: validated bank in, artifacts out, each written atomically."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from prepdeck.artifacts import Artifact, BuildOptions, StagedFile, WriterResult, sha256_of
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
    """Write every target, then move them all into `out_dir` together.

    Each artifact is first written to a temporary file beside its destination; only
    when all writers have succeeded are they renamed into place (and the writers'
    finalize steps run), so a failed build leaves every previous artifact as it was.
    """
    staged: list[tuple[str, StagedFile, WriterResult]] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with gc_paused():
            for name in targets:
                target = REGISTRY[name]
                if on_start:
                    on_start(name)
                file = StagedFile(out_dir / target.file_name(bank.slug))
                staged.append((name, file, WriterResult()))
                result = target.load_writer()(bank, file.path, options)
                staged[-1] = (name, file, result)
    except BaseException:
        for _, file, _ in staged:
            file.discard()
        raise
    artifacts = []
    for name, file, result in staged:
        file.commit()
        dest = file.dest
        artifacts.append(Artifact(name, dest, dest.stat().st_size, sha256_of(dest), result.notes))
    for _, _, result in staged:
        if result.finalize:
            result.finalize()
    return artifacts
