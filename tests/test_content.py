"""The shipped bank: the AI DevSecOps interview questions, complete and clean."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from conftest import CONTENT
from prepdeck.model import Bank
from prepdeck.text import (
    CodeBlock,
    MarkdownTable,
    iter_blocks,
    known_language,
    parse_blocks,
    plain,
    prose_words,
)
from prepdeck.validate import validate_content

EXPECTED_TIERS = [
    ("beginner", "Beginner", 5),
    ("intermediate", "Intermediate", 10),
    ("advanced", "Advanced", 11),
    ("scenario-based", "Scenario-Based", 10),
    ("ai-workflow-tools", "AI Workflow & Tools", 10),
    ("behavioral", "Behavioral", 5),
]


@pytest.fixture(scope="module")
def bank() -> Bank:
    result = validate_content(CONTENT)
    assert result.problems == [], "\n".join(map(str, result.problems))  # no warnings either
    assert result.bank is not None
    return result.bank


def test_metadata(bank: Bank) -> None:
    assert bank.version == "1.2.0"
    assert bank.reviewed == "2026-12-04"  # the content 1.2.0 claim audit
    assert bank.slug == "ai-devsecops"
    assert bank.license == "CC-BY-4.0"
    assert "how" in bank.description.lower() or "study" in bank.description.lower()


def test_exact_counts_per_tier(bank: Bank) -> None:
    counts = Counter(q.tier.id for q in bank.questions)
    assert [(t.id, t.name, counts[t.id]) for t in bank.tiers] == EXPECTED_TIERS
    assert len(bank.questions) == 51


# Code blocks, tables and images come on top of the 150-300 words of prose;
# `prose_words` counts paragraphs and list items only, from the parsed Markdown.


def test_word_count_ignores_code_and_tables() -> None:
    answer = "One two three.\n\n```bash\nfour five six\n```\n\n| a | b |\n| --- | --- |\n| c | d |"
    assert prose_words(answer) == 3


def _blocks_of(answer: str, kind: type) -> list[object]:
    return [b for b in iter_blocks(parse_blocks(answer)) if isinstance(b, kind)]


def test_every_question_has_every_field_filled(bank: Bank) -> None:
    for q in bank.questions:
        assert q.question.strip() and q.hint.strip() and q.answer.strip(), q.id
        assert 3 <= len(q.key_points) <= 6, q.id
        assert all(p.strip() for p in q.key_points), q.id
        assert 1 <= len(q.tags) <= 4, q.id
        assert q.refs or q.tier.id == "behavioral", q.id
        assert 150 <= prose_words(q.answer) <= 300, (q.id, prose_words(q.answer))


def test_code_blocks_and_tables_where_they_help(bank: Bank) -> None:
    # Content 1.1.0: answers show the manifest, policy or command they describe, and
    # compare options in a table, in at least five and one answers of the bank.
    with_code = [q.id for q in bank.questions if _blocks_of(q.answer, CodeBlock)]
    with_table = [q.id for q in bank.questions if _blocks_of(q.answer, MarkdownTable)]
    assert len(with_code) >= 5, with_code
    assert len(with_table) >= 1, with_table


def test_every_code_block_names_its_language(bank: Bank) -> None:
    for q in bank.questions:
        for block in _blocks_of(q.answer, CodeBlock):
            assert isinstance(block, CodeBlock)
            assert block.language and known_language(block.language), (q.id, block.text[:40])


def test_question_shapes_per_tier(bank: Bank) -> None:
    for q in bank.questions_in("behavioral"):
        assert q.question.startswith("Tell me about a time"), q.id
        assert all(f"**{part}" in q.answer for part in ("Situation", "Task", "Action", "Result")), (
            q.id
        )
    for q in bank.questions_in("scenario-based"):
        assert not q.question.lower().startswith("what do you do"), q.id


def test_no_two_answers_or_questions_start_alike(bank: Bank) -> None:
    def opening(markdown: str, words: int) -> str:
        blocks = parse_blocks(markdown)
        first = blocks[0]
        text = plain(first.children) if hasattr(first, "children") else markdown
        return " ".join(re.findall(r"[\w'\u2019-]+", text.lower())[:words])

    answers = Counter(opening(q.answer, 4) for q in bank.questions)
    assert [a for a, n in answers.items() if n > 1] == []
    questions = Counter(opening(q.question, 5) for q in bank.questions if q.tier.id != "behavioral")
    assert [a for a, n in questions.items() if n > 1] == []


def test_references_are_https_and_cited(bank: Bank) -> None:
    cited = {ref for q in bank.questions for ref in q.refs}
    for ref in bank.references:
        assert ref.url.startswith("https://"), ref.key
        assert ref.key in cited, ref.key
    for framework in ("owasp-llm-top10", "mitre-atlas", "nist-ai-rmf", "nist-ai-600-1"):
        assert framework in cited, framework


def test_seed_corrections_are_in_the_answers(bank: Bank) -> None:
    everything = "\n".join(q.answer + q.hint for q in bank.questions)
    assert "git filter-repo" in everything
    assert "ModelScan" in everything
