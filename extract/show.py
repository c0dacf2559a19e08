"""`xxgk show AGENCY [--year N]`: one agency's reports, tables, rule results and provenance.

Reads the serving copy (read-only, replaced atomically by `publish`), so it works while the
pipeline writes the warehouse. The agency is found by name: an exact name first, else every
agency whose name contains the query (平潭 → 平潭综合实验区 and its departments), else names
close to it; several matches are listed for the user to choose from.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from extract.template.labels import (
    APPLICANT_LABELS,
    ITEM_NAMES,
    MEASURE_NAMES,
    PROCEEDING_NAMES,
    RESULT_NAMES,
    ROW_NAMES,
)

TABLES = (
    ("disclosures", "二、主动公开政府信息情况", "fct_disclosures", "item", "measure", ITEM_NAMES, MEASURE_NAMES),
    ("requests", "三、收到和处理政府信息公开申请情况", "fct_requests", "row_code", "applicant", ROW_NAMES, APPLICANT_LABELS),
    ("litigation", "四、政府信息公开行政复议、行政诉讼情况", "fct_litigation", "proceeding", "result", PROCEEDING_NAMES, RESULT_NAMES),
)


class ShowError(RuntimeError):
    pass


@dataclass
class Match:
    agency_id: str
    agency_name: str
    region: str
    years: str


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def find(con: duckdb.DuckDBPyConnection, query: str) -> list[Match]:
    rows = con.execute(
        """select a.agency_id, a.agency_name, concat_ws('', a.province, a.city, a.county) as region,
                  string_agg(distinct r.report_year::varchar, ', ' order by r.report_year::varchar) as years
           from dim_agency a left join dim_report r on r.agency_id = a.agency_id and r.is_current
           group by all order by a.agency_name, region"""
    ).fetchall()
    q = _key(query)
    by = [Match(*r[:3], r[3] or "") for r in rows]
    exact = [m for m in by if _key(m.agency_name) == q]
    if exact:
        return exact
    contains = [m for m in by if q and q in _key(m.agency_name)]
    if contains:
        return contains
    close = difflib.get_close_matches(q, [_key(m.agency_name) for m in by], n=10, cutoff=0.6)
    return [m for m in by if _key(m.agency_name) in close]


def _num(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal | float) and float(v) == int(v):
        return str(int(v))
    if isinstance(v, Decimal):
        return format(v.normalize(), "f")
    return str(v)


def _cell_text(value: Any, printed: Any, missing: Any) -> str:
    if value is not None:
        return _num(value)
    if missing == "blank":
        return "（空）"
    return f"（缺:{missing}）" if missing else "（缺）"


def _where(page: Any, line: Any, at_table: Any, at_row: Any, at_col: Any) -> str:
    if at_table is not None:
        return f"table {at_table} row {at_row} col {at_col}" + (f", page {page}" if page is not None else "")
    if line is not None:
        return f"line {line}" + (f", page {page}" if page is not None else "")
    return "not printed"


def _table(con: duckdb.DuckDBPyConnection, doc: str, spec: tuple, failing: set[tuple[str, str, str]]) -> list[str]:
    name, title, fct, row_col, col_col, row_names, col_names = spec
    cells = con.execute(
        f"""select {row_col}, {col_col}, value, printed, missing_reason, page, line, at_table, at_row, at_col, sort_order
            from {fct} where document_id = ? order by sort_order""",
        [doc],
    ).fetchall()
    if not cells:
        return [f"  {title}: no cells"]
    cols = list(dict.fromkeys(c[1] for c in cells))
    rows = list(dict.fromkeys(c[0] for c in cells))
    grid = {(c[0], c[1]): c for c in cells}
    head = [col_names.get(c, c) for c in cols]
    label_w = max(len(row_names.get(r, r)) for r in rows) + 2
    out = [f"  {title}", "    " + " " * label_w + " | ".join(head)]
    marked: list[str] = []
    for r in rows:
        parts = []
        for c in cols:
            cell = grid.get((r, c))
            if cell is None:
                parts.append("—")
                continue
            text = _cell_text(cell[2], cell[3], cell[4])
            if (name, r, c) in failing:
                text += "*"
                marked.append(f"    * {row_names.get(r, r)}/{col_names.get(c, c)} = {text[:-1]}"
                              f" (printed {cell[3]!r}; {_where(*cell[5:10])})")
            parts.append(text)
        out.append(f"    {row_names.get(r, r):<{label_w}}" + " | ".join(parts))
    if marked:
        out.append("    cells in a failing rule (*), and where they were read:")
        out += marked
    return out


def _failing_cells(rule_rows: list[tuple]) -> set[tuple[str, str, str]]:
    out: set[tuple[str, str, str]] = set()
    for row in rule_rows:
        if row[2] != "failed" or not row[6]:
            continue
        for c in json.loads(row[6]):
            if c.get("table") in ("requests", "disclosures", "litigation"):
                out.add((c["table"], c.get("row"), c.get("col")))
    return out


def show(serving: Path, query: str, year: int | None = None) -> str:
    if not serving.exists():
        raise ShowError(f"{serving}: no serving copy yet (run `xxgk build` or `make run` first)")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        matches = find(con, query)
        if not matches:
            raise ShowError(f"no agency matches {query!r}")
        if len(matches) > 1:
            lines = [f"{len(matches)} agencies match {query!r}; give the full name:"]
            lines += [f"  {m.agency_name}  {m.region or '（地区未知）'}  years: {m.years or '—'}" for m in matches]
            return "\n".join(lines)
        m = matches[0]
        reports = con.execute(
            """select document_id, report_year, status, template_version, source, raw_path, read_by, published_on,
                      deadline, on_time, problem_count
               from dim_report where agency_id = ? and is_current and (? is null or report_year = ?)
               order by report_year""",
            [m.agency_id, year, year],
        ).fetchall()
        lines = [f"{m.agency_name}  {m.region or '（地区未知）'}  agency_id {m.agency_id}"]
        if not reports:
            lines.append(f"  no report{' for ' + str(year) if year else ''}")
        for doc, ry, status, version, source, raw, read_by, pub, deadline, on_time, problems in reports:
            lines += ["", f"== {ry}  {status}  template {version}  read by {read_by or 'text'}  problems {problems}",
                      f"   file: {source}" + (f"  (kept at {raw})" if raw else ""),
                      f"   published {pub or '（未注明）'}, deadline {deadline}, "
                      + ("on time" if on_time else "late" if on_time is False else "timeliness unknown")]
            rule_rows = con.execute(
                """select rule, scope, status, expected, actual, reason, cells from fct_rule_results
                   where document_id = ? order by rule_order, check_order, scope""",
                [doc],
            ).fetchall()
            failing = _failing_cells(rule_rows)
            for spec in TABLES:
                lines += _table(con, doc, spec, failing)
            lines.append("  rules:")
            for rule, scope, status, expected, actual, reason, _ in rule_rows:
                if status == "passed":
                    continue
                detail = reason or f"expected {_num(expected)}, printed {_num(actual)}"
                lines.append(f"    {rule:<4} {status:<11} {scope}: {detail}")
            passed = sum(1 for r in rule_rows if r[2] == "passed")
            lines.append(f"    {passed} of {len(rule_rows)} checks passed")
        return "\n".join(lines)
    finally:
        con.close()
