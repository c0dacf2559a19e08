"""Expanding merged cells into a rectangular grid: each cell once, covered slots as None."""

from __future__ import annotations

from extract.document import Cell

MAX_SPAN = 60  # a rowspan/colspan larger than any template table needs is a broken page


def expand(rows: list[list[tuple[Cell, int, int]]]) -> list[list[Cell | None]]:
    """rows of (cell, rowspan, colspan) → grid; each cell goes to the first free slot of its row."""
    grid: list[list[Cell | None]] = []
    taken: set[tuple[int, int]] = set()  # slots covered by a cell of an earlier row or column
    for r, row in enumerate(rows):
        out: list[Cell | None] = []
        c = 0
        for cell, rowspan, colspan in row:
            while (r, c) in taken:
                out.append(None)
                c += 1
            rowspan = max(1, min(rowspan, MAX_SPAN))
            colspan = max(1, min(colspan, MAX_SPAN))
            cell.where.setdefault("row", r)
            cell.where.setdefault("col", c)
            out.append(cell)
            if rowspan > 1 or colspan > 1:
                for dr in range(rowspan):
                    for dc in range(colspan):
                        if dr or dc:
                            taken.add((r + dr, c + dc))
                out.extend([None] * (colspan - 1))
            c += colspan
        while (r, c) in taken:
            out.append(None)
            c += 1
        grid.append(out)
    width = max((len(r) for r in grid), default=0)
    for row in grid:
        row.extend([None] * (width - len(row)))
    return grid
