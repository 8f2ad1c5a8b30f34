"""The README's command reference lists every command and every option `--help` shows,
with the same choices, so the documentation cannot fall behind the CLI."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from conftest import ROOT
from prepdeck.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


def reference() -> dict[str, str]:
    """Command name -> its synopsis in the README's command-line reference block."""
    section = README.split("## The command line\n", 1)[1]
    block = section.split("```\n", 2)[1]
    synopses: dict[str, str] = {}
    name = ""
    for line in block.splitlines():
        if line.startswith("prepdeck "):
            name = line.split()[1]
            synopses[name] = line
        elif line.strip():
            synopses[name] += "\n" + line
    return synopses


def help_options(command: str) -> list[tuple[list[str], list[str]]]:
    """(option names, choices) for every option in `prepdeck COMMAND --help`."""
    result = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    options = result.stdout.split("Options:\n", 1)[1]
    found = []
    for line in options.splitlines():
        match = re.match(r"  ((?:-\w, )?--[\w-]+)(?: \[([\w|]+)\])?", line)
        if match and match[1] != "-h, --help":
            names = match[1].split(", ")
            found.append((names, match[2].split("|") if match[2] else []))
    return found


def test_the_reference_lists_every_command() -> None:
    assert sorted(reference()) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_the_reference_lists_every_option_with_its_choices(command: str) -> None:
    synopsis = reference()[command]
    options = help_options(command)
    for names, choices in options:
        for name in names:
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", synopsis), (
                f"README: `prepdeck {command}` lacks {name}"
            )
        if choices:
            assert "|".join(choices) in synopsis, f"README: {names[-1]} choices {choices}"
    # and every option documented in the table is a real one
    declared = {n for names, _ in options for n in names}
    params = cli.commands[command].params
    assert declared == {
        n
        for p in params
        if isinstance(p, click.Option) and not p.hidden
        for n in p.opts
        if n != "--help"
    } - {"-h"}


@pytest.mark.parametrize("command", COMMANDS)
def test_the_option_table_explains_every_option(command: str) -> None:
    table = README.split("| option | commands | what it does |", 1)[1].split("\n\n", 1)[0]
    rows = [row.split("|")[1:3] for row in table.splitlines()[2:]]
    explained = {
        (name, used_by.strip())
        for names, commands in rows
        for name in re.findall(r"`(-[\w-]+)", names)
        for used_by in commands.split(",")
    }
    for names, _ in help_options(command):
        for name in names:
            assert (name, command) in explained, f"README option table: {name} for {command}"


def test_the_readme_says_how_to_run_the_installed_command() -> None:
    intro = README.split("## ", 1)[0]
    assert ".venv/bin/prepdeck" in intro and "source .venv/bin/activate" in intro
    assert "make validate" in README
    assert "## Start your own bank" in README
