"""One compact check per problem the validator must catch, with its position."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import BANK_YAML, BASICS_YAML, MakeBank
from prepdeck.errors import Level
from prepdeck.validate import validate_content


def problems(root: Path) -> list[tuple[str, int, int, str]]:
    return [(Path(p.path).name, p.line, p.column, p.rule) for p in validate_content(root).problems]


def messages(root: Path) -> list[str]:
    return [p.message for p in validate_content(root).problems]


def test_tiny_bank_is_valid(make_bank: MakeBank) -> None:
    result = validate_content(make_bank())
    assert result.problems == []
    assert result.bank is not None
    assert [q.id for q in result.bank.questions] == [
        "first-question",
        "second-question",
        "third-question",
    ]
    assert [q.label for q in result.bank.questions] == ["Q1.1", "Q1.2", "Q2.1"]
    first = result.bank.questions[0]
    assert first.source is not None and first.source.line == 3


def test_yaml_syntax_error_has_position(make_bank: MakeBank) -> None:
    root = make_bank(basics__yaml="tier: basics\nquestions:\n  - id: [unclosed\n")
    found = problems(root)
    assert [(f, r) for f, _, _, r in found if r == "syntax"] == [("basics.yaml", "syntax")]
    line = next(ln for _, ln, _, r in found if r == "syntax")
    assert line in (3, 4)


def test_not_utf8_points_at_the_byte(make_bank: MakeBank) -> None:
    root = make_bank()
    (root / "basics.yaml").write_bytes(b"tier: basics\nquestions:\n  - id: caf\xe9\n")
    assert ("basics.yaml", 3, 12, "encoding") in problems(root)


def test_empty_file(make_bank: MakeBank) -> None:
    root = make_bank(deep__yaml="# nothing here\n")
    assert ("deep.yaml", 1, 1, "empty-file") in problems(root)


def test_top_level_must_be_a_mapping(make_bank: MakeBank) -> None:
    root = make_bank(deep__yaml="- just\n- a list\n")
    assert ("deep.yaml", 1, 1, "top-level-type") in problems(root)


def test_duplicate_key_is_reported_at_the_second(make_bank: MakeBank) -> None:
    text = BASICS_YAML.replace(
        "    hint: Continuous integration.\n",
        "    hint: Continuous integration.\n    hint: Again.\n",
    )
    root = make_bank(basics__yaml=text)
    assert ("basics.yaml", 17, 5, "duplicate-key") in problems(root)
    assert any("first one is at line 16" in m for m in messages(root))


@pytest.mark.parametrize(
    ("value", "reading"),
    [
        ("no", "the boolean false"),
        ("on", "the boolean true"),
        ("1.10", "the number 1.1"),
        ("2024-01-02", "the date 2024-01-02"),
        ("42", "the number 42"),
    ],
)
def test_yaml_11_values_in_text_fields(make_bank: MakeBank, value: str, reading: str) -> None:
    root = make_bank(
        basics__yaml=BASICS_YAML.replace("    hint: Continuous integration.", f"    hint: {value}")
    )
    result = validate_content(root)
    [problem] = result.problems
    assert (problem.line, problem.column, problem.rule) == (16, 11, "not-text")
    assert reading in problem.message and f'quote it: "{value}"' in problem.message


def test_version_as_float_is_not_text(make_bank: MakeBank) -> None:
    root = make_bank(bank__yaml=BANK_YAML.replace("version: 1.0.0", "version: 1.10"))
    [problem] = validate_content(root).problems
    assert problem.rule == "not-text" and 'quote it: "1.10"' in problem.message


def test_unknown_key_suggests_the_right_one(make_bank: MakeBank) -> None:
    root = make_bank(
        basics__yaml=BASICS_YAML.replace("    hint: Credentials", "    hnit: Credentials")
    )
    found = validate_content(root).problems
    rules = {(p.line, p.column, p.rule) for p in found}
    assert (5, 5, "unknown-key") in rules
    assert (3, 5, "missing-field") in rules
    assert any(p.message == 'unknown key "hnit"; did you mean "hint"?' for p in found)


def test_missing_and_empty_fields(make_bank: MakeBank) -> None:
    text = BASICS_YAML.replace("    refs: []\n", "").replace(
        "hint: Continuous integration.", 'hint: "  "'
    )
    root = make_bank(basics__yaml=text)
    found = problems(root)
    assert ("basics.yaml", 16, 11, "empty-field") in found
    assert ("basics.yaml", 14, 5, "missing-field") in found


def test_null_field_is_empty(make_bank: MakeBank) -> None:
    root = make_bank(basics__yaml=BASICS_YAML.replace("hint: Continuous integration.", "hint:"))
    assert [r for *_, r in problems(root)] == ["empty-field"]


def test_wrong_type(make_bank: MakeBank) -> None:
    root = make_bank(
        basics__yaml=BASICS_YAML.replace("key_points: [Build, Test]", "key_points: Build")
    )
    [problem] = validate_content(root).problems
    assert problem.rule == "wrong-type" and "must be a list, not text" in problem.message


def test_id_must_be_kebab_case(make_bank: MakeBank) -> None:
    root = make_bank(basics__yaml=BASICS_YAML.replace("id: second-question", "id: Second_Question"))
    assert ("basics.yaml", 14, 9, "id-format") in problems(root)


def test_duplicate_id_across_files(make_bank: MakeBank) -> None:
    root = make_bank(
        deep__yaml=BASICS_YAML.replace("tier: basics", "tier: deep").replace(
            "second-question", "other-question"
        )
    )
    found = validate_content(root).problems
    dup = [p for p in found if p.rule == "duplicate-id"]
    assert len(dup) == 1 and Path(dup[0].path).name == "deep.yaml"
    assert "basics.yaml:3" in dup[0].message


def test_undeclared_tier(make_bank: MakeBank) -> None:
    root = make_bank(
        deep__yaml="tier: depp\nquestions:\n"
        + BASICS_YAML.split("questions:\n")[1]
        .replace("first-question", "a-q")
        .replace("second-question", "b-q")
    )
    found = validate_content(root).problems
    assert any(
        p.rule == "undeclared-tier" and 'did you mean "deep"' in p.message and p.line == 1
        for p in found
    )


def test_tier_count_mismatch(make_bank: MakeBank) -> None:
    root = make_bank(bank__yaml=BANK_YAML.replace("expected: 2", "expected: 3"))
    [problem] = validate_content(root).problems
    assert (Path(problem.path).name, problem.line, problem.rule) == ("bank.yaml", 10, "tier-count")
    assert "expects 3 question(s) but has 2" in problem.message


def test_anki_notes_must_keep_the_question_notes(make_bank: MakeBank) -> None:
    root = make_bank(bank__yaml=BANK_YAML + "anki_notes: [key-points]\n")
    [problem] = validate_content(root).problems
    line = BANK_YAML.count("\n") + 1
    assert (Path(problem.path).name, problem.line, problem.column, problem.rule) == (
        "bank.yaml",
        line,
        13,
        "anki-notes",
    )
    assert problem.message == (
        '"anki_notes" must include "question": every question keeps its own note'
    )
    assert not validate_content(
        make_bank(bank__yaml=BANK_YAML + "anki_notes: [key-points, question]\n")
    ).problems


def test_the_old_cards_key_still_works_with_a_warning(make_bank: MakeBank) -> None:
    root = make_bank(bank__yaml=BANK_YAML + "cards: [question, key-points]\n")
    result = validate_content(root)
    [warning] = result.problems
    line = BANK_YAML.count("\n") + 1
    assert (warning.line, warning.column, warning.rule, warning.level) == (
        line,
        1,
        "anki-notes",
        Level.WARNING,
    )
    assert '"cards" is now called "anki_notes"' in warning.message
    assert result.ok() and not result.ok(strict=True)
    assert result.bank is not None and result.bank.anki_notes == ("question", "key-points")
    # the old key keeps its own rule too, and giving both is an error
    [problem] = [
        p
        for p in validate_content(
            make_bank(bank__yaml=BANK_YAML + "cards: [key-points]\n")
        ).problems
        if p.is_error
    ]
    assert problem.message.startswith('"cards" must include "question"')
    both = BANK_YAML + "cards: [question]\nanki_notes: [question]\n"
    [problem] = validate_content(make_bank(bank__yaml=both)).problems
    assert problem.is_error and "both are given" in problem.message


def test_tier_count_holds_for_a_whole_number_written_as_a_float(make_bank: MakeBank) -> None:
    # The schema reads 3.0 as an integer (JSON Schema does); the rule used to skip it.
    root = make_bank(bank__yaml=BANK_YAML.replace("expected: 2", "expected: 3.0"))
    [problem] = validate_content(root).problems
    assert (problem.line, problem.rule) == (10, "tier-count")
    assert problem.message == 'tier "basics" expects 3 question(s) but has 2'
    bank = validate_content(
        make_bank(bank__yaml=BANK_YAML.replace("expected: 2", "expected: 2.0"))
    ).bank
    assert bank is not None
    assert type(bank.tier("basics").expected) is int


def test_unknown_topic_and_reference(make_bank: MakeBank) -> None:
    text = BASICS_YAML.replace("tags: [secrets]", "tags: [secret]").replace(
        "refs: [owasp]", "refs: [owasp-top10]"
    )
    found = validate_content(make_bank(basics__yaml=text)).problems
    by_rule = {p.rule: p for p in found}
    assert (
        by_rule["unknown-topic"].message
        == '"secret" is not a declared topic; did you mean "secrets"?'
    )
    assert (by_rule["unknown-topic"].line, by_rule["unknown-topic"].column) == (12, 12)
    assert by_rule["unknown-reference"].line == 13


def test_reference_url_must_be_https(make_bank: MakeBank) -> None:
    root = make_bank(bank__yaml=BANK_YAML.replace("https://owasp.org/", "http://owasp.org/"))
    assert ("bank.yaml", 19, 10, "reference-url") in problems(root)


def test_markdown_link_scheme(make_bank: MakeBank) -> None:
    root = make_bank(
        basics__yaml=BASICS_YAML.replace(
            "hint: Continuous integration.",
            "hint: See [this](javascript:alert(1)) and [that](http://x.org).",
        )
    )
    found = [p for p in validate_content(root).problems if p.rule == "link-scheme"]
    # Both are flagged, the same way: javascript: is a link like any other (issue 10).
    assert len(found) == 2
    assert {p.message.split("'")[1] for p in found} == {"javascript:alert(1)", "http://x.org"}


def test_near_duplicate_is_a_warning(make_bank: MakeBank) -> None:
    text = BASICS_YAML.replace("question: What is CI?", "question: what is a *secret*")
    result = validate_content(make_bank(basics__yaml=text))
    [problem] = result.problems
    assert problem.rule == "near-duplicate" and problem.level.value == "warning"
    assert result.ok() and not result.ok(strict=True)


# As written inside YAML double quotes: \u escapes reach the data as the characters.
@pytest.mark.parametrize(
    "bad", ["ci cd", "ci\\u3000cd", "ci\\u0007cd", "ci::", "a::::b", "ci\\tcd"]
)
def test_tags_anki_would_mangle(make_bank: MakeBank, bad: str) -> None:
    bank = BANK_YAML.replace("{id: ci-cd, name: CI/CD}", f'{{id: "{bad}", name: CI/CD}}')
    basics = BASICS_YAML.replace("tags: [ci-cd]", f'tags: ["{bad}"]')
    found = validate_content(make_bank(bank__yaml=bank, basics__yaml=basics)).problems
    # A control character is also refused in any text, by its own rule.
    expected = {"tag-format", "control-character"} if "u0007" in bad else {"tag-format"}
    assert "tag-format" in [p.rule for p in found] and {p.rule for p in found} == expected


def test_python_tags_are_refused_not_constructed(make_bank: MakeBank, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = BASICS_YAML.replace(
        "hint: Continuous integration.",
        f"hint: !!python/object/apply:os.system ['touch {marker}']",
    )
    found = problems(make_bank(basics__yaml=text))
    assert ("basics.yaml", 16, 11, "unsafe-tag") in found
    assert not marker.exists()


def test_billion_laughs_is_refused_quickly(make_bank: MakeBank) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    root = make_bank(deep__yaml="\n".join(lines) + "\n")
    assert problems(root) == [("deep.yaml", 1, 1, "alias-bomb")]


def test_recursive_alias(make_bank: MakeBank) -> None:
    root = make_bank(deep__yaml="tier: deep\nquestions: &q\n  - *q\n")
    assert "recursive-alias" in [r for *_, r in problems(root)]


def test_file_too_large(make_bank: MakeBank, monkeypatch: pytest.MonkeyPatch) -> None:
    import prepdeck.load

    monkeypatch.setattr(prepdeck.load, "MAX_FILE_BYTES", 100)
    assert ("basics.yaml", 1, 1, "file-too-large") in problems(make_bank())


def test_missing_bank_file(make_bank: MakeBank) -> None:
    assert ("bank.yaml", 1, 1, "missing-bank") in problems(make_bank(bank__yaml=None))


def test_every_problem_is_reported_at_once(make_bank: MakeBank) -> None:
    text = BASICS_YAML.replace("hint: Credentials", "hnit: Credentials").replace(
        "tags: [ci-cd]", "tags: [nope]"
    )
    root = make_bank(basics__yaml=text, deep__yaml="tier: deep\nquestions: [")
    rules = {r for *_, r in problems(root)}
    assert {"unknown-key", "missing-field", "unknown-topic", "syntax"} <= rules


def test_unused_topic_warns(make_bank: MakeBank) -> None:
    bank = BANK_YAML.replace(
        "  - {id: ci-cd, name: CI/CD}\n",
        "  - {id: ci-cd, name: CI/CD}\n  - {id: spare, name: Spare}\n",
    )
    [problem] = validate_content(make_bank(bank__yaml=bank)).problems
    assert problem.rule == "unused-entry" and '"spare"' in problem.message


@pytest.mark.parametrize("text", ["~\n", "null\n", "42\n", "just text\n"])
def test_scalar_files_are_the_wrong_type(make_bank: MakeBank, text: str) -> None:
    found = problems(make_bank(bank__yaml=text, deep__yaml=text))
    assert ("bank.yaml", 1, 1, "top-level-type") in found
    assert ("deep.yaml", 1, 1, "top-level-type") in found


@pytest.mark.parametrize(
    ("text", "may"),
    [
        ("no links", False),
        ("[a](https://x) and [b](MAILTO:me@x)", False),
        ("[a](http://x)", True),
        ("[a]( https://x)", True),
        ("[a](<https://x>)", True),
        ("[a](https://x) [b](javascript:x)", True),
    ],
)
def test_link_prefilter_only_skips_text_that_cannot_hold_an_unsafe_link(
    text: str, may: bool
) -> None:
    from prepdeck.rules.link_scheme import may_hold_unsafe_link
    from prepdeck.text import iter_links, parse_blocks

    assert may_hold_unsafe_link(text) is may
    if not may:
        assert all(link.safe for link in iter_links(parse_blocks(text)))


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("2026-11-30", "not-text"),  # YAML reads it as a date: quote it
        ('"2026-13-01"', "date-format"),
        ('"30.11.2026"', "date-format"),
    ],
)
def test_reviewed_is_a_quoted_iso_date(make_bank: MakeBank, value: str, rule: str) -> None:
    root = make_bank(
        bank__yaml=BANK_YAML.replace("version: 1.0.0", f"version: 1.0.0\nreviewed: {value}")
    )
    assert [(f, ln, c, r) for f, ln, c, r in problems(root)] == [("bank.yaml", 4, 11, rule)]


def test_a_quoted_iso_review_date_is_valid(make_bank: MakeBank) -> None:
    root = make_bank(
        bank__yaml=BANK_YAML.replace("version: 1.0.0", 'version: 1.0.0\nreviewed: "2026-11-30"')
    )
    assert problems(root) == []
