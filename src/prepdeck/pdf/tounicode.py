"""One fix to reportlab, in one place: text outside the Basic Multilingual Plane
(emoji such as U+1F512) must copy and search as itself.

reportlab 5.1's `ttfonts.makeToUnicodeCMap` writes each subset code's Unicode value
as `<%04X>`, so U+1F512 becomes the five digits `<1F512>`, which PDF readers take as
UTF-16 U+1F51 plus a stray digit (pdftotext prints "ὑ").  A ToUnicode CMap holds
UTF-16BE, so a character past U+FFFF needs its surrogate pair, `<D83DDD12>`.

The function is a module global that `TTFont.addObjects` looks up when a document
is saved, so replacing it is enough; BMP characters come out exactly as before.
reportlab is capped below its next major version in pyproject.toml for this.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.pdfbase import ttfonts

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


def install() -> None:
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap
