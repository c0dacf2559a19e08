"""OCR of a page image: ruled tables cell by cell, the other text line by line.

Whole-page detection + recognition drops lone digits, so tables are read as the measured
method that reached 99.6 % on ordinary scans does (shared/notes/stack-facts.md): deskew;
ruling lines by OpenCV morphology; cells are the regions between the lines (pdfplumber's
geometry, the same the PDF readers use); each cell is cropped tightly around its ink and
recognised on its own (recogniser only, no detector). Text outside the tables (title,
paragraphs, signature, date) goes through detector + recogniser.

Guards: a cell with no ink is blank; a cell whose ink is one slanted stroke is the blank
mark `/` (OCR reads it as 1 or 7), one flat stroke the mark `—` (read as 一). The template parser decides what the text means; the
verification after parsing (extract/template/verify.py) decides whether the value is
trusted. The models come inside the `rapidocr-onnxruntime` wheel: nothing is downloaded.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from extract.document import Cell, Table, TextLine

# pdfplumber geometry tolerances, in pixels at 200 dpi (scaled with the resolution)
_SNAP_PT = 3.0
_PAD = 3  # pixels of paper kept around a cell's ink


def ocr_threads() -> int:
    """Threads per OCR engine: XXGK_OCR_THREADS, else 1 inside a worker process (one OCR
    process per core: the pool already fills the cores), else onnxruntime's choice (0)."""
    import multiprocessing
    import os

    if os.environ.get("XXGK_OCR_THREADS", "").strip().isdigit():
        return int(os.environ["XXGK_OCR_THREADS"])
    return 1 if multiprocessing.parent_process() is not None else 0


@lru_cache(maxsize=1)
def engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    threads = ocr_threads()
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1) if threads else RapidOCR()


def _binary(grey: np.ndarray) -> np.ndarray:
    import cv2

    # a light blur first: scanner noise and JPEG blocks would otherwise break thin strokes
    # (a lone 1 into pieces read as 一) and leave specks read as letters
    smooth = cv2.GaussianBlur(grey, (3, 3), 0)
    return cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)


def _rules(ink: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the horizontal and vertical ruling lines."""
    import cv2

    k = max(20, int(dpi * 0.3))
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, int(dpi * 0.15)))))
    # close the small gaps noise and JPEG leave in a line
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    vert = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    return horiz, vert


def deskew(grey: np.ndarray, dpi: float) -> np.ndarray:
    """The page turned so that its long horizontal rules are level (tilts up to ~3°)."""
    import cv2

    ink = _binary(grey)
    k = max(20, int(dpi * 0.5))
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(horiz)
    angles = []
    weights = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if w < grey.shape[1] * 0.25:
            continue
        ys, xs = np.nonzero(labels[y:y + h, x:x + w] == i)
        if len(xs) < 50:
            continue
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angles.append(np.degrees(np.arctan(slope)))
        weights.append(w)
    if not angles:
        return grey
    angle = float(np.average(angles, weights=weights))
    if abs(angle) < 0.05:
        return grey
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = int(np.median(grey))
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def _edges(mask: np.ndarray, orientation: str) -> list[dict[str, Any]]:
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if orientation == "h":
            top = y + h / 2
            out.append({"x0": float(x), "x1": float(x + w), "top": top, "bottom": top, "width": float(w), "height": 0.0,
                        "orientation": "h", "object_type": "line"})
        else:
            x0 = x + w / 2
            out.append({"x0": x0, "x1": x0, "top": float(y), "bottom": float(y + h), "width": 0.0, "height": float(h),
                        "orientation": "v", "object_type": "line"})
    return out


def _tables(horiz: np.ndarray, vert: np.ndarray, dpi: float) -> list[Any]:
    """pdfplumber tables (cells between the rules) in pixel coordinates."""
    from pdfplumber.table import Table as PlumberTable
    from pdfplumber.table import (
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
        merge_edges,
    )

    tol = _SNAP_PT * dpi / 72
    edges = _edges(horiz, "h") + _edges(vert, "v")
    edges = merge_edges(edges, tol, tol, tol, tol)
    cells = intersections_to_cells(edges_to_intersections(edges, tol, tol))
    return [PlumberTable(None, c) for c in cells_to_tables(cells) if len(c) > 1]  # type: ignore[arg-type]


_SLASH_CORR = 0.7  # measured: / -0.78 on a hard scan, 1 +0.2, 2 -0.1


def _is_slash(ink: np.ndarray) -> bool:
    """One slanted stroke, bottom-left to top-right: the blank mark `/`."""
    ys, xs = np.nonzero(ink)
    if len(xs) < 10:
        return False
    h = ys.max() - ys.min() + 1
    w = xs.max() - xs.min() + 1
    if w < h * 0.25 or w > h * 1.2:
        return False
    corr = np.corrcoef(xs, ys)[0, 1]
    if corr >= -_SLASH_CORR:
        return False
    # a 7 leans the same way but has a bar across its top: a slash's top is a stroke's width
    top = xs[ys <= ys.min() + max(1, h // 6)]
    return bool(top.max() - top.min() + 1 < 0.6 * w)


def _is_dash(ink: np.ndarray, dpi: float) -> bool:
    """One flat stroke: the blank mark — or - (the recogniser reads it as 一)."""
    ys, xs = np.nonzero(ink)
    if len(xs) < 6:
        return False
    h = ys.max() - ys.min() + 1
    w = xs.max() - xs.min() + 1
    return bool(h <= max(3, dpi * 4 / 72) and w >= 2.5 * h and len(xs) >= 0.5 * h * w)


def _line_bands(ink: np.ndarray, min_h: int = 4) -> list[tuple[int, int]]:
    """Rows of text inside a cell's ink (split at empty pixel rows); bands lower than
    `min_h` (a piece of a broken stroke, a dot) join their neighbour."""
    rows = ink.any(axis=1)
    bands = []
    start = None
    for i, on in enumerate(rows):
        if on and start is None:
            start = i
        elif not on and start is not None:
            bands.append((start, i))
            start = None
    if start is not None:
        bands.append((start, len(rows)))
    # merge slivers (dots, strokes of 二) into their neighbour
    merged: list[tuple[int, int]] = []
    for b in bands:
        if merged and (b[0] - merged[-1][1] < 3 or b[1] - b[0] < min_h or merged[-1][1] - merged[-1][0] < min_h):
            merged[-1] = (merged[-1][0], b[1])
        else:
            merged.append(b)
    return merged


def _cell_crops(grey: np.ndarray, ink: np.ndarray, box: tuple[float, float, float, float], dpi: float = 200.0) -> tuple[str, list[np.ndarray]]:
    """("blank" | "slash" | "text", crops of each text line in the cell)."""
    import cv2

    x0, top, x1, bottom = (round(v) for v in box)
    inset = 4
    sub = ink[top + inset:bottom - inset, x0 + inset:x1 - inset]
    if sub.size == 0:
        return "blank", []
    # specks: drop components of a few pixels
    n, labels, stats, _ = cv2.connectedComponentsWithStats(sub)
    keep = np.zeros_like(sub)
    for i in range(1, n):
        if stats[i][4] >= max(6, int((dpi / 200) ** 2 * 12)):
            keep[labels == i] = 255
    if not keep.any():
        return "blank", []
    if _is_slash(keep):
        return "slash", []
    if _is_dash(keep, dpi):
        return "dash", []
    crops = []
    # a text line of the template's tables is >= 7 pt: a band under a third of that is a fragment
    for b0, b1 in _line_bands(keep, max(4, int(dpi * 7 / 72 / 3))):
        band = keep[b0:b1]
        cols = np.nonzero(band.any(axis=0))[0]
        if len(cols) == 0:
            continue
        gy0 = max(0, top + inset + b0 - _PAD)
        gy1 = min(grey.shape[0], top + inset + b1 + _PAD)
        gx0 = max(0, x0 + inset + cols[0] - _PAD)
        gx1 = min(grey.shape[1], x0 + inset + cols[-1] + 1 + _PAD)
        crop = grey[gy0:gy1, gx0:gx1]
        # the recogniser expects lines about 48 px high: pad short crops with paper
        crop = cv2.copyMakeBorder(crop, 6, 6, 8, 8, cv2.BORDER_REPLICATE)
        crops.append(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR))
    return ("text", crops) if crops else ("blank", [])


_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub("", text)


# a speck after a number is read as a point or a comma (59 read as "59."); one before it is
# kept, since ".59" may be 0.59 with its 0 lost, and the cell is then refused, not misread
_EDGE_MARKS = re.compile(r"(?<=\d)[.,。，·、']+$")


def _clean_cell(text: str) -> str:
    """A table cell's text: spaces gone, a stray mark after a number dropped.

    Only marks with nothing after them go: 5.349 stays 5.349, which the verification then
    refuses as a count with a decimal point.
    """
    return _EDGE_MARKS.sub("", _clean(text))


def read_image(grey: np.ndarray, page: int, dpi: float = 200.0) -> list[tuple[float, Any]]:
    """Blocks (top, Table | TextLine) of one page image (8-bit grey), in reading order by top."""
    import cv2

    grey = deskew(grey, dpi)
    ink = _binary(grey)
    horiz, vert = _rules(ink, dpi)
    tables = _tables(horiz, vert, dpi)
    text_ink = cv2.subtract(ink, cv2.bitwise_or(horiz, vert))
    eng = engine()
    items: list[tuple[float, Any]] = []
    boxes = []
    for table in tables:
        boxes.append(table.bbox)
        jobs: list[tuple[int, int, int]] = []  # (row, col, line) per crop
        crops: list[np.ndarray] = []
        grid: list[list[Cell | None]] = []
        for r, row in enumerate(table.rows):
            cells: list[Cell | None] = []
            for c, box in enumerate(row.cells):
                if box is None:
                    cells.append(None)
                    continue
                kind, lines = _cell_crops(grey, text_ink, box, dpi)
                where: dict[str, Any] = {"page": page, "table": 0, "row": r, "col": c, "source": "ocr"}
                if kind in ("slash", "dash"):
                    # the blank-mark guards: no engine score
                    cells.append(Cell("/" if kind == "slash" else "—", where))
                    continue
                cells.append(Cell("", where))
                for i, crop in enumerate(lines):
                    jobs.append((r, c, i))
                    crops.append(crop)
            grid.append(cells)
        if crops:
            results, _ = eng.text_rec(crops)
            texts: dict[tuple[int, int], list[tuple[str, float]]] = {}
            for (r, c, _i), (text, score) in zip(jobs, results, strict=True):
                texts.setdefault((r, c), []).append((_clean_cell(text), float(score)))
            for (r, c), parts in texts.items():
                cell = grid[r][c]
                assert cell is not None
                cell.text = "\n".join(t for t, _ in parts if t)
                cell.where["confidence"] = round(min(s for _, s in parts), 4)
        items.append((float(table.bbox[1]), Table(grid, page=page)))
    items.extend(_text_lines(grey, boxes, page))
    return sorted(items, key=lambda x: x[0])


def _text_lines(grey: np.ndarray, boxes: list[tuple[float, float, float, float]], page: int) -> list[tuple[float, TextLine]]:
    """Detector + recogniser on the page with its tables painted over."""
    import cv2

    img = grey.copy()
    paper = int(np.median(grey))
    for x0, top, x1, bottom in boxes:
        img[int(top):int(bottom) + 1, int(x0):int(x1) + 1] = paper
    result, _ = engine()(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
    found = []
    for quad, text, _score in result or []:
        ys = [p[1] for p in quad]
        xs = [p[0] for p in quad]
        found.append((min(ys), max(ys), min(xs), _clean(text)))
    found.sort()
    lines: list[list[tuple[float, float, float, str]]] = []
    for item in found:
        if lines:
            last = lines[-1]
            l_top, l_bottom = min(i[0] for i in last), max(i[1] for i in last)
            mid = (item[0] + item[1]) / 2
            if l_top <= mid <= l_bottom:
                last.append(item)
                continue
        lines.append([item])
    out = []
    for group in lines:
        text = "".join(i[3] for i in sorted(group, key=lambda i: i[2]))
        if text:
            out.append((float(min(i[0] for i in group)), TextLine(text, {"page": page, "source": "ocr"})))
    return out
