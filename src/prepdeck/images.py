"""Images in answers, read once: the bytes validate checks are the bytes every
artifact embeds.

A file is opened without following links, one folder at a time from the content
folder (so a file or folder swapped for a link after the path was checked is
refused, not followed), its size and kind are checked on the open file, and it is
decoded once, with Pillow's decompression-bomb guard turned into a problem.  The
validated bank carries what was read (`Bank.images`); a writer asks `image_data`,
which reads the same way only when the bank was made without validation (tests,
tools).
"""

from __future__ import annotations

import io
import os
import stat
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 16_000_000
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
MIME_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO put in a file's place must not hang


@dataclass(frozen=True, slots=True)
class ImageData:
    """A checked image: its bytes, format ("PNG" or "JPEG") and size in pixels."""

    data: bytes
    format: str
    width: int
    height: int

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]


def read_image(root: Path, src: str) -> ImageData | str:
    """The image `src` names (relative to the content folder `root`), or what is
    wrong with it, as a message."""
    parts = PurePosixPath(src.replace("\\", "/")).parts
    if ".." in parts:
        return f"image {src!r}: the path must stay inside the content folder (no '..')"
    suffix = PurePosixPath(src).suffix.lower()
    if suffix not in FORMATS:
        return f"image {src!r}: only .png, .jpg and .jpeg images are supported"
    try:
        real_root = root.resolve(strict=True)
        real = (root / src).resolve(strict=True)
    except (OSError, RuntimeError):
        return f"image {src!r}: no such file in the content folder"
    if not real.is_relative_to(real_root) or real == real_root:
        return f"image {src!r}: the file is a link to outside the content folder"
    try:
        data = _read_inside(real_root, real.relative_to(real_root).parts)
    except _Refused as refused:
        return f"image {src!r}: {refused}"
    except OSError as error:
        return f"image {src!r}: cannot be read ({error.strerror or error})"
    return _decode(data, src, FORMATS[suffix])


class _Refused(Exception):
    pass


def _read_inside(root: Path, parts: tuple[str, ...]) -> bytes:
    """The bytes of root/parts, opened one link-free step at a time."""
    fd = os.open(root, os.O_RDONLY | _DIRECTORY)
    try:
        for name in parts[:-1]:
            try:
                step = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
            except OSError as error:
                raise _Refused("a folder on its path changed while it was read") from error
            os.close(fd)
            fd = step
        try:
            file = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=fd)
        except OSError as error:
            raise _Refused("the file changed (into a link?) while it was read") from error
    finally:
        os.close(fd)
    try:
        info = os.fstat(file)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("not a file")
        if info.st_size > MAX_BYTES:
            raise _Refused(f"{info.st_size:,} bytes; the limit is {MAX_BYTES:,} (2 MiB)")
        chunks: list[bytes] = []
        left = MAX_BYTES + 1
        while left > 0:
            chunk = os.read(file, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(file)
    data = b"".join(chunks)
    if len(data) > MAX_BYTES:
        raise _Refused(f"more than {MAX_BYTES:,} bytes (2 MiB)")
    return data


def _decode(data: bytes, src: str, expected: str) -> ImageData | str:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
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
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return f"image {src!r}: too many pixels; the limit is {MAX_PIXELS:,} pixels"
    except UnidentifiedImageError:
        return f"image {src!r}: not a readable {expected} file"
    except (OSError, ValueError, SyntaxError) as error:
        return f"image {src!r}: not a readable {expected} file ({error})"
    return ImageData(data, expected, width, height)


def image_data(read: Mapping[str, ImageData], content_dir: Path | None, src: str) -> ImageData:
    """The image `src` as validation read it (`read`: a bank's `images`); read the
    same careful way only for a bank made without validation.  Raises ValueError
    for an image that cannot be used: a validated bank has none."""
    found = read.get(src)
    if found is not None:
        return found
    if content_dir is None:
        raise ValueError(f"image {src!r}: rendered without the content folder")
    image = read_image(content_dir, src)
    if isinstance(image, str):
        raise ValueError(image)
    return image
