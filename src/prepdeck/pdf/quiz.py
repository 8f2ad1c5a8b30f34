"""The self-quiz (`<slug>-quiz.pdf`): each question with ruled lines to answer on,
then an answer key with the hint, key points, model answer and references.

The title block opens page 1; pages are numbered from 1 with "page X of Y".
"""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from prepdeck.artifacts import BuildOptions, WriterResult, count
from prepdeck.model import Bank, Question
from prepdeck.pdf.blocks import Block, Row, RuledLines
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
        pagesize=kit.style.document_paper(options.paper),
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
        layout="Self-quiz",
        output="quiz",
        how_to_use=kit.style.text.quiz_how_to_use,
        timestamp=options.timestamp,
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
            parts.label("MODEL ANSWER", space_before=parts.step),
            *parts.answer(q),
            *parts.references(q),
        ]

    blocks = parts.question_blocks(sections, question, keep_limit=frame_height, tier_gap=gap * 2)
    width = doc.geometry.frame_width
    opening = sum(_height(f, width, frame_height) for f in flowables)
    fill_pages(blocks, opening, width, frame_height, line_gap)
    flowables += blocks
    if sections:
        flowables.append(PageBreak())
    flowables += parts.answer_blocks(sections, answer, keep_limit=frame_height * ANSWER_KEEP)
    pages = doc.build(flowables)
    return WriterResult(
        report=[
            f"{count(len(bank.questions), 'question')}, {count(pages, 'page')}, {options.paper}"
        ]
    )


def _height(flowable: Flowable, width: float, frame_height: float) -> float:
    """What a flowable takes of a frame, its space before and after included."""
    height: float = flowable.wrap(width, frame_height)[1]
    spaces: float = flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return height + spaces


def fill_pages(
    blocks: list[Flowable], opening: float, width: float, frame_height: float, gap: float
) -> None:
    """Spread each page's spare height over its questions as more ruled lines, so
    no page of questions ends with a blank band (the last page excepted).

    Pages are planned the way the frame fills them: a question moves whole to the
    next page when it does not fit, and the space before a block at the top of a
    page is dropped.  A question taller than a page (rare) ends the plan of its page.
    """
    pages: list[tuple[list[Block], float]] = []  # each page's questions, the height used
    page: list[Block] = []
    used = opening
    for block in blocks:
        if not isinstance(block, Block):
            continue
        height = block.wrap(width, frame_height)[1]
        space = block.getSpaceBefore() if used > 0 else 0.0
        if used > 0 and used + space + height > frame_height + 1e-6:
            pages.append((page, used))
            page, used, space = [], 0.0, 0.0
        if height > frame_height:  # it splits: the page it ends on is not planned
            pages.append((page, frame_height))
            page, used = [], frame_height
            continue
        page.append(block)
        used += space + height
    for planned, used in pages:  # not the last page: it ends the questions
        spare = frame_height - used
        ruled = [row for block in planned for row in block.rows if isinstance(row, RuledLines)]
        if not ruled:
            continue
        for i in range(int((spare - 0.5) // gap)):
            ruled[i % len(ruled)].count += 1
        for block in planned:
            block.remeasure(ruled)
