"""`prepdeck init`: a new bank that validates and builds as it stands, from anywhere;
files it will not overwrite; schemas its `$schema` comments find; a CI workflow the
linters pass; and styles that travel with the bank."""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from PIL import Image
from pypdf import PdfReader

from conftest import ROOT, run, tool
from prepdeck import init as init_module
from prepdeck.init import STARTER_FILES, planned_files, slug_from_name
from prepdeck.schema import schema
from prepdeck.schemas import DOCUMENT_KINDS
from prepdeck.style_folders import read_yaml
from prepdeck.text import (
    Code,
    CodeBlock,
    Emphasis,
    Link,
    MarkdownImage,
    MarkdownList,
    MarkdownParagraph,
    MarkdownTable,
    Strong,
    parse_blocks,
)
from test_workflows import actionlint, load, zizmor

WORKFLOW = ".github/workflows/prepdeck.yml"
EPOCH = "1767225600"


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    root = tmp_path / "K8s Security"
    code, _, stderr = run("init", str(root))
    assert code == 0, stderr
    return root


def test_init_writes_every_file_and_says_what_next(tmp_path: Path) -> None:
    root = tmp_path / "new-bank"
    code, stdout, stderr = run("init", str(root), "--slug", "k8s-security")
    assert code == 0
    written = sorted(Path(line).relative_to(root).as_posix() for line in stdout.splitlines())
    expected = {*STARTER_FILES, *(f"schemas/{kind}.schema.json" for kind in DOCUMENT_KINDS)}
    assert written == sorted(expected)
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == sorted(
        expected
    )
    assert "'k8s-security' is ready" in stderr and "prepdeck validate" in stderr
    bank_yaml = yaml.safe_load((root / "content/bank.yaml").read_text())
    assert bank_yaml["slug"] == "k8s-security"
    assert bank_yaml["title"] == "K8s Security Interview Questions"
    assert bank_yaml["version"] == "0.1.0"
    assert len(bank_yaml["tiers"]) == 2 and len(bank_yaml["references"]) == 1


def test_slug_comes_from_the_folder_name(bank: Path) -> None:
    assert slug_from_name("K8s Security") == "k8s-security"
    assert yaml.safe_load((bank / "content/bank.yaml").read_text())["slug"] == "k8s-security"


def test_validate_and_build_from_another_folder(
    bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    content, dist = bank / "content", bank / "dist"
    code, stdout, stderr = run("validate", str(content), "--strict")
    assert (code, stdout) == (0, "")
    assert stderr == f"{content}: valid\n"  # not even a warning

    code, stdout, stderr = run(
        "build", str(content), "--out", str(dist), env={"SOURCE_DATE_EPOCH": EPOCH}
    )
    assert code == 0, stdout + stderr
    names = ["k8s-security.apkg", "k8s-security.pdf", "k8s-security-quiz.pdf"]
    names += ["k8s-security-cards.pdf", "k8s-security.html"]
    assert [Path(line.split("  ")[0]).name for line in stdout.splitlines()] == names
    assert f"styles:  {bank / 'styles'} over prepdeck's defaults" in stderr.splitlines()
    assert "cards:   4 cards, 1 double-sided sheet (2 x 2 per side), a4" in stderr
    assert (content / "prepdeck.lock").is_file()
    assert not (elsewhere / "dist").exists() and not list(elsewhere.iterdir())

    png = (content / "media/pipeline.png").read_bytes()
    with zipfile.ZipFile(dist / names[0]) as apkg:
        assert {"collection.anki2", "media"} <= set(apkg.namelist())
        media = json.loads(apkg.read("media"))
        assert [apkg.read(number) for number in media] == [png]  # the example's image
    booklet = PdfReader(dist / names[1])
    text = "".join(page.extract_text() for page in booklet.pages)
    assert "K8s Security Interview Questions" in text
    assert "What does each field of a question hold" in text
    layout = subprocess.run(
        [tool("pdftotext"), "-layout", str(dist / names[1]), "-"], capture_output=True, text=True
    ).stdout.splitlines()
    code_lines = [
        line.strip() for line in layout if "[basics]" in line or "[commonmark-help]" in line
    ]
    assert code_lines == ["tags: [basics]", "refs: [commonmark-help]"]  # the code block's own lines
    assert any(line.split() == ["hint", "back,", "first", "inline"] for line in layout)  # table
    images = subprocess.run(
        [tool("pdfimages"), "-list", str(dist / names[1])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    assert len(images) == 1 and images[0].split()[3:5] == ["360", "96"]
    quiz, cards = PdfReader(dist / names[2]), PdfReader(dist / names[3])
    assert len(quiz.pages) >= 4 and len(cards.pages) == 2  # one sheet, front and back
    page = (dist / names[4]).read_text(encoding="utf-8")
    assert "What does each field of a question hold" in page


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "bank"
    (root / "content").mkdir(parents=True)
    (root / "content/bank.yaml").write_text("mine\n")
    (root / ".gitignore").write_text("mine\n")
    code, stdout, stderr = run("init", str(root))
    assert code == 1 and stdout == ""
    assert "2 of the files init writes exist already, so nothing was written" in stderr
    assert f"  {root / 'content/bank.yaml'}\n" in stderr and f"  {root / '.gitignore'}\n" in stderr
    assert sorted(p.name for p in root.rglob("*")) == [".gitignore", "bank.yaml", "content"]
    assert (root / "content/bank.yaml").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "K8s_Bank"], "slug 'K8s_Bank' must be kebab-case"),
        (["--slug", "bad\n"], "slug 'bad\\n' must be kebab-case"),  # `$` let it through
        ([], "cannot make a slug from the folder name '___'; give one with --slug"),
    ],
)
def test_a_bad_slug_is_refused(tmp_path: Path, args: list[str], message: str) -> None:
    root = tmp_path / "___"
    code, _, stderr = run("init", str(root), *args)
    assert code == 1 and message in stderr
    assert not root.exists()


def test_schema_comments_point_at_schemas_init_wrote(bank: Path) -> None:
    found = 0
    for path in [*bank.glob("content/*.yaml"), *bank.glob("styles/*.yaml")]:
        first = path.read_text().splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, f"{path.name} has no $schema comment"
        target = (path.parent / match[1]).resolve()
        assert target.parent == bank / "schemas"
        kind = target.name.removesuffix(".schema.json")
        assert json.loads(target.read_text()) == schema(kind)
        found += 1
    assert found == 4  # bank.yaml, two tier files, pdf.yaml


def test_the_styles_validate_against_the_pdf_schema(bank: Path) -> None:
    settings, problems = read_yaml("pdf.yaml", [bank / "styles"], "pdf")
    assert problems == []
    assert settings["cards"]["width_mm"] == 127  # the file sets knobs, not only comments
    assert "--pd-accent" in (bank / "styles/anki.css").read_text()


def test_schema_write_matches_schema_output(tmp_path: Path) -> None:
    code, stdout, _ = run("schema", "--write", str(tmp_path / "s"))
    assert code == 0
    assert stdout.splitlines() == [str(tmp_path / "s" / f"{k}.schema.json") for k in DOCUMENT_KINDS]
    for kind in DOCUMENT_KINDS:
        _, printed, _ = run("schema", kind)
        assert json.loads((tmp_path / "s" / f"{kind}.schema.json").read_text()) == json.loads(
            printed
        )
    code, _, stderr = run("schema", "bank", "--write", str(tmp_path / "s"))
    assert code == 2 and "give no KIND" in stderr


def test_examples_show_every_field_and_markdown_block(bank: Path) -> None:
    fields = set(schema("tier")["$defs"]["question"]["properties"])
    questions = [
        q
        for path in sorted(bank.glob("content/*.yaml"))
        if path.name != "bank.yaml"
        for q in yaml.safe_load(path.read_text())["questions"]
    ]
    assert len(questions) == 4
    for question in questions:
        assert set(question) == fields
    answer = questions[0]["answer"]
    blocks = parse_blocks(answer)
    kinds = {type(b) for b in blocks}
    assert {MarkdownParagraph, MarkdownList} <= kinds
    assert {True, False} <= {b.ordered for b in blocks if isinstance(b, MarkdownList)}
    inline = {type(n) for b in blocks if isinstance(b, MarkdownParagraph) for n in b.children}
    inline |= {
        type(n)
        for b in blocks
        if isinstance(b, MarkdownList)
        for item in b.items
        for p in item
        if isinstance(p, MarkdownParagraph)
        for n in p.children
    }
    assert {Code, Link, Strong, Emphasis} <= inline
    assert {CodeBlock, MarkdownTable, MarkdownImage} <= kinds
    assert [b.language for b in blocks if isinstance(b, CodeBlock)] == ["yaml"]
    [image] = [b for b in blocks if isinstance(b, MarkdownImage)]
    assert (bank / "content" / image.src).is_file() and image.alt


def test_the_shipped_image_is_a_small_valid_png() -> None:
    data = planned_files("x", "X", "Y", "prepdeck")["content/media/pipeline.png"]
    assert len(data) < 2048
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.format == "PNG" and image.size == (360, 96)


def test_the_workflow_passes_actionlint_and_zizmor(bank: Path) -> None:
    workflow = bank / WORKFLOW
    assert zizmor(workflow) == (0, [])
    assert actionlint(workflow) == (0, "")


def test_the_workflow_validates_with_annotations_and_builds_on_pull_requests(bank: Path) -> None:
    workflow = load(bank / WORKFLOW)
    assert "pull_request" in workflow["on"]
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    scripts = "\n".join(step.get("run", "") for step in job["steps"])
    assert "prepdeck validate content --format github" in scripts
    assert "prepdeck build content --out dist --locked --format github" in scripts
    assert "${{" not in scripts
    uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "dist/"


def test_the_workflow_pins_the_same_actions_as_ci() -> None:
    def pins(text: str) -> set[str]:
        return {line.split("uses:")[1].strip() for line in text.splitlines() if "uses:" in line}

    ours = pins(planned_files("x", "X", "Y", "prepdeck")[WORKFLOW].decode())
    assert ours and ours <= pins((ROOT / ".github/workflows/ci.yml").read_text())


def test_requirements_name_a_git_install_or_ask_for_one(
    bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This checkout is an editable install: no URL CI could use, so no line is guessed
    # (a bare prepdeck==X could be someone else's package), and the workflow says so.
    text = (bank / "requirements.txt").read_text()
    assert not [line for line in text.splitlines() if line and not line.startswith("#")]
    assert "prepdeck @ git+https://github.com/OWNER/prepdeck@v" in text
    (step,) = [
        s for s in load(bank / WORKFLOW)["jobs"]["bank"]["steps"] if "pip" in s.get("run", "")
    ]
    script = step["run"].replace("python -m pip install", "echo would install")
    done = subprocess.run(["bash", "-e", "-c", script], cwd=bank, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stdout.startswith("::error file=requirements.txt,line=1::say which prepdeck")
    (bank / "requirements.txt").write_text(text + "prepdeck @ git+https://example.org/p@v1\n")
    done = subprocess.run(["bash", "-e", "-c", script], cwd=bank, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "would install --requirement requirements.txt\n")

    class Installed:
        def read_text(self, name: str) -> str:
            assert name == "direct_url.json"
            return json.dumps(
                {
                    "url": "https://github.com/example/prepdeck.git",
                    "vcs_info": {"vcs": "git", "commit_id": "0123abc", "requested_revision": "v1"},
                }
            )

    monkeypatch.setattr("importlib.metadata.distribution", lambda name: Installed())
    assert init_module.install_requirement() == (
        "prepdeck @ git+https://github.com/example/prepdeck.git@0123abc"
    )


def test_a_banks_own_styles_are_used_from_another_folder(
    bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Build the same bank from its own folder and from elsewhere: the same bytes, and
    a style change in the bank's styles/ reaches both the deck and the PDFs."""
    monkeypatch.chdir(bank)
    env = {"SOURCE_DATE_EPOCH": EPOCH}
    code, here, _ = run("build", "content", "--out", str(tmp_path / "a"), env=env)
    assert code == 0
    monkeypatch.chdir(ROOT)  # a folder with a styles/ of its own, which must not be used
    code, there, _ = run("build", str(bank / "content"), "--out", str(tmp_path / "b"), env=env)
    assert code == 0
    assert [line.split()[-1] for line in here.splitlines()] == [
        line.split()[-1] for line in there.splitlines()
    ]

    pdf_yaml = bank / "styles/pdf.yaml"
    pdf_yaml.write_text(pdf_yaml.read_text() + "text:\n  how_to_use: Drill with the team.\n")
    css = bank / "styles/anki.css"
    css.write_text(css.read_text() + "\n.card { --pd-accent: #aa0000; }\n")
    out = tmp_path / "c"
    args = ["--out", str(out), "--target", "anki", "--target", "booklet"]
    code, _, stderr = run("build", str(bank / "content"), *args, env=env)
    assert code == 0, stderr
    assert "card style or templates changed since the lock" in stderr
    with zipfile.ZipFile(out / "k8s-security.apkg") as apkg:
        assert b"#aa0000" in apkg.read("collection.anki2")
    title_page = PdfReader(out / "k8s-security.pdf").pages[0].extract_text()
    assert "Drill with the team." in title_page


WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # Debian fonts-wqy-microhei


@pytest.mark.skipif(not WQY.is_file(), reason="needs Debian's fonts-wqy-microhei (.ci/run)")
def test_the_starter_font_example_works_once_uncommented(bank: Path) -> None:
    """Uncomment the example in the starter pdf.yaml, copy the fonts it names into
    styles/fonts/ as it says: the bank validates, and prints Chinese."""
    import reportlab

    pdf_yaml = bank / "styles/pdf.yaml"
    lines = pdf_yaml.read_text(encoding="utf-8").splitlines()
    start = lines.index("# fonts:")
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("#"))
    lines[start:end] = [line.removeprefix("# ") for line in lines[start:end]]
    pdf_yaml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fonts = bank / "styles/fonts"
    fonts.mkdir()
    vera = Path(reportlab.__file__).parent / "fonts"
    for face, file in (
        ("", "Vera"),
        ("-Bold", "VeraBd"),
        ("-Italic", "VeraIt"),
        ("-BoldItalic", "VeraBI"),
    ):
        (fonts / f"MyFont{face}.ttf").write_bytes((vera / f"{file}.ttf").read_bytes())
    (fonts / "wqy-microhei.ttc").write_bytes(WQY.read_bytes())
    tier = next(p for p in (bank / "content").glob("*.yaml") if p.name != "bank.yaml")
    tier.write_text(
        tier.read_text(encoding="utf-8").replace("question: ", "question: 锁 ", 1), encoding="utf-8"
    )
    code, stdout, stderr = run("validate", str(bank / "content"))
    assert code == 0, stdout + stderr
    code, _, stderr = run(
        "build", str(bank / "content"), "--out", str(bank / "dist"), "--target", "booklet"
    )
    assert code == 0, stderr


@pytest.mark.parametrize(
    ("folder", "title"),
    [
        ("k8s-security", "K8s Security Interview Questions"),
        ("Kubernetes security interview", "Kubernetes Security Interview Questions"),
        ("Kubernetes security interview questions", "Kubernetes Security Interview Questions"),
        ("interview", "Interview Interview Questions"),  # nothing else to name it by
    ],
)
def test_the_title_from_the_folder_says_interview_questions_once(
    tmp_path: Path, folder: str, title: str
) -> None:
    root = tmp_path / folder
    code, _, stderr = run("init", str(root))
    assert code == 0, stderr
    assert yaml.safe_load((root / "content/bank.yaml").read_text())["title"] == title
    # the next step is a command to copy: a folder with spaces is quoted for the shell
    where = str(root) if " " not in folder else f"'{root}'"
    assert f"Next: cd {where}, then edit" in stderr
