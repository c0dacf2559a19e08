"""Pictures inside other documents (an `<img>` in a web page, a picture in a DOCX) read by OCR.

Sites paste the three statistics tables into the page as pictures; offices paste them into
Word as images. Such a picture is read like a scanned page (extract/readers/ocr.py) and its
tables and lines take the picture's place in the document's reading order, so the template
parser sees one Document whatever carried the numbers.

Web pictures are screen-sized (a table 700-1,000 pixels wide): a picture narrower than a
page scanned at 200 dpi is enlarged towards that width first (at most 3 times), since the
OCR's line and cell sizes are set for print resolutions. Icons, logos and spacer images are
skipped by size. Pictures are read only when the document's own text does not hold the
report's tables (extract/report.py decides, and reads the document again with pictures).
"""

from __future__ import annotations

import base64
import binascii
import re
from io import BytesIO
from typing import Any

from extract.document import Block, Table, TextLine

MAX_PIXELS = 40_000_000
MAX_BYTES = 10 * 1024 * 1024
MIN_WIDTH, MIN_HEIGHT = 200, 60  # smaller pictures are icons, logos, bullets
PAGE_WIDTH_PX = 1650  # an A4 page at 200 dpi
DPI = 200.0
MAX_PICTURES = 24

_DATA_URI = re.compile(r"^data:image/[a-z0-9.+-]+;base64,(.*)$", re.I | re.S)


def data_uri_bytes(src: str) -> bytes | None:
    """The bytes of a `data:image/...;base64,` URI, or None when it is not one (or is broken)."""
    m = _DATA_URI.match(src.strip())
    if not m:
        return None
    try:
        data = base64.b64decode(re.sub(r"\s+", "", m.group(1)), validate=False)
    except (binascii.Error, ValueError):
        return None
    return data if 0 < len(data) <= MAX_BYTES else None


def read_picture(data: bytes, number: int, page: int | None = None) -> tuple[list[Block], str | None]:
    """OCR one embedded picture: its tables and text lines in reading order, or why it was skipped.

    Returns (blocks, None) when it was read, ([], reason) when it was skipped (too small,
    not an image, too large). The cells carry `picture: number` with the usual OCR fields.
    """
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    from extract.readers.ocr import read_image

    if len(data) > MAX_BYTES:
        return [], f"picture {number} is {len(data)} bytes, over the cap of {MAX_BYTES}"
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        img = Image.open(BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        return [], f"picture {number} cannot be opened as an image ({exc})"
    width, height = img.size
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return [], f"picture {number} is {width}x{height} pixels (an icon or a logo)"
    if img.mode in ("RGBA", "LA", "P"):
        # a transparent background is paper, not ink
        rgba = img.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(paper, rgba)
    grey = img.convert("L")
    if width < PAGE_WIDTH_PX:
        scale = min(3.0, PAGE_WIDTH_PX / width)
        grey = grey.resize((round(width * scale), round(height * scale)), Image.Resampling.LANCZOS)
    blocks: list[Block] = []
    for _, block in read_image(np.asarray(grey), page or number, DPI):
        cells = [c for row in block.rows for c in row if c is not None] if isinstance(block, Table) else []
        for where in [c.where for c in cells] + ([block.where] if isinstance(block, TextLine) else []):
            where["picture"] = number
            if page is None:
                where.pop("page", None)
        if isinstance(block, Table):
            block.page = page
        blocks.append(block)
    return blocks, None


def append_picture(doc: Any, data: bytes | None, number: int, page: int | None = None, where: str = "") -> None:
    """Read one picture into `doc` at the current position; a skipped picture is named in problems."""
    if number > MAX_PICTURES:
        if number == MAX_PICTURES + 1:
            doc.problems.append({"code": "pictures_skipped", "table": None,
                                 "message": f"more than {MAX_PICTURES} pictures{where}: the rest were not read"})
        return
    if data is None:
        doc.problems.append({"code": "picture_unreadable", "table": None, "message": f"picture {number}{where} has no readable data"})
        return
    blocks, reason = read_picture(data, number, page)
    if reason:
        if "icon" not in reason:
            doc.problems.append({"code": "picture_unreadable", "table": None, "message": reason + where})
        return
    for block in blocks:
        doc.add(block)
