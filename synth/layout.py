"""The three tables of a synthetic report as rows of (text, rowspan, colspan), as the template prints them."""

from __future__ import annotations

from extract.template import labels as L
from synth.model import (
    ITEM_LABELS,
    MEASURE_LABELS,
    REQUEST_LABELS,
    RESULT_LABELS,
    SECTIONS_2019,
    SECTIONS_2021,
    SynthReport,
    printed,
)

Span = tuple[str, int, int]
Rows = list[list[Span]]


def disclosure_rows(rep: SynthReport) -> Rows:
    sections = SECTIONS_2019 if rep.disclosure_version == "2019" else SECTIONS_2021
    measures = rep.measures()
    rows: Rows = []
    for title, items in sections:
        rows.append([(title, 1, 4)])
        ms = measures[items[0]]
        header: list[Span] = [("信息内容", 1, 1)] + [(MEASURE_LABELS[m], 1, 1) for m in ms]
        last = header[-1]
        header[-1] = (last[0], 1, 4 - len(ms))
        rows.append(header)
        for item in items:
            vals: list[Span] = [(printed(rep.disclosures[(item, m)], rep.blank_mark), 1, 1) for m in ms]
            if item == "procurement" and rep.disclosures[(item, "amount")] is not None:
                vals[-1] = (vals[-1][0] + "元", 1, 1)
            vals[-1] = (vals[-1][0], 1, 4 - len(ms))
            rows.append([(ITEM_LABELS[item], 1, 1), *vals])
    return rows


def request_rows(rep: SynthReport) -> Rows:
    rows: Rows = [
        [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), ("申请人情况", 1, 7)],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
        [("商业企业", 1, 1), ("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1), ("其他", 1, 1)],
    ]
    codes = rep.request_rows()
    outcome = [c for c in codes if c not in ("new_received", "carried_over", "outcome_total", "carried_forward")]
    group_sizes: dict[str, int] = {}
    for c in outcome:
        g = REQUEST_LABELS[c][0]
        if g and g != "三、本年度办理结果":
            group_sizes[g] = group_sizes.get(g, 0) + 1
    started: set[str] = set()
    for c in codes:
        vals = [(printed(rep.requests[(c, a)], rep.blank_mark), 1, 1) for a in L.APPLICANTS]
        group, label = REQUEST_LABELS[c]
        if c in ("new_received", "carried_over", "carried_forward"):
            rows.append([(label, 1, 3), *vals])
            continue
        row: list[Span] = []
        if c == "granted":
            row.append(("三、本年度办理结果", len(outcome) + 1, 1))
        if group and group != "三、本年度办理结果":
            if group not in started:
                started.add(group)
                row.append((group, group_sizes[group], 1))
            row.append((label, 1, 1))
        else:
            row.append((label, 1, 2))
        rows.append(row + vals)
    return rows


def litigation_rows(rep: SynthReport) -> Rows:
    return [
        [("行政复议", 1, 5), ("行政诉讼", 1, 10)],
        [*[(r, 2, 1) for r in RESULT_LABELS], ("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
        [(r, 1, 1) for r in RESULT_LABELS * 2],
        [(printed(rep.litigation[(p, r)], rep.blank_mark), 1, 1) for p in L.PROCEEDINGS for r in L.RESULTS],
    ]


def grid(rows: Rows) -> tuple[list[list[str | None]], list[tuple[int, int, int, int]]]:
    """Full matrix (text at each span's top-left, None elsewhere) and the spans (r0, c0, r1, c1)."""
    taken: dict[tuple[int, int], bool] = {}
    cells: dict[tuple[int, int], str] = {}
    spans: list[tuple[int, int, int, int]] = []
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while taken.get((r, c)):
                c += 1
            cells[(r, c)] = text
            for dr in range(rs):
                for dc in range(cs):
                    taken[(r + dr, c + dc)] = True
            if rs > 1 or cs > 1:
                spans.append((r, c, r + rs - 1, c + cs - 1))
            c += cs
            width = max(width, c)
    matrix = [[cells.get((r, c)) for c in range(width)] for r in range(len(rows))]
    return matrix, spans
