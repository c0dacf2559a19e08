"""`xxgk run` / `make run`: the real DAG once, end to end, with embedded defaults, then a summary.

Embedded defaults: Airflow's home and SQLite metadata under the data folder, the bundled
sample sources, the DuckDB files, and the mail outbox (no SMTP server needed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from extract.settings import ROOT, Paths
from extract.sources import default_sources_path
from extract.version import extractor_version

DAG_ID = "xxgk_reports"


def airflow_env(paths: Paths, sources: Path) -> dict[str, str]:
    home = paths.airflow_home
    env = {
        **os.environ,
        "XXGK_DATA_DIR": str(paths.data),
        "XXGK_SOURCES": str(sources),
        "AIRFLOW_HOME": os.environ.get("AIRFLOW_HOME", str(home)),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
        "XXGK_RETRY_DELAY_S": os.environ.get("XXGK_RETRY_DELAY_S", "5"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    if "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in os.environ:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home / 'airflow.db'}"
    return env


def _airflow(*args: str, env: dict[str, str], log: Path) -> int:
    exe = Path(sys.executable).parent / "airflow"
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"\n$ airflow {' '.join(args)}\n")
        fh.flush()
        return subprocess.run([str(exe), *args], env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT).returncode


def run_dag(paths: Paths, sources: Path | None = None, dag_id: str = DAG_ID) -> tuple[int, Path, datetime]:
    paths.ensure()
    paths.airflow_home.mkdir(parents=True, exist_ok=True)
    sources = sources or default_sources_path()
    env = airflow_env(paths, sources)
    started = datetime.now(UTC).replace(tzinfo=None)
    log = paths.airflow_home / f"run-{started:%Y%m%dT%H%M%S}.log"
    marker = paths.airflow_home / ".migrated"
    if not marker.exists():
        if _airflow("db", "migrate", env=env, log=log) != 0:
            return 1, log, started
        marker.touch()
    _airflow("pools", "set", "xxgk_duckdb_writer", "1", "DuckDB has one writer per file", env=env, log=log)
    code = _airflow("dags", "test", dag_id, env=env, log=log)
    return code, log, started


ANALYST_MARTS = ("mart_coverage", "mart_report_quality", "mart_agency_trends", "mart_region_year")


def summary(paths: Paths, started: datetime) -> str:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        new = dict(con.execute("select status, count(*) from raw.documents where loaded_at >= ? group by 1", [started]).fetchall())
        total = dict(con.execute("select status, count(*) from raw.documents group by 1").fetchall())
        fetch_failed = con.execute("select count(*) from raw.fetch_log where status = 'failed' and fetched_at >= ?", [started]).fetchone()[0]
        not_modified = con.execute("select count(*) from raw.fetch_log where status = 'not_modified' and fetched_at >= ?", [started]).fetchone()[0]
        rules = con.execute(
            """select rule, severity, count(*) filter (where status = 'failed'), count(distinct document_id) filter (where status = 'failed')
               from marts.fct_rule_results group by rule, severity order by cast(substr(rule, 2) as int)"""
        ).fetchall()
        checked = con.execute("select count(distinct document_id) from marts.fct_rule_results").fetchone()[0]
        reread = con.execute("select count(*) from raw.documents where extracted_at >= ? and loaded_at < ?", [started, started]).fetchone()[0]
        versions = dict(con.execute("select coalesce(extractor_version, '?'), count(*) from raw.documents group by 1").fetchall())
    finally:
        con.close()
    served: set[str] = set()
    if paths.serving.exists():
        scon = duckdb.connect(str(paths.serving), read_only=True)
        try:
            served = {t for (t,) in scon.execute("select table_name from information_schema.tables").fetchall()}
        finally:
            scon.close()
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "none"  # noqa: E731
    lines = ["", "xxgk run: the DAG ran end to end."]
    if new:
        lines.append(f"  new reports this run: {sum(new.values())} ({fmt(new)})")
    else:
        lines.append("  nothing new this run: every document offered by the sources is already in the warehouse"
                     " (dbt build and validation skipped; the marts are current).")
    if reread:
        lines.append(f"  {reread} landed report(s) read again by the new extractor and changed (rows replaced)")
    current = extractor_version()
    older = sum(v for k, v in versions.items() if k != current)
    lines.append(f"  extractor {current}: {versions.get(current, 0)} document(s) read by it"
                 + (f", {older} by older versions (no raw file to read again)" if older else ""))
    if not_modified:
        lines.append(f"  {not_modified} URL(s) unchanged since the last fetch (HTTP 304)")
    if fetch_failed:
        lines.append(f"  {fetch_failed} URL(s) could not be fetched (see raw.fetch_log)")
    lines.append(f"  warehouse holds {sum(total.values())} document(s): {fmt(total)}")
    errors = sum(r[2] for r in rules if r[1] == "error")
    warnings = sum(r[2] for r in rules if r[1] == "warning")
    lines.append(f"  rules on {checked} current report(s): {errors} error(s), {warnings} warning(s)")
    for rule, severity, failed, docs in rules:
        if failed:
            lines.append(f"    {rule:<4} {severity:<7} {failed} failed check(s) in {docs} report(s)")
    outbox = sorted(paths.outbox.glob("*.eml"))
    lines += [
        f"  marts:        {paths.warehouse} (schema marts)",
        f"  serving copy: {paths.serving}  (read-only for BI; Parquet in {paths.exports})",
        f"  Data Docs:    {paths.data_docs / 'index.html'}",
        f"  outbox:       {paths.outbox} ({len(outbox)} mail(s){'; latest ' + outbox[-1].name if outbox else ''})",
        f"  analyst marts in the serving copy: {', '.join(t for t in ANALYST_MARTS if t in served) or 'none'}",
        f"  dashboard:    {ROOT / 'deploy' / 'superset' / 'bundle'} (Superset bundle as YAML; zip it with"
        " deploy/superset/build_bundle.py OUT.zip; docker compose imports it)",
        "  look at one agency: xxgk show NAME [--year N]",
    ]
    return "\n".join(lines)
