"""Ruled tables read with pdfium alone: edges from path objects, text from the text page.

pdfplumber spends most of a table page's time interpreting the content stream in Python.
pdfium (C) already has the page parsed: its path segments give the ruling lines and its
text page gives each character's box. pdfplumber's own geometry (snap and join edges,
intersections, cells, tables) turns the edges into cells, so the grid comes out as
pdfplumber would give it: the top-left slot of a merged cell holds the text, the covered
slots are None. A page whose tables are not ruled returns None (the caller falls back to
pdfplumber).
"""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as c
from pdfplumber.table import Table as PlumberTable
from pdfplumber.table import (
    cells_to_tables,
    edges_to_intersections,
    intersections_to_cells,
    merge_edges,
)

SNAP = 3.0
JOIN = 3.0
MIN_EDGE = 3.0
INTERSECT = 3.0
_WS = frozenset(" \t\r\n\x00\ufeff\u3000\xa0")


def _mul(m1: tuple[float, ...], m2: tuple[float, ...]) -> tuple[float, ...]:
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2, e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def _matrix(raw: Any) -> tuple[float, ...]:
    m = c.FS_MATRIX()
    if not c.FPDFPageObj_GetMatrix(raw, m):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _edges(page: pdfium.PdfPage) -> list[dict[str, Any]]:
    """Horizontal and vertical segments of every path, in top-down coordinates (top = -y)."""
    edges: list[dict[str, Any]] = []
    forms: dict[int, tuple[float, ...]] = {}
    x, y = ctypes.c_float(), ctypes.c_float()
    for obj in page.get_objects(filter=None, max_depth=4):
        raw = obj.raw
        ctm = _matrix(raw)
        if obj.level > 0:
            ctm = _mul(ctm, forms.get(obj.level - 1, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)))
        if obj.type == c.FPDF_PAGEOBJ_FORM:
            forms[obj.level] = ctm  # the page-space matrix of what this form contains
            continue
        if obj.type != c.FPDF_PAGEOBJ_PATH:
            continue
        a, b, cc, d, e, f = ctm
        if abs(b) > 1e-6 or abs(cc) > 1e-6:
            continue  # rotated or skewed: not a table rule
        n = c.FPDFPath_CountSegments(raw)
        cur: tuple[float, float] | None = None
        start: tuple[float, float] | None = None
        for i in range(n):
            seg = c.FPDFPath_GetPathSegment(raw, i)
            if not c.FPDFPathSegment_GetPoint(seg, x, y):
                continue
            p = (a * x.value + e, d * y.value + f)
            kind = c.FPDFPathSegment_GetType(seg)
            if kind == c.FPDF_SEGMENT_MOVETO:
                cur = start = p
                continue
            if kind == c.FPDF_SEGMENT_LINETO and cur is not None:
                _add(edges, cur, p)
            cur = p
            if c.FPDFPathSegment_GetClose(seg) and start is not None and cur is not None:
                _add(edges, cur, start)
                cur = start
    return edges


def _add(edges: list[dict[str, Any]], p: tuple[float, float], q: tuple[float, float]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) < 0.5 and abs(x1 - x0) >= 1:
        left, right = sorted((x0, x1))
        top = -y0
        edges.append({"x0": left, "x1": right, "top": top, "bottom": top, "width": right - left, "height": 0.0,
                      "orientation": "h", "object_type": "line"})
    elif abs(x0 - x1) < 0.5 and abs(y1 - y0) >= 1:
        top, bottom = sorted((-y0, -y1))
        edges.append({"x0": x0, "x1": x0, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top,
                      "orientation": "v", "object_type": "line"})


def _chars(textpage: pdfium.PdfTextPage) -> list[tuple[str, float, float, float, float]] | None:
    """(char, x0, top, x1, bottom) for every printed character; None if the text does not line up."""
    n = textpage.count_chars()
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:
        return None  # surrogate pairs or generated text shift the indices: let pdfplumber do this page
    out = []
    rect = c.FS_RECTF()
    for i, ch in enumerate(text):
        if ch in _WS:
            continue
        # the loose box (font bounds) keeps a line's characters on one baseline band;
        # tight boxes put quotes and 、 above or below their line
        if not c.FPDFText_GetLooseCharBox(textpage.raw, i, rect):
            continue
        out.append((ch, rect.left, -rect.top, rect.right, -rect.bottom))
    return out


def _join_lines(chars: list[tuple[str, float, float, float, float]]) -> str:
    """Characters of one cell in reading order, a line break between lines."""
    if not chars:
        return ""
    ordered = sorted(chars, key=lambda ch: ((ch[2] + ch[4]) / 2, ch[1]))
    lines: list[list[tuple[str, float, float, float, float]]] = []
    for ch in ordered:
        mid = (ch[2] + ch[4]) / 2
        if lines:
            last = lines[-1][-1]
            if abs(mid - (last[2] + last[4]) / 2) <= max(2.0, (last[4] - last[2]) * 0.5):
                lines[-1].append(ch)
                continue
        lines.append([ch])
    return "\n".join("".join(ch[0] for ch in sorted(line, key=lambda ch: ch[1])) for line in lines)


def read_page(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> tuple[list[tuple[float, list[list[str | None]]]], list[tuple[float, str]]] | None:
    """Tables (top, grid) and text lines (top, text) of one page, or None to fall back."""
    raw_edges = [e for e in _edges(page) if (e["width"] if e["orientation"] == "h" else e["height"]) >= 1]
    if len(raw_edges) < 4:
        return None
    return layout(raw_edges, lambda: _chars(textpage))


def layout(
    raw_edges: list[dict[str, Any]], get_chars: Any
) -> tuple[list[tuple[float, list[list[str | None]]]], list[tuple[float, str]]] | None:
    """Ruling edges (top-down points) and characters (char, x0, top, x1, bottom) → tables and lines.

    Shared with the OFD reader, whose pages give the same two things.
    """
    edges = merge_edges(raw_edges, SNAP, SNAP, JOIN, JOIN)
    edges = [e for e in edges if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"]) >= MIN_EDGE]
    cells = intersections_to_cells(edges_to_intersections(edges, INTERSECT, INTERSECT))
    tables = [t for t in cells_to_tables(cells) if len(t) > 1]
    if not tables:
        return None
    chars = get_chars()
    if chars is None:
        return None
    out_tables: list[tuple[float, list[list[str | None]]]] = []
    boxes = []
    for cell_list in tables:
        table = PlumberTable(None, cell_list)  # type: ignore[arg-type]
        x0, top, x1, bottom = table.bbox
        boxes.append((x0, top, x1, bottom))
        inside = [ch for ch in chars if x0 <= (ch[1] + ch[3]) / 2 < x1 and top <= (ch[2] + ch[4]) / 2 < bottom]
        grid: list[list[str | None]] = []
        for row in table.rows:
            r_top, r_bottom = row.bbox[1], row.bbox[3]
            row_chars = [ch for ch in inside if r_top <= (ch[2] + ch[4]) / 2 < r_bottom]
            cells_text: list[str | None] = []
            for cell in row.cells:
                if cell is None:
                    cells_text.append(None)
                    continue
                cx0, ctop, cx1, cbottom = cell
                cells_text.append(_join_lines([ch for ch in row_chars if cx0 <= (ch[1] + ch[3]) / 2 < cx1 and ctop <= (ch[2] + ch[4]) / 2 < cbottom]))
            grid.append(cells_text)
        out_tables.append((top, grid))
    outside = [ch for ch in chars if not any(b[0] <= (ch[1] + ch[3]) / 2 < b[2] and b[1] <= (ch[2] + ch[4]) / 2 < b[3] for b in boxes)]
    lines: list[tuple[float, str]] = []
    for text in _group_lines(outside):
        lines.append(text)
    return out_tables, lines


def _group_lines(chars: list[tuple[str, float, float, float, float]]) -> list[tuple[float, str]]:
    ordered = sorted(chars, key=lambda ch: ((ch[2] + ch[4]) / 2, ch[1]))
    groups: list[list[tuple[str, float, float, float, float]]] = []
    for ch in ordered:
        mid = (ch[2] + ch[4]) / 2
        if groups and abs(mid - (groups[-1][-1][2] + groups[-1][-1][4]) / 2) <= max(2.0, (ch[4] - ch[2]) * 0.5):
            groups[-1].append(ch)
        else:
            groups.append([ch])
    return [(min(ch[2] for ch in g), "".join(ch[0] for ch in sorted(g, key=lambda ch: ch[1]))) for g in groups]
