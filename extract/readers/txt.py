"""Plain text: narrative lines, and tables printed as pipe- or tab-separated cells.

Layouts seen in real extractions: a row per line (`a | b | c |`, `a\tb\tc`), and a cell
per line (`a |`, `\ta`) with rows ended by a blank line or by a line of bare pipes. Both
become table rows; the parser does not rely on row boundaries.
"""

from __future__ import annotations

import re

from extract.document import Cell, Document, Table, TextLine
from extract.readers.charset import decode

_HEADING = re.compile(r"^\s*([一二三四五六七八九十]+|\d{1,2})\s*[、.．]")


def _split_pipe(line: str, lineno: int) -> list[Cell | None]:
    body = line.rstrip()
    if body.endswith("|"):
        body = body[:-1]
    return [Cell(part.strip(), {"line": lineno}) for part in body.split("|")]


def _split_tab(line: str, lineno: int) -> list[Cell | None]:
    body = line.rstrip("\r\n")
    if body.startswith("\t") and "\t" not in body[1:].rstrip("\t "):
        # a cell per line: the leading tab marks the cell, it is not an empty cell
        return [Cell(body[1:].strip(), {"line": lineno})]
    parts = body.rstrip(" ").split("\t")
    return [Cell(part.strip(), {"line": lineno}) for part in parts]


def read_txt(data: bytes, name: str = "") -> Document:
    text, _ = decode(data)
    doc = Document("txt")
    table: Table | None = None
    last_cell_line = -10
    last_one_cell = False  # the previous line was a cell on its own (`\tcell`)
    last_kind: tuple[str, bool] = ("text", False)  # the previous cell line: its kind, and whether it held one cell
    prev_blank = True
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.replace("\u3000", " ")
        stripped = line.strip()
        # a line holding only a tab is a cell printed blank (one-cell-per-line layout), not a row end
        kind = "pipe" if "|" in line else "tab" if "\t" in line.rstrip(" ") else "text"
        if kind == "text" and not stripped:
            prev_blank = True
            continue
        if kind == "text":
            is_continuation = (
                table is not None
                and not prev_blank
                and last_one_cell
                and last_cell_line == lineno - 1
                and len(stripped) <= 12
                and not _HEADING.match(stripped)
                and table.rows
                and table.rows[-1]
            )
            if is_continuation:
                assert table is not None
                cell = table.rows[-1][-1]
                if cell is not None:
                    cell.text = f"{cell.text}\n{stripped}"
                    last_cell_line = lineno
                    prev_blank = False
                    continue
            table = None
            doc.blocks.append(TextLine(stripped, {"line": lineno}))
            prev_blank = False
            continue
        cells = _split_pipe(line, lineno) if kind == "pipe" else _split_tab(line, lineno)
        if table is None:
            table = Table([], index=len(doc.tables))
            doc.blocks.append(table)
        one_cell = len(cells) == 1
        if one_cell and table.rows and not prev_blank and last_cell_line == lineno - 1 and last_kind == (kind, True):
            # a cell per line: the same row until a blank line (tab) or a line of bare pipes (pipe)
            table.rows[-1].extend(cells)
        else:
            table.rows.append(cells)
        last_cell_line = lineno
        last_one_cell = one_cell and kind == "tab"
        last_kind = (kind, one_cell)
        prev_blank = False
    for t in doc.tables:  # which printed row each cell stands in (the parser tells padding from blanks by it)
        for r, row in enumerate(t.rows):
            for cell in row:
                if cell is not None:
                    cell.where["_row"] = (t.index, r)
    return doc
