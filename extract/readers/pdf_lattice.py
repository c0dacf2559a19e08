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
import math
from bisect import bisect_left, bisect_right
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


MAX_DEPTH = 4  # form XObjects nested deeper than this are not looked into


class _Unusual(Exception):
    """pdfium could not list a page's objects: pypdfium2's own walk says why."""


def _walk(parent: Any, level: int, out: list[tuple[Any, int, int]]) -> None:
    """(raw object, type, nesting level) of every object, in the order `page.get_objects(max_depth=MAX_DEPTH)`
    yields them, without making a Python object of each (most are text)."""
    count, get = (c.FPDFPage_CountObjects, c.FPDFPage_GetObject) if level == 0 else (c.FPDFFormObj_CountObjects, c.FPDFFormObj_GetObject)
    n = count(parent)
    if n < 0:
        raise _Unusual
    for i in range(n):
        raw = get(parent, i)
        if not raw:
            raise _Unusual
        kind = c.FPDFPageObj_GetType(raw)
        if kind == c.FPDF_PAGEOBJ_UNKNOWN:
            raise _Unusual
        out.append((raw, kind, level))
        if kind == c.FPDF_PAGEOBJ_FORM and level < MAX_DEPTH - 1:
            _walk(raw, level + 1, out)


def _objects(page: pdfium.PdfPage) -> list[tuple[Any, int, int]]:
    objects: list[tuple[Any, int, int]] = []
    try:
        _walk(page.raw, 0, objects)
    except _Unusual:
        return [(obj.raw, obj.type, obj.level) for obj in page.get_objects(filter=None, max_depth=MAX_DEPTH)]
    return objects


def _edges(page: pdfium.PdfPage) -> list[dict[str, Any]]:
    """Horizontal and vertical segments of every path, in top-down coordinates (top = -y)."""
    edges: list[dict[str, Any]] = []
    forms: dict[int, tuple[float, ...]] = {}
    x, y = ctypes.c_float(), ctypes.c_float()
    for raw, kind, level in _objects(page):
        if kind != c.FPDF_PAGEOBJ_FORM and kind != c.FPDF_PAGEOBJ_PATH:
            continue  # text and images: no rules (their matrix is never needed)
        ctm = _matrix(raw)
        if level > 0:
            ctm = _mul(ctm, forms.get(level - 1, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)))
        if kind == c.FPDF_PAGEOBJ_FORM:
            forms[level] = ctm  # the page-space matrix of what this form contains
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
    raw, loose_box = textpage.raw, c.FPDFText_GetLooseCharBox
    for i, ch in enumerate(text):
        if ch in _WS:
            continue
        # the loose box (font bounds) keeps a line's characters on one baseline band;
        # tight boxes put quotes and 、 above or below their line
        if not loose_box(raw, i, rect):
            continue
        out.append((ch, rect.left, -rect.top, rect.right, -rect.bottom))
    return out


_Char = tuple[str, float, float, float, float]  # (char, x0, top, x1, bottom)


def _join_lines(chars: list[tuple[_Char, float]]) -> str:
    """Characters of one cell (each with the height of its middle) in reading order, a line break between lines."""
    if not chars:
        return ""
    if len(chars) == 1:
        return chars[0][0][0]
    ordered = sorted(chars, key=lambda item: (item[1], item[0][1]))
    lines: list[list[_Char]] = []
    last_mid = 0.0
    for ch, mid in ordered:
        if lines:
            last = lines[-1][-1]
            if abs(mid - last_mid) <= max(2.0, (last[4] - last[2]) * 0.5):
                lines[-1].append(ch)
                last_mid = mid
                continue
        lines.append([ch])
        last_mid = mid
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
    if all(math.isfinite(e[k]) for e in edges for k in ("x0", "top", "x1", "bottom")):
        tables = [t for t in _tables(_cells(edges)) if len(t) > 1]
    else:  # NaN or inf (a broken page): pdfplumber's own geometry, whose results the fast one matches only when finite
        tables = [t for t in cells_to_tables(intersections_to_cells(edges_to_intersections(edges, INTERSECT, INTERSECT))) if len(t) > 1]
    if not tables:
        return None
    chars = get_chars()
    if chars is None:
        return None
    # each character's midpoint, once; the characters by the midpoint's height, to find a row's by bisection
    mids = [((ch[1] + ch[3]) / 2, (ch[2] + ch[4]) / 2) for ch in chars]
    by_y = sorted((k for k, m in enumerate(mids) if m[1] == m[1]), key=lambda k: mids[k][1])  # NaN is in no box
    ys = [mids[k][1] for k in by_y]
    out_tables: list[tuple[float, list[list[str | None]]]] = []
    boxes = []
    for cell_list in tables:
        table = PlumberTable(None, cell_list)  # type: ignore[arg-type]
        x0, top, x1, bottom = table.bbox
        boxes.append((x0, top, x1, bottom))
        grid: list[list[str | None]] = []
        for row in table.rows:
            r_top, r_bottom = row.bbox[1], row.bbox[3]
            # the characters inside the table and the row, in their printed order
            near = by_y[bisect_left(ys, r_top) : bisect_left(ys, r_bottom)]
            row_chars = [k for k in near if x0 <= mids[k][0] < x1 and top <= mids[k][1] < bottom and r_top <= mids[k][1] < r_bottom]
            # the row's characters by the middle's x, to find a cell's by bisection (then in printed order)
            row_chars.sort(key=lambda k: mids[k][0])
            xs = [mids[k][0] for k in row_chars]
            cells_text: list[str | None] = []
            for cell in row.cells:
                if cell is None:
                    cells_text.append(None)
                    continue
                cx0, ctop, cx1, cbottom = cell
                mine = sorted(k for k in row_chars[bisect_left(xs, cx0) : bisect_left(xs, cx1)]
                              if cx0 <= mids[k][0] < cx1 and ctop <= mids[k][1] < cbottom)
                cells_text.append(_join_lines([(chars[k], mids[k][1]) for k in mine]))
            grid.append(cells_text)
        out_tables.append((top, grid))
    inside: set[int] = set()
    for bx0, btop, bx1, bbottom in boxes:
        inside.update(k for k in by_y[bisect_left(ys, btop) : bisect_left(ys, bbottom)]
                      if bx0 <= mids[k][0] < bx1 and btop <= mids[k][1] < bbottom)
    outside = [ch for k, ch in enumerate(chars) if k not in inside]
    lines: list[tuple[float, str]] = []
    for text in _group_lines(outside):
        lines.append(text)
    return out_tables, lines


def _cells(edges: list[dict[str, Any]]) -> list[tuple[float, float, float, float]]:
    """pdfplumber's `intersections_to_cells(edges_to_intersections(edges, INTERSECT, INTERSECT))`: the same
    cells in the same order, in about linear rather than quadratic time, for finite coordinates.

    The horizontal edges a vertical one may cross are found by bisection (then tested as pdfplumber
    tests them); each crossing keeps the sets of its edges' boxes, made once (pdfplumber remakes them
    on every test of two points). For each crossing in sorted order, the smallest cell it is the
    top-left corner of: the crossings below it and right of it come from its column and its row
    (pdfplumber scans every later crossing for them).
    """
    tol = INTERSECT
    hs = sorted((e["top"], (e["x0"], e["top"], e["x1"], e["bottom"])) for e in edges if e["orientation"] == "h")
    tops = [top for top, _ in hs]
    v_edges: dict[tuple[float, float], set[tuple[float, float, float, float]]] = {}
    h_edges: dict[tuple[float, float], set[tuple[float, float, float, float]]] = {}
    for e in edges:
        if e["orientation"] != "v":
            continue
        v = (e["x0"], e["top"], e["x1"], e["bottom"])
        # a margin of a point around the tolerance: the test below decides, exactly as pdfplumber's
        for top, h in hs[bisect_left(tops, v[1] - tol - 1) : bisect_right(tops, v[3] + tol + 1)]:
            if v[1] <= top + tol and v[3] >= top - tol and v[0] >= h[0] - tol and v[0] <= h[2] + tol:
                vertex = (v[0], top)
                v_edges.setdefault(vertex, set()).add(v)
                h_edges.setdefault(vertex, set()).add(h)

    def connects(p1: tuple[float, float], p2: tuple[float, float]) -> bool:
        if p1[0] == p2[0] and not v_edges[p1].isdisjoint(v_edges[p2]):
            return True
        return p1[1] == p2[1] and not h_edges[p1].isdisjoint(h_edges[p2])

    points = sorted(v_edges)
    # the later points of each point's column (same x, greater top) and row (same top, greater x)
    columns: dict[float, list[tuple[float, float]]] = {}
    rows: dict[float, list[tuple[float, float]]] = {}
    for p in points:
        columns.setdefault(p[0], []).append(p)
        rows.setdefault(p[1], []).append(p)
    at_column = {p: i for col in columns.values() for i, p in enumerate(col)}
    at_row = {p: i for row in rows.values() for i, p in enumerate(row)}
    cells: list[tuple[float, float, float, float]] = []
    for pt in points:
        below = columns[pt[0]][at_column[pt] + 1 :]
        right = rows[pt[1]][at_row[pt] + 1 :]
        if not right:
            continue
        right_ok: dict[tuple[float, float], bool] = {}  # connects(pt, right_pt), asked once each
        found = None
        for below_pt in below:
            if not connects(pt, below_pt):
                continue
            for right_pt in right:
                ok = right_ok.get(right_pt)
                if ok is None:
                    ok = right_ok[right_pt] = connects(pt, right_pt)
                if not ok:
                    continue
                bottom_right = (right_pt[0], below_pt[1])
                if bottom_right in v_edges and connects(bottom_right, right_pt) and connects(bottom_right, below_pt):
                    found = (pt[0], pt[1], bottom_right[0], bottom_right[1])
                    break
            if found is not None:
                break
        if found is not None:
            cells.append(found)
    return cells


def _tables(cells: list[tuple[float, float, float, float]]) -> list[list[tuple[float, float, float, float]]]:
    """pdfplumber's `cells_to_tables`: the cells that share corners, transitively, as one table; tables
    ordered by their top-left cell, those of one cell left out. A table's cells keep their order in
    `cells` (pdfplumber's order is that of its sweeps; `Table.rows` and `Table.bbox` do not depend on it)."""
    parent = list(range(len(cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[float, float], int] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            a, b = root(owner.setdefault(corner, i)), root(i)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[tuple[float, float, float, float]]] = {}
    for i, cell in enumerate(cells):
        groups.setdefault(root(i), []).append(cell)
    tables = sorted(groups.values(), key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


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
