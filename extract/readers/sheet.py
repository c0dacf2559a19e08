"""Spreadsheets (.xlsx; .xls and Kingsoft .et through LibreOffice): a sheet is a grid already.

Each sheet's table regions become `Table`s (merged cells: text in the top-left slot, the
rest None); cells outside tables (title, dates, signature) become `TextLine`s. Numbers are
given as printed: a whole float is an integer, a number format with decimals keeps them.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from io import BytesIO
from typing import Any

from extract.document import Cell, Document, ExtractionFailure, Table, TextLine

MAX_CELLS = 200_000  # a sheet larger than any report is a broken or hostile file


def _shown(value: Any, number_format: str) -> str:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        m = re.search(r"0\.(0+)", number_format or "")
        if m:
            return f"{value:.{len(m.group(1))}f}"
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


def _bordered(cell: Any) -> bool:
    b = cell.border
    return any(side is not None and side.style for side in (b.left, b.right, b.top, b.bottom))


def read_sheets(data: bytes, name: str = "", fmt: str = "xlsx") -> Document:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ExtractionFailure("unreadable_file", f"a spreadsheet that cannot be opened: {exc}") from exc
    doc = Document(format=fmt)
    n_table = 0
    for s_index, ws in enumerate(wb.worksheets, start=1):
        if getattr(ws, "sheet_state", "visible") != "visible":
            continue
        n_rows, n_cols = ws.max_row or 0, ws.max_column or 0
        if n_rows * n_cols > MAX_CELLS:
            doc.problems.append({"code": "sheet_too_large", "message": f"sheet {ws.title!r} has {n_rows}×{n_cols} cells; skipped"})
            continue
        covered: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        covered[(r, c)] = (rng.min_row, rng.min_col)
        text: dict[tuple[int, int], str] = {}
        border: set[tuple[int, int]] = set()
        for row in ws.iter_rows(min_row=1, max_row=n_rows, max_col=n_cols):
            for cell in row:
                key = (cell.row, cell.column)
                if key in covered:
                    continue
                t = _shown(cell.value, cell.number_format)
                if t:
                    text[key] = t
                if _bordered(cell):
                    border.add(key)
        any_border = bool(border)

        cols = range(1, n_cols + 1)
        if any_border:
            kinds = [any((r, c) in border or covered.get((r, c), (0, 0)) in border for c in cols) for r in range(1, n_rows + 1)]
        else:  # no borders: rows of two or more values, and merged one-value rows (group titles) beside them
            wide = {(r0, c0) for (r0, c0) in covered.values()}
            dense = [sum(1 for c in cols if (r, c) in text) >= 2 for r in range(1, n_rows + 1)]
            kinds = list(dense)
            for i in range(n_rows):
                r = i + 1
                lone = [c for c in cols if (r, c) in text]
                if not dense[i] and len(lone) == 1 and (r, lone[0]) in wide and (r, lone[0] + 1) in covered:
                    kinds[i] = (i > 0 and dense[i - 1]) or (i + 1 < n_rows and dense[i + 1])
        r = 1
        while r <= n_rows:
            if not kinds[r - 1]:
                parts = [text[(r, c)] for c in range(1, n_cols + 1) if (r, c) in text]
                if parts:
                    doc.blocks.append(TextLine(" ".join(parts), {"page": s_index, "sheet": ws.title, "line": r}))
                r += 1
                continue
            start = r
            while r <= n_rows and kinds[r - 1]:
                r += 1
            rows_range = range(start, r)
            used = [c for c in range(1, n_cols + 1) if any((rr, c) in text or (rr, c) in covered or (rr, c) in border for rr in rows_range)]
            c0, c1 = min(used), max(used)
            n_table += 1
            grid: list[list[Cell | None]] = []
            for i, rr in enumerate(rows_range):
                out: list[Cell | None] = []
                for j, c in enumerate(range(c0, c1 + 1)):
                    if (rr, c) in covered:
                        out.append(None)
                    else:
                        out.append(Cell(text.get((rr, c), ""), {"page": s_index, "sheet": ws.title, "table": n_table, "row": i, "col": j}))
                grid.append(out)
            doc.blocks.append(Table(grid, index=n_table, page=s_index))
    if not doc.blocks:
        raise ExtractionFailure("unreadable_file", "the spreadsheet holds no cells with text (empty or corrupt)")
    return doc


def read_xlsx(data: bytes, name: str = "") -> Document:
    return read_sheets(data, name, "xlsx")


def read_xls(data: bytes, name: str = "", fmt: str = "xls") -> Document:
    from extract.readers.doc import convert

    if not any(s.encode("utf-16-le") in data for s in ("Workbook", "Book")):
        raise ExtractionFailure("unreadable_file", "an OLE file with no workbook stream: corrupt or not a spreadsheet")
    xlsx = convert(data, ".xls", "xlsx")
    return read_sheets(xlsx, name, fmt)


def read_et(data: bytes, name: str = "") -> Document:
    return read_xls(data, name, "et")
