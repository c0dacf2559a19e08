"""`xxgk validate`: the rule rows dbt computed this run (read-only), the suite, Data Docs, mail."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from expectations.mail import compose, send, settings_from_env
from expectations.suites import context, register
from extract.settings import Paths, duckdb_memory


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


COLUMNS = """check_id, document_id, agency_id, agency_name, report_year, source, rule, scope, expected, actual,
             difference, severity, status, reason, cells, checked_at"""
ORDER = "order by rule_order, agency_name, report_year, document_id, check_order, scope"


def checks_of_run(warehouse: Path, since: datetime | None) -> pd.DataFrame:
    """The checked rows (passed or failed) dbt computed since `since` (all when None), read-only.

    The rules themselves are SQL (dbt int_rule_checks → marts.fct_rule_results); this only reads
    the rows a run added, so a run with nothing new validates nothing. A national year is
    millions of rows: only the columns the suite and the counts need, text as categories, and
    the cells only of the checks whose two sides differ (no expectation can find the others
    unexpected, and Data Docs name the cells of unexpected ones only); the counts are SQL's
    (`check_counts`).
    """
    # DuckDB's memory bounded as dbt's is (the sort of millions of rows spills instead)
    con = duckdb.connect(str(warehouse), read_only=True, config={"memory_limit": duckdb_memory()})
    try:
        cond = "and checked_at > ?" if since else ""
        table = con.sql(
            f"""select agency_name, report_year, rule, scope, expected, actual, status,
                       case when actual is distinct from expected then cells end as cells
                from marts.fct_rule_results
                where status <> 'not_checked' {cond} {ORDER}""",
            params=[since] if since else None,
        ).to_arrow_table()
    finally:
        con.close()
    frame = table.to_pandas(strings_to_categorical=True, self_destruct=True, split_blocks=True)
    del table
    frame["cells"] = frame["cells"].astype(object).where(frame["cells"].notna(), None)
    return frame


@dataclass
class CheckCounts:
    checks: int
    reports: int
    failing_reports: int  # with a failed error
    per_rule: dict[str, dict[str, int]]  # rule -> {failed, passed, not_checked}


def check_counts(warehouse: Path, since: datetime | None) -> CheckCounts:
    """How many checks, reports and failing reports dbt computed since `since`, read-only."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cond = "where checked_at > ?" if since else ""
        params = [since] if since else []
        checks, reports, failing = con.execute(
            f"""select count(*), count(distinct document_id),
                       count(distinct document_id) filter (where status = 'failed' and severity = 'error')
                from marts.fct_rule_results {cond}""", params).fetchone()
        per_rule: dict[str, dict[str, int]] = {}
        for rule, status, n in con.execute(
                f"select rule, status, count(*) from marts.fct_rule_results {cond} group by all", params).fetchall():
            per_rule.setdefault(rule, {"failed": 0, "passed": 0, "not_checked": 0})[status] = n
    finally:
        con.close()
    return CheckCounts(checks, reports, failing, per_rule)


def failed_checks(warehouse: Path, since: datetime | None, max_reports: int) -> pd.DataFrame:
    """Every column of the failed checks since `since` of the first `max_reports` reports that
    fail (those with errors first): what the mail lists."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cond = "and checked_at > ?" if since else ""
        return con.execute(
            f"""with listed as (
                    select document_id from marts.fct_rule_results
                    where status = 'failed' {cond}
                    group by document_id
                    order by bool_or(severity = 'error') desc, min(agency_name), min(report_year), document_id
                    limit ?
                )
                select {COLUMNS} from marts.fct_rule_results
                where status = 'failed' {cond} and document_id in (select document_id from listed) {ORDER}""",
            [*([since] if since else []), max_reports, *([since] if since else [])],
        ).df()
    finally:
        con.close()


def mail_max_reports() -> int:
    """Reports a mail lists in detail (XXGK_MAIL_MAX_REPORTS, default 200); it counts the rest."""
    return int(os.environ.get("XXGK_MAIL_MAX_REPORTS", "200"))


def labels(column: pd.Series, missing: str) -> pd.Series:
    """A column as categorical text, a missing value shown as `missing` (how Data Docs and the
    failing-check keys name it; categories keep millions of check rows small)."""
    if pd.api.types.is_numeric_dtype(column):
        column = column.astype("Int64")
    cat = column.astype("category")
    cat = cat.cat.rename_categories([str(c) for c in cat.cat.categories])
    if cat.isna().any():
        if missing not in cat.cat.categories:
            cat = cat.cat.add_categories([missing])
        cat = cat.fillna(missing)
    return cat


def check_keys(checks: pd.DataFrame) -> pd.DataFrame:
    """agency, year, rule and scope of each check, as Data Docs and the failing sets name them."""
    return pd.DataFrame({
        "agency_name": labels(checks["agency_name"], "（未知机构）"),
        "report_year": labels(checks["report_year"], "<NA>"),
        "rule": labels(checks["rule"], ""),
        "scope": labels(checks["scope"], ""),
    }, index=checks.index)


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
    failing: set[tuple[Any, ...]]  # INDEX_COLUMNS[:4] of the checks Great Expectations found unexpected (when named)
    page: Path | None  # the Data Docs page of this validation
    index: Path | None
    unexpected: dict[str, int] = field(default_factory=dict)  # rule -> checks Great Expectations found unexpected
    named: bool = True  # every unexpected check named (else counted, with a sample)


def named_limit() -> int:
    """Checks whose two sides differ up to which Data Docs name every unexpected one."""
    return int(os.environ.get("XXGK_GX_NAMED_LIMIT", "20000"))


def run_suite(checks: pd.DataFrame, paths: Paths) -> SuiteRun:
    """Run the checkpoint on the checked rows of this run (not_checked ones have nothing to compare)."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    todo = checks[checks["status"].isin(["passed", "failed"])]
    actual, expected = todo["actual"].astype(float), todo["expected"].astype(float)
    differ = ~(actual == expected)  # every row an expectation could find unexpected (R8 is >=)
    named = int(differ.sum()) <= named_limit()
    names = pd.Series("", index=todo.index, dtype=object)
    if named:
        cells = todo["cells"]
        with_cells = differ & cells.notna()
        names[with_cells] = cells[with_cells].map(cells_named)
    frame = check_keys(todo).assign(cells_named=names, actual=actual, expected=expected).reset_index(drop=True)
    del todo, actual, expected, differ, names
    docs_dir = paths.data_docs
    failing: set[tuple[Any, ...]] = set()
    unexpected: dict[str, int] = {}
    page: Path | None = None
    if len(frame):  # nothing new: no context, no docs rebuild
        ctx = context(docs_dir, paths.data / "gx_validations")
        checkpoint = register(ctx, named=named)
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        for key, run in result.run_results.items():
            for r in run.results:
                rule = str((r.expectation_config.meta or {}).get("rule"))
                unexpected[rule] = unexpected.get(rule, 0) + int(r.result.get("unexpected_count") or 0)
                for item in r.result.get("unexpected_index_list") or []:
                    failing.add(tuple(str(item[c]) for c in INDEX_COLUMNS[:4]))
            for site in ctx.get_docs_sites_urls(resource_identifier=key):
                url = site.get("site_url") or ""
                if url.startswith("file://"):
                    page = Path(url.removeprefix("file://"))
        from expectations.offline import make_offline

        make_offline(docs_dir)
    index = docs_dir / "index.html"
    return SuiteRun(failing, page if page and page.exists() else None, index if index.exists() else None, unexpected, named)


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
    counts = check_counts(paths.warehouse, None if everything else since)
    sql_counts = {r: v["failed"] for r, v in counts.per_rule.items() if v["failed"]}
    gx_counts = {r: c for r, c in suite.unexpected.items() if c}
    if sql_counts != gx_counts:
        raise ValidationDisagrees(f"Great Expectations and int_rule_checks count different failures per rule: {gx_counts} vs {sql_counts}")
    if suite.named:
        failed = check_keys(checks[checks["status"] == "failed"])
        sql_failing = {tuple(str(x) for x in k) for k in failed.itertuples(index=False, name=None)}
        disagree = sql_failing ^ suite.failing
        if disagree:
            raise ValidationDisagrees(f"Great Expectations and int_rule_checks disagree on {len(disagree)} check(s): {sorted(disagree)[:5]}")
    del checks
    record_run(paths.warehouse, started, counts.checks, suite.page)
    if publish_copy:
        publish(paths)
    summary = ValidationSummary(reports_checked=counts.reports, per_rule=counts.per_rule, failing_reports=counts.failing_reports,
                                data_docs=suite.page or suite.index)
    has_errors = counts.failing_reports > 0
    unreadable = unreadable_since(paths.warehouse, since)
    summary.unreadable = len(unreadable)
    if send_mail and (has_errors or unreadable):
        failed_rows = failed_checks(paths.warehouse, None if everything else since, mail_max_reports())
        errors = failed_rows[failed_rows["severity"] == "error"]
        warnings = failed_rows[failed_rows["severity"] == "warning"]
        settings = settings_from_env(paths.outbox)
        warning_counts = {r: v["failed"] for r, v in summary.per_rule.items() if _severity(r) == "warning"}
        msg = compose(_records(errors), _records(warnings), settings, summary.data_docs, summary.reports_checked, unreadable,
                      failing_reports=summary.failing_reports, warning_counts=warning_counts)
        summary.mail = send(msg, settings)
    return summary


class ValidationDisagrees(RuntimeError):
    """The suite found other failures than the SQL rules: a rule is defined twice, differently."""


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return out
