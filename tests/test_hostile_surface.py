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


# -- release notes: bank text is text on the release page ----------------------------

HOSTILE_TITLE = (
    "Deck ![t](https://evil.example/pixel.png) [click](https://evil.example/) "
    "*em* _u_ `c` www.evil.example https://evil.example/x ping@evil.example @octocat "
    "\\| back\\slash #1 **b** ~~s~~"
)
HOSTILE_TIER = "Tier | ![x](https://evil.example/t.png) [a]: https://x &amp <3 > q"


def _github_html(markdown: str) -> str:
    """The notes as GitHub renders them: cmark-gfm with GitHub's extensions."""
    import cmarkgfm

    return str(cmarkgfm.github_flavored_markdown_to_html(markdown))


def test_release_notes_escape_every_piece_of_bank_text(make_bank: MakeBank) -> None:
    import html

    from conftest import BANK_YAML
    from prepdeck.release import Changes, notes_text
    from prepdeck.validate import validate_content

    bank_yaml = BANK_YAML.replace("title: Tiny Bank", f"title: {json.dumps(HOSTILE_TITLE)}")
    bank_yaml = bank_yaml.replace("name: Basics", f"name: {json.dumps(HOSTILE_TIER)}")
    validation = validate_content(make_bank(bank__yaml=bank_yaml), pdf_styles=None)
    assert validation.errors == [], validation.errors  # the deck-name rule lets them pass
    assert validation.bank is not None
    hostile_id = "x`` ![i](https:evil.example)\n# forged heading <img src=x>"
    changes = Changes(
        "v0.9.0 [tag](https://evil.example)",
        added=(hostile_id,),
        changed=("`backticks`", "q/![k](https:evil.example) *kind*"),
        removed=("a|b",),
    )
    notes = notes_text(validation.bank, "v1.0.0", [], changes, timestamp=1767225600)
    rendered = _github_html(notes)
    # no image, no link, no markup made from bank text: only the notes' own structure
    assert "<img" not in rendered and "<a " not in rendered, rendered
    assert "<em>" not in rendered and "<del>" not in rendered
    title = re.search("<h1>(.*)</h1>", rendered)
    assert title and "<" not in title.group(1), rendered  # the title: text only
    assert rendered.count("<strong>") == 2  # the notes' own: the total row
    assert rendered.count("<h1>") == 1 and rendered.count("<h2>") == 3, rendered
    assert rendered.count("<li>") == 4 and rendered.count("<tr>") == 5, rendered  # 2 tiers
    text = html.unescape(re.sub("<[^>]+>", "", rendered)).replace("\u2060", "")
    # ... and every piece of bank text reads back as written
    assert f"{HOSTILE_TITLE} 1.0.0" in text
    assert HOSTILE_TIER in text
    assert "x`` ![i](https:evil.example)\\n# forged heading <img src=x>" in text
    assert "Changed ![k](https:evil.example) *kind* notes (1): q" in text
    assert "`backticks`" in text and "a|b" in text
    assert "v0.9.0 [tag](https://evil.example)" in text
