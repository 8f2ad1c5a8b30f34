"""Hostile input through prepdeck's surfaces (issue 23): styles, the release notes,
the preview server, problem output, font files, and the small commands (init,
schema --write).  Each test fails on the code before its fix."""

from __future__ import annotations

import http.client
import json
import os
import re
import struct
import subprocess
import sys
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
    refused: tuple[str | None, ...] = (
        "evil.example",
        f"evil.example:{port}",
        f"127.0.0.1:{port + 1}",
        "127.0.0.1",
        f"127.0.0.1.evil.example:{port}",
        None,
    )
    for bad in refused:
        for path in ("/", "/index.html", "/__version", "/nothing"):
            status, body = _get(port, bad, path)
            assert status == 403, (bad, path, status)
            for secret in (b"Tiny Bank", b"secret", str(content).encode(), b"basics.yaml"):
                assert secret not in body, (bad, path)


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


# -- styles: CSS that cannot leave its <style> block, and validate sees what build would


@pytest.fixture
def styles_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "styles"  # beside content/: the bank's own styles
    folder.mkdir()
    return folder


def _validate(content: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", str(content), "--format", "text", *args])
    return result.exit_code, result.stdout


BREAKOUTS = [
    '</style><meta http-equiv=refresh content="0;url=https://evil.example">',
    "</STYLE >",
    "</StYlE/>",
    '.x { content: "</style" }',
]


@pytest.mark.parametrize("name", ["site.css", "anki.css", "anki-recall.css"])
@pytest.mark.parametrize("breakout", BREAKOUTS)
def test_css_that_would_end_its_style_block_is_refused_at_its_line(
    make_bank: MakeBank, styles_dir: Path, tmp_path: Path, name: str, breakout: str
) -> None:
    content = make_bank()
    css = styles_dir / name
    css.write_text(f"body {{ color: #222; }}\n\n  p {{ margin: 0 }} {breakout}\n", encoding="utf-8")
    code, out = _validate(content)
    assert code == 1
    column = len("  p { margin: 0 } ") + breakout.lower().index("</style") + 1
    assert f"{css}:3:{column}: error[style-css]:" in out, out
    result = CliRunner().invoke(cli, ["build", str(content), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1 and "error[style-css]" in result.output
    assert not (tmp_path / "dist").exists()


def test_a_style_breakout_never_reaches_a_page_or_a_card_even_unvalidated(
    make_bank: MakeBank, styles_dir: Path
) -> None:
    """The study page and the note types read CSS through the same check, so a path
    that skips validate (a library caller) still cannot emit it."""
    from prepdeck.errors import BuildError
    from prepdeck.notetypes import QUESTION, note_type
    from prepdeck.site import render_site
    from prepdeck.validate import validate_content

    bank = validate_content(make_bank()).bank
    assert bank is not None
    (styles_dir / "site.css").write_text("</style><meta http-equiv=refresh>", encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        render_site(bank, style_dirs=[styles_dir])
    assert [(p.line, p.rule) for p in raised.value.problems] == [(1, "style-css")]
    (styles_dir / "site.css").unlink()
    (styles_dir / "anki.css").write_text("p{}\n</style><script>x</script>", encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        note_type(QUESTION, "tiny", [styles_dir])
    assert [(p.line, p.rule) for p in raised.value.problems] == [(2, "style-css")]


def test_css_may_use_a_less_than_sign_that_ends_nothing(
    make_bank: MakeBank, styles_dir: Path
) -> None:
    (styles_dir / "site.css").write_text(
        "@media (width < 600px) { .a::after { content: '<b>' } } /* a <style> */\n",
        encoding="utf-8",
    )
    assert _validate(make_bank())[0] == 0


@pytest.mark.parametrize("name", ["site.css", "anki.css", "anki-front.html"])
def test_a_style_file_that_is_not_utf8_is_caught_by_validate(
    make_bank: MakeBank, styles_dir: Path, name: str
) -> None:
    (styles_dir / name).write_bytes(b"p { color: red }\n.q { content: '\xe9t\xe9' }\n")
    code, out = _validate(make_bank())
    assert code == 1
    assert f"{styles_dir / name}:2:16: error[encoding]: not UTF-8: byte 0xe9" in out, out


@pytest.mark.parametrize(
    ("yaml", "line", "col", "message"),
    [
        ("sizes:\n  body: .nan\n", 2, 9, '"body" is not a number (.nan)'),
        ("quiz:\n  lines_min: 9\n  lines_max: 3\n", 2, 14, "lines_min (9) is more than"),
        (
            "papers:\n  square: {width_mm: 50, height_mm: 50}\n",
            2,
            3,
            'of paper "square" (50 x 50 mm) to print on',
        ),
        (
            "page:\n  margin_left_mm: 100\n  margin_right_mm: 80\n",
            1,
            1,
            'of paper "a4" (210 x 297 mm) to print on',
        ),
    ],
    ids=["nan", "lines", "paper", "margins"],
)
def test_validate_catches_every_pdf_yaml_value_build_would_reject(
    make_bank: MakeBank,
    styles_dir: Path,
    tmp_path: Path,
    yaml: str,
    line: int,
    col: int,
    message: str,
) -> None:
    content = make_bank()
    (styles_dir / "pdf.yaml").write_text(yaml, encoding="utf-8")
    code, out = _validate(content)
    assert code == 1, out
    assert "error[out-of-range]" in out and message in out, out
    # at the user's file, where the change was made (not the package's defaults)
    assert f"{styles_dir / 'pdf.yaml'}:{line}:{col}:" in out, out
    # and build says the same before it writes anything
    result = CliRunner().invoke(cli, ["build", str(content), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / "dist").exists()


# -- fonts: only regular files of a sane size, parsed in bounded time -----------------

SHIPPED_FONTS = Path(__file__).resolve().parent.parent / "src" / "prepdeck" / "styles" / "fonts"


def _cmap_bomb(path: Path) -> None:
    """DejaVu Sans with one cmap format 12 group widened to every 32-bit code point:
    reportlab walks each one (hours, and memory until the machine kills it)."""
    data = bytearray((SHIPPED_FONTS / "DejaVuSans.ttf").read_bytes())
    (tables,) = struct.unpack_from(">H", data, 4)
    for record in range(12, 12 + 16 * tables, 16):
        tag, _, cmap, _ = struct.unpack_from(">4sLLL", data, record)
        if tag == b"cmap":
            break
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    for record in range(cmap + 4, cmap + 4 + 8 * count, 8):
        (offset,) = struct.unpack_from(">L", data, record + 4)
        if struct.unpack_from(">H", data, cmap + offset)[0] == 12:
            struct.pack_into(">LL", data, cmap + offset + 16, 0, 0xFFFFFFFF)  # group 0
            break
    path.write_bytes(bytes(data))


def _hostile_font(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.ttf"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "sparse":
        with path.open("wb") as file:
            file.truncate(3 * 1024**3)  # 3 GiB, no blocks on disk
    elif kind == "truncated":
        path.write_bytes((SHIPPED_FONTS / "DejaVuSans.ttf").read_bytes()[:30000])
    elif kind == "folder":
        path.mkdir()
    else:
        _cmap_bomb(path)
    return path


FONT_CASES = {
    "fifo": "is a FIFO, not a font file",
    "dev-zero": "is a device, not a font file",
    "sparse": "is 3,221,225,472 bytes; the limit is",
    "truncated": "the file ends early (truncated?)",
    "folder": "is a folder, not a font file",
    "cmap-bomb": "its cmap (format 12) maps 4,294,9",
}


@pytest.mark.parametrize("kind", FONT_CASES)
def test_a_hostile_font_file_is_a_pdf_font_problem_at_its_chain_entry(
    make_bank: MakeBank, tmp_path: Path, kind: str
) -> None:
    content = make_bank()
    styles = tmp_path / "styles"
    styles.mkdir()
    font = _hostile_font(kind, tmp_path)
    (styles / "pdf.yaml").write_text(
        f"fonts:\n  body: [DejaVuSans, NotoEmoji]\n  code: [DejaVuSansMono, {font}]\n"
    )
    for command in (["validate"], ["build", "--out", str(tmp_path / "dist")]):
        # a real process with a time limit: before the fix a FIFO blocked forever
        result = subprocess.run(
            [sys.executable, "-m", "prepdeck", *command, str(content)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        where = f"{styles / 'pdf.yaml'}:3:{len('  code: [DejaVuSansMono, ') + 1}"
        assert f"{where}: error[pdf-font]:" in result.stdout, result.stdout
        assert FONT_CASES[kind] in result.stdout, result.stdout
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("kind", FONT_CASES)
def test_the_build_reads_fonts_through_the_same_checks(tmp_path: Path, kind: str) -> None:
    """register_fonts, the build's own reading of the chain, also refuses (as a
    BuildError naming the file), for a caller that skipped validate."""
    font = _hostile_font(kind, tmp_path)
    (tmp_path / "pdf.yaml").write_text(f"fonts:\n  body: [{font}]\n")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from prepdeck.errors import BuildError\n"
        "from prepdeck.pdf.fonts import register_fonts\n"
        "from prepdeck.pdf.style import load_style\n"
        "try:\n"
        f"    register_fonts(load_style([Path({str(tmp_path)!r})]))\n"
        "except BuildError as exc:\n"
        "    print('\\n'.join(str(p) for p in exc.problems)); sys.exit(1)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stderr
    assert "error[pdf-font]" in result.stdout and FONT_CASES[kind] in result.stdout


# -- small things -----------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2026-02-30", "2025-02-29", "2026-04-31"])
def test_a_reviewed_date_that_does_not_exist_is_refused(make_bank: MakeBank, day: str) -> None:
    from conftest import BANK_YAML

    content = make_bank(bank__yaml=BANK_YAML + f'reviewed: "{day}"\n')
    code, out = _validate(content)
    assert code == 1
    line = BANK_YAML.count("\n") + 1
    assert f"bank.yaml:{line}:11: error[date-format]: " in out, out
    assert f"'{day}', a day that does not exist" in out


def test_a_leap_day_is_a_day(make_bank: MakeBank) -> None:
    from conftest import BANK_YAML

    assert _validate(make_bank(bank__yaml=BANK_YAML + 'reviewed: "2028-02-29"\n'))[0] == 0


# -- full and read-only file systems: real ones, mounted for the test -------------------


class TinyFs:
    """A tmpfs of `size` bytes mounted on a folder: a disk that really fills up."""

    def __init__(self, where: Path, size: int) -> None:
        self.where = where
        where.mkdir(parents=True, exist_ok=True)
        mount = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)]
        try:
            result = subprocess.run(mount, capture_output=True, text=True, timeout=30)
        except FileNotFoundError:
            pytest.skip("no mount command on this machine")
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs (needs root): {result.stderr.strip()}")

    def fill(self) -> None:
        """Take every free byte, so the next write fails with ENOSPC."""
        fd = os.open(self.where / ".filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (1 << 16, 1 << 12, 1):  # big steps, then the last partial block
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError:
                    pass
        finally:
            os.close(fd)

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.where)], check=True)

    def resize(self, size: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.where)], check=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.where)], check=False)


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Callable[[Path, int], TinyFs]]:
    mounted: list[TinyFs] = []

    def mount(where: Path, size: int = 256 * 1024) -> TinyFs:
        fs = TinyFs(where, size)
        mounted.append(fs)
        return fs

    yield mount
    for fs in reversed(mounted):
        fs.unmount()


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".filler")
    }


@pytest.mark.parametrize("jobs", ["1", "2"])  # in this process, and beside forked workers
def test_a_full_disk_in_the_content_folder_names_the_lock_not_dist(
    make_bank: MakeBank, tmp_path: Path, tiny_fs: Callable[[Path, int], TinyFs], jobs: str
) -> None:
    from conftest import BANK_YAML, BASICS_YAML, DEEP_YAML

    bank = tmp_path / "bank"
    fs = tiny_fs(bank, 256 * 1024)
    content = bank / "content"
    content.mkdir()
    for name, text in (("bank", BANK_YAML), ("basics", BASICS_YAML), ("deep", DEEP_YAML)):
        (content / f"{name}.yaml").write_text(text, encoding="utf-8")
    dist = tmp_path / "dist"  # on the roomy disk: only the lock's folder is full
    fs.fill()
    before = _tree(bank)
    targets = ["--target", "anki", "--target", "site"]
    result = CliRunner().invoke(
        cli, ["build", str(content), "--out", str(dist), *targets, "--jobs", jobs]
    )
    assert result.exit_code == 1, result.output
    lock = content / "prepdeck.lock"
    assert f"{lock}:1:1: error[cannot-write]: cannot write {lock}: No space left" in result.output
    assert f"cannot write {dist}" not in result.output
    assert _tree(bank) == before  # nothing half-written, no temporary file left
    assert not dist.exists() or list(dist.iterdir()) == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_in_dist_names_the_artifact_being_written(
    make_bank: MakeBank, tmp_path: Path, tiny_fs: Callable[[Path, int], TinyFs], jobs: str
) -> None:
    """write() on a full disk names no file; the artifact it was writing is named, also
    when a worker process wrote it (the name comes back with the error)."""
    content = make_bank()
    dist = tmp_path / "dist"
    fs = tiny_fs(dist, 256 * 1024)
    fs.fill()
    before = _tree(content.parent)
    targets = ["--target", "anki", "--target", "site"]
    result = CliRunner().invoke(
        cli, ["build", str(content), "--out", str(dist), *targets, "--jobs", jobs]
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    named = re.search(r"error\[cannot-write\]: cannot write (\S+): No space left", result.output)
    assert named, result.output
    assert Path(named.group(1)).parent == dist, result.output  # a file in dist, not dist
    assert Path(named.group(1)).suffix in (".apkg", ".html"), result.output
    assert _tree(content.parent) == before  # the lock untouched
    assert _tree(dist) == {}  # no artifact, no temporary file


def test_init_on_a_read_only_disk_is_a_clean_error_that_writes_nothing(
    tmp_path: Path, tiny_fs: Callable[[Path, int], TinyFs]
) -> None:
    fs = tiny_fs(tmp_path / "disk", 1024 * 1024)
    fs.read_only()
    result = CliRunner().invoke(cli, ["init", str(fs.where / "bank")])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert "Traceback" not in result.output
    assert "Read-only file system; nothing was written" in result.output, result.output
    assert list(fs.where.iterdir()) == []


def test_init_on_a_full_disk_leaves_nothing_and_a_rerun_works(
    tmp_path: Path, tiny_fs: Callable[[Path, int], TinyFs]
) -> None:
    fs = tiny_fs(tmp_path / "disk", 40 * 1024)  # less than the bank needs
    bank = fs.where / "bank"
    for where in (bank, fs.where):  # a folder init creates, and one that exists
        result = CliRunner().invoke(cli, ["init", str(where), "--slug", "k8s"])
        assert result.exit_code == 1, result.output
        assert "No space left on device; nothing was written" in result.output, result.output
        assert list(fs.where.iterdir()) == []  # no file, no folder, no temporary
    fs.resize(4 * 1024 * 1024)
    result = CliRunner().invoke(cli, ["init", str(bank), "--slug", "k8s"])
    assert result.exit_code == 0, result.output
    assert _validate(bank / "content")[0] == 0


@pytest.mark.parametrize(
    ("title", "why"),
    [
        ("<b>x</b>", "HTML markup"),
        ("A::B", "subdeck separator"),
        ("a\x07b", "control character"),
        ("two\nlines", "more than one line"),
        ("\u0645\u0631\u062d\u0628\u0627", "Arabic text"),
    ],
)
def test_init_refuses_a_title_that_would_not_validate_as_a_usage_error(
    tmp_path: Path, title: str, why: str
) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "bank"), "--title", title])
    assert result.exit_code == 2, result.output
    assert f"--title {title!r} cannot be used: " in result.output and why in result.output
    assert not (tmp_path / "bank").exists()


@pytest.mark.parametrize("title", ["Fine & Dandy <3", "K8s: \"pods\" 'n' #tags", "Grüße ✓"])
def test_init_with_an_unusual_title_writes_a_bank_that_validates(
    tmp_path: Path, title: str
) -> None:
    from prepdeck.load import load_document

    result = CliRunner().invoke(cli, ["init", str(tmp_path / "bank"), "--title", title])
    assert result.exit_code == 0, result.output
    content = tmp_path / "bank" / "content"
    assert _validate(content)[0] == 0
    assert load_document(content / "bank.yaml").data["title"] == title


def test_schema_write_to_a_read_only_folder_or_dev_null_is_a_clean_error(
    tmp_path: Path, tiny_fs: Callable[[Path, int], TinyFs]
) -> None:
    fs = tiny_fs(tmp_path / "disk", 1024 * 1024)
    (fs.where / "schemas").mkdir()
    fs.read_only()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for where, code, message in (
        (fs.where / "schemas", 1, "Read-only file system; nothing was written"),
        (fs.where / "new", 1, "cannot create"),
        (Path("/dev/null"), 1, "/dev/null: it is not a folder"),
        (a_file, 2, "is a file"),  # click's own check of the option: a usage error
    ):
        result = CliRunner().invoke(cli, ["schema", "--write", str(where)])
        assert result.exit_code == code, (where, result.output)
        assert isinstance(result.exception, SystemExit), result.exception
        assert message in result.output, result.output
    assert a_file.read_text() == "x"
    assert Path("/dev/null").is_char_device()


def test_every_test_the_reliability_table_names_exists() -> None:
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Reliability", 1)[1].split("\n\n| Promise", 1)[1].split("\n\n")[0]
    named = set(re.findall(r"`(test_\w+)`", table))
    assert len(named) > 20
    defined = {
        name
        for path in (root / "tests").glob("test_*.py")
        for name in re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), re.M)
    }
    assert named - defined == set()


def test_preview_lists_a_style_breakout_in_a_page_of_the_default_styles(
    make_bank: MakeBank, styles_dir: Path
) -> None:
    from prepdeck.preview import Preview

    breakout = '</style><meta http-equiv=refresh content="0;url=https://evil.example">'
    (styles_dir / "site.css").write_text(f"body {{ color: #222 }}\n{breakout}\n")
    server = Preview(make_bank(), style_dirs=[styles_dir], poll_seconds=60)
    try:
        snapshot = server.snapshot
        assert not snapshot.ok
        assert [(p.line, p.rule) for p in snapshot.problems] == [(2, "style-css")]
        page = snapshot.html.decode()
        assert "error[style-css]" in page and "http-equiv=refresh" not in page
    finally:
        server.close()
