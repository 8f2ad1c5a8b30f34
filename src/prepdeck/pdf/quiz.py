"""The self-quiz (`<slug>-quiz.pdf`): each question with ruled lines to answer on,
then an answer key with the hint, key points, model answer and references.

The title block opens page 1; pages are numbered from 1 with "page X of Y".
"""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from prepdeck.artifacts import BuildOptions, WriterResult, count
from prepdeck.model import Bank, Question
from prepdeck.pdf.blocks import Row, RuledLines
from prepdeck.pdf.common import check_printable, make_kit, metadata
from prepdeck.pdf.document import Document, Marks
from prepdeck.pdf.parts import ANSWER_KEEP, Parts, by_tier, printed_texts
from prepdeck.pdf.style import MM


def write_quiz(bank: Bank, dest: Path, options: BuildOptions) -> WriterResult:
    kit = make_kit(options.style_dirs)
    check_printable(bank, kit, printed_texts(bank, kit, kit.style.text.quiz_how_to_use))
    marks = Marks()
    doc = Document(
        dest,
        kit=kit,
        pagesize=kit.style.paper_size(options.paper),
        meta=metadata(bank, "self-quiz"),
        timestamp=options.timestamp,
        marks=marks,
        title=f"{bank.title} {bank.version} · self-quiz",
    )
    parts = Parts(
        kit, marks, bank, content_dir=options.content_dir, frame_height=doc.geometry.frame_height
    )
    frame_height = doc.geometry.frame_height
    gap = kit.style.page.question_gap
    quiz = kit.style.quiz
    line_gap = quiz.line_gap_mm * MM
    lines_color = kit.color("writing_lines")

    def lines_for(q: Question) -> int:
        return max(quiz.lines_min, min(quiz.lines_max, len(q.key_points) + 2))

    flowables: list[Flowable] = parts.title_flowables(
        layout="Self-quiz", how_to_use=kit.style.text.quiz_how_to_use, timestamp=options.timestamp
    )
    flowables.append(Spacer(1, 10))
    sections = by_tier(bank)
    if not sections:
        flowables.append(Paragraph("No questions match this selection.", parts.body_paragraph))

    def question(q: Question) -> list[Row]:
        lines = RuledLines(lines_for(q), line_gap, lines_color, space_before=line_gap * 0.6)
        return [parts.question_heading(q), parts.question_text(q), lines]

    def answer(q: Question) -> list[Row]:
        return [
            parts.hint(q),
            *parts.key_points(q),
            parts.label("MODEL ANSWER", space_before=7),
            *parts.answer(q),
            *parts.references(q),
        ]

    flowables += parts.question_blocks(
        sections, question, keep_limit=frame_height, tier_gap=gap * 2.5
    )
    if sections:
        flowables.append(PageBreak())
    flowables += parts.answer_blocks(sections, answer, keep_limit=frame_height * ANSWER_KEEP)
    pages = doc.build(flowables)
    return WriterResult(
        report=[
            f"{count(len(bank.questions), 'question')}, {count(pages, 'page')}, {options.paper}"
        ]
    )
