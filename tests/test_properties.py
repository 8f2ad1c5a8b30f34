"""Hypothesis: whatever a bank folder holds, validation answers with problems or
a bank, never with a crash."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BANK_YAML, BASICS_YAML
from prepdeck.validate import validate_content

QUESTION_KEYS = [
    "id",
    "question",
    "hint",
    "key_points",
    "answer",
    "tags",
    "refs",
    "tier",
    "questions",
    "hnit",
    "expected",
    "name",
]
scalars = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.sampled_from(
        [
            "no",
            "yes",
            "1.10",
            "2024-01-01",
            "a < b && c",
            "<script>x</script>",
            "[x](javascript:alert(1))",
            "secrets",
            "ci-cd",
            "owasp",
            "basics",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(QUESTION_KEYS), inner, max_size=6),
    ),
    max_leaves=20,
)


def _question() -> st.SearchStrategy[dict[str, Any]]:
    base = yaml.safe_load(BASICS_YAML)["questions"][0]
    return st.dictionaries(st.sampled_from(QUESTION_KEYS), values, max_size=8).map(
        lambda extra: {**base, **extra}
    )


tier_docs = st.one_of(
    values,
    st.builds(
        lambda t, qs: {"tier": t, "questions": qs},
        st.sampled_from(["basics", "deep", "nope", 3]),
        st.lists(_question(), max_size=4),
    ),
)
raw_texts = st.one_of(
    tier_docs.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.text(max_size=200),
    st.just("a: &a [1]\nb: *a\nc: !!python/object:os.system x\n"),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bank_text=st.one_of(st.just(BANK_YAML), raw_texts), tier_texts=st.lists(raw_texts, max_size=3)
)
def test_validate_never_crashes(bank_text: str, tier_texts: list[str]) -> None:
    root = Path(tempfile.mkdtemp())
    try:
        (root / "bank.yaml").write_text(bank_text, encoding="utf-8")
        for i, text in enumerate(tier_texts):
            (root / f"t{i}.yaml").write_text(text, encoding="utf-8")
        result = validate_content(root)
        for problem in result.problems:
            assert problem.line >= 1 and problem.column >= 1 and problem.rule and problem.message
        assert (result.bank is not None) == (not result.errors)
    finally:
        shutil.rmtree(root)


_link_pieces = st.sampled_from(
    [
        "[",
        "]",
        "(",
        ")",
        "](",
        "https://x",
        "mailto:m",
        "http://x",
        "javascript:x",
        " ",
        "\n",
        "<",
        ">",
        "*",
        "`",
        "a",
        "\\",
    ]
)


@given(st.lists(_link_pieces, max_size=25).map("".join))
def test_link_prefilter_never_hides_an_unsafe_link(source: str) -> None:
    from prepdeck.rules.link_scheme import may_hold_unsafe_link
    from prepdeck.text import iter_links, parse_blocks, parse_inline

    if not may_hold_unsafe_link(source):
        assert all(link.safe for link in iter_links(parse_blocks(source)))
        assert all(link.safe for link in iter_links(parse_inline(source)))


@given(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            [
                "no",
                "On",
                "~",
                "1.10",
                "2024-01-02",
                "<<",
                "=",
                ".inf",
                "0x1F",
                "+1",
                "-.5",
                "null",
                "Yes",
                "tRUE",
            ]
        ),
    ),
    st.sampled_from(["plain", "single", "double", "block"]),
)
def test_fast_resolver_gives_pyyaml_tags(value: str, style: str) -> None:
    from prepdeck.load import _BaseLoader, _Loader  # type: ignore[attr-defined]

    if style == "plain":
        doc = f"k: {value}\n"
    elif style == "single":
        doc = "k: '" + value.replace("'", "''") + "'\n"
    elif style == "double":
        doc = "k: " + json.dumps(value) + "\n"
    else:
        doc = "k: |-\n  " + value.replace("\n", " ") + "\n"
    try:
        expected = yaml.compose(doc, Loader=_BaseLoader)
    except yaml.YAMLError:
        return
    ours = yaml.compose(doc, Loader=_Loader)
    assert ours is not None and expected is not None
    assert [(k.tag, v.tag, v.value) for k, v in ours.value] == [
        (k.tag, v.tag, v.value) for k, v in expected.value
    ]
