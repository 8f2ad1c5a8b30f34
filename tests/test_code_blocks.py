"""Every fenced code block in the shipped bank does what can be checked offline:

- YAML parses (every document of a multi-document block);
- a Kubernetes manifest validates against the API schema of its kind, strictly (an
  unknown field is an error, as `kubectl apply --validate=strict` makes it), with
  kubernetes-validate's bundled schemas;
- a Kyverno policy validates, strictly, against the openAPIV3Schema of Kyverno's own
  CRD (tests/fixtures/crds, taken from the kyverno/kyverno release named in each file);
- a GitHub Actions workflow passes actionlint; a block that shows one job (`runs-on`
  and `steps`) is linted as the only job of a workflow;
- HCL parses with python-hcl2, and passes `terraform fmt -check` where terraform is on
  PATH (it is packaged neither by Debian nor on PyPI, so that half is skipped without);
- bash passes `bash -n`;
- Python compiles.

The second half of the file feeds each checker a broken block, so a clean run of the
first half means something.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import jsonschema
import kubernetes_validate
import pytest
import yaml

from conftest import CONTENT, ROOT
from prepdeck.model import Bank
from prepdeck.text import CodeBlock, iter_blocks, parse_blocks
from prepdeck.validate import validate_content
from test_workflows import actionlint

CRDS = ROOT / "tests" / "fixtures" / "crds"
# The Kubernetes minor release the manifests are checked against: the newest schema
# set kubernetes-validate ships (pinned in constraints.txt).
KUBERNETES = kubernetes_validate.latest_version()

Checker = Callable[[str, Path], list[str]]


# -- the checkers: each returns its problems, [] for a clean block ---------------------


def check_python(text: str, tmp: Path) -> list[str]:
    try:
        compile(text, "<block>", "exec")
    except SyntaxError as err:
        return [f"python: line {err.lineno}: {err.msg}"]
    return []


def check_bash(text: str, tmp: Path) -> list[str]:
    done = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True, check=False)
    return [f"bash -n: {done.stderr.strip()}"] if done.returncode else []


def check_hcl(text: str, tmp: Path) -> list[str]:
    try:
        hcl2.loads(text)
    except Exception as err:  # python-hcl2 raises lark's exceptions, of several kinds
        return [f"hcl2: {type(err).__name__}: {str(err).strip()[:300]}"]
    terraform = shutil.which("terraform")
    if terraform is None:
        return []
    config = tmp / "terraformrc"  # no ~/.terraformrc warning in the output
    config.write_text("", encoding="utf-8")
    done = subprocess.run(
        [terraform, "fmt", "-no-color", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TF_CLI_CONFIG_FILE": str(config)},
    )
    if done.returncode:
        return [f"terraform fmt: {done.stderr.strip()}"]
    if done.stdout.rstrip("\n") != text.rstrip("\n"):
        diff = difflib.unified_diff(
            text.splitlines(), done.stdout.splitlines(), "block", "terraform fmt", lineterm=""
        )
        return ["terraform fmt -check:\n" + "\n".join(diff)]
    return []


def _strict(schema: Any) -> Any:
    """An openAPIV3Schema as the API server applies it with strict field validation: an
    object with declared properties takes no others (unless it preserves unknown
    fields), `nullable` admits null and int-or-string admits either."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


@cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> the strict schema, for each vendored CRD."""
    schemas = {}
    for path in sorted(CRDS.glob("*.json")):
        crd = json.loads(path.read_text(encoding="utf-8"))
        schema = _strict(crd["schema"])
        schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind"})
        schemas[(f"{crd['group']}/{crd['version']}", crd["kind"])] = schema
    return schemas


def check_manifest(doc: dict[str, Any]) -> list[str]:
    api_version, kind = str(doc.get("apiVersion", "")), str(doc.get("kind", ""))
    where = f"{api_version} {kind} {doc.get('metadata', {}).get('name', '')}".strip()
    if "kyverno.io" in api_version.split("/")[0]:
        schema = crd_schemas().get((api_version, kind))
        if schema is None:
            return [f"{where}: no CRD schema in {CRDS.relative_to(ROOT)}; add it"]
        validator = jsonschema.Draft7Validator(schema)
        return [
            f"{where}: {'/'.join(map(str, err.absolute_path))}: {err.message}"
            for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        ]
    try:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    except kubernetes_validate.ValidationError as err:
        return [f"{where}: {'/'.join(map(str, err.absolute_path))}: {err.message}"]
    except kubernetes_validate.SchemaNotFoundError as err:
        return [f"{where}: {err.message}"]
    return []


def check_workflow(doc: dict[Any, Any], tmp: Path) -> list[str]:
    if "jobs" not in doc:  # one job shown on its own
        doc = {"on": "push", "jobs": {"job": doc}}
    elif True in doc:  # YAML 1.1 reads the key `on` as a boolean; write it back as `on`
        doc = {("on" if key is True else key): value for key, value in doc.items()}
    workflow = tmp / "workflow.yml"
    workflow.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    code, output = actionlint(workflow)
    return [f"actionlint: {line}" for line in output.splitlines()] if code else []


def is_workflow(doc: object) -> bool:
    return isinstance(doc, dict) and ("jobs" in doc or ("runs-on" in doc and "steps" in doc))


def check_yaml(text: str, tmp: Path) -> list[str]:
    try:
        docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as err:
        return [f"yaml: {err}"]
    if not docs:
        return ["yaml: the block holds no document"]
    problems = []
    for doc in docs:
        if isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc:
            problems += check_manifest(doc)
        elif is_workflow(doc):
            problems += check_workflow(doc, tmp)
        # Anything else (a Checkov YAML policy) is checked for parsing only.
    return problems


CHECKERS: dict[str, Checker] = {
    "python": check_python,
    "py": check_python,
    "bash": check_bash,
    "sh": check_bash,
    "shell": check_bash,
    "hcl": check_hcl,
    "terraform": check_hcl,
    "tf": check_hcl,
    "yaml": check_yaml,
    "yml": check_yaml,
}


# -- the shipped bank ------------------------------------------------------------------


def shipped_blocks() -> Iterator[tuple[str, int, CodeBlock]]:
    result = validate_content(CONTENT)
    assert isinstance(result.bank, Bank), result.problems
    for question in result.bank.questions:
        blocks = iter_blocks(parse_blocks(question.answer))
        code = [block for block in blocks if isinstance(block, CodeBlock)]
        for n, block in enumerate(code, 1):
            yield question.id, n, block


BLOCKS = list(shipped_blocks())


def test_the_bank_has_blocks_of_every_checked_kind() -> None:
    languages = {block.language for _, _, block in BLOCKS}
    assert {"python", "bash", "hcl", "yaml"} <= languages, languages
    docs = [
        doc
        for _, _, block in BLOCKS
        if block.language == "yaml"
        for doc in yaml.safe_load_all(block.text)
    ]
    assert any(is_workflow(doc) for doc in docs)
    kinds = {doc.get("kind") for doc in docs if isinstance(doc, dict)}
    assert {"Deployment", "ImageValidatingPolicy"} <= kinds, kinds


@pytest.mark.parametrize(
    ("block"), [b for _, _, b in BLOCKS], ids=[f"{qid}-{n}" for qid, n, _ in BLOCKS]
)
def test_every_code_block_checks_clean(block: CodeBlock, tmp_path: Path) -> None:
    checker = CHECKERS.get(block.language)
    assert checker is not None, f"no checker for ```{block.language}: add one"
    assert checker(block.text, tmp_path) == []


# -- each checker finds a broken block -------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1
"""

IMAGE_POLICY = """\
apiVersion: policies.kyverno.io/v1
kind: ImageValidatingPolicy
metadata: {name: signed}
spec:
  matchImageReferences:
  - glob: ghcr.io/acme/*
  attestors:
  - name: ci
    cosign:
      keyless:
        identities:
        - issuer: https://token.actions.githubusercontent.com
          subject: https://github.com/acme/api/.github/workflows/release.yml@refs/heads/main
  validations:
  - expression: images.containers.all(i, verifyImageSignatures(i, [attestors.ci]) > 0)
"""

JOB = """\
runs-on: ubuntu-latest
steps:
  - run: echo built
"""

WORKFLOW = """\
on: pull_request
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: echo tested
"""

BROKEN: list[tuple[str, str, str, str]] = [
    # (language, good block, broken block, what the checker must say)
    ("python", "x = [1, 2]\n", "x = [1, 2\n", "python"),
    ("bash", 'if true; then echo "$HOME"; fi\n', "if true; then echo hi\n", "bash -n"),
    ("hcl", 'variable "a" {\n  default = 1\n}\n', 'variable "a" {\n  default = 1\n', "hcl2"),
    ("yaml", "a: [1, 2]\n", "a: [1, 2\n", "yaml"),
    (
        "yaml",
        DEPLOYMENT,
        DEPLOYMENT.replace("app: api}}\n  t", "app: api}}\n  replica: 2\n  t"),
        "replica",
    ),
    (
        "yaml",
        DEPLOYMENT,
        DEPLOYMENT.replace("image: registry", "image: [registry") + "]\n",
        "image",
    ),
    ("yaml", DEPLOYMENT, DEPLOYMENT.replace("kind: Deployment", "kind: Deploymint"), "Deploymint"),
    ("yaml", IMAGE_POLICY, IMAGE_POLICY.replace("glob:", "globs:"), "globs"),
    ("yaml", IMAGE_POLICY, IMAGE_POLICY.replace("  attestors:\n", "  attestor:\n"), "attestor"),
    (
        "yaml",
        IMAGE_POLICY,
        IMAGE_POLICY.replace("policies.kyverno.io/v1", "kyverno.io/v9"),
        "no CRD schema",
    ),
    ("yaml", JOB, JOB.replace("steps:", "timeout: 5\nsteps:"), "timeout"),
    ("yaml", JOB, JOB + "  - uses: actions/checkout\n", "actionlint"),
    ("yaml", WORKFLOW, WORKFLOW.replace("pull_request", "pull-request"), "pull-request"),
]


@pytest.mark.parametrize(
    ("language", "good", "broken", "said"),
    BROKEN,
    ids=[f"{lang}-{n}" for n, (lang, *_) in enumerate(BROKEN)],
)
def test_each_checker_fails_a_broken_block(
    language: str, good: str, broken: str, said: str, tmp_path: Path
) -> None:
    check = CHECKERS[language]
    assert check(good, tmp_path) == []
    problems = check(broken, tmp_path)
    assert problems, broken
    assert said in "\n".join(problems), problems


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_terraform_fmt_finds_a_misaligned_block(tmp_path: Path) -> None:
    aligned = 'resource "a" "b" {\n  x   = 1\n  yyy = 2\n}\n'
    assert check_hcl(aligned, tmp_path) == []
    problems = check_hcl(aligned.replace("x   =", "x ="), tmp_path)
    assert problems and "terraform fmt" in problems[0], problems


def test_the_strict_crd_schema_keeps_what_kubernetes_keeps() -> None:
    schema = _strict(
        {
            "type": "object",
            "properties": {
                "a": {"type": "object", "properties": {"b": {"type": "string"}}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "port": {"x-kubernetes-int-or-string": True},
                "maybe": {"type": "string", "nullable": True},
            },
        }
    )
    ok = {"a": {"b": "x"}, "free": {"anything": 1}, "port": "http", "maybe": None}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(ok)) == []
    assert list(jsonschema.Draft7Validator(schema).iter_errors({"a": {"c": 1}}))
    assert re.search(r"\bv\d", json.dumps(sorted(crd_schemas())))  # the CRDs load
