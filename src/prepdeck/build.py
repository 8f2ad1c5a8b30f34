"""The build pipeline: validated bank in, artifacts out, all of them or none.

Every artifact, and every file a writer asks to replace with it (the Anki lock), is
first written to a temporary file beside its destination.  Only when every writer
has succeeded are they renamed into place together (`commit_all`), and if one rename
fails the files already replaced get their previous content back.  So a failed build,
whatever failed (a writer, a full disk, a folder where a file should go, SIGTERM),
leaves every previous file as it was and no temporary file behind.

With `jobs` above 1, the artifacts are written at once in worker processes (forked,
so they share the validated bank and the modules already imported), each into the
temporary file this process staged for it; the files a writer asks to replace (the
lock) come back as text and are staged and committed here with the artifacts.  Each
writer depends only on the bank and the options, so the bytes are those of a serial
build.  The workers ignore Ctrl-C: this process takes it (and SIGTERM), stops the
workers, and removes every temporary file, so an interrupted build changes nothing.
Forking copies only the calling thread: a program that runs other threads while it
builds should pass `jobs=1` (the CLI runs none).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

from prepdeck.artifacts import (
    Artifact,
    BuildOptions,
    StagedFile,
    WriterResult,
    check_destination,
    commit_all,
    sha256_of,
    signals_held,
    stage,
)
from prepdeck.errors import BuildError, Problem, ProblemsError
from prepdeck.gcpause import gc_paused
from prepdeck.model import Bank
from prepdeck.targets import REGISTRY, TARGETS

# Seconds each target took for the built-in bank, serially: the order workers take
# them in (longest first keeps both cores busy to the end).
_COST = {"booklet": 5, "quiz": 4, "cards": 3, "anki": 1, "site": 0}


class Progress(Protocol):
    """Told when each artifact starts and when it is done (with its seconds)."""

    def started(self, target: str) -> None: ...

    def finished(self, target: str, seconds: float) -> None: ...


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def build(
    bank: Bank,
    *,
    out_dir: Path,
    options: BuildOptions,
    targets: Sequence[str] = TARGETS,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[Artifact]:
    """Write every target into `out_dir`, all or nothing, `jobs` at a time.

    Raises `BuildError` for content that cannot be built and for files that cannot be
    written (the problem names the file and the system's reason)."""
    dests = [out_dir / REGISTRY[name].file_name(bank.slug) for name in targets]
    _check(dests)
    staged: list[StagedFile] = []
    results: list[tuple[str, StagedFile, WriterResult]] = []
    try:
        try:
            files = [stage(dest, staged) for dest in dests]
            if jobs > 1 and len(targets) > 1 and _can_fork():
                written = _write_in_workers(bank, options, targets, files, jobs, progress)
            else:
                written = _write_here(bank, options, targets, files, progress)
            for name, file, result in zip(targets, files, written, strict=True):
                results.append((name, file, result))
                for path, text in result.files.items():
                    with _naming(path):  # the lock, in the content folder
                        _check([path])
                        companion = stage(path, staged)
                        companion.path.write_text(text, encoding="utf-8")
            commit_all(staged)
        except OSError as exc:
            raise BuildError([_write_problem(exc, out_dir, staged)]) from exc
    except BaseException:
        for file in staged:
            file.discard()
        raise
    return [
        Artifact(name, file.dest, file.dest.stat().st_size, sha256_of(file.dest), result.report)
        for name, file, result in results
    ]


def _write_here(
    bank: Bank,
    options: BuildOptions,
    targets: Sequence[str],
    files: Sequence[StagedFile],
    progress: Progress | None,
) -> list[WriterResult]:
    written = []
    with gc_paused():
        for name, file in zip(targets, files, strict=True):
            if progress:
                progress.started(name)
            began = time.perf_counter()
            with _naming(file.path):
                written.append(REGISTRY[name].load_writer()(bank, file.path, options))
            if progress:
                progress.finished(name, time.perf_counter() - began)
    return written


# -- in worker processes ----------------------------------------------------------------

# What the workers build from, set before they are forked (so nothing is pickled).
_job: tuple[Bank, BuildOptions] | None = None
Answer = tuple[WriterResult | list[Problem], float]  # a writer's result or problems, seconds


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _work(name: str, path: Path, answer: Connection) -> None:
    """A worker: write one artifact, send back its writer's result (or the problems
    that stopped it) and the seconds it took.  Any other error goes back as itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # and stops workers with SIGTERM
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})  # held at fork
    assert _job is not None
    bank, options = _job
    began = time.perf_counter()
    try:
        with gc_paused(), _naming(path):
            result: WriterResult | list[Problem] = REGISTRY[name].load_writer()(bank, path, options)
        answer.send((result, time.perf_counter() - began))
    except ProblemsError as exc:
        answer.send((list(exc.problems), time.perf_counter() - began))
    except Exception as exc:  # an OSError (named by _naming) or a bug: the parent raises it
        answer.send(exc)
    finally:
        answer.close()


def _write_in_workers(
    bank: Bank,
    options: BuildOptions,
    targets: Sequence[str],
    files: Sequence[StagedFile],
    jobs: int,
    progress: Progress | None,
) -> list[WriterResult]:
    """Each target in its own forked process, at most `jobs` at once, longest first.

    The modules of the writers that share a warm-up (the PDFs: reportlab, the
    layouts, the fonts) are imported, and the warm-up run, here first: each of
    those workers then starts with them instead of loading them again.  A writer
    with none (the deck, the page) imports its own modules in its worker, beside
    the layouts, instead of before any of them starts."""
    global _job
    warm_ups = {REGISTRY[name].warm_up: REGISTRY[name] for name in targets}
    for name in targets:
        if REGISTRY[name].warm_up is not None:
            REGISTRY[name].load_writer()
    with gc_paused():
        for target in warm_ups.values():
            if (warm_up := target.load_warm_up()) is not None:
                warm_up(options)
    context = multiprocessing.get_context("fork")
    queue = sorted(range(len(targets)), key=lambda i: -_COST.get(targets[i], 2))
    running: dict[Connection, tuple[int, BaseProcess]] = {}
    answers: dict[int, Answer] = {}
    _job = (bank, options)
    # Everything alive now (the bank, the modules, the fonts) outlives the workers:
    # frozen, it is left out of their collections (the PDF layouts run the
    # collector), which then neither scan it again nor write to the pages they share
    # with this process.  Collection in the cards' worker at 1,000 questions: 0.15 s
    # of CPU before, 0.08 s after; at the shipped bank's size it is about 0.01 s.
    gc.freeze()
    try:
        while queue or running:
            while queue and len(running) < jobs:
                i = queue.pop(0)
                receive, send = context.Pipe(duplex=False)
                worker = context.Process(
                    target=_work, args=(targets[i], files[i].path, send), daemon=True
                )
                if progress:
                    progress.started(targets[i])
                # A signal during fork would run its handler in an at-fork hook, where
                # Python ignores the exception it raises: hold it until fork returns.
                with signals_held():
                    worker.start()
                send.close()  # the worker holds its end; EOF here if it dies
                running[receive] = (i, worker)
            for ready in wait(list(running)):
                assert isinstance(ready, Connection)
                i, finished = running.pop(ready)
                try:
                    answer = ready.recv()
                except EOFError:
                    answer = None
                ready.close()
                finished.join()
                if isinstance(answer, Exception):
                    raise answer
                if answer is None:
                    raise BuildError([_died(targets[i], files[i].dest, finished.exitcode)])
                answers[i] = answer
                if progress:
                    progress.finished(targets[i], answer[1])
    finally:
        _job = None
        gc.unfreeze()
        for _, left in running.values():  # interrupted or failed: stop the others
            left.terminate()
        for pipe, (_, left) in running.items():
            left.join()
            pipe.close()
    problems = [p for i in sorted(answers) if isinstance(r := answers[i][0], list) for p in r]
    if problems:
        raise BuildError(problems)
    return [r for i in range(len(targets)) if isinstance(r := answers[i][0], WriterResult)]


def _died(target: str, dest: Path, exitcode: int | None) -> Problem:
    how = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit {exitcode}"
    return Problem(
        str(dest),
        1,
        1,
        "build-crashed",
        f"the process building {target} ended without an answer ({how}; out of memory?); "
        "nothing was replaced",
    )


def _check(dests: Sequence[Path]) -> None:
    """Every destination can take a file, before anything is written."""
    problems = [
        Problem(str(dest), 1, 1, "cannot-write", why)
        for dest in dests
        if (why := check_destination(dest))
    ]
    if problems:
        raise BuildError(problems)


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Give an OSError raised inside without a file name `path`, the file being
    written: a full disk raises from write(), which names no file, and the problem
    must name the file that could not be written (the lock in the content folder,
    not dist).  The name travels with the error, so it also comes back from a worker
    process (an OSError pickles its filename)."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise


def _write_problem(exc: OSError, out_dir: Path, staged: Sequence[StagedFile]) -> Problem:
    """The file a write failed on, as the user knows it: the destination whose
    temporary file it was, else the file the error names (`_naming` names the file
    being written when the system does not), else `out_dir`."""
    temporary = {str(file.path): file.dest for file in staged}
    named = str(exc.filename) if exc.filename is not None else None
    where = temporary.get(named, named) if named is not None else out_dir
    reason = exc.strerror or str(exc)
    return Problem(
        str(where), 1, 1, "cannot-write", f"cannot write {where}: {reason}; nothing was replaced"
    )
