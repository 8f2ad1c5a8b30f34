"""Shared fixtures: tiny banks written to a temp folder, and the real content."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from prepdeck.artifacts import WriterResult

# CI runs the same examples every time, so a red build always reproduces; locally,
# Hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"

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
