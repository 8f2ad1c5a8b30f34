"""Hostile input through prepdeck's surfaces (issue 23): styles, the release notes,
the preview server, problem output, font files, and the small commands (init,
schema --write).  Each test fails on the code before its fix."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


# -- preview: only its own Host -------------------------------------------------------


@pytest.fixture
def preview_of(make_bank: MakeBank) -> Iterator[Callable[[Path], Any]]:
    from prepdeck.preview import Preview

    servers: list[Any] = []

    def start(content: Path) -> Any:
        server = Preview(content, poll_seconds=60)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _get(port: int, host: str | None, path: str = "/") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("valid", [True, False], ids=["cards", "problems"])
def test_preview_answers_only_its_own_host(
    make_bank: MakeBank, preview_of: Callable[[Path], Any], valid: bool
) -> None:
    from conftest import BASICS_YAML

    content = make_bank() if valid else make_bank(basics__yaml=BASICS_YAML + "  - oops\n")
    server = preview_of(content)
    port = server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        status, body = _get(port, host)
        assert status == 200, host
        assert (b"What is a secret?" if valid else str(content).encode()) in body
    for host in (
        "evil.example",
        f"evil.example:{port}",
        f"127.0.0.1:{port + 1}",
        "127.0.0.1",
        f"127.0.0.1.evil.example:{port}",
        None,
    ):
        for path in ("/", "/index.html", "/__version", "/nothing"):
            status, body = _get(port, host, path)
            assert status == 403, (host, path, status)
            for secret in (b"Tiny Bank", b"secret", str(content).encode(), b"basics.yaml"):
                assert secret not in body, (host, path)
