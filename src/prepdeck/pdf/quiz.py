"""The self-quiz (`<slug>-quiz.pdf`): each question with ruled lines to answer on,
then an answer key with the hint, key points, model answer and references.

The title block opens page 1; pages are numbered from 1 with "page X of Y".
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from reportlab.platypus import Flowable, PageBreak, Spacer
from reportlab.platypus import Paragraph as RLParagraph

from prepdeck.artifacts import BuildOptions, WriterResult
from prepdeck.model import Bank, Question, Tier
from prepdeck.pdf.blocks import Block, Row, RuledLines
from prepdeck.pdf.common import check_printable, make_kit, metadata
from prepdeck.pdf.document import Document, Marks
from prepdeck.pdf.fonts import FieldFace
from prepdeck.pdf.parts import Parts, by_tier, printed_texts
from prepdeck.pdf.style import MM

FIELDS = {
    "question": FieldFace(bold=True),
    "hint": FieldFace(),
    "key_points": FieldFace(),
    "answer": FieldFace(),
}
ANSWER_KEEP = 0.3  # answers shorter than this share of a page are never split


def write_quiz(bank: Bank, dest: Path, options: BuildOptions) -> WriterResult:
    kit = make_kit(options.style_dirs)
    check_printable(bank, kit, FIELDS, printed_texts(bank, kit, kit.style.text.quiz_how_to_use))
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
        flowables.append(RLParagraph("No questions match this selection.", parts.body_paragraph))

    def question_rows(q: Question, tier: Tier | None, count: int) -> list[Row]:
        rows: list[Row] = [parts.tier_heading(tier, count)] if tier else []
        rows += [
            parts.question_heading(q),
            parts.question_text(q),
            RuledLines(lines_for(q), line_gap, lines_color, space_before=line_gap * 0.6),
        ]
        return rows

    def answer_rows(q: Question, tier: Tier | None, count: int, first: bool) -> list[Row]:
        rows: list[Row] = [parts.answer_key_heading()] if first else []
        if tier:
            rows.append(parts.answer_tier_heading(tier, count))
        rows += [
            parts.answer_heading(q),
            parts.hint(q),
            *parts.key_points(q),
            parts.label("MODEL ANSWER", space_before=7),
            *parts.answer(q),
            *parts.references(q),
        ]
        return rows

    # each block's rows are made when it is laid out
    for tier, questions in sections:
        for j, q in enumerate(questions):
            opens = tier if j == 0 else None
            rows = partial(question_rows, q, opens, len(questions))
            space = gap * 2.5 if j == 0 else gap
            flowables.append(Block(rows, keep_limit=frame_height, space_before=space))
    if sections:
        flowables.append(PageBreak())
    keep = frame_height * ANSWER_KEEP
    for i, (tier, questions) in enumerate(sections):
        for j, q in enumerate(questions):
            opens = tier if j == 0 else None
            rows = partial(answer_rows, q, opens, len(questions), i == j == 0)
            flowables.append(Block(rows, keep_limit=keep, space_before=gap))
    pages = doc.build(flowables)
    return WriterResult(
        notes=[f"{len(bank.questions)} questions on {pages} pages ({options.paper})"]
    )
