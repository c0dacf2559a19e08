"""A synthetic report as an XLSX workbook (openpyxl): title merged over the table width, the
three tables bordered with real merged cells, numbers stored as numbers, signature below."""

from __future__ import annotations

import io
import re

from synth.layout import grid
from synth.model import SynthReport
from synth.render import HEADINGS, _narrative, _tables, _title

NUMBER = re.compile(r"-?\d+(\.\d+)?")


def to_xlsx(rep: SynthReport, one_sheet: bool = True, floats: bool = True, borders: bool = True) -> bytes:
    """`one_sheet`: all three tables on one sheet; else a sheet per table. `floats` stores
    counts as 12.0 (what many exporters write) rather than 12; without `borders` the tables
    are bare grids as many exports are."""
    from openpyxl import Workbook
    from openpyxl.styles import Border, Side

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    ws = wb.active
    ws.title = "年报"
    r = 1
    ws.cell(r, 1, _title(rep))
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=10)
    r += 1
    if rep.published_on:
        ws.cell(r, 1, f"发布日期：{rep.published_on.isoformat()}")
        r += 1
    for p in _narrative(rep):
        ws.cell(r, 1, p)
        r += 1
    for i, (heading, rows) in enumerate(zip(HEADINGS, _tables(rep), strict=True)):
        if i and not one_sheet:
            ws = wb.create_sheet(f"表{i + 1}")
            r = 1
        ws.cell(r, 1, heading)
        r += 2 if i == 1 else 1  # an empty row before one table, none before the others
        matrix, spans = grid(rows)
        for dr, row in enumerate(matrix):
            for dc, text in enumerate(row):
                cell = ws.cell(r + dr, 1 + dc)
                if borders:
                    cell.border = box
                if text is None or text == "":
                    continue
                if NUMBER.fullmatch(text):
                    if "." in text:
                        cell.value = float(text)
                        cell.number_format = "0." + "0" * len(text.split(".")[1])
                    else:
                        cell.value = float(text) if floats else int(text)
                else:
                    cell.value = text
        for r0, c0, r1, c1 in spans:
            ws.merge_cells(start_row=r + r0, start_column=1 + c0, end_row=r + r1, end_column=1 + c1)
        r += len(matrix) + 1
    ws.cell(r, 1, "五、存在的主要问题及改进情况")
    ws.cell(r + 1, 1, "下一步将继续改进。")
    ws.cell(r + 3, 8, rep.agency)
    if rep.published_on:
        d = rep.published_on
        ws.cell(r + 4, 8, f"{d.year}年{d.month}月{d.day}日")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
