"""The reportlab internals prepdeck relies on, all in one place.

reportlab offers no public way to do these five things, and each is needed:
- date a document and seed its /ID from the build's timestamp (reproducible bytes):
  `PDFDocument._timeStamp` and `.signature`;
- compress each page's stream as soon as the page is finished (memory at 10,000
  questions): `Canvas._doc.Pages.pages`, `PDFPage.stream`/`.Contents`;
- lay a document out once and save it only after forms defined at the end exist
  (one pass with forward references): `BaseDocTemplate._doSave`;
- know whether a flowable is at the top of its frame, so a block that cannot fit an
  empty frame splits instead of moving on forever: `Frame._atTop`;
- make text outside the Basic Multilingual Plane (emoji such as U+1F512) copy and
  search as itself: reportlab 5.1's `ttfonts.makeToUnicodeCMap` writes each subset
  code's Unicode value as `<%04X>`, so U+1F512 becomes the five digits `<1F512>`,
  which PDF readers take as UTF-16 U+1F51 plus a stray digit (pdftotext prints "ὑ").
  A ToUnicode CMap holds UTF-16BE, so a character past U+FFFF needs its surrogate
  pair, `<D83DDD12>`.  The function is a module global that `TTFont.addObjects`
  looks up when a document is saved, so replacing it (`install_to_unicode_fix`) is
  enough; BMP characters come out exactly as before.

`pyproject.toml` caps reportlab below its next major version because of them, and
the tests exercise each: byte-identical rebuilds, page labels and totals, long
questions that split (`tests/test_pdf.py`), emoji that copy as themselves
(`tests/test_fonts.py`, read back with pdftotext).
"""

from __future__ import annotations

import hashlib
import time
import zlib
from collections.abc import Sequence
from typing import Any

from reportlab.pdfbase import pdfdoc, ttfonts
from reportlab.pdfgen.canvas import Canvas


class _FixedTimeStamp:
    """What reportlab's PDFDocument reads from its TimeStamp, at a given UTC time."""

    def __init__(self, timestamp: int) -> None:
        self.t = float(timestamp)
        self.lt = time.gmtime(timestamp)
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = 0
        self.dmm = 0
        self.tzname = "UTC"


def fix_time(canv: Canvas, timestamp: int) -> None:
    """Date the document `timestamp` and seed its /ID from it alone.

    reportlab's own TimeStamp reads SOURCE_DATE_EPOCH from the environment; the
    build's time is an input here, so both are replaced before anything is drawn.
    """
    doc = canv._doc
    doc._timeStamp = _FixedTimeStamp(timestamp)
    signature = hashlib.md5(usedforsecurity=False)
    signature.update(b"a reportlab document")
    signature.update(str(timestamp).encode("ascii"))
    doc.signature = signature


def compress_finished_pages(canv: Canvas) -> None:
    """Compress each page's content as soon as the page is finished.

    reportlab keeps every page's content as text until the file is written; for a
    10,000-question booklet that is some 90 MB, a fifth of that compressed.  The
    stream is the one reportlab would write (Flate at zlib's default level), only
    made earlier.
    """
    pages = canv._doc.Pages.pages

    def compress(page_number: int) -> None:
        page = pages[-1]
        if not page.stream or page.Contents:
            return
        stream = pdfdoc.PDFStream(content=zlib.compress(page.stream.encode("utf8")))
        stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        stream.__Comment__ = "page stream"
        page.Contents = stream
        page.stream = None

    canv.setPageCallBack(compress)


def defer_save(template: Any) -> None:
    """Make `template.build` lay out and stop short of writing the file."""
    template._doSave = 0


def at_frame_top(flowable: Any) -> bool:
    """Whether the frame `flowable` is being laid out in has nothing in it yet."""
    frame = getattr(flowable, "_frame", None)
    return bool(getattr(frame, "_atTop", False))


# -- ToUnicode for characters past U+FFFF (see the module docstring) ---------------

_original = ttfonts.makeToUnicodeCMap


def _utf16_hex(code_point: int) -> str:
    return chr(code_point).encode("utf-16-be", "surrogatepass").hex().upper()


def make_to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's CMap, with every destination as UTF-16BE."""
    cmap: str = _original(fontname, subset)
    if all(code < 0x10000 for code in subset):
        return cmap
    lines = cmap.split("\n")
    first = lines.index(f"{len(subset)} beginbfchar") + 1
    lines[first : first + len(subset)] = [
        f"<{i:02X}> <{_utf16_hex(code)}>" for i, code in enumerate(subset)
    ]
    return "\n".join(lines)


def install_to_unicode_fix() -> None:
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap
