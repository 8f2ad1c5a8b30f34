"""git, run one way: every question prepdeck asks git (is the lock in the history, is
a version tagged, what did a tag's lock say, is the content committed) goes through
`git()`.

The contract: `git()` returns git's standard output, or raises `GitError`, with
git's own message, when git cannot be run, exits non-zero (including "not a git
repository"), or takes longer than `TIMEOUT` seconds (a hung credential prompt or
network filesystem never hangs a build).  Nothing here returns None for a failure:
callers that treat "no git" as an answer (a bank outside a checkout has no history)
catch `GitError` and say so where they do.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from prepdeck.errors import PrepdeckError

TIMEOUT = 30  # seconds for one git command; prepdeck's are all local and quick
# git never asks for a password or an editor: it fails instead, within TIMEOUT.
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "GIT_PAGER": "cat"}


class GitError(PrepdeckError):
    """git could not answer: not installed, not a checkout, a failed command, a timeout."""


def git(cwd: Path, *args: str, strip: bool = True, timeout: float = TIMEOUT) -> str:
    """git's standard output for `git ARGS` run in the folder `cwd` (stripped unless
    `strip` is false); raises `GitError` otherwise."""
    command = f"git {' '.join(args)}"
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **_ENV},
        )
    except subprocess.TimeoutExpired:
        raise GitError(f"{command}: no answer within {timeout:g} s") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GitError(f"cannot run {command}: {exc}") from exc
    if done.returncode != 0:
        raise GitError(f"{command}: {done.stderr.strip() or f'exit code {done.returncode}'}")
    return done.stdout.strip() if strip else done.stdout


def uncommitted(folders: Sequence[Path]) -> list[str]:
    """Files under each of `folders` that differ from HEAD or are untracked (git
    status's view, ignored files excepted), each as `folder/name`; a folder that is
    not in a git checkout (or does not exist) contributes none."""
    found: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        try:
            status = git(
                folder,
                "status",
                "--porcelain",
                "-z",
                "--untracked-files=all",
                "--",
                ".",
                strip=False,
            )
            top = Path(git(folder, "rev-parse", "--show-toplevel"))
        except GitError:
            continue
        entries = iter(status.split("\0"))
        for entry in entries:
            if len(entry) > 3:
                found.append(_shown(top / entry[3:]))
                if entry[0] in "RC":  # a rename or copy: its source follows
                    next(entries, None)
    return found


def _shown(path: Path) -> str:
    """`path` relative to the working folder when it is below it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def commit_time(path: Path) -> int | None:
    """The committer time of HEAD in the git checkout holding `path` (what the release
    workflow uses as SOURCE_DATE_EPOCH), or None outside a git checkout."""
    try:
        return int(git(path, "log", "-1", "--format=%ct"))
    except (GitError, ValueError):
        return None


def tagged(folder: Path, tag: str) -> bool:
    """Whether git knows `tag` in the checkout holding `folder` (False outside one)."""
    try:
        return folder.is_dir() and bool(git(folder, "tag", "--list", tag))
    except GitError:
        return False
