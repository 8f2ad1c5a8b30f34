"""Printable PDFs: the study booklet, the self-quiz and duplex flash cards.

One module per layout (`booklet`, `quiz`, `cards`) over shared furniture: style
data (`style`), fonts and the layouts' glyph check over `printed.py`'s fields
(`fonts`), determinism and metadata (`common`), the one-pass document with forward
references (`document`), Markdown as flowables (`flow`), the self-laying-out question
block (`blocks`, `parts`), and the reportlab internals used (`rl_private`).  Only this
package imports reportlab to lay out pages (`fontchain` reads a user's TrueType font
with its parser), and only when a layout is built.
"""
