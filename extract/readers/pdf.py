"""PDF: cheap text of every page (pypdfium2), pdfplumber tables only where the tables are.

The template's tables sit on a few pages of a report; pdfplumber is ~20× slower than
pypdfium2's text, so pages are picked by their text first. A table split across pages
needs no stitching here: the parser reads runs of labels and values in reading order, so
a header repeated on the next page, a continued table with fewer columns, or a row cut by
the page break reduce to the same runs. Page-number lines are dropped.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from extract.document import Cell, Document, ExtractionFailure, Table, TextLine
from extract.readers.pdf_lattice import read_page
from extract.template.numbers import is_page_number

# Text that only the template's tables print (normalised: no whitespace).
_TABLE_MARKERS = re.compile(
    r"第二十条|信息内容|本年制发|本年新收|上年结转|予以公开|不予公开|无法提供|不予处理|结转下年|结果维持|结果纠正|尚未审结|勾稽关系|申请人情况|处理决定数量"
)
_SECTION_END = re.compile(r"存在的主要问题|主要问题及改进")
MIN_TEXT_CHARS = 20


def _open_pdfium(data: bytes) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise ExtractionFailure("encrypted", "the PDF is encrypted (password protected) and cannot be read") from exc
        raise ExtractionFailure("unreadable_file", f"the PDF is corrupt or truncated: {msg}") from exc


def page_texts(data: bytes) -> list[str]:
    pdf = _open_pdfium(data)
    try:
        return _texts(pdf, keep="none")[0]
    finally:
        pdf.close()


_Loaded = tuple[Any, Any]  # a pdfium page and its text page


def _texts(pdf: Any, keep: str) -> tuple[list[str], list[str], dict[int, _Loaded]]:
    """Every page's text, the same without whitespace, and the pages to keep loaded for the table
    reader (it need not load them again).

    `keep`: "all" pages, "tables" (the pages `table_pages` can pick: a page printing a table
    marker and the page after it), or "none".
    """
    texts: list[str] = []
    compact: list[str] = []
    kept: dict[int, _Loaded] = {}
    marked_before = False
    for i in range(len(pdf)):
        page = pdf[i]
        try:
            tp = page.get_textpage()
            text = tp.get_text_range() or ""
            texts.append(text)
            compact.append(re.sub(r"\s+", "", text))
            marked = keep == "tables" and bool(_TABLE_MARKERS.search(compact[-1]))
            if keep == "all" or marked or marked_before:
                kept[i] = (page, tp)
            else:
                tp.close()
            marked_before = marked
        finally:
            if i not in kept:
                page.close()
    return texts, compact, kept


def table_pages(texts: list[str], compact: list[str] | None = None) -> list[int]:
    """0-based indices of the pages worth running pdfplumber on (`compact`: the texts without whitespace, if known)."""
    if compact is None:
        compact = [re.sub(r"\s+", "", t) for t in texts]
    marked = [bool(_TABLE_MARKERS.search(t)) for t in compact]
    pages: set[int] = set()
    for i, hit in enumerate(marked):
        if not hit:
            continue
        pages.add(i)
        # a table may run onto the next page with nothing but numbers on it
        if i + 1 < len(texts) and not marked[i + 1] and not _SECTION_END.search(compact[i]):
            pages.add(i + 1)
    return sorted(pages)


def _load(pdf: Any, i: int) -> _Loaded:
    page = pdf[i]
    return page, page.get_textpage()


def _lines(text: str, page: int) -> list[TextLine]:
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not is_page_number(line):
            out.append(TextLine(line, {"page": page}))
    return out


def read_pdf(data: bytes, name: str = "", all_pages: bool = False, engine: str = "auto") -> Document:
    """`engine`: "auto" reads ruled tables with pdfium (pdf_lattice) and falls back to
    pdfplumber page by page; "pdfplumber" uses pdfplumber on every table page."""
    pdf = _open_pdfium(data)
    kept: dict[int, _Loaded] = {}
    try:
        texts, compact, kept = _texts(pdf, keep="none" if engine != "auto" else "all" if all_pages else "tables")
        doc = Document("pdf")
        # pages without a text layer (a scan) are read by OCR, and only those
        printed = [len(t) for t in compact]
        scanned = [i for i, n in enumerate(printed) if n < MIN_TEXT_CHARS]
        ocr_blocks = _ocr_pages(data, scanned) if scanned else {}
        if sum(printed) < MIN_TEXT_CHARS and not any(ocr_blocks.values()):
            raise ExtractionFailure(
                "no_text_layer",
                f"the PDF has no text layer ({len(texts)} page(s) of images, e.g. a scan) and OCR found no text on them",
            )
        for i in ocr_blocks:
            texts[i] = compact[i] = ""
        wanted = set(range(len(texts))) if all_pages else set(table_pages(texts, compact))
        wanted -= set(ocr_blocks)
        fallback: list[int] = []
        per_page: dict[int, list[tuple[float, Any]]] = {i: b for i, b in ocr_blocks.items() if b}
        if engine == "auto" and wanted:
            for i in sorted(wanted):
                page, tp = kept.pop(i, None) or _load(pdf, i)
                try:
                    found = read_page(page, tp)
                finally:
                    tp.close()
                    page.close()
                if found is None:
                    fallback.append(i)
                    continue
                per_page[i] = _blocks(found, i + 1)
        elif wanted:
            fallback = sorted(wanted)
    finally:
        for page, tp in kept.values():
            tp.close()
            page.close()
        pdf.close()
    if fallback:
        per_page.update(_plumber_pages(data, fallback))
    for i, text in enumerate(texts):
        if i in per_page:
            for _, block in sorted(per_page[i], key=lambda x: x[0]):
                doc.add(block)
        else:
            doc.blocks.extend(_lines(text, i + 1))
    return doc


OCR_DPI = 200


def _ocr_pages(data: bytes, pages: list[int]) -> dict[int, list[tuple[float, Any]]]:
    """Blocks of each page rendered at OCR_DPI and read by OCR (extract/readers/ocr.py)."""
    import numpy as np
    import pypdfium2.raw as pdfium_c

    from extract.readers.ocr import read_image

    pdf = _open_pdfium(data)
    out: dict[int, list[tuple[float, Any]]] = {}
    try:
        for i in pages:
            page = pdf[i]
            try:
                if not _scanned(page, pdfium_c):
                    continue  # an empty page or a stamp beside a few words, not a scan
                bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
                grey = np.asarray(bitmap.to_pil().convert("L"))
            finally:
                page.close()
            out[i] = read_image(grey, i + 1, OCR_DPI)
    finally:
        pdf.close()
    return out


SCAN_SHARE = 0.3


def _scanned(page: Any, pdfium_c: Any) -> bool:
    """The page holds an image covering at least SCAN_SHARE of it (a scanned page)."""
    width, height = page.get_size()
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        left, bottom, right, top = obj.get_bounds()
        if (right - left) * (top - bottom) >= SCAN_SHARE * width * height:
            return True
    return False


def _blocks(found: tuple[list[tuple[float, list[list[str | None]]]], list[tuple[float, str]]], number: int) -> list[tuple[float, Any]]:
    tables, lines = found
    items: list[tuple[float, Any]] = []
    for top, grid in tables:
        rows = [[None if v is None else Cell(v, {"page": number, "table": 0, "row": r, "col": c}) for c, v in enumerate(row)]
                for r, row in enumerate(grid)]
        items.append((top, Table(rows, page=number)))
    for top, text in lines:
        text = text.strip()
        if text and not is_page_number(text):
            items.append((top, TextLine(text, {"page": number})))
    return items


def _plumber_pages(data: bytes, pages: list[int]) -> dict[int, list[tuple[float, Any]]]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        plumber = pdfplumber.open(BytesIO(data))
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises many kinds
        if "password" in str(exc).lower() or type(exc).__name__ == "PDFPasswordIncorrect":
            raise ExtractionFailure("encrypted", "the PDF is encrypted (password protected) and cannot be read") from exc
        raise ExtractionFailure("unreadable_file", f"pdfplumber cannot open the PDF: {exc}") from exc
    out: dict[int, list[tuple[float, Any]]] = {}
    with plumber:
        for i in pages:
            number = i + 1
            page = plumber.pages[i]
            try:
                tables = []
                boxes = []
                for t in page.find_tables():
                    tables.append((t.bbox[1], t.extract()))
                    boxes.append(t.bbox)
                outside = page
                for box in boxes:
                    outside = outside.outside_bbox(box, strict=False)
                lines = [(line["top"], line["text"]) for line in outside.extract_text_lines(return_chars=False)]
                if not tables:
                    # no ruled table on a page that prints the template's labels: read its lines
                    # as rows of cells split at the gaps between words (an unruled table)
                    out[i] = _text_table(lines, number)
                    continue
                out[i] = _blocks((tables, lines), number)
            finally:
                page.close()
    return out


def _text_table(lines: list[tuple[float, str]], number: int) -> list[tuple[float, Any]]:
    """Lines of an unruled table as a table whose rows are the lines' words.

    Only lines that end in values become rows; the rest stay text (headings decide sections).
    The parser accepts a row only when it holds exactly the template's number of values, so a
    number run into its neighbour makes the row unreadable, never a wrong value.
    """
    items: list[tuple[float, Any]] = []
    rows: list[list[Cell | None]] = []
    top0: float | None = None
    for top, text in lines:
        words = text.split()
        has_value = any(_VALUE.match(w) for w in words)
        if has_value and len(words) >= 2:
            rows.append([Cell(w, {"page": number, "table": 0, "row": len(rows), "col": c, "layout": "text"}) for c, w in enumerate(words)])
            top0 = top if top0 is None else top0
            continue
        if rows:
            items.append((top0 or 0.0, Table(rows, page=number)))
            rows, top0 = [], None
        text = text.strip()
        if text and not is_page_number(text):
            items.append((top, TextLine(text, {"page": number})))
    if rows:
        items.append((top0 or 0.0, Table(rows, page=number)))
    return items


_VALUE = re.compile(r"^[+-]?\d+(\.\d+)?$|^[/—－-]$")
