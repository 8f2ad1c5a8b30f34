"""An image in an answer is a real PNG or JPEG file inside the content folder.

`![alt text](media/diagram.png)` names a path relative to the content folder. The
file must exist, stay inside the folder (no `..`, no symlink that leads out), be
the format its name says (`.png`, `.jpg`/`.jpeg`; it is decoded to check), and be
at most 2 MiB and 16 megapixels. SVG is not supported.
"""

from __future__ import annotations

from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem
from prepdeck.images import MAX_BYTES, MAX_PIXELS
from prepdeck.text import is_remote, iter_images, parse_blocks

ID = "image-file"
__all__ = ["ID", "MAX_BYTES", "MAX_PIXELS", "check", "image_problem"]


def image_problem(content: Content, src: str) -> str | None:
    """What is wrong with the image `src` names, or None (each file is read and
    decoded once per validation, however many answers show it)."""
    if is_remote(src):
        return None  # markdown-format reports images from URLs
    found = content.image(src)
    return found if isinstance(found, str) else None


def check(content: Content) -> Iterator[Problem]:
    for question in content.questions():
        answer = question.text("answer")
        if not answer or "![" not in answer:  # every image is written ![alt](path)
            continue
        lines: list[str] | None = None
        for image in iter_images(parse_blocks(answer)):
            message = image_problem(content, image.src)
            if message is not None:
                lines = lines or answer.splitlines()
                line = next(
                    (i for i, text in enumerate(lines) if "![" in text and image.src in text), 0
                )
                yield question.text_problem("answer", line=line, rule=ID, message=message)
