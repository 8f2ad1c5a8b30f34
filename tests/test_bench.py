"""The benchmark suite's own parts: the synthetic banks are valid and realistic, and
the harness produces its table.  Timings are measured by `make bench`, never
asserted here."""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from prepdeck.validate import validate_content

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import run, synth


def test_synthetic_bank_passes_validate_without_a_problem(tmp_path: Path) -> None:
    root = synth.write_bank(tmp_path / "content", 60)
    result = validate_content(root)
    assert result.problems == []
    assert result.bank is not None
    assert len(result.bank.questions) == 60
    assert [t.id for t in result.bank.tiers] == [t for t, _, _ in synth.TIERS]


def test_synthetic_bank_reads_back_as_generated(tmp_path: Path) -> None:
    bank = synth.generate(60, seed=3)
    root = synth.write(bank, tmp_path / "content")
    assert yaml.safe_load((root / "bank.yaml").read_text()) == bank.bank
    for tier_id, questions in bank.tiers:
        data = yaml.safe_load((root / f"{tier_id}.yaml").read_text())
        assert data == {"tier": tier_id, "questions": list(questions)}


def test_generation_is_deterministic_and_seeded() -> None:
    assert synth.generate(30, seed=1) == synth.generate(30, seed=1)
    assert synth.generate(30, seed=1) != synth.generate(30, seed=2)


def test_text_lengths_follow_the_real_bank() -> None:
    questions = synth.generate(300).all_questions()

    def mean_words(field: str) -> float:
        return statistics.mean(synth.word_count(q[field]) for q in questions)

    assert 20 <= mean_words("question") <= 30
    assert 30 <= mean_words("hint") <= 40
    assert 200 <= mean_words("answer") <= 250
    assert all(3 <= len(q["key_points"]) <= 6 for q in questions)
    assert all("\n- " in q["answer"] and "\n\n" in q["answer"] for q in questions)
    answers = "".join(q["answer"] for q in questions)
    assert "`" in answers and "**" in answers and "](https://" in answers


@pytest.mark.parametrize("questions", [6, 60, 1000, 10000])
def test_tier_counts_add_up(questions: int) -> None:
    counts = synth.tier_counts(questions)
    assert sum(counts) == questions
    assert all(count >= 1 for count in counts)


def test_runs_option() -> None:
    assert run.parse_runs([], [1000, 10000]) == {1000: 3, 10000: 2}
    assert run.parse_runs(["5"], [1000, 10000]) == {1000: 5, 10000: 5}
    assert run.parse_runs(["10000=1"], [1000, 10000]) == {1000: 3, 10000: 1}


def test_verdict() -> None:
    assert run.verdict(1.9, 2.0) == "PASS"
    assert run.verdict(2.1, 2.0) == "MISS"
    assert run.verdict(None, 2.0) == "ERROR"
    assert run.verdict(1.0, None) == ""


def test_the_suite_runs_and_writes_its_table_on_a_tiny_bank(tmp_path: Path) -> None:
    report = run.run_suite(
        sizes=[12],
        runs={12: 1},
        case_keys=["help", "validate"],
        out_dir=tmp_path,
        log=lambda _: None,
    )
    rows = {row.case: row for row in report.rows}
    assert set(rows) == {"python startup", "--help", "yaml C loader", "validate"}
    validate = rows["validate"]
    assert validate.baseline == "yaml C loader"
    assert validate.seconds is not None and validate.peak_mib is not None
    assert validate.ratio is not None and validate.result in ("PASS", "MISS")
    assert rows["--help"].result in ("PASS", "MISS")

    json_path, md_path = run.write_report(report, tmp_path)
    data = json.loads(json_path.read_text())
    assert [r["case"] for r in data["rows"]] == [r.case for r in report.rows]
    assert data["machine"]["cpu"] and data["machine"]["python"]
    markdown = md_path.read_text()
    assert markdown.startswith("| case | questions | runs |")
    assert "| validate | 12 | 1 |" in markdown and "Machine: " in markdown
    table = run.format_table(report.rows).splitlines()
    assert table[0].split()[:4] == ["case", "questions", "runs", "seconds"]
    assert len(table) == 2 + len(report.rows)


def test_a_writer_that_does_not_exist_yet_is_skipped(tmp_path: Path) -> None:
    missing = run.Case("build nothing", lambda c, o: ["false"], None, None, "prepdeck.nothing")
    rows = run.bench_size(12, 1, [missing], out_dir=tmp_path, seed=0, log=lambda _: None)
    assert (rows[0].result, rows[0].seconds) == ("SKIP", None)


def test_a_case_is_also_set_against_extra_baselines(tmp_path: Path) -> None:
    def python(code: str) -> Callable[[Path, Path], list[str]]:
        return lambda content, out: [sys.executable, "-c", code]

    cases = [
        run.Case("base one", python("pass")),
        run.Case("base two", python("pass")),
        run.Case("thing", python("pass"), "base one", 100.0, also=("base two",)),
    ]
    rows = run.bench_size(12, 1, cases, out_dir=tmp_path, seed=0, log=lambda _: None)
    assert [(r.case, r.baseline, r.target) for r in rows] == [
        ("base one", None, ""),
        ("base two", None, ""),
        ("thing", "base one", "<= 100x"),
        ("thing", "base two", ""),
    ]
    assert rows[2].result == "PASS" and rows[3].result == ""
    assert rows[3].seconds == rows[2].seconds and rows[3].ratio is not None


def test_the_site_case_brings_the_deck_and_its_baselines() -> None:
    names = [c.name for c in run.selected_cases(["site"])]
    assert names == ["raw genanki", "genanki + markdown-it", "build anki", "build site"]


def test_the_site_page_rows_on_a_tiny_bank(tmp_path: Path) -> None:
    report = run.run_suite(
        sizes=[12], runs={12: 1}, case_keys=["site"], out_dir=tmp_path, log=lambda _: None
    )
    rows = {row.case: row for row in report.rows}
    assert rows["build site"].baseline == "build anki" and rows["build site"].seconds
    assert "bytes a question" in rows["site page size"].note
    keystroke = rows["site keystroke"]
    if keystroke.result != "SKIP":  # no browser here: the reason is in the note
        assert keystroke.runs == 12 and keystroke.result in ("PASS", "MISS")
        assert keystroke.seconds is not None and "worst" in keystroke.note
