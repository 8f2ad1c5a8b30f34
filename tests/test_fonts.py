# ruff: noqa: RUF001 - this file is about the characters ruff finds ambiguous
"""Fonts: the fallback chain, the `pdf-glyph` rule in validate, and the proof that a
bank with arrows, Greek, Cyrillic, check marks and emoji prints (issue 11), read
back with poppler (pdftotext, pdffonts) and pikepdf."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pikepdf
import pytest
import reportlab
from click.testing import CliRunner

from conftest import MakeBank, tool
from prepdeck import fontchain, fontspec
from prepdeck.cli import cli
from prepdeck.fontspec import parse_fonts
from prepdeck.validate import validate_content

VERA = Path(reportlab.__file__).parent / "fonts"
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # Debian fonts-wqy-microhei
PROOF = "→ λ Ж ✓ ⚠ 🔒 ✅"
GERMAN = "Größe, Übermaß und Fußgänger prüfen äußerst gründlich."
GREEK = "Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο."
RUSSIAN = "Съешь же ещё этих мягких французских булок, да выпей чаю."


def default_chains() -> fontchain.Chains:
    return fontchain.chains_for(parse_fonts(_default_fonts()), ())


def _default_fonts() -> object:
    from prepdeck.style_folders import read_yaml

    return read_yaml("pdf.yaml", (), "pdf")[0]["fonts"]


def vera_styles(folder: Path) -> Path:
    """A style that narrows the body chain to Bitstream Vera (reportlab's own copy),
    a real font without arrows, Greek, Cyrillic, check marks or emoji."""
    folder.mkdir(exist_ok=True)
    (folder / "pdf.yaml").write_text(
        textwrap.dedent(f"""\
            fonts:
              body: [Vera]
              families:
                Vera:
                  regular: {VERA / "Vera.ttf"}
                  bold: {VERA / "VeraBd.ttf"}
                  italic: {VERA / "VeraIt.ttf"}
                  bold_italic: {VERA / "VeraBI.ttf"}
            """),
        encoding="utf-8",
    )
    return folder


# -- the chain -----------------------------------------------------------------------


def test_shipped_coverage_index_is_current() -> None:
    """validate reads the shipped fonts' cmaps from coverage.json; it must match the
    fonts (regenerate: python -m prepdeck.fontchain > .../coverage.json)."""
    shipped = json.loads(fontchain.INDEX_FILE.read_text(encoding="utf-8"))
    fonts = sorted(fontchain.FONTS_DIR.glob("*.ttf"))
    assert len(fonts) == 10
    assert shipped == json.loads(json.dumps(fontchain.build_index(fonts)))


def test_default_chain_covers_the_issue_ranges() -> None:
    chains = default_chains()
    sample = (
        PROOF + GERMAN + GREEK + RUSSIAN
        + "ĄąŁłŐőŠšŽžÇçĞğİıØøÅåÆæÞþ"  # Latin for every European language
        + "←↑↓↔⇒⇔∀∃∈∉∑∏√∞≈≠≤≥⊂⊆∧∨"  # arrows, mathematical operators
        + "─│┌┐└┘├┤┬┴┼═║"  # box drawing
        + "–—‘’“”„…•‰′″‹›€"  # general punctuation
        + "✓✗⚠★☐☑"  # common symbols
    )  # fmt: skip
    for chain in chains.all_chains():
        assert chain.missing(sample) == [], chain.families
    # each face in the chain is a real face, not the regular one slanted
    body = {
        v: chains.chain("body", v in ("bold", "bold_italic"), "italic" in v) for v in fontspec.FACES
    }
    assert [body[v].faces[0].name for v in fontspec.FACES] == [
        "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Italic", "DejaVuSans-BoldItalic",
    ]  # fmt: skip
    code = chains.chain("code", italic=True)
    assert code.families == "DejaVuSansMono, DejaVuSans, NotoEmoji"


def test_runs_pick_the_first_font_that_has_each_character() -> None:
    chain = default_chains().chain("body")
    assert chain.runs("plain text") == [("DejaVuSans", "plain text")]
    assert chain.runs("lock 🔒 it → ✅") == [
        ("DejaVuSans", "lock "),
        ("NotoEmoji", "🔒"),
        ("DejaVuSans", " it → "),
        ("NotoEmoji", "✅"),
    ]
    # emoji presentation selector and zero-width joiner are dropped, not errors
    assert chain.runs("✅\ufe0f ok 👩\u200d💻") == [
        ("NotoEmoji", "✅"),
        ("DejaVuSans", " ok "),
        ("NotoEmoji", "👩💻"),
    ]
    assert chain.missing("✅\ufe0f 👩\u200d💻 \u200b") == []
    assert default_chains().chain("body", bold=True).runs("🔒") == [("NotoEmoji-Bold", "🔒")]
    # no italic emoji: the italic faces share the regular file, registered once
    assert default_chains().chain("body", italic=True).runs("🔒") == [("NotoEmoji", "🔒")]


def test_one_family_class_carries_a_family_through_every_stage() -> None:
    """pdf.yaml's file names, the files found, the registered face names: each stage
    is a `fontspec.Family` of four faces, and a face pdf.yaml leaves out takes the
    file (and so the registered name) it defaults to."""
    fonts = parse_fonts(_default_fonts())
    emoji = fonts.body[1]
    assert emoji == fontspec.Family(
        "NotoEmoji",
        "NotoEmoji-Regular.ttf",
        "NotoEmoji-Bold.ttf",
        "NotoEmoji-Regular.ttf",  # no italic: the regular face
        "NotoEmoji-Bold.ttf",  # no bold italic: the bold face
    )
    (files,) = fontchain.families_of([emoji], ())
    assert files.faces == tuple(fontchain.FONTS_DIR / name for name in emoji.faces)
    assert files.face(bold=True, italic=True) == fontchain.FONTS_DIR / "NotoEmoji-Bold.ttf"
    names = fontchain.face_names(files)
    assert names.faces == ("NotoEmoji", "NotoEmoji-Bold", "NotoEmoji", "NotoEmoji-Bold")
    assert [names[face] for face in fontspec.FACES] == list(names.faces)
    (sans,) = fontchain.families_of(fonts.body[:1], ())
    assert fontchain.face_names(sans) == fontspec.Family(
        "DejaVuSans", "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Italic", "DejaVuSans-BoldItalic"
    )


def test_complex_scripts_are_refused_by_name() -> None:
    """DejaVu Sans has Arabic and Hebrew letters, but reportlab would set them
    left to right and unjoined: they are reported, naming the script."""
    chains = default_chains()
    chain = chains.chain("body")
    arabic, hebrew, hindi = "مرحبا", "שלום", "नमस्ते"
    assert chain.missing(arabic) == list(arabic)
    assert chain.missing(hebrew) == list(hebrew)
    message = fontchain.explain([(c, chain) for c in arabic + hebrew + hindi])
    assert "Arabic text (U+0645, U+0631, U+062D, ...) cannot be printed: right-to-left" in message
    assert "Hebrew text" in message
    assert "Devanagari text" in message and "needs shaping" in message


def test_describe_names_invisible_characters() -> None:
    assert fontchain.describe("→") == 'U+2192 RIGHTWARDS ARROW "→"'
    assert fontchain.describe("\ufe0f") == "U+FE0F VARIATION SELECTOR-16"
    assert fontchain.describe("\u200b") == "U+200B ZERO WIDTH SPACE"
    assert fontchain.describe("\x07") == "U+0007 control character"


def test_a_missing_font_file_is_a_problem_not_a_traceback(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.yaml").write_text("fonts:\n  body: [DejaVuSans, Nope.ttf]\n")
    result = validate_content(make_bank(), pdf_styles=(styles,))
    (problem,) = result.problems
    assert (problem.path, problem.rule) == (str(styles / "pdf.yaml"), "pdf-font")
    assert "font file 'Nope.ttf' not found" in problem.message


def test_an_unknown_chain_entry_is_a_style_problem(make_bank: MakeBank, tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.yaml").write_text("fonts:\n  body: [DejaVuSans, Helvetica]\n")
    (problem,) = validate_content(make_bank(), pdf_styles=(styles,)).problems
    assert (problem.rule, problem.line, problem.column) == ("pdf-style", 2, 22)  # the entry
    assert "fonts.body[1]: 'Helvetica' is neither a family under fonts.families" in problem.message


# -- the rule in validate -----------------------------------------------------------------


NARROW_BASICS = """\
tier: basics
questions:
  - id: first-question
    question: What does → mean?
    hint: It maps λ to Ж.
    key_points:
      - Plain
      - "**Bold** ✓ and 🔒"
    answer: |
      An arrow → points.

      - ✓ done
    tags: [secrets]
    refs: [owasp]
  - id: second-question
    question: What is CI?
    hint: "Emoji with a selector ✅\\ufe0f and a joiner 👩\\u200d💻 are fine"
    key_points: [Build, Test]
    answer: Builds and tests on every push.
    tags: [ci-cd]
    refs: []
"""


def test_default_chain_prints_everything(make_bank: MakeBank) -> None:
    assert validate_content(make_bank(basics__yaml=NARROW_BASICS)).problems == []


def test_narrow_chain_one_problem_per_field_at_its_line(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    root = make_bank(basics__yaml=NARROW_BASICS)
    result = validate_content(root, pdf_styles=(vera_styles(tmp_path / "styles"),))
    found = [(Path(p.path).name, p.line, p.column, p.rule) for p in result.problems]
    # each at the line and column of the field's first character no font has
    assert found == [
        ("basics.yaml", 4, 25, "pdf-glyph"),  # question: the arrow
        ("basics.yaml", 5, 19, "pdf-glyph"),  # hint: the lambda
        ("basics.yaml", 8, 19, "pdf-glyph"),  # key_points[1]: the check mark
        ("basics.yaml", 10, 16, "pdf-glyph"),  # answer: in the block, not at its "|"
        ("basics.yaml", 17, 34, "pdf-glyph"),  # hint: the emoji, not the selector or joiner
    ]
    messages = [p.message for p in result.problems]
    assert messages[0] == (
        'question: cannot print U+2192 RIGHTWARDS ARROW "→": no font in the PDF chain (Vera) has it'
    )
    assert messages[1] == (
        'hint: cannot print U+03BB GREEK SMALL LETTER LAMDA "λ", '
        'U+0416 CYRILLIC CAPITAL LETTER ZHE "Ж": no font in the PDF chain (Vera) has them'
    )
    assert messages[2].startswith('key_points[1]: cannot print U+2713 CHECK MARK "✓", U+1F512 LOCK')
    assert "VARIATION SELECTOR" not in messages[4] and "JOINER" not in messages[4]
    # a character in a longer word is quoted with it, so the author can search for it
    assert 'U+1F469 WOMAN "👩" in "👩\u200d💻"' in messages[4]


def test_a_glyph_problem_quotes_the_word_and_finds_its_line_in_a_folded_answer(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    basics = NARROW_BASICS.replace(
        "    answer: Builds and tests on every push.",
        "    answer: >\n      Builds and tests\n      on every push, from\n      main→release.",
    )
    result = validate_content(make_bank(basics__yaml=basics))
    assert result.problems == []  # the default chain has the arrow
    result = validate_content(
        make_bank(basics__yaml=basics), pdf_styles=(vera_styles(tmp_path / "s"),)
    )
    [problem] = [p for p in result.problems if p.line > 18]  # the second question's answer
    assert (problem.line, problem.column) == (22, 11)  # folded: found by its word
    assert 'U+2192 RIGHTWARDS ARROW "→" in "main→release"' in problem.message


def test_invisible_character_no_font_has_is_named(make_bank: MakeBank, tmp_path: Path) -> None:
    # a private-use character, as pasted from an icon font
    basics = NARROW_BASICS.replace("What is CI?", '"What is\\ue000 CI?"')
    result = validate_content(make_bank(basics__yaml=basics))
    (problem,) = result.problems
    assert (problem.line, problem.column) == (16, 15)  # the character, escaped: the field
    assert problem.message == (
        'question: cannot print U+E000 private-use character in "is\ue000": no font in the '
        "PDF chain (DejaVuSans, NotoEmoji) has it"
    )


def test_bank_fields_are_checked_at_their_lines(make_bank: MakeBank, tmp_path: Path) -> None:
    from conftest import BANK_YAML

    bank = BANK_YAML.replace("title: Tiny Bank", "title: Tiny → Bank").replace(
        "name: Deep", "name: Deep ✓"
    )
    result = validate_content(make_bank(bank__yaml=bank), pdf_styles=(vera_styles(tmp_path / "s"),))
    assert [(p.line, p.message.split(":")[0]) for p in result.problems] == [
        (1, "title"),
        (12, "tiers[1].name"),
    ]


def test_arabic_is_an_error_naming_the_script(make_bank: MakeBank) -> None:
    basics = NARROW_BASICS.replace("What is CI?", "What is مرحبا?")
    (problem,) = validate_content(make_bank(basics__yaml=basics)).problems
    assert problem.rule == "pdf-glyph"
    assert problem.message.startswith(
        'question: Arabic text "مرحبا" (U+0645, U+0631, U+062D, ...) cannot be printed'
    )
    assert (problem.line, problem.column) == (16, 23)


def test_cli_validate_uses_the_styles_and_exits_1(make_bank: MakeBank, tmp_path: Path) -> None:
    root = make_bank(basics__yaml=NARROW_BASICS)
    # Not the bank's own styles/ (beside its content folder), which a build would use
    # without --styles.
    styles = vera_styles(tmp_path / "vera-styles")
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(root), "--styles", str(styles)])
    assert result.exit_code == 1
    assert result.output.count("error[pdf-glyph]") == 5
    assert runner.invoke(cli, ["validate", str(root)]).exit_code == 0
    # an Anki-only build needs no PDF font
    out = tmp_path / "dist"
    anki = runner.invoke(
        cli,
        ["build", str(root), "--styles", str(styles), "--target", "anki", "--out", str(out), "-q"],
    )
    assert anki.exit_code == 0, anki.output
    booklet = runner.invoke(
        cli,
        ["build", str(root), "--styles", str(styles), "--target", "booklet", "--out", str(out)],
    )
    assert booklet.exit_code == 1 and "error[pdf-glyph]" in booklet.output


@pytest.mark.parametrize(
    ("targets", "code"),
    [(["site"], 0), (["anki", "site"], 0), (["site", "quiz"], 1), ([], 1)],
)
def test_the_glyph_check_runs_only_when_a_pdf_is_built(
    make_bank: MakeBank, tmp_path: Path, targets: list[str], code: int
) -> None:
    # Arabic and CJK show in Anki and the page (the device's fonts); only a PDF cannot
    basics = NARROW_BASICS.replace("What is CI?", "What is مرحبا or 锁?")
    root = make_bank(basics__yaml=basics)
    args = ["build", str(root), "--out", str(tmp_path / "dist"), "--jobs", "1"]
    result = CliRunner().invoke(cli, [*args, *(a for t in targets for a in ("--target", t))])
    assert result.exit_code == code, result.output
    assert ("error[pdf-glyph]" in result.output) == (code == 1)
    if code == 0:
        page = (tmp_path / "dist" / "tiny.html").read_text(encoding="utf-8")
        assert "مرحبا or 锁" in page


# -- the proof: a bank that prints --------------------------------------------------------


PROOF_BANK = f"""\
title: Unicode Proof
slug: unicode-proof
version: 1.0.0
description: "Symbols {PROOF} in a bank."
author: Tests
license: CC-BY-4.0
tiers:
  - id: basics
    name: Basics
    expected: 1
topics:
  - {{id: secrets, name: Secrets}}
references:
  - key: owasp
    title: OWASP
    url: https://owasp.org/
"""

PROOF_TIER = f"""\
tier: basics
questions:
  - id: symbols
    question: "Which of {PROOF} means locked?"
    hint: "🔒 is locked, ✅\\ufe0f is done, ⚠ is a warning."
    key_points:
      - "**Bold {PROOF}** and *italic {PROOF}*"
      - "Code: `a → b ✓ 🔒`"
    answer: |
      German: {GERMAN}

      Greek: {GREEK}

      Russian: {RUSSIAN}

      ```text
      status → ✓ locked 🔒
      ```

      | Sign | Means → |
      |------|---------|
      | ✓ | done 🔒 |
    tags: [secrets]
    refs: [owasp]
"""


def pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run([tool("pdffonts"), str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


@pytest.mark.slow
def test_proof_bank_builds_every_artifact_and_prints_every_character(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "bank.yaml").write_text(PROOF_BANK, encoding="utf-8")
    (content / "basics.yaml").write_text(PROOF_TIER, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["validate", str(content)]).exit_code == 0
    builds = []
    for name in ("a", "b"):
        result = runner.invoke(
            cli,
            ["build", str(content), "--out", str(tmp_path / name), "-q"],
            env={"SOURCE_DATE_EPOCH": "1767225600"},
        )
        assert result.exit_code == 0, result.output
        builds.append(sorted((tmp_path / name).iterdir()))
    names = [p.name for p in builds[0]]
    assert names == [
        "unicode-proof-cards.pdf",
        "unicode-proof-quiz.pdf",
        "unicode-proof.apkg",
        "unicode-proof.html",
        "unicode-proof.pdf",
    ]
    for first, second in zip(*builds, strict=True):  # byte-reproducible
        assert first.read_bytes() == second.read_bytes(), first.name
    booklet = tmp_path / "a" / "unicode-proof.pdf"
    text = subprocess.run(
        [tool("pdftotext"), str(booklet), "-"], capture_output=True, text=True, check=True
    ).stdout
    for char in PROOF.split():
        assert char in text, char
    for sentence in (GERMAN, GREEK, RUSSIAN):
        assert sentence in " ".join(text.split())
    for layout in ("unicode-proof.pdf", "unicode-proof-quiz.pdf", "unicode-proof-cards.pdf"):
        rows = pdffonts(tmp_path / "a" / layout)
        assert rows
        for row in rows:  # name type encoding emb sub uni ...
            assert row[0][:7].isupper() and row[0][6] == "+", row  # a subset tag
            assert row[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, ToUnicode
        faces = {row[0].split("+", 1)[1] for row in rows}
        assert {"DejaVuSans", "NotoEmoji-Regular"} <= faces, faces
    with pikepdf.open(booklet) as pdf:
        assert pdf.check_pdf_syntax() == []


@pytest.mark.slow
@pytest.mark.skipif(not WQY.is_file(), reason="needs Debian's fonts-wqy-microhei (.ci/run)")
def test_one_line_adds_a_cjk_font(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "bank.yaml").write_text(PROOF_BANK, encoding="utf-8")
    tier = PROOF_TIER.replace("means locked?", "means locked? 哪个是锁？")
    (content / "basics.yaml").write_text(tier, encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli, ["validate", str(content)])
    assert refused.exit_code == 1
    assert 'U+9501 CJK UNIFIED IDEOGRAPH-9501 "锁"' in refused.output
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.yaml").write_text(f"fonts:\n  body: [DejaVuSans, NotoEmoji, {WQY}]\n")
    out = tmp_path / "dist"
    built = runner.invoke(
        cli, ["build", str(content), "--styles", str(styles), "--out", str(out), "-q"]
    )
    assert built.exit_code == 0, built.output
    booklet = out / "unicode-proof.pdf"
    text = subprocess.run(
        [tool("pdftotext"), str(booklet), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "哪个是锁？" in text
    faces = {row[0].split("+", 1)[1] for row in pdffonts(booklet)}
    assert "WenQuanYiMicroHei-0" in faces


def test_paragraph_markup_tags_only_the_fallback_runs() -> None:
    """Paragraph markup: each run is split by the chain, then escaped, then tagged;
    reportlab picks the family's bold or italic face inside <b> and <i>."""
    from prepdeck.pdf.common import make_kit

    kit = make_kit(())
    assert kit.markup("plain a < b") == "plain a &lt; b"
    assert kit.markup("**lock 🔒** & `x → ✅ <y>`") == (
        '<b>lock <font face="NotoEmoji">🔒</font></b> &amp; '
        '<font face="DejaVuSansMono">x → <font face="NotoEmoji">✅</font> &lt;y&gt;</font>'
    )
    assert kit.markup("done ✅\ufe0f") == 'done <font face="NotoEmoji">✅</font>'


def test_preview_uses_the_banks_styles_and_needs_no_pdf_font(tmp_path: Path) -> None:
    from prepdeck.preview import Preview

    content = tmp_path / "content"
    content.mkdir()
    (content / "bank.yaml").write_text(PROOF_BANK, encoding="utf-8")
    tier = PROOF_TIER.replace("means locked?", "means locked? 哪个是锁？")
    (content / "basics.yaml").write_text(tier, encoding="utf-8")
    styles = tmp_path / "styles"  # the bank's own: a page style and a CJK font for the PDFs
    styles.mkdir()
    (styles / "site.css").write_text(".pd { --bank-mark: 1; }\n")
    (styles / "pdf.yaml").write_text(f"fonts:\n  body: [DejaVuSans, NotoEmoji, {WQY}]\n")
    for folders in (None, [styles]):
        server = Preview(content, style_dirs=folders)
        try:
            snapshot = server.snapshot
        finally:
            server.close()
        assert snapshot.ok, snapshot.problems
        page = snapshot.html.decode("utf-8")
        assert "哪个是锁？" in page and "--bank-mark: 1" in page
    (styles / "pdf.yaml").unlink()  # without the font: the page still shows (no PDF here)
    server = Preview(content)
    server.close()
    assert server.snapshot.ok, server.snapshot.problems


def test_both_glyph_checks_walk_the_same_printed_fields(
    make_bank: MakeBank, tmp_path: Path
) -> None:
    """The check before a build (on the YAML) and the one a layout runs (on the model)
    flag the same fields: `printed.py` is the one list both walk."""
    from conftest import BANK_YAML
    from prepdeck import printed
    from prepdeck.artifacts import BuildOptions
    from prepdeck.errors import BuildError
    from prepdeck.pdf.booklet import write_booklet

    mark = "✓"
    bank = (
        BANK_YAML.replace("title: Tiny Bank", f"title: Tiny {mark}")
        .replace("description: A bank for tests.", f"description: A {mark} bank.")
        .replace("author: Tests", f"author: Tests {mark}")
        .replace("license: CC-BY-4.0", f"license: CC-BY-4.0 {mark}")
        .replace("name: Deep", f"name: Deep {mark}")
        .replace("title: OWASP", f"title: OWASP {mark}")
        .replace("url: https://owasp.org/", f"url: https://owasp.org/{mark}")
    )
    basics = NARROW_BASICS.replace("→", mark).replace("λ", mark)
    root = make_bank(bank__yaml=bank, basics__yaml=basics)
    styles = vera_styles(tmp_path / "styles")
    before = validate_content(root, pdf_styles=(styles,))
    labels = {p.message.split(":")[0] for p in before.problems if p.rule == "pdf-glyph"}
    # the rule names fields by their YAML path; every key of the list is among them
    keys = {f.key for f in printed.BANK_FIELDS if f.key != "version"}  # semver: ASCII only
    keys |= {f.key for fields in printed.ENTRY_FIELDS.values() for f in fields}
    keys |= {f.key for f in printed.QUESTION_FIELDS}
    assert {label.split(".")[-1].split("[")[0] for label in labels} == keys
    model = validate_content(root).bank  # the default chain prints it all
    assert model is not None
    options = BuildOptions(timestamp=1767225600, content_dir=root, style_dirs=(styles,))
    with pytest.raises(BuildError) as caught:
        write_booklet(model, tmp_path / "b.pdf", options)
    during = {p.message.split(":")[0] for p in caught.value.problems}
    # the layout's labels name the same fields: bank <key>, <section>[i].<key>, question ..
    found = set()
    for label in during:
        if label.startswith("bank "):
            found.add(label.removeprefix("bank "))
        elif label.startswith("question "):
            found.add(label.split("field ")[1].split(" ")[0])
        else:
            found.add(label.split(".")[-1])
    assert found == keys
