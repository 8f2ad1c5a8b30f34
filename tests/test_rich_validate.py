"""The rich-answer format: what validate reports, each at its line and column."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from conftest import BASICS_YAML, MakeBank
from prepdeck import text
from prepdeck.validate import validate_content

# the first question's answer is a literal block whose first line is line 8
ANSWER_FIRST_LINE = 8


def with_answer(answer: str) -> str:
    body = "\n".join(f"      {line}" if line else "" for line in answer.splitlines())
    return BASICS_YAML.replace(
        "      A secret is a credential.\n\n      - API keys\n      - tokens\n", body + "\n"
    )


def found(root: Path, rule: str) -> list[tuple[int, int, str]]:
    return [
        (p.line, p.column, p.message) for p in validate_content(root).problems if p.rule == rule
    ]


def png(path: Path, size: tuple[int, int] = (40, 20)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 30)).save(path, format="PNG")
    return path


def test_code_table_and_image_are_valid(make_bank: MakeBank) -> None:
    root = make_bank(
        basics__yaml=with_answer(
            "Prose first.\n\n```yaml\nkind: Pod\nspec:\n  containers: []\n```\n\n"
            "| Tool | Finds |\n| :-- | --: |\n| `trivy` | CVEs |\n\n![A red box](media/box.png)\n"
        )
    )
    png(root / "media" / "box.png")
    result = validate_content(root)
    assert result.problems == []
    assert result.bank is not None


@pytest.mark.parametrize(
    ("markdown", "line", "needle"),
    [
        ("Text.\n\n## A heading\n", 2, "a heading"),
        ("Text.\n\n> quoted\n", 2, "block quote"),
        ("Text.\n\n<div>raw</div>\n", 2, "raw HTML"),
        ("Text with <span>inline</span> HTML.\n", 0, "raw HTML"),
        ("Text.\n\n---\n", 2, "horizontal rule"),
        ("Text.\n\n    indented = code\n", 2, "indented code block"),
        ("A claim.[^1]\n\n[^1]: The source.\n", 0, "footnote"),
        ("Text.\n\n![](media/box.png)\n", 2, "needs alt text"),
        ("Text.\n\n![Remote](https://example.org/x.png)\n", 2, "images from URLs"),
        ("Look ![inline](media/box.png) here.\n", 0, "paragraph of its own"),
        ("| a | b |\n| - | - |\n| ![x](media/box.png) | y |\n", 2, "table cell"),
        ("Text.\n\n~~~\ncode\n~~~\n", 2, "~~~ fence"),
    ],
)
def test_unsupported_markdown_is_reported_at_its_line(
    make_bank: MakeBank, markdown: str, line: int, needle: str
) -> None:
    root = make_bank(basics__yaml=with_answer(markdown))
    png(root / "media" / "box.png")
    problems = found(root, "markdown-format")
    # the line it is on, and the column its text starts at (7 unless indented)
    first_line, column, message = problems[0]
    assert first_line == ANSWER_FIRST_LINE + line, problems
    assert column == (11 if "indented" in needle else 7)
    assert needle in message
    # a footnote is reported where it is cited and where it is defined; others once
    assert len(problems) == (2 if needle == "footnote" else 1), problems


def test_inline_fields_take_no_images_or_html(make_bank: MakeBank) -> None:
    root = make_bank(
        basics__yaml=BASICS_YAML.replace(
            "hint: Credentials and keys.", "hint: See ![x](media/box.png) <b>now</b>."
        )
    )
    messages = [m for _, _, m in found(root, "markdown-format")]
    assert len(messages) == 2
    assert any("raw HTML" in m for m in messages) and any("image" in m for m in messages)


def test_unknown_code_language_is_a_warning(make_bank: MakeBank) -> None:
    root = make_bank(basics__yaml=with_answer("Text.\n\n```nosuchlang\nx\n```\n\n```rego\np\n```"))
    result = validate_content(root)
    warnings = [p for p in result.problems if p.rule == "code-language"]
    assert [(p.line, p.level.value) for p in warnings] == [(ANSWER_FIRST_LINE + 2, "warning")]
    assert "nosuchlang" in warnings[0].message
    assert result.bank is not None  # a warning does not block the build


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        ("missing", "no such file"),
        ("dotdot", "no '..'"),
        ("symlink", "outside the content folder"),
        ("fake", "the name says PNG but the file is JPEG"),
        ("garbage", "not a readable PNG"),
        ("truncated", "not a readable PNG"),
        ("huge-bytes", "the limit is 2,097,152"),
        ("huge-pixels", "the limit is 16,000,000 pixels"),
        ("svg", "only .png, .jpg and .jpeg"),
    ],
)
def test_image_checks(make_bank: MakeBank, tmp_path: Path, setup: str, needle: str) -> None:
    name = {"dotdot": "../outside.png", "svg": "media/x.svg"}.get(setup, "media/x.png")
    root = make_bank(basics__yaml=with_answer(f"Text.\n\n![An image]({name})\n"))
    target = root / "media" / "x.png"
    target.parent.mkdir(exist_ok=True)
    if setup == "dotdot":
        png(tmp_path / "outside.png")
    elif setup == "symlink":
        os.symlink(png(tmp_path / "secret.png"), target)
    elif setup == "fake":
        Image.new("RGB", (4, 4)).save(target, format="JPEG")
    elif setup == "garbage":
        target.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really" * 10)
    elif setup == "truncated":
        png(target, (300, 300))
        target.write_bytes(target.read_bytes()[:200])
    elif setup == "huge-bytes":
        target.write_bytes(png(tmp_path / "y.png").read_bytes() + b"\0" * (2 * 1024 * 1024))
    elif setup == "huge-pixels":
        Image.new("1", (5000, 4000)).save(target, format="PNG")
    elif setup == "svg":
        (root / "media" / "x.svg").write_text("<svg/>")
    problems = found(root, "image-file")
    assert len(problems) == 1, problems
    line, column, message = problems[0]
    assert (line, column) == (ANSWER_FIRST_LINE + 2, 7)
    assert needle in message


def test_prose_words_skip_code_tables_and_images() -> None:
    markdown = (
        "One two three.\n\n```yaml\nfour: five\n```\n\n| six | seven |\n| - | - |\n| 8 | 9 |\n\n"
        "![ten eleven](media/x.png)\n\n- twelve\n- thirteen `fourteen`\n"
    )
    assert text.prose_words(markdown) == 6


def test_code_block_keeps_indentation_blank_lines_and_expands_tabs() -> None:
    (block,) = text.parse_blocks("```python\ndef f():\n\tif x:\n\n        return 1\n```")
    assert block == text.CodeBlock("python", "def f():\n    if x:\n\n        return 1")


def test_cli_reports_every_markdown_problem_at_once(make_bank: MakeBank) -> None:
    from click.testing import CliRunner

    from prepdeck.cli import cli

    root = make_bank(
        basics__yaml=with_answer("Text.\n\n## Heading\n\n![](media/none.png)\n\n```nosuch\nx\n```")
    )
    result = CliRunner().invoke(cli, ["validate", str(root)])
    assert result.exit_code == 1
    path = root / "basics.yaml"
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert lines == [
        f"{path}:10:7: error[markdown-format]: answer: a heading: use a paragraph with "
        "**bold** text instead",
        f"{path}:12:7: error[image-file]: image 'media/none.png': no such file in the "
        "content folder",
        f"{path}:12:7: error[markdown-format]: answer: the image 'media/none.png' needs alt "
        "text: ![what it shows](media/none.png)",
        f"{path}:14:7: warning[code-language]: answer: code block language 'nosuch' is not "
        "one Pygments knows; it prints uncoloured",
    ]
