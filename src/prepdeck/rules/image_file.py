"""An image in an answer is a real PNG or JPEG file inside the content folder.

`![alt text](media/diagram.png)` names a path relative to the content folder. The
file must exist, stay inside the folder (no `..`, no symlink that leads out), be
the format its name says (`.png`, `.jpg`/`.jpeg`; it is decoded to check), and be
at most 2 MiB and 16 megapixels. SVG is not supported.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from prepdeck.content import Content
from prepdeck.errors import Problem
from prepdeck.text import is_remote, iter_images, parse_blocks

ID = "image-file"
MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 16_000_000
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def image_problem(root: Path, src: str) -> str | None:
    """What is wrong with the image `src` names, or None; `root` is the content folder."""
    if is_remote(src):
        return None  # markdown-format reports images from URLs
    parts = PurePosixPath(src.replace("\\", "/")).parts
    if ".." in parts:
        return f"image {src!r}: the path must stay inside the content folder (no '..')"
    suffix = PurePosixPath(src).suffix.lower()
    if suffix not in FORMATS:
        return f"image {src!r}: only .png, .jpg and .jpeg images are supported"
    path = root / src
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return f"image {src!r}: no such file in the content folder"
    if not real.is_relative_to(root.resolve()):
        return f"image {src!r}: the file is a link to outside the content folder"
    if not real.is_file():
        return f"image {src!r}: not a file"
    size = real.stat().st_size
    if size > MAX_BYTES:
        return f"image {src!r}: {size:,} bytes; the limit is {MAX_BYTES:,} (2 MiB)"
    return _decode_problem(real, src, FORMATS[suffix])


def _decode_problem(path: Path, src: str, expected: str) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format != expected:
                    found = image.format or "unknown"
                    return f"image {src!r}: the name says {expected} but the file is {found}"
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return (
                        f"image {src!r}: {width} x {height} pixels; the limit is "
                        f"{MAX_PIXELS:,} pixels"
                    )
                image.load()  # decode every pixel: a truncated file fails here
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return f"image {src!r}: not a readable {expected} file"
    except (OSError, ValueError, SyntaxError) as error:
        return f"image {src!r}: not a readable {expected} file ({error})"
    return None


def check(content: Content) -> Iterator[Problem]:
    for question in content.questions():
        answer = question.text("answer")
        if not answer or "![" not in answer:  # every image is written ![alt](path)
            continue
        lines = answer.splitlines()
        for image in iter_images(parse_blocks(answer)):
            message = image_problem(content.root, image.src)
            if message is not None:
                line = next((i for i, text in enumerate(lines) if f"]({image.src})" in text), 0)
                yield question.text_problem("answer", line=line, rule=ID, message=message)
