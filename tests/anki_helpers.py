"""Banks for the Anki tests, built straight from dicts, and a real Anki collection
to import them into."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from anki.collection import Collection, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportResponse

from prepdeck.artifacts import BuildOptions
from prepdeck.model import Bank, build_bank

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
HOSTILE = {
    "question": "Is a < b && c, and what is List<String>?",
    "hint": "<script>alert(1)</script>",
    "key_point": "<img src=x onerror=alert(1)>",
    "answer": "Use `List<String>` and [never this](javascript:alert(1)).",
}

BANK: dict[str, Any] = {
    "title": "Test Bank",
    "slug": "test-bank",
    "version": "1.0.0",
    "description": "A bank for the Anki tests.",
    "author": "Tests",
    "license": "CC-BY-4.0",
    "tiers": [
        {"id": "beginner", "name": "Beginner"},
        {"id": "intermediate", "name": "Intermediate"},
        {"id": "advanced", "name": "Advanced"},
    ],
    "topics": [
        {"id": "secrets", "name": "Secrets"},
        {"id": "ci-cd", "name": "CI/CD"},
        {"id": "security", "name": "Security"},
    ],
    "references": [
        {"key": "owasp", "title": "OWASP Top 10 & more", "url": "https://owasp.org/"},
        {"key": "plain", "title": "An old page", "url": "http://example.com/"},
    ],
}

QUESTIONS: list[tuple[str, dict[str, Any]]] = [
    (
        "beginner",
        {
            "id": "what-is-a-secret",
            "question": "What is a **secret**?",
            "hint": "Credentials that grant access.",
            "key_points": ["API keys", "Tokens", "Passwords"],
            "answer": "A secret is a credential.\n\n- API keys\n- tokens",
            "tags": ["secrets"],
            "refs": ["owasp"],
        },
    ),
    (
        "beginner",
        {
            "id": "hostile-text",
            "question": HOSTILE["question"],
            "hint": HOSTILE["hint"],
            "key_points": [HOSTILE["key_point"]],
            "answer": HOSTILE["answer"],
            "tags": ["security"],
            "refs": ["plain"],
        },
    ),
    (
        "intermediate",
        {
            "id": "what-is-ci",
            "question": "What is CI?",
            "hint": "Continuous integration.",
            "key_points": ["Build", "Test"],
            "answer": "Builds and tests every push.",
            "tags": ["ci-cd"],
            "refs": [],
        },
    ),
    (
        "intermediate",
        {
            "id": "pipeline-secrets",
            "question": "How do you keep secrets out of a pipeline?",
            "hint": "Short-lived credentials.",
            "key_points": ["OIDC", "Vault"],
            "answer": "Use workload identity.",
            "tags": ["ci-cd", "secrets"],
            "refs": [],
        },
    ),
    (
        "advanced",
        {
            "id": "rotate-keys",
            "question": "How do you rotate a leaked key?",
            "hint": "Revoke first.",
            "key_points": ["Revoke", "Rotate", "Audit"],
            "answer": "1. Revoke\n2. Rotate\n3. Audit",
            "tags": ["secrets"],
            "refs": ["owasp"],
        },
    ),
]


def make_bank(
    *,
    edits: Mapping[str, Mapping[str, Any]] | None = None,
    drop: Iterable[str] = (),
    add: Iterable[tuple[str, dict[str, Any]]] = (),
    **bank_changes: Any,
) -> Bank:
    """The test bank, with questions edited (id -> changed keys), dropped or added."""
    bank = {**copy.deepcopy(BANK), **bank_changes}
    dropped = set(drop)
    questions = []
    for tier, data in [*copy.deepcopy(QUESTIONS), *add]:
        if data["id"] in dropped:
            continue
        questions.append((tier, {**data, **(edits or {}).get(data["id"], {})}, None))
    return build_bank(bank, questions)


def options(tmp_path: Path, timestamp: int = T0, **changes: Any) -> BuildOptions:
    content = tmp_path / "content"
    content.mkdir(parents=True, exist_ok=True)
    return BuildOptions(timestamp=timestamp, content_dir=content, **changes)


def collection(path: Path) -> Collection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return Collection(str(path))


def import_package(col: Collection, apkg: Path) -> ImportResponse.Log:
    """Import with the options Anki's import dialog starts with (update notes and note
    types if newer, no merging, no scheduling): what users actually click through."""
    defaults = col._backend.get_import_anki_package_presets()
    response = col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(apkg), options=defaults)
    )
    return response.log
