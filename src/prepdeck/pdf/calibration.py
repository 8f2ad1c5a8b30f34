"""A one-page sheet that measures how far a printer shifts the back of a page
(`prepdeck calibrate`): print it double-sided like the cards, hold it to the light,
and read the numbers under the front's cross lines off the back's scales.

The front has a cross at the centre of the page.  The back has a scale in each
direction, centred on where that cross falls when nothing shifts, each tick labelled
with the offset to enter in `pdf.yaml` (`cards.duplex_offset_x_mm`, `..._y_mm`): if
the printer moves the back's drawing by s, the tick that lands under the cross is the
one labelled -s, which is the correction.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from prepdeck.pdf.common import Kit, save
from prepdeck.pdf.fonts import draw_line
from prepdeck.pdf.rl_private import fix_time
from prepdeck.pdf.style import MM

SCALE_MM = 6  # the scales run from -6 to +6 mm, a tick every half millimetre
ARM_MM = 60  # the cross's arms and the scales' distance from the centre


def write_calibration(dest: Path, kit: Kit, paper: str, timestamp: int) -> None:
    width, height = kit.style.paper_size(paper)
    body = kit.fonts.body
    canv = Canvas(str(dest), pagesize=(width, height), invariant=1, pageCompression=1,
                  initialFontName=body.regular)  # fmt: skip
    fix_time(canv, timestamp)
    canv.setTitle("prepdeck duplex calibration")
    cx, cy = width / 2, height / 2
    size = kit.style.sizes.body
    text = kit.color("text")

    def lines(canv: Canvas, top: float, said: list[str]) -> None:
        canv.setFillColor(text)
        for i, line in enumerate(said):
            draw_line(canv, cx, top - i * size * 1.5, line, body, size, align="centre")

    # front: the cross
    lines(canv, height - 30 * MM, [
        "Duplex calibration: front",
        "Print this page double-sided, flipping on the long edge, as you print the cards.",
        "Hold the sheet to the light: the cross lines show through onto the back's scales.",
    ])  # fmt: skip
    canv.setStrokeColor(text)
    canv.setLineWidth(0.3)
    arm = ARM_MM * MM
    canv.line(cx - arm - 12 * MM, cy, cx + arm + 12 * MM, cy)
    canv.line(cx, cy - arm - 12 * MM, cx, cy + arm + 12 * MM)
    canv.showPage()

    # back: a horizontal scale under the vertical line, a vertical one beside the
    # horizontal line, both centred where the cross falls with no shift
    lines(canv, height - 30 * MM, [
        "Duplex calibration: back",
        "Read the number on each scale where the front's line shows through, and put",
        "them in your styles/pdf.yaml:  cards: {duplex_offset_x_mm: X, duplex_offset_y_mm: Y}",
    ])  # fmt: skip
    small = 6.0
    canv.setFont(body.regular, small)
    canv.setLineWidth(0.25)
    for half in range(-2 * SCALE_MM, 2 * SCALE_MM + 1):
        value = half / 2
        # x: the scale sits at the cross's mirrored place (the page's centre, flipped
        # on the long edge); a tick labelled v is v mm to the right of it
        tick = (4 if half % 10 == 0 else 3 if half % 2 == 0 else 1.5) * MM
        x = cx + value * MM
        canv.line(x, cy + arm, x, cy + arm + tick)
        y = cy + value * MM
        canv.line(cx + arm, y, cx + arm + tick, y)
        if half % 2 == 0:  # a label a millimetre, staggered three deep to stay legible
            label = f"{value:+g}" if value else "0"
            row = int(value) % 3
            canv.drawCentredString(x, cy + arm + (5 + 2.6 * row) * MM, label)
            canv.drawString(cx + arm + (5 + 4.5 * row) * MM, y - small / 3, label)
    draw_line(canv, cx, cy + arm + 15 * MM, "X (mm)", body, small, align="centre")
    draw_line(canv, cx + arm + 4 * MM, cy + (SCALE_MM + 3) * MM, "Y (mm)", body, small)
    canv.showPage()
    save(canv)
