"""Hostile input through prepdeck's surfaces (issue 23): styles, the release notes,
the preview server, problem output, font files, and the small commands (init,
schema --write).  Each test fails on the code before its fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import MakeBank
from prepdeck.cli import cli

# -- problem output: nothing a terminal or a CI log would act on -------------------

HOSTILE_KEY = "x\x1b]0;PWNED\x07\n::error::injected\u009b31m\u2028\u202e"


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_control_characters_in_problems_are_escaped_in_every_format(
    make_bank: MakeBank, output_format: str
) -> None:
    from conftest import BANK_YAML

    content = make_bank(bank__yaml=BANK_YAML + json.dumps(HOSTILE_KEY) + ": 1\n")
    result = CliRunner().invoke(cli, ["validate", str(content), "--format", output_format])
    assert result.exit_code == 1, result.output
    out = result.stdout
    # no control character but the newline that ends a line, no C1, no separators
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]", out), repr(out)
    if output_format == "json":
        (problem,) = json.loads(out)
        assert "\\x1b]0;PWNED\\x07\\n::error::injected\\x9b31m\\u2028\\u202e" in problem["message"]
        return
    lines = out.splitlines()
    assert len(lines) == 1, lines  # one problem, one line: nothing forged
    assert "\\x1b]0;PWNED\\x07\\n::error::injected" in lines[0]
    if output_format == "github":
        assert lines[0].startswith("::error file=")
