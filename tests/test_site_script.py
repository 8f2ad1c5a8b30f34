"""The study page's script: the shipped bundle is what web/src and the pinned ts-fsrs
build (like the compiled schema validators), and it carries ts-fsrs's licence."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from prepdeck.style_folders import DEFAULTS_DIR

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
FSRS = ROOT / "node_modules" / "ts-fsrs"
needs_node = pytest.mark.skipif(
    NODE is None or not FSRS.exists(), reason="needs node and `npm ci` (make test runs it)"
)


def pinned_fsrs() -> str:
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    version = str(package["dependencies"]["ts-fsrs"])
    assert lock["packages"]["node_modules/ts-fsrs"]["version"] == version, "lock and pin differ"
    assert version[0].isdigit(), "pinned to one exact version, not a range"
    return version


def test_the_shipped_script_names_the_pinned_ts_fsrs_and_carries_its_licence() -> None:
    shipped = (DEFAULTS_DIR / "site.js").read_text(encoding="utf-8")
    version = pinned_fsrs()
    header = shipped[: shipped.index("*/")]
    assert f"It includes ts-fsrs {version} " in header
    assert "MIT License" in header and "Open Spaced Repetition" in header
    assert "</script" not in shipped.lower() and "<!--" not in shipped


@needs_node
def test_node_modules_hold_the_pinned_ts_fsrs_and_its_licence() -> None:
    installed = json.loads((FSRS / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == pinned_fsrs()
    licence = (FSRS / "LICENSE").read_text(encoding="utf-8").strip()
    header = (DEFAULTS_DIR / "site.js").read_text(encoding="utf-8").split("*/")[0]
    body = "\n".join(line[3:] for line in header.splitlines() if line.startswith(" * "))
    assert " ".join(licence.split()) in " ".join(body.split())


@needs_node
def test_the_shipped_script_is_not_stale() -> None:
    """`make site-js` writes it; this rebuilds and compares (fails after an edit in
    web/src that was not rebuilt, or after a ts-fsrs or esbuild bump)."""
    assert NODE is not None
    run = subprocess.run(
        [NODE, str(ROOT / "web" / "build.mjs"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr


@needs_node
def test_the_staleness_check_can_fail(tmp_path: Path) -> None:
    """The check above compares for real: a copy of the tree with one source line
    changed is reported stale."""
    assert NODE is not None
    copy = tmp_path / "tree"
    (copy / "src" / "prepdeck" / "styles").mkdir(parents=True)
    shutil.copytree(ROOT / "web", copy / "web")
    (copy / "node_modules").symlink_to(ROOT / "node_modules")
    shutil.copy(ROOT / "package.json", copy / "package.json")
    shutil.copy(DEFAULTS_DIR / "site.js", copy / "src" / "prepdeck" / "styles" / "site.js")
    main = copy / "web" / "src" / "main.js"
    main.write_text(main.read_text(encoding="utf-8").replace("Study · ", "Learn · "), "utf-8")
    run = subprocess.run(
        [NODE, str(copy / "web" / "build.mjs"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "stale" in run.stderr


EXPORT_JS = """
import { emptyProgress, exportProgress, parseImport, recordReview } from "./web/src/progress.js";
import { makeScheduler } from "./web/src/scheduler.js";
const scheduler = makeScheduler(0.9);
const progress = emptyProgress("b", "1.0.0");
const now = Date.UTC(2026, 0, 1);
for (const key of ["q", "q/key-points"]) {
  const card = scheduler.grade(null, 3, now, null);
  recordReview(progress, key, { changed: "1.0.0" }, card, 3, now);
}
progress.marks = { q: "again" };
progress.plan = { date: "2026-01-12", minutes: 20, retention: 0.9 };
const text = exportProgress(progress, now);
const cases = JSON.parse(process.argv[1]);
const verdicts = cases.map((c) => !parseImport(JSON.stringify(c), "b").error);
console.log(JSON.stringify({ text, verdicts }));
"""


def _mutations(good: dict[str, Any]) -> list[dict[str, Any]]:
    item = good["items"]["q"]
    return [
        good,
        {**good, "format": "other"},
        {**good, "formatVersion": 2},
        {k: v for k, v in good.items() if k != "items"},
        {**good, "items": {"q": {**item, "log": [[1, 5]]}}},
        {**good, "items": {"q": {**item, "card": {**item["card"], "due": "soon"}}}},
        {**good, "items": {"q": {k: v for k, v in item.items() if k != "changed"}}},
        {**good, "marks": {"q": "maybe"}},
    ]


@needs_node
def test_the_page_reads_what_the_shipped_json_schema_allows() -> None:
    """An export the page writes validates against progress.schema.json, and the page's
    own reader (web/src/progress.js) refuses the same broken files the schema does."""
    from importlib import resources

    import jsonschema

    assert NODE is not None
    schema = json.loads(
        resources.files("prepdeck.schemas").joinpath("progress.schema.json").read_text("utf-8")
    )
    first = subprocess.run(
        [NODE, "--input-type=module", "-e", EXPORT_JS, "[]"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    good = json.loads(json.loads(first.stdout)["text"])
    jsonschema.validate(good, schema)
    cases = _mutations(good)
    run = subprocess.run(
        [NODE, "--input-type=module", "-e", EXPORT_JS, json.dumps(cases)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    page_accepts = json.loads(run.stdout)["verdicts"]
    validator = jsonschema.Draft202012Validator(schema)
    schema_accepts = [validator.is_valid(c) for c in cases]
    assert page_accepts == schema_accepts == [True] + [False] * (len(cases) - 1)
