"""Shared fixtures and helpers: tiny banks written to a temp folder, the real
content (validated once per session), the CLI and git run the same way everywhere,
and the system tools some tests read artifacts back with."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from prepdeck.artifacts import WriterResult
from prepdeck.model import Bank
from prepdeck.validate import Validation, validate_content

# CI runs the same examples every time, so a red build always reproduces; locally,
# Hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z

# The system tools some tests read artifacts back with, and the Debian package of
# each (the README lists them; .ci/run installs them).  A test that needs one skips,
# naming it, where it is missing.
SYSTEM_TOOLS = {
    "pdftotext": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdfimages": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "qpdf": "qpdf",
}
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run)"
)


def _missing_reason(names: tuple[str, ...]) -> str:
    missing = [n for n in names if shutil.which(n) is None]
    packages = sorted({SYSTEM_TOOLS[n] for n in missing})
    return f"needs {', '.join(missing)} from Debian's {', '.join(packages)} (.ci/run installs it)"


def needs(*names: str) -> pytest.MarkDecorator:
    """Skip unless every tool in `names` is on PATH, saying which package has it."""
    missing = any(shutil.which(n) is None for n in names)
    return pytest.mark.skipif(missing, reason=_missing_reason(names) if missing else "")


def tool(name: str) -> str:
    """The path of a system tool; skips the test, naming its package, without it."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(_missing_reason((name,)))
    return path


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`prepdeck ARGS` in this process: exit code, stdout, stderr.  An exception that
    is not a clean exit fails the test with its traceback."""
    from prepdeck.cli import cli

    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def git(cwd: Path, *args: str, epoch: int | None = None) -> str:
    """`git ARGS` in `cwd` as a test author (and at `epoch`, if given); its stdout.
    A failure fails the test with git's message."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,  # no user setting (signing, hooks) leaks in
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if epoch is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{epoch} +0000"
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def real_content() -> Validation:
    """The shipped bank in content/, validated once for the whole session."""
    return validate_content(CONTENT)


@pytest.fixture(scope="session")
def real_bank(real_content: Validation) -> Bank:
    assert real_content.bank is not None, "\n".join(map(str, real_content.problems))
    return real_content.bank


BANK_YAML = """\
title: Tiny Bank
slug: tiny
version: 1.0.0
description: A bank for tests.
author: Tests
license: CC-BY-4.0
tiers:
  - id: basics
    name: Basics
    expected: 2
  - id: deep
    name: Deep
topics:
  - {id: secrets, name: Secrets}
  - {id: ci-cd, name: CI/CD}
references:
  - key: owasp
    title: OWASP
    url: https://owasp.org/
"""

BASICS_YAML = """\
tier: basics
questions:
  - id: first-question
    question: What is a secret?
    hint: Credentials and keys.
    key_points: [Keys, Tokens]
    answer: |
      A secret is a credential.

      - API keys
      - tokens
    tags: [secrets]
    refs: [owasp]
  - id: second-question
    question: What is CI?
    hint: Continuous integration.
    key_points: [Build, Test]
    answer: Builds and tests on every push.
    tags: [ci-cd]
    refs: []
"""

DEEP_YAML = """\
tier: deep
questions:
  - id: third-question
    question: Why rotate keys?
    hint: Limit exposure.
    key_points: [Expiry]
    answer: Because leaked keys stay valid otherwise.
    tags: [secrets]
    refs: [owasp]
"""

MakeBank = Callable[..., Path]


@pytest.fixture
def make_bank(tmp_path: Path) -> MakeBank:
    """Write a bank folder; pass file name -> text (None deletes a default file)."""

    def make(**files: str | None) -> Path:
        root = tmp_path / "content"
        root.mkdir(exist_ok=True)
        defaults: dict[str, str | None] = {
            "bank.yaml": BANK_YAML,
            "basics.yaml": BASICS_YAML,
            "deep.yaml": DEEP_YAML,
        }
        for name, text in {
            **defaults,
            **{k.replace("__", "."): v for k, v in files.items()},
        }.items():
            path = root / name
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return make


def write_files(result: WriterResult) -> None:
    """Write the files a writer hands back (the lock), as a build would after it:
    for tests that call one writer alone."""
    for path, text in result.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
