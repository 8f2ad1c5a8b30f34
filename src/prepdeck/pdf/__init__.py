"""Printable PDFs: the study booklet, the self-quiz and duplex flash cards.

One module per layout (`booklet`, `quiz`, `cards`) over shared furniture: style
data (`style`), fonts and the glyph check (`fonts`), determinism and metadata
(`common`), the one-pass document with forward references (`document`), and the
self-laying-out question block (`blocks`, `parts`).  Only code under this package
imports reportlab, and only when a layout is built.
"""
