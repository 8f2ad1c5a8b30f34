"""The raw-library baselines prepdeck is compared with, each run as its own process.

    python bench/baselines.py yaml CONTENT_DIR
    python bench/baselines.py genanki CONTENT_DIR OUT.apkg
    python bench/baselines.py genanki-markdown CONTENT_DIR OUT.apkg
    python bench/baselines.py reportlab CONTENT_DIR OUT.pdf

Each does the least a program must do to produce the same thing from the same
files: read every YAML file with PyYAML's C loader, then (for the deck and the
PDF) hand the same text, HTML- or XML-escaped, to genanki or to one plain
single-pass reportlab build.  No validation, no Markdown, no lock, no TOC.
`genanki-markdown` also renders the Markdown with markdown-it-py, as a second,
informational deck baseline: the same notes with the same rendered HTML.

Only the library a baseline needs is imported, inside its function, so the
process pays exactly that library's import time.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

SOURCE_DATE_EPOCH = 1767225600


def load(content_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """bank.yaml and every tier file, parsed with CSafeLoader; tier files in the
    order bank.yaml declares them (which is how prepdeck orders questions)."""
    bank: dict[str, Any] = {}
    tiers: dict[str, dict[str, Any]] = {}
    for path in sorted(content_dir.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=yaml.CSafeLoader)
        if path.name == "bank.yaml":
            bank = data
        else:
            tiers[data["tier"]] = data
    ordered = [tiers[t["id"]] for t in bank.get("tiers", ()) if t["id"] in tiers]
    return bank, ordered


def run_yaml(content_dir: Path) -> int:
    _, tiers = load(content_dir)
    return sum(len(t["questions"]) for t in tiers)


def run_genanki(content_dir: Path, out: Path, *, markdown: bool = False) -> int:
    """One note type with the deck's ten fields, a parent deck and a subdeck per
    tier, one note per question with its tags, written by Package.write_to_file.

    With `markdown`, the text fields are rendered to HTML by markdown-it-py (the
    parser prepdeck uses, with the same rules on and raw HTML off) instead of only
    escaped: the least work that writes notes with the same rendered content.
    """
    from html import escape

    import genanki

    inline: Callable[[str], str] = escape
    block: Callable[[str], str] = escape
    if markdown:
        from markdown_it import MarkdownIt

        md = MarkdownIt("zero").enable(
            ["emphasis", "backticks", "link", "escape", "newline", "list"]
        )
        inline, block = md.renderInline, md.render

    bank, tiers = load(content_dir)
    slug, title = bank["slug"], bank["title"]
    fields = [
        "ID",
        "Label",
        "Tier",
        "Question",
        "Hint",
        "KeyPoints",
        "Answer",
        "References",
        "Source",
        "Spare",
    ]
    model = genanki.Model(
        1607392319,
        "baseline question",
        fields=[{"name": name} for name in fields],
        templates=[
            {
                "name": "Question",
                "qfmt": "{{Tier}}<br>{{Question}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Hint}}{{KeyPoints}}{{Answer}}{{References}}",
            }
        ],
        css=".card { font-family: sans-serif; }",
    )
    urls = {ref["key"]: ref for ref in bank.get("references", ())}
    source = escape(f"{title} {bank['version']}")
    decks = [genanki.Deck(2059400110, title)]
    number = 0
    for position, tier in enumerate(tiers, start=1):
        name = next(t["name"] for t in bank["tiers"] if t["id"] == tier["tier"])
        deck = genanki.Deck(2059400110 + position, f"{title}::{position:02d} {name}")
        decks.append(deck)
        for q in tier["questions"]:
            number += 1
            points = "".join(f"<li>{inline(p)}</li>" for p in q["key_points"])
            refs = "".join(
                f'<li><a href="{escape(urls[k]["url"])}">{escape(urls[k]["title"])}</a></li>'
                for k in q["refs"]
            )
            note = genanki.Note(
                model=model,
                fields=[
                    escape(q["id"]),
                    f"Q{number}",
                    escape(name),
                    inline(q["question"]),
                    inline(q["hint"]),
                    f"<ul>{points}</ul>",
                    block(q["answer"]),
                    f"<ul>{refs}</ul>",
                    source,
                    "",
                ],
                tags=[
                    f"bank::{slug}",
                    f"tier::{tier['tier']}",
                    *(f"topic::{t}" for t in q["tags"]),
                ],
                guid=genanki.guid_for("baseline", slug, q["id"]),
            )
            deck.add_note(note)
    genanki.Package(decks).write_to_file(str(out), timestamp=SOURCE_DATE_EPOCH)
    return number


def run_reportlab(content_dir: Path, out: Path) -> int:
    """SimpleDocTemplate.build, once, of a Paragraph per question (with its id), hint,
    key point, answer paragraph or list item, and reference (the text the booklet
    prints), in the booklet's DejaVu Sans (with its bold and italic, and DejaVu Sans
    Mono for code) on A4 with the booklet's margins: the questions
    first, then the answers, as the booklet does.  Each paragraph's markup is the
    escaped markup prepdeck makes from the Markdown (`prepdeck.text.inline_markup`),
    so both sides typeset the same text with the same tags."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from prepdeck.style_folders import DEFAULTS_DIR
    from prepdeck.text import (
        MarkdownBlock,
        MarkdownList,
        MarkdownParagraph,
        MarkupStyle,
        inline_markup,
        parse_blocks,
        parse_inline,
    )

    fonts = DEFAULTS_DIR / "fonts"
    faces = {
        "Body": "DejaVuSans.ttf",
        "Body-Bold": "DejaVuSans-Bold.ttf",
        "Body-Italic": "DejaVuSans-Oblique.ttf",
        "Body-BoldItalic": "DejaVuSans-BoldOblique.ttf",
    }
    for name, filename in faces.items():
        pdfmetrics.registerFont(TTFont(name, str(fonts / filename)))
    pdfmetrics.registerFontFamily(
        "Body", normal="Body", bold="Body-Bold", italic="Body-Italic", boldItalic="Body-BoldItalic"
    )
    mono = str(DEFAULTS_DIR / "fonts" / "DejaVuSansMono.ttf")
    pdfmetrics.registerFont(TTFont("Mono", mono))
    markup_style = MarkupStyle(code_font="Mono", link_color="#0b5cad")

    def markup(nodes: Any) -> str:
        return inline_markup(nodes, markup_style)

    # the booklet's sizes (styles/pdf.yaml): 10.5 pt on 1.45, every size one leading
    body = ParagraphStyle("body", fontName="Body", fontSize=10.5, leading=15.22)
    point = ParagraphStyle("point", parent=body, leftIndent=14)
    heading = ParagraphStyle("heading", parent=body, fontSize=17, leading=22, spaceBefore=12)
    question_style = ParagraphStyle("question", parent=body, spaceBefore=22.8)

    def answer_paragraphs(blocks: tuple[MarkdownBlock, ...], style: Any) -> list[Paragraph]:
        out: list[Paragraph] = []
        for block in blocks:
            if isinstance(block, MarkdownParagraph):
                out.append(Paragraph(markup(block.children), style))
            elif isinstance(block, MarkdownList):
                for item in block.items:
                    out += answer_paragraphs(item, point)
        return out

    bank, tiers = load(content_dir)
    references = {r["key"]: r for r in bank.get("references", ())}
    label = ParagraphStyle("label", parent=body, fontSize=7.5, spaceBefore=6)
    story: list[Paragraph] = []
    answers: list[Paragraph] = []
    number = 0
    for tier in tiers:
        name = next(t["name"] for t in bank["tiers"] if t["id"] == tier["tier"])
        story.append(Paragraph(escape(name), heading))
        for q in tier["questions"]:
            number += 1
            question = markup(parse_inline(q["question"]))
            label_id = f"<font size=8>{escape(q['id'])}</font>"
            story.append(Paragraph(f"Q{number} {label_id} <b>{question}</b>", question_style))
            story.append(Paragraph(markup(parse_inline(q["hint"])), body))
            story += [
                Paragraph(markup(parse_inline(p)), point, bulletText="\u2022")
                for p in q["key_points"]
            ]
            # the answer key restates the question under its number
            answers.append(Paragraph(f"Q{number} <b>{question}</b>", question_style))
            answers += answer_paragraphs(parse_blocks(q["answer"]), body)
            # The same text the booklet prints after each answer: its references.
            cited = [references[key] for key in q.get("refs", ()) if key in references]
            if cited:
                answers.append(Paragraph("<b>FURTHER READING</b>", label))
                answers += [
                    Paragraph(
                        f'<a href="{escape(r["url"])}" color="#0b5cad">{escape(r["title"])}</a> '
                        f"{escape(r['url'])}",
                        point,
                        bulletText="\u2022",
                    )
                    for r in cited
                ]
    doc = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=44 * mm,  # the booklet's margins: its measure
        rightMargin=30 * mm,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=bank["title"],
        invariant=1,
    )
    story += answers
    del answers, bank, tiers  # build() consumes the story: let laid-out paragraphs go
    doc.build(story)
    return number


def main(argv: list[str]) -> int:
    usage = "usage: baselines.py yaml|genanki|genanki-markdown|reportlab CONTENT_DIR [OUT]"
    if len(argv) < 2:
        print(usage, file=sys.stderr)
        return 2
    kind, content_dir = argv[0], Path(argv[1])
    if kind == "yaml" and len(argv) == 2:
        count = run_yaml(content_dir)
    elif kind in ("genanki", "genanki-markdown") and len(argv) == 3:
        count = run_genanki(content_dir, Path(argv[2]), markdown=kind == "genanki-markdown")
    elif kind == "reportlab" and len(argv) == 3:
        count = run_reportlab(content_dir, Path(argv[2]))
    else:
        print(usage, file=sys.stderr)
        return 2
    print(f"{kind}: {count} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
