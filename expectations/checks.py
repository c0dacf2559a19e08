"""Turning the marts into one row per rule check: report, rule, scope, expected, actual, cells.

The Great Expectations suite (suites.py) decides pass or fail on these rows; a check whose
inputs include a missing cell is `not_checked`, with the reason, and never reaches the suite.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from expectations.rule_text import RULES
from extract.template import labels as L

MONEY = {("fees", "amount_10k_yuan"), ("procurement", "amount")}
SIGNED = {"items_change"}


@dataclass
class Check:
    document_id: str
    rule: str
    scope: str
    expected: float | None
    actual: float | None
    cells: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None  # why it could not be checked

    def row(self, report: dict[str, Any]) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "agency_id": report.get("agency_id"),
            "agency_name": report.get("agency_name"),
            "report_year": report.get("report_year"),
            "source": report.get("source"),
            "rule": self.rule,
            "scope": self.scope,
            "expected": self.expected,
            "actual": self.actual,
            "severity": RULES[self.rule]["severity"],
            "status": "not_checked" if self.reason else "pending",
            "reason": self.reason,
            # the cells are kept where someone will read them: checks whose sides differ or
            # that could not be checked (a million passing checks need no cell list)
            "cells": json.dumps(self.cells, ensure_ascii=False, default=str) if self._keep_cells() else None,
        }

    def _keep_cells(self) -> bool:
        if self.reason or self.rule in ("R8", "R9", "R10"):
            return True
        return self.actual is None or self.expected is None or float(self.actual) != float(self.expected)


_WHERE = ("page", "line", "at_table", "at_row", "at_col")


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _cell(table: str, r: dict[str, Any]) -> dict[str, Any]:
    get = r.get
    value = get("value")
    printed = get("printed")
    return {
        "table": table,
        "row": get("row_code") or get("item") or get("proceeding"),
        "col": get("applicant") or get("measure") or get("result"),
        "printed": None if _blank(printed) else printed,
        "value": None if _blank(value) else float(value),
        "missing": get("missing_reason") if not _blank(get("missing_reason")) else None,
        "where": {k: get(k) for k in _WHERE if not _blank(get(k))},
    }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, built from column lists (far cheaper than DataFrame.to_dict on wide frames)."""
    cols = list(frame.columns)
    return [dict(zip(cols, row, strict=True)) for row in zip(*(frame[c].tolist() for c in cols), strict=True)]


def _sum_check(doc: str, rule: str, scope: str, table: str, lhs: list[Any], rhs: list[Any]) -> Check:
    cells = [_cell(table, r) for r in lhs + rhs]
    missing = [c for c in cells if c["value"] is None]
    if missing:
        names = ", ".join(f"{c['row']}/{c['col']} ({c['missing'] or 'missing'})" for c in missing[:6])
        return Check(doc, rule, scope, None, None, cells, f"not checked: missing cell(s) {names}")
    actual = sum(c["value"] for c in cells[: len(lhs)])
    expected = sum(c["value"] for c in cells[len(lhs):])
    return Check(doc, rule, scope, expected, actual, cells)


def _index(rows: list[dict[str, Any]], keys: tuple[str, str]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["document_id"], r[keys[0]], r[keys[1]]): r for r in rows}


def build_checks(
    reports: pd.DataFrame, requests: pd.DataFrame, litigation: pd.DataFrame, disclosures: pd.DataFrame
) -> pd.DataFrame:
    """Every rule on every current report that was read."""
    checks: list[tuple[Check, dict[str, Any]]] = []
    rows_of = {"requests": records(requests), "litigation": records(litigation), "disclosures": records(disclosures)}
    req = _index(rows_of["requests"], ("row_code", "applicant"))
    lit = _index(rows_of["litigation"], ("proceeding", "result"))
    dis = _index(rows_of["disclosures"], ("item", "measure"))
    by_doc_rows: dict[str, set[str]] = {}
    for (doc, row, _), _r in req.items():
        by_doc_rows.setdefault(doc, set()).add(row)
    outcome_rows: dict[str, list[str]] = {}
    for r in rows_of["requests"]:
        if r["is_outcome"]:
            outcome_rows.setdefault(r["document_id"], [])
            if r["row_code"] not in outcome_rows[r["document_id"]]:
                outcome_rows[r["document_id"]].append(r["row_code"])
    by_doc: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for table, rows in rows_of.items():
        grouped: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            grouped.setdefault(r["document_id"], []).append(r)
        by_doc[table] = grouped
    report_list = records(reports)
    by_agency_year = {(r["agency_id"], r["report_year"]): r for r in report_list}

    def g(index: dict, doc: str, a: str, b: str) -> list[dict[str, Any]]:
        r = index.get((doc, a, b))
        return [r] if r is not None else [{"row_code": a, "applicant": b, "value": None, "missing_reason": "not_found"}]

    for rep in report_list:
        doc = rep["document_id"]
        add = lambda c, rep=rep: checks.append((c, rep))  # noqa: E731
        has_requests = doc in by_doc_rows
        # R1, R3 per applicant column
        for a in L.APPLICANTS:
            if not has_requests:
                add(Check(doc, "R1", f"applicant={a}", None, None, [], "not checked: table 三 not found"))
                add(Check(doc, "R3", f"applicant={a}", None, None, [], "not checked: table 三 not found"))
                continue
            add(_sum_check(doc, "R1", f"applicant={a}", "requests",
                           g(req, doc, "new_received", a) + g(req, doc, "carried_over", a),
                           g(req, doc, "outcome_total", a) + g(req, doc, "carried_forward", a)))
            add(_sum_check(doc, "R3", f"applicant={a}", "requests",
                           [x for row in outcome_rows.get(doc, []) for x in g(req, doc, row, a)],
                           g(req, doc, "outcome_total", a)))
        # R2 per request row
        for row in sorted(by_doc_rows.get(doc, ())):
            add(_sum_check(doc, "R2", f"row={row}", "requests",
                           [x for a in L.APPLICANTS[:-1] for x in g(req, doc, row, a)], g(req, doc, row, "total")))
        if not has_requests:
            add(Check(doc, "R2", "table=requests", None, None, [], "not checked: table 三 not found"))
        # R4 per proceeding
        for p in L.PROCEEDINGS:
            parts = [lit.get((doc, p, res)) for res in L.RESULTS]
            if all(x is None for x in parts):
                add(Check(doc, "R4", f"proceeding={p}", None, None, [], "not checked: table 四 not found"))
                continue
            filled = [x if x is not None else {"proceeding": p, "result": res, "value": None, "missing_reason": "not_found"}
                      for x, res in zip(parts, L.RESULTS, strict=True)]
            add(_sum_check(doc, "R4", f"proceeding={p}", "litigation", filled[:4], filled[4:]))
        # R5 per table: counts whole and ≥ 0, money ≥ 0
        for table in ("requests", "litigation", "disclosures"):
            rows = by_doc[table].get(doc, [])
            bad = []
            for r in rows:
                v = r["value"]
                if _blank(v):
                    continue
                key = (r.get("item"), r.get("measure"))
                signed = r.get("measure") in SIGNED
                money = key in MONEY
                if (v < 0 and not signed) or (not money and float(v) != int(float(v))):
                    bad.append(_cell(table, r))
            if len(rows) == 0:
                add(Check(doc, "R5", f"table={table}", None, None, [], f"not checked: table {table} not found"))
            else:
                add(Check(doc, "R5", f"table={table}", 0, len(bad), bad))
        # R7 completeness per table
        for table in ("disclosures", "requests", "litigation"):
            rows = by_doc[table].get(doc, [])
            missing = [_cell(table, r) for r in rows if _blank(r["value"])]
            add(Check(doc, "R7", f"table={table}", float(len(rows)), float(len(rows) - len(missing)), missing[:40]))
        # R8 timeliness
        published, deadline = rep.get("published_on"), rep.get("deadline")
        if _missing(published) or _missing(deadline):
            add(Check(doc, "R8", "published_on", None, None, [], "not checked: the document states no publication date"))
        else:
            add(Check(doc, "R8", f"published_on≤{pd.Timestamp(deadline).date()} ({rep.get('publisher_kind')})",
                      float(_ordinal(deadline)), float(_ordinal(published)),
                      [{"table": "report", "row": "published_on", "col": None, "printed": str(pd.Timestamp(published).date()), "value": None}]))
        # R9, R10 from the narrative
        narrative = json.loads(rep["narrative"]) if isinstance(rep.get("narrative"), str) else {}
        statements = narrative.get("statements") or []
        year = rep.get("report_year")
        r9 = 0
        for s in statements:
            if s.get("year") not in (None, year):
                continue
            if s["kind"] == "requests":
                new = g(req, doc, "new_received", "total")[0]
                carried = g(req, doc, "carried_over", "total")[0]
                if _missing(new.get("value")):
                    add(Check(doc, "R9", "requests stated", None, float(s["count"]), [], "not checked: 本年新收 (total) is missing"))
                    r9 += 1
                    continue
                expected = float(new["value"])
                if not _missing(carried.get("value")) and float(s["count"]) == expected + float(carried["value"]) and s["count"] != expected:
                    expected += float(carried["value"])  # "收到…申请N件" counting the carried-over ones
                add(Check(doc, "R9", f"requests stated: {s['text'][:60]}", expected, float(s["count"]),
                          [_cell("requests", new), {"table": "text", "row": "stated", "col": None, "printed": s["text"], "value": s["count"]}]))
                r9 += 1
            elif s["kind"] == "normative_in_force":
                measure = "in_force" if (doc, "normative_documents", "in_force") in dis else "published_total"
                cell = dis.get((doc, "normative_documents", measure))
                if cell is None or _missing(cell.get("value")):
                    continue
                add(Check(doc, "R9", f"documents in force stated: {s['text'][:60]}", float(cell["value"]), float(s["count"]),
                          [_cell("disclosures", cell), {"table": "text", "row": "stated", "col": None, "printed": s["text"], "value": s["count"]}]))
                r9 += 1
        if not r9:
            add(Check(doc, "R9", "narrative", None, None, [], "not checked: the text states no count to compare"))
        r10 = 0
        if narrative.get("period_year") is not None and year is not None:
            add(Check(doc, "R10", "statistics period", float(year), float(narrative["period_year"])))
            r10 += 1
        for s in statements:
            if s.get("year") is not None and year is not None:
                add(Check(doc, "R10", f"year named: {s['text'][:60]}", float(year), float(s["year"]),
                          [{"table": "text", "row": "year", "col": None, "printed": s["text"], "value": s["year"]}]))
                r10 += 1
        if not r10:
            add(Check(doc, "R10", "narrative", None, None, [], "not checked: the text names no year for its figures"))
        # R6, R11 against the year before
        prev = by_agency_year.get((rep["agency_id"], year - 1)) if year is not None and rep.get("agency_id") else None
        if prev is None:
            add(Check(doc, "R6", "carried_over", None, None, [], f"not checked: no report of this agency on {year - 1 if year else '?'} is held"))
            add(Check(doc, "R11", "in_force", None, None, [], f"not checked: no report of this agency on {year - 1 if year else '?'} is held"))
            continue
        pdoc = prev["document_id"]
        for a in L.APPLICANTS:
            add(_sum_check(doc, "R6", f"applicant={a} vs {year - 1}", "requests",
                           g(req, doc, "carried_over", a), g(req, pdoc, "carried_forward", a)))
        for item in ("regulations", "normative_documents"):
            if (doc, item, "in_force") in dis and (pdoc, item, "in_force") in dis:
                def d(docid: str, m: str, item: str = item) -> list[dict[str, Any]]:
                    r = dis.get((docid, item, m))
                    return [r] if r is not None else [{"item": item, "measure": m, "value": None, "missing_reason": "not_found"}]
                c = _sum_check(doc, "R11", f"{item}.in_force vs {year - 1}", "disclosures", d(doc, "in_force"),
                               d(pdoc, "in_force") + d(doc, "issued"))
                repealed = d(doc, "repealed")[0]
                if c.reason is None and not _missing(repealed.get("value")):
                    c.expected = (c.expected or 0) - float(repealed["value"])
                    c.cells.append(_cell("disclosures", repealed))
                elif c.reason is None:
                    c.reason = "not checked: repealed is missing"
                add(c)
            elif (doc, item, "items_prev_year") in dis or (doc, "licensing", "items_prev_year") in dis:
                pass
        for item in ("licensing", "other_services", "penalty", "coercion", "fees"):
            if (doc, item, "items_prev_year") in dis and (pdoc, item, "items_prev_year") in dis:
                add(_sum_check(doc, "R11", f"{item}.items_prev_year vs {year - 1}", "disclosures",
                               [dis[(doc, item, "items_prev_year")]],
                               [dis[(pdoc, item, "items_prev_year")], dis.get((pdoc, item, "items_change"), {"item": item, "measure": "items_change", "value": None})]))
        if not any(c.rule == "R11" and c.document_id == doc for c, _ in checks[-40:]):
            add(Check(doc, "R11", "in_force", None, None, [], f"not checked: the reports on {year - 1} and {year} use different templates"))
    rows = [c.row(rep) for c, rep in checks]
    frame = pd.DataFrame(rows, columns=list(Check("", "R1", "", None, None).row({}).keys()))
    frame.insert(0, "check_id", [f"c{i}" for i in range(len(frame))])
    return frame


def _missing(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v))


def _ordinal(v: Any) -> int:
    d = pd.Timestamp(v).date()
    return d.toordinal() - date(1970, 1, 1).toordinal()

