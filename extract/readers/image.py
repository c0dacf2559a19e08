"""A picture file (JPG, PNG, TIFF, BMP — a scan or a photographed table) read by OCR.

Every frame of a multi-page TIFF is a page. The resolution comes from the file's DPI
when it states one, else from the width of an A4 page (a scan's usual size), kept within
100–300 dpi: the OCR's line and cell sizes scale with it.
"""

from __future__ import annotations

from io import BytesIO

from extract.document import Document, ExtractionFailure

A4_WIDTH_IN = 8.27
MAX_PIXELS = 60_000_000


def _dpi(img: object, width: int) -> float:
    info = getattr(img, "info", {}) or {}
    dpi = info.get("dpi")
    if dpi and isinstance(dpi, tuple) and dpi[0] and 72 < float(dpi[0]) <= 1200:
        return float(dpi[0])
    return min(300.0, max(100.0, width / A4_WIDTH_IN))


def read_image_file(data: bytes, name: str = "") -> Document:
    import numpy as np
    from PIL import Image, ImageSequence, UnidentifiedImageError

    from extract.readers.ocr import read_image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        img = Image.open(BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ExtractionFailure("unreadable_file", f"the image cannot be opened: {exc}") from exc
    doc = Document("image")
    for number, frame in enumerate(ImageSequence.Iterator(img), start=1):
        grey = np.asarray(frame.convert("L"))
        for _, block in read_image(grey, number, _dpi(img, grey.shape[1])):
            doc.add(block)
    if not doc.blocks:
        raise ExtractionFailure("no_text_layer", "OCR found no text in the image")
    return doc
