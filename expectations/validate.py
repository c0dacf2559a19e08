"""`xxgk validate`: the rule rows dbt computed this run (read-only), the suite, Data Docs, mail."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

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


INDEX_COLUMNS = ["agency_name", "report_year", "rule", "scope", "cells_named"]  # how Data Docs name a failing check


def checks_of_run(warehouse: Path, since: datetime | None) -> pd.DataFrame:
    """The check rows dbt computed since `since` (all of them when None), read-only.

    The rules themselves are SQL (dbt int_rule_checks → marts.fct_rule_results); this only reads
    the rows a run added, so a run with nothing new validates nothing.
    """
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cond = "where checked_at > ?" if since else ""
        return con.execute(
            f"""select check_id, document_id, agency_id, agency_name, report_year, source, rule, scope, expected, actual,
                       difference, severity, status, reason, cells, checked_at
                from marts.fct_rule_results {cond}
                order by rule_order, agency_name, report_year, document_id, check_order, scope""",
            [since] if since else [],
        ).df()
    finally:
        con.close()


def cells_named(cells: Any, limit: int = 8) -> str:
    """A failing check's cells in a few words for Data Docs: `row/col=value`, missing ones named."""
    if not isinstance(cells, str) or not cells:
        return ""
    items = json.loads(cells)
    telling = items if len(items) <= limit else [c for c in items if c.get("value") not in (0, 0.0)] or items
    out = []
    for c in telling[:limit]:
        name = "/".join(x for x in (c.get("table") if c.get("table") in ("text", "report") else None, c.get("row"), c.get("col")) if x)
        value = c.get("value")
        shown = c.get("printed") if value is None else (str(int(value)) if float(value) == int(float(value)) else str(value))
        out.append(f"{name}={shown if shown is not None else 'missing: ' + str(c.get('missing') or 'not found')}")
    if len(telling) > limit:
        out.append(f"… {len(telling)} cells")
    return "; ".join(out)


@dataclass
class SuiteRun:
    failing: set[tuple[Any, ...]]  # INDEX_COLUMNS[:4] of the checks Great Expectations found unexpected
    page: Path | None  # the Data Docs page of this validation
    index: Path | None


def run_suite(checks: pd.DataFrame, paths: Paths) -> SuiteRun:
    """Run the checkpoint on the checked rows of this run (not_checked ones have nothing to compare)."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    todo = checks[checks["status"].isin(["passed", "failed"])].copy()
    frame = pd.DataFrame({
        "agency_name": todo["agency_name"].fillna("（未知机构）").astype(str),
        "report_year": todo["report_year"].astype("Int64").astype(str),
        "rule": todo["rule"].astype(str),
        "scope": todo["scope"].astype(str),
        "cells_named": todo["cells"].map(cells_named),
        "actual": todo["actual"].astype(float),
        "expected": todo["expected"].astype(float),
    }).reset_index(drop=True)
    docs_dir = paths.data_docs
    failing: set[tuple[Any, ...]] = set()
    page: Path | None = None
    if len(frame):  # nothing new: no context, no docs rebuild
        ctx = context(docs_dir, paths.data / "gx_validations")
        checkpoint = register(ctx)
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        for key, run in result.run_results.items():
            for r in run.results:
                for item in r.result.get("unexpected_index_list") or []:
                    failing.add(tuple(str(item[c]) for c in INDEX_COLUMNS[:4]))
            for site in ctx.get_docs_sites_urls(resource_identifier=key):
                url = site.get("site_url") or ""
                if url.startswith("file://"):
                    page = Path(url.removeprefix("file://"))
        from expectations.offline import make_offline

        make_offline(docs_dir)
    index = docs_dir / "index.html"
    return SuiteRun(failing, page if page and page.exists() else None, index if index.exists() else None)


def last_validation(warehouse: Path) -> datetime | None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute("select max(validated_at) from marts.validation_runs").fetchone()
        return row[0] if row else None
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def record_run(warehouse: Path, started: datetime, checks: int, page: Path | None) -> None:
    """Note the validation in marts.validation_runs (the one writer); the rule rows are dbt's."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists marts")
        con.execute("create table if not exists marts.validation_runs (validated_at timestamp)")
        con.execute("alter table marts.validation_runs add column if not exists checks integer")
        con.execute("alter table marts.validation_runs add column if not exists data_docs_page varchar")
        con.execute("insert into marts.validation_runs values (?, ?, ?)", [started, checks, str(page) if page else None])
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


def validate(paths: Paths, send_mail: bool = True, publish_copy: bool = True, since: datetime | None = None,
             everything: bool = False) -> ValidationSummary:
    """Validate the check rows dbt computed since the last validation (every row with `everything`)."""
    from extract.pipeline import publish

    paths.ensure()
    started = datetime.now(UTC).replace(tzinfo=None)
    if since is None:
        since = last_validation(paths.warehouse)  # what is new since the last validation
    checks = checks_of_run(paths.warehouse, None if everything else since)
    suite = run_suite(checks, paths)
    sql_failing = {tuple(str(x) for x in k) for k in zip(
        checks.loc[checks["status"] == "failed", "agency_name"].fillna("（未知机构）"),
        checks.loc[checks["status"] == "failed", "report_year"].astype("Int64").astype(str),
        checks.loc[checks["status"] == "failed", "rule"], checks.loc[checks["status"] == "failed", "scope"], strict=True)}
    disagree = sql_failing ^ suite.failing
    if disagree:
        raise ValidationDisagrees(f"Great Expectations and int_rule_checks disagree on {len(disagree)} check(s): {sorted(disagree)[:5]}")
    record_run(paths.warehouse, started, len(checks), suite.page)
    if publish_copy:
        publish(paths)
    summary = ValidationSummary(reports_checked=int(checks["document_id"].nunique()), data_docs=suite.page or suite.index)
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
        msg = compose(_records(errors), _records(warnings), settings, summary.data_docs, summary.reports_checked, unreadable)
        summary.mail = send(msg, settings)
    return summary


class ValidationDisagrees(RuntimeError):
    """The suite found other failures than the SQL rules: a rule is defined twice, differently."""


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return out
