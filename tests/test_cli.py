"""The command line: exact output, exit codes, help for every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BASICS_YAML, MakeBank, run


def test_valid_bank_exits_0(make_bank: MakeBank) -> None:
    code, out, err = run("validate", str(make_bank()))
    assert (code, out) == (0, "")
    assert err.endswith("valid\n")


def test_invalid_bank_prints_every_problem_and_exits_1(make_bank: MakeBank) -> None:
    root = make_bank(
        basics__yaml=BASICS_YAML.replace("    hint: Credentials", "    hnit: Credentials")
    )
    code, out, err = run("validate", str(root))
    assert code == 1
    assert out.splitlines() == [
        f'{root}/basics.yaml:3:5: error[missing-field]: missing required field "hint"',
        f'{root}/basics.yaml:5:5: error[unknown-key]: unknown key "hnit"; did you mean "hint"?',
    ]
    assert err == "2 errors, 0 warnings in 1 file\n"


def test_json_format(make_bank: MakeBank) -> None:
    root = make_bank(basics__yaml=BASICS_YAML.replace("tags: [ci-cd]", "tags: [nope]"))
    code, out, _ = run("validate", str(root), "--format", "json")
    assert code == 1
    [problem] = [p for p in json.loads(out) if p["level"] == "error"]
    assert problem == {
        "path": f"{root}/basics.yaml",
        "line": 19,
        "column": 12,
        "level": "error",
        "rule": "unknown-topic",
        "message": '"nope" is not a declared topic',
    }


def test_github_format_and_auto(make_bank: MakeBank) -> None:
    root = make_bank(basics__yaml=BASICS_YAML.replace("tags: [ci-cd]", "tags: [nope]"))
    expected = (
        f"::error file={root}/basics.yaml,line=19,col=12,title=unknown-topic::"
        f'{root}/basics.yaml:19:12: error[unknown-topic]: "nope" is not a declared topic'
    )
    assert expected in run("validate", str(root), "--format", "github")[1].splitlines()
    assert expected in run("validate", str(root), env={"GITHUB_ACTIONS": "true"})[1].splitlines()


def test_warnings_pass_unless_strict(make_bank: MakeBank) -> None:
    root = make_bank(
        basics__yaml=BASICS_YAML.replace("question: What is CI?", "question: What is a secret")
    )
    assert run("validate", str(root))[0] == 0
    assert run("validate", str(root), "--strict")[0] == 1


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("validate", str(tmp_path / "missing"))[0] == 2
    assert run("validate", "--format", "xml")[0] == 2
    assert run("frobnicate")[0] == 2


def test_build_rejects_unknown_filters_as_usage_errors(make_bank: MakeBank, tmp_path: Path) -> None:
    code, _, err = run("build", str(make_bank()), "--out", str(tmp_path / "out"), "--tier", "nope")
    assert code == 2 and "'nope' is not a tier" in err
    assert not (tmp_path / "out").exists()


def test_topic_filters_and_tag_is_its_old_spelling(make_bank: MakeBank, tmp_path: Path) -> None:
    root = make_bank()
    for option in ("--topic", "--tag"):
        out = tmp_path / option.strip("-")
        code, _, err = run(
            "build", str(root), "--out", str(out), "--target", "site", option, "ci-cd"
        )
        assert code == 0, err
        page = (out / "tiny.html").read_text(encoding="utf-8")
        assert "topic ci-cd" in page  # the filter is named where the page says what it holds
    code, _, err = run("build", str(root), "--out", str(tmp_path / "x"), "--topic", "nope")
    assert code == 2 and "'nope' is not a declared topic" in err and "--topic" in err


def test_bad_source_date_epoch_is_a_usage_error(make_bank: MakeBank, tmp_path: Path) -> None:
    code, _, err = run(
        "build", str(make_bank()), "--out", str(tmp_path), env={"SOURCE_DATE_EPOCH": "soon"}
    )
    assert code == 2 and "SOURCE_DATE_EPOCH" in err


def test_invalid_content_builds_nothing(make_bank: MakeBank, tmp_path: Path) -> None:
    root = make_bank(deep__yaml="tier: deep\nquestions: [")
    out = tmp_path / "out"
    code, _, _ = run("build", str(root), "--out", str(out))
    assert code == 1 and not out.exists()


def test_stats(make_bank: MakeBank) -> None:
    code, out, _ = run("stats", str(make_bank()), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["questions"] == 3
    assert [(t["id"], t["count"]) for t in data["tiers"]] == [("basics", 2), ("deep", 1)]
    assert data["references"][0] == {"key": "owasp", "title": "OWASP", "citations": 2}
    assert "Most cited references:" in run("stats", str(make_bank()))[1]


def test_schema_command_prints_json_schema() -> None:
    for kind in ("bank", "tier", "pdf"):
        code, out, _ = run("schema", kind)
        assert code == 0 and json.loads(out)["$schema"].startswith("https://json-schema.org/")


def test_rules_lists_every_rule_with_its_doc() -> None:
    from prepdeck.rules import RULES

    out = run("rules")[1]
    for rule in RULES:
        assert rule.ID in out and rule.__doc__


@pytest.mark.parametrize("command", [[], ["validate"], ["build"], ["stats"], ["schema"], ["rules"]])
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0 and "Usage:" in out and "Example:" in out


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from prepdeck.cli import main; sys.argv=['prepdeck','--help'];\n"
        "try: main()\nexcept SystemExit: pass\n"
        "heavy = ('genanki', 'reportlab', 'jsonschema', 'markdown_it')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_python_dash_m(make_bank: MakeBank) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "prepdeck", "validate", str(make_bank())],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_build_reports_artifacts_and_quiet_silences_it(make_bank: MakeBank, tmp_path: Path) -> None:
    root = make_bank()
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    code, out, err = run(
        "build", str(root), "--out", str(tmp_path / "d"), "--target", "anki", "-v", env=env
    )
    assert code == 0
    [line] = out.splitlines()
    assert line.startswith(f"{tmp_path / 'd' / 'tiny.apkg'}  ") and " sha256:" in line
    assert "anki: built in " in err
    code, out, err = run(
        "build", str(root), "--out", str(tmp_path / "d"), "--target", "anki", "-q", env=env
    )
    assert (code, out, err) == (0, "", "")


# -- choices read from their source ----------------------------------------------------


def test_target_and_format_choices_come_from_their_registries() -> None:
    from prepdeck.report import FORMATS
    from prepdeck.targets import REGISTRY

    build_help = " ".join(run("build", "--help")[1].split())
    for target in REGISTRY.values():
        assert target.name in build_help and target.description in build_help
    assert f"[{'|'.join(FORMATS)}]" in build_help
    code, _, err = run("build", "--target", "poster")
    assert code == 2 and "'poster' is not one of 'anki', 'booklet', 'quiz', 'cards'" in err


def test_build_help_does_not_import_writers() -> None:
    code = (
        "import sys; from prepdeck.cli import main; sys.argv=['prepdeck','build','--help'];\n"
        "try: main()\nexcept SystemExit: pass\n"
        "heavy = ('genanki', 'reportlab', 'prepdeck.anki', 'prepdeck.pdf.booklet')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_paper_choices_come_from_the_active_pdf_yaml(make_bank: MakeBank, tmp_path: Path) -> None:
    root = make_bank()
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    args = ["build", str(root), "--out", str(tmp_path / "d"), "--target", "quiz", "-q"]
    code, _, err = run(*args, "--paper", "a5", env=env)
    assert code == 2
    assert "Invalid value for '--paper': 'a5' is not a paper in pdf.yaml" in err
    assert "(choose from a4, a6, avery-5371, index-3x5, letter)" in err
    assert not (tmp_path / "d").exists()
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.yaml").write_text("papers:\n  a5: {width_mm: 148, height_mm: 210}\n")
    code, _, err = run(*args, "--paper", "a5", "--styles", str(styles), env=env)
    assert (code, err) == (0, "")
    from pypdf import PdfReader

    box = PdfReader(tmp_path / "d" / "tiny-quiz.pdf").pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (148, 210)


def test_a_bad_pdf_yaml_fails_the_build_at_its_position(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.yaml").write_text("sizes:\n  body: -3\n  bdy: 2\n")
    code, out, err = run(
        "build", str(make_bank()), "--out", str(tmp_path / "d"), "--styles", str(styles)
    )
    assert code == 1
    assert out.splitlines() == [
        f'{styles / "pdf.yaml"}:2:9: error[out-of-range]: "body" must be at least 1, not -3',
        f'{styles / "pdf.yaml"}:3:3: error[unknown-key]: unknown key "bdy"; did you mean "body"?',
    ]
    # the validation before the build reads the style for its fonts (rule pdf-glyph),
    # so `validate --styles` reports these too, and the build stops before it starts
    assert err.endswith("2 errors, 0 warnings in 1 file\n")
    assert not (tmp_path / "d").exists()
    code, validated, _ = run("validate", str(make_bank()), "--styles", str(styles))
    assert (code, validated) == (1, out)


def test_build_json_is_one_document(make_bank: MakeBank, tmp_path: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    root = make_bank()
    args = ["build", str(root), "--out", str(tmp_path / "d"), "--target", "anki"]
    code, out, _ = run(*args, "--format", "json", env=env)
    assert code == 0
    document = json.loads(out)  # the whole of stdout: one JSON document
    [artifact] = document["artifacts"]
    assert artifact["target"] == "anki" and artifact["path"] == str(tmp_path / "d" / "tiny.apkg")
    assert len(artifact["sha256"]) == 64 and artifact["size"] > 0
    assert document["problems"] == [] or all(p["level"] == "warning" for p in document["problems"])
    # a failed build: the problems, no artifacts, still one document
    (root / "prepdeck.lock").write_text("{not json")
    code, out, _ = run(*args, "--format", "json", env=env)
    assert code == 1
    document = json.loads(out)
    assert document["artifacts"] == []
    assert [p["rule"] for p in document["problems"]] == ["lock-invalid"]
