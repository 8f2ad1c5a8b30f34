"""Style YAML goes through the bank's loader and a shipped JSON Schema: every problem
at once, each at the file, line and column that wrote it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prepdeck.errors import BuildError
from prepdeck.pdf.style import load_style
from prepdeck.schema import schema
from prepdeck.style_folders import read_yaml


def style_dir(tmp_path: Path, text: str, name: str = "styles") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "pdf.yaml").write_text(text, encoding="utf-8")
    return folder


def problems(*dirs: Path) -> list[str]:
    _, found = read_yaml("pdf.yaml", dirs, "pdf")
    return [str(p) for p in found]


def test_the_default_style_is_valid_against_the_shipped_schema() -> None:
    data, found = read_yaml("pdf.yaml", (), "pdf")
    assert found == []
    assert set(data) == set(schema("pdf")["required"])


def test_every_problem_at_its_line_and_column(tmp_path: Path) -> None:
    folder = style_dir(
        tmp_path,
        "colors:\n  accent: red\nsizes:\n  body: big\n  bdoy: 10\nquiz:\n  lines_max: -1\n",
    )
    path = folder / "pdf.yaml"
    assert problems(folder) == [
        f"{path}:2:11: error[color-format]: \"accent\" must be a colour as #rrggbb, not 'red'",
        f'{path}:4:9: error[wrong-type]: "body" must be a number, not text',
        f'{path}:5:3: error[unknown-key]: unknown key "bdoy"; did you mean "body"?',
        f'{path}:7:14: error[out-of-range]: "lines_max" must be at least 1, not -1',
    ]


def test_a_problem_points_at_the_folder_that_wrote_the_value(tmp_path: Path) -> None:
    first = style_dir(tmp_path, "sizes:\n  body: 0\n", "first")
    second = style_dir(tmp_path, "colors:\n  text: '#000000'\n", "second")
    assert problems(first, second) == [
        f'{first / "pdf.yaml"}:2:9: error[out-of-range]: "body" must be at least 1, not 0'
    ]


def test_yaml_traps_are_the_loaders_problems(tmp_path: Path) -> None:
    folder = style_dir(tmp_path, "sizes:\n  body: 10\ncolors: [\n")
    (found,) = problems(folder)
    assert found.startswith(f"{folder / 'pdf.yaml'}:4:1: error[syntax]: YAML syntax error")
    folder = style_dir(tmp_path, "!!python/object/apply:os.system ['true']\n", "tagged")
    (found,) = problems(folder)
    assert found.startswith(f"{folder / 'pdf.yaml'}:1:1: error[unsafe-tag]")
    folder = style_dir(tmp_path, "sizes:\n  body: 10\n  body: 11\n", "duplicated")
    (found,) = problems(folder)
    assert found.startswith(f"{folder / 'pdf.yaml'}:3:3: error[duplicate-key]")


def test_a_style_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    folder = style_dir(tmp_path, "- a4\n- letter\n")
    assert problems(folder) == [
        f"{folder / 'pdf.yaml'}:1:1: error[top-level-type]: a style file must be a mapping "
        "of settings"
    ]


def test_a_style_file_with_only_comments_changes_nothing(tmp_path: Path) -> None:
    folder = style_dir(tmp_path, "# nothing to override yet\n")
    assert load_style((folder,)) == dataclasses.replace(load_style(()), style_dirs=(folder,))


def test_load_style_raises_every_problem(tmp_path: Path) -> None:
    folder = style_dir(tmp_path, "sizes:\n  body: big\ncards:\n  front_size: 0\n")
    with pytest.raises(BuildError) as caught:
        load_style((folder,))
    assert [(p.line, p.column, p.rule) for p in caught.value.problems] == [
        (2, 9, "wrong-type"),
        (4, 15, "out-of-range"),
    ]


def test_numbers_take_the_fields_type(tmp_path: Path) -> None:
    folder = style_dir(tmp_path, "quiz:\n  lines_min: 3.0\nsizes:\n  body: 11\n")
    style = load_style((folder,))
    assert type(style.quiz.lines_min) is int and style.quiz.lines_min == 3
    assert type(style.sizes.body) is float and style.sizes.body == 11.0


def test_a_new_paper_is_a_paper(tmp_path: Path) -> None:
    folder = style_dir(tmp_path, "papers:\n  a5: {width_mm: 148, height_mm: 210}\n")
    style = load_style((folder,))
    assert set(style.papers) == {"a4", "letter", "a5", "index-3x5", "a6", "avery-5371"}
    assert style.paper_size("a5") == pytest.approx((148 * 72 / 25.4, 210 * 72 / 25.4))


STYLE_KEYS = [
    "fonts", "body", "colors", "text", "sizes", "papers", "a5", "width_mm", "quiz",
    "lines_min", "cards", "front_size", "page", "booklet", "toc_questions", "x",
]  # fmt: skip
overlay_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 500),
        st.floats(allow_nan=False),
        st.text(max_size=8),
        st.sampled_from(["#ffffff", "Vera", "a4", "-1", "1e400"]),
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(STYLE_KEYS), children, max_size=4)
    ),
    max_leaves=10,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(overlay=overlay_values)
def test_any_overlay_is_a_style_or_problems_never_a_crash(tmp_path: Path, overlay: Any) -> None:
    folder = tmp_path / "fuzz"
    folder.mkdir(exist_ok=True)
    (folder / "pdf.yaml").write_text(yaml.safe_dump(overlay), encoding="utf-8")
    try:
        style = load_style((folder,))
    except BuildError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path == str(folder / "pdf.yaml") and problem.line >= 1
    else:
        assert style.papers and style.sizes.body > 0
