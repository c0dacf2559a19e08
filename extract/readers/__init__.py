"""Readers: bytes of one format → a `Document` (lines and tables of cells). No template knowledge."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from io import BytesIO

from extract.document import Document, ExtractionFailure

FORMATS = ("txt", "html", "pdf", "docx", "doc", "wps", "ofd", "xlsx", "xls", "et", "image")
# picture files (a scan, a photographed table): read by OCR
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM")


def sniff_format(data: bytes, name: str = "") -> str:
    """Tell the format from the bytes first, the file name second."""
    head = data[:2048].lstrip()
    lower = name.lower()
    if not data.strip():
        raise ExtractionFailure("empty_file", "the file is empty")
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(IMAGE_MAGIC[:4]) or (data.startswith(b"BM") and lower.endswith(".bmp")):
        return "image"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise ExtractionFailure("unreadable_file", f"a zip container that cannot be opened: {exc}") from exc
        if "word/document.xml" in names:
            return "wps" if lower.endswith(".wps") else "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names or any(n.lower() == "ofd.xml" for n in names):
            return "ofd"
        raise ExtractionFailure("unreadable_file", "a zip file that is not a Word (.docx), spreadsheet (.xlsx) or OFD document")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole_format(data, lower)
    if data.startswith(b"{\\rtf"):
        return "doc"  # RTF, often saved as .doc: LibreOffice converts it the same way
    low = head[:1024].lower()
    if low.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in low or b"<table" in low or b"<body" in low:
        return "html"
    if lower.endswith((".htm", ".html", ".shtml", ".xhtml")) and b"<" in head:
        return "html"
    if _looks_like_text(data):
        return "txt"
    raise ExtractionFailure("unreadable_file", "not a known document format (PDF, OFD, DOCX, DOC, WPS, XLSX, XLS, ET, HTML or text)")


def _ole_format(data: bytes, lower: str) -> str:
    """An OLE compound file: Word binary (.doc/.wps) or a workbook (.xls/.et), by its stream names."""
    utf16 = lambda s: s.encode("utf-16-le")  # noqa: E731
    if utf16("WordDocument") in data:
        return "wps" if lower.endswith(".wps") else "doc"
    if utf16("Workbook") in data or utf16("Book") in data:
        return "et" if lower.endswith(".et") else "xls"
    if lower.endswith(".wps"):
        return "wps"
    if lower.endswith((".xls", ".et")):
        return "et" if lower.endswith(".et") else "xls"
    return "doc"


def _looks_like_text(data: bytes) -> bool:
    """Text if it decodes and nearly every character is one a Chinese report prints.

    GB18030 decodes almost any byte sequence, so decoding alone proves nothing.
    """
    sample = data[:65536]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    for enc in ("utf-16", "utf-8", "gb18030") if sample.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8", "gb18030"):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError as exc:
            if exc.start <= len(sample) - 4:
                continue
            text = sample[: exc.start].decode(enc)
        return _common_share(text) >= 0.9
    return False


# the characters a Chinese report prints: controls of layout, ASCII, CJK, CJK punctuation,
# full-width forms, general punctuation, Latin-1, enclosed numbers, the byte-order mark
_UNCOMMON = re.compile("[^\t\n\r\f\x20-\x7e\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2000-\u206f\xa0-\xff\u2460-\u24ff\ufeff]")


def _common_share(text: str) -> float:
    if not text:
        return 0.0
    return (len(text) - len(_UNCOMMON.findall(text))) / len(text)


def reader_for(fmt: str) -> Callable[..., Document]:
    if fmt == "txt":
        from extract.readers.txt import read_txt

        return read_txt
    if fmt == "html":
        from extract.readers.html import read_html

        return read_html
    if fmt == "pdf":
        from extract.readers.pdf import read_pdf

        return read_pdf
    if fmt == "docx":
        from extract.readers.docx import read_docx

        return read_docx
    if fmt == "doc":
        from extract.readers.doc import read_doc

        return read_doc
    if fmt == "wps":
        from extract.readers.doc import read_wps

        return read_wps
    if fmt in ("xlsx", "xls", "et"):
        from extract.readers import sheet

        return {"xlsx": sheet.read_xlsx, "xls": sheet.read_xls, "et": sheet.read_et}[fmt]
    if fmt == "image":
        from extract.readers.image import read_image_file

        return read_image_file
    if fmt == "ofd":
        from extract.readers.ofd import read_ofd

        return read_ofd
    raise ValueError(fmt)
