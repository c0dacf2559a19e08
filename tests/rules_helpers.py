"""Run the SQL rules (dbt int_rule_checks → fct_rule_results) on synthetic reports.

The reports are written as the marts the rules read (dim_report, fct_requests, fct_litigation,
fct_disclosures) into a fresh warehouse; dbt then builds the rules seed and the two rule models
with their tests, exactly as `xxgk build` does.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pandas as pd

from extract.settings import Paths
from extract.template import labels as L
from synth.model import SynthReport

RULE_MODELS = ("rules", "int_rule_checks", "fct_rule_results")


def frames(reports: list[tuple[str, SynthReport, dict]]) -> dict[str, pd.DataFrame]:
    """`extra` per report: agency_id, publisher_kind, narrative, unverified (cells read by OCR, not verified)."""
    rep_rows, req, lit, dis = [], [], [], []
    now = datetime.now(UTC).replace(tzinfo=None)
    for doc, rep, extra in reports:
        kind = extra.get("publisher_kind", "department")
        deadline = date(rep.year + 1, 3 if kind == "government" else 1, 31)
        narrative = extra.get("narrative", {"period_year": rep.year, "statements": []})
        unverified = set(extra.get("unverified", ()))
        rep_rows.append({
            "document_id": doc, "agency_id": extra.get("agency_id", rep.agency), "agency_name": rep.agency,
            "report_year": rep.year, "source": f"{doc}.html", "published_on": rep.published_on,
            "deadline": deadline, "publisher_kind": kind, "narrative": json.dumps(narrative, ensure_ascii=False),
            "is_current": True, "loaded_at": now,
        })
        outcome = set(L.OUTCOME_ROWS_2019 if rep.request_version == "2019" else L.OUTCOME_ROWS_2021)

        def cell(table: str, row: str, col: str, v: int | Decimal | None, n: int, doc: str = doc, unverified: set = unverified) -> dict:
            ocr = (table, row, col) in unverified
            return {"document_id": doc, "value": _v(v), "printed": _p(v), "missing_reason": None if v is not None else "blank",
                    "sort_order": n, "page": 1, "line": n, "at_table": None, "at_row": None, "at_col": None,
                    "cell_source": "ocr" if ocr else "text", "verified": False if ocr else None}

        for n, ((row, a), v) in enumerate(rep.requests.items()):
            req.append({**cell("requests", row, a, v, n), "row_code": row, "applicant": a, "is_outcome": row in outcome})
        for n, ((p, r), v) in enumerate(rep.litigation.items()):
            lit.append({**cell("litigation", p, r, v, n), "proceeding": p, "result": r})
        for n, ((i, m), v) in enumerate(rep.disclosures.items()):
            dis.append({**cell("disclosures", i, m, v, n), "item": i, "measure": m})
    return {"reports": pd.DataFrame(rep_rows), "requests": pd.DataFrame(req), "litigation": pd.DataFrame(lit), "disclosures": pd.DataFrame(dis)}


def write_marts(paths: Paths, f: dict[str, pd.DataFrame]) -> None:
    con = duckdb.connect(str(paths.warehouse))
    try:
        con.execute("create schema if not exists marts")
        for name, table in (("reports", "dim_report"), ("requests", "fct_requests"), ("litigation", "fct_litigation"),
                            ("disclosures", "fct_disclosures")):
            frame = f[name]  # noqa: F841 (read by DuckDB)
            con.execute(f"create or replace table marts.{table} as select * from frame")
        con.execute("alter table marts.dim_report alter published_on type date")
        con.execute("alter table marts.dim_report alter deadline type date")
        for t in ("fct_requests", "fct_litigation", "fct_disclosures"):
            con.execute(f"alter table marts.{t} alter value type decimal(38, 8)")
            con.execute(f"alter table marts.{t} alter verified type boolean")
            con.execute(f"alter table marts.{t} alter at_table type integer")
            con.execute(f"alter table marts.{t} alter at_row type integer")
            con.execute(f"alter table marts.{t} alter at_col type integer")
    finally:
        con.close()


def run_rules(paths: Paths, reports: list[tuple[str, SynthReport, dict]], full_refresh: bool = True) -> pd.DataFrame:
    """The rule rows the SQL gives for these reports (marts.fct_rule_results)."""
    from extract.pipeline import run_dbt

    write_marts(paths, frames(reports))
    run_dbt(paths, "build", "--select", *RULE_MODELS, *(["--full-refresh"] if full_refresh else []))
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute("select * from marts.fct_rule_results").df()
    finally:
        con.close()


def _v(v: int | Decimal | None) -> float | None:
    return None if v is None else float(v)


def _p(v: int | Decimal | None) -> str | None:
    return None if v is None else str(v)
