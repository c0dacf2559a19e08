"""`xxgk validate`: rule checks from the marts (read-only), the suite, rule results, Data Docs, mail."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from expectations.checks import build_checks
from expectations.mail import compose, send, settings_from_env
from expectations.suites import context, register
from extract.settings import Paths


@dataclass
class ValidationSummary:
    reports_checked: int
    per_rule: dict[str, dict[str, int]] = field(default_factory=dict)  # rule -> {failed, passed, not_checked}
    failing_reports: int = 0
    unreadable: int = 0
    data_docs: Path | None = None
    mail: str | None = None

    @property
    def errors(self) -> int:
        return sum(v["failed"] for r, v in self.per_rule.items() if _severity(r) == "error")

    @property
    def warnings(self) -> int:
        return sum(v["failed"] for r, v in self.per_rule.items() if _severity(r) == "warning")

    def text(self) -> str:
        lines = [f"rules: {self.reports_checked} report(s) checked; {self.errors} error(s), {self.warnings} warning(s); "
                 f"{self.failing_reports} report(s) with errors"]
        for rule in sorted(self.per_rule, key=lambda r: int(r[1:])):
            v = self.per_rule[rule]
            lines.append(f"  {rule:<4} {_severity(rule):<7} failed {v['failed']:>4}  passed {v['passed']:>4}  not checked {v['not_checked']:>4}")
        if self.unreadable:
            lines.append(f"  {self.unreadable} file(s) or URL(s) could not be fetched or read (listed in the mail)")
        if self.data_docs:
            lines.append(f"  Data Docs: {self.data_docs}")
        if self.mail:
            lines.append(f"  mail: {self.mail}")
        return "\n".join(lines)


def _severity(rule: str) -> str:
    from expectations.rule_text import RULES

    return RULES[rule]["severity"]


_CELL_COLUMNS = "document_id, {codes}, value, printed, missing_reason, page, line, at_table, at_row, at_col"
CHUNK_AGENCIES = 100


def read_frames(warehouse: Path) -> dict[str, pd.DataFrame]:
    """All current reports and their cells (read-only); see iter_frames for bounded memory."""
    return next(iter_frames(warehouse, chunk=None))


def iter_frames(warehouse: Path, chunk: int | None = CHUNK_AGENCIES):
    """Frames for the rule checks, a few hundred agencies at a time (all years of an agency
    together, so the continuity rules see the year before), from DuckDB opened read-only."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        reports = con.execute("select * from marts.dim_report where is_current").df()
        keys = reports["agency_id"].fillna(reports["document_id"])
        agencies = list(dict.fromkeys(keys.tolist()))
        step = chunk or max(1, len(agencies))
        for start in range(0, max(1, len(agencies)), step):
            part = reports[keys.isin(set(agencies[start : start + step]))]
            docs = part["document_id"].tolist()
            frames = {"reports": part}
            for table, codes in (("requests", "row_code, applicant, is_outcome"), ("litigation", "proceeding, result"),
                                 ("disclosures", "item, measure")):
                frames[table] = con.execute(
                    f"select {_CELL_COLUMNS.format(codes=codes)} from marts.fct_{table} where document_id in (select unnest(?))",
                    [docs],
                ).df()
            yield frames
    finally:
        con.close()


def run_suite(checks: pd.DataFrame, paths: Paths) -> tuple[pd.DataFrame, Path | None]:
    """Run the checkpoint on the checkable rows; mark each row passed or failed from its result."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    checks = checks.copy()
    todo = checks[checks["status"] == "pending"][["check_id", "rule", "actual", "expected"]].copy()
    todo["actual"] = todo["actual"].astype(float)
    todo["expected"] = todo["expected"].astype(float)
    docs_dir = paths.data_docs
    ctx = context(docs_dir, paths.data / "gx_validations")
    checkpoint = register(ctx)
    failing: set[str] = set()
    if len(todo):
        result = checkpoint.run(batch_parameters={"dataframe": todo.reset_index(drop=True)})
        for run in result.run_results.values():
            for r in run.results:
                for item in r.result.get("unexpected_index_list") or []:
                    failing.add(item["check_id"] if isinstance(item, dict) else todo.iloc[int(item)]["check_id"])
    pending = checks["status"] == "pending"
    checks.loc[pending, "status"] = checks.loc[pending, "check_id"].map(lambda c: "failed" if c in failing else "passed")
    index = docs_dir / "index.html"
    return checks, index if index.exists() else None


def last_validation(warehouse: Path) -> datetime | None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute("select max(validated_at) from marts.validation_runs").fetchone()
        return row[0] if row else None
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def write_results(warehouse: Path, checks: pd.DataFrame, started: datetime | None = None) -> None:
    """Replace marts.fct_rule_results in one transaction (the one writer)."""
    frame = checks.copy()
    frame["difference"] = frame["actual"] - frame["expected"]
    frame["passed"] = frame["status"].map({"passed": True, "failed": False}).astype("boolean")
    frame = frame[["check_id", "document_id", "agency_id", "agency_name", "report_year", "source", "rule", "scope", "expected",
                   "actual", "difference", "severity", "passed", "status", "reason", "cells"]]
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("begin transaction")
        con.execute("create schema if not exists marts")
        con.register("rule_results_frame", frame)
        con.execute("create or replace table marts.fct_rule_results as select * from rule_results_frame")
        con.execute("create table if not exists marts.validation_runs (validated_at timestamp)")
        con.execute("insert into marts.validation_runs values (?)", [started or datetime.now(UTC).replace(tzinfo=None)])
        con.execute("commit")
        con.unregister("rule_results_frame")
    finally:
        con.close()


def unreadable_since(warehouse: Path, since: datetime | None) -> list[dict[str, Any]]:
    """Files that failed to fetch or extract, landed since `since` (all of them when None)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cond = "and loaded_at >= ?" if since else ""
        docs = con.execute(
            f"""select d.source, string_agg(p.message, '; ' order by p.seq) from raw.documents d
                left join raw.extraction_problems p on p.sha256 = d.sha256 and p.table_name is null
                where d.status = 'failed' {cond} group by d.source order by d.source""",
            [since] if since else [],
        ).fetchall()
        cond = "and fetched_at >= ?" if since else ""
        fetches = con.execute(
            f"select url, coalesce(error, error_code) from raw.fetch_log where status = 'failed' {cond} order by url",
            [since] if since else [],
        ).fetchall()
    finally:
        con.close()
    return [{"source": s, "reason": r} for s, r in docs] + [{"source": u, "reason": r} for u, r in fetches]


def validate(paths: Paths, send_mail: bool = True, publish_copy: bool = True, since: datetime | None = None) -> ValidationSummary:
    from extract.pipeline import publish

    paths.ensure()
    started = datetime.now(UTC).replace(tzinfo=None)
    if since is None:
        since = last_validation(paths.warehouse)  # what is new since the last validation
    parts = []
    reports_checked = 0
    for frames in iter_frames(paths.warehouse):
        parts.append(build_checks(frames["reports"], frames["requests"], frames["litigation"], frames["disclosures"]))
        reports_checked += int(frames["reports"]["document_id"].nunique())
        del frames
    checks = pd.concat(parts, ignore_index=True) if parts else build_checks(*(pd.DataFrame() for _ in range(4)))
    checks["check_id"] = [f"c{i}" for i in range(len(checks))]
    checks, docs = run_suite(checks, paths)
    write_results(paths.warehouse, checks, started)
    if publish_copy:
        publish(paths)
    summary = ValidationSummary(reports_checked=reports_checked, data_docs=docs)
    for rule, group in checks.groupby("rule"):
        counts = group["status"].value_counts().to_dict()
        summary.per_rule[str(rule)] = {k: int(counts.get(k, 0)) for k in ("failed", "passed", "not_checked")}
    errors = checks[(checks["status"] == "failed") & (checks["severity"] == "error")]
    warnings = checks[(checks["status"] == "failed") & (checks["severity"] == "warning")]
    summary.failing_reports = int(errors["document_id"].nunique())
    unreadable = unreadable_since(paths.warehouse, since)
    summary.unreadable = len(unreadable)
    if send_mail and (len(errors) or unreadable):
        settings = settings_from_env(paths.outbox)
        msg = compose(_records(errors), _records(warnings), settings, docs, summary.reports_checked, unreadable)
        summary.mail = send(msg, settings)
    return summary


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return out
