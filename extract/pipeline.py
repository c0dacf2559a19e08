"""The pipeline's steps as plain functions: the CLI and the Airflow DAG call these, nothing else.

    stage (extract one file, keep its bytes, write a staging file)  ── many workers
    reextract (read again what an older extractor read)              ── one writer, many readers
    load_staged (bulk-load every staging file in one transaction)   ── one writer
    build (dbt build, then publish the serving copy and Parquet)    ── one process
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from extract.load import (
    LoadResult,
    Prepared,
    Staged,
    connect,
    known_hashes,
    known_sources,
    land,
    prepare,
)
from extract.publish import publish
from extract.rawstore import keep
from extract.reextract import ReextractResult, reextract
from extract.report import Limits, extract_bytes, failed_report
from extract.settings import DBT_PROJECT_DIR, ROOT, Paths

BATCH = 500


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _staging_name(sha256: str, source: str) -> str:
    return f"{sha256}-{hashlib.sha1(source.encode()).hexdigest()[:10]}.json"


def write_staged(paths: Paths, staged: Staged, name: str) -> Path:
    """Leave one staging file for the writer (atomically: the writer never reads half a file)."""
    out = paths.staging / name
    tmp = out.with_suffix(".tmp")
    tmp.write_text(staged.to_json(), encoding="utf-8")
    os.replace(tmp, out)
    return out


def stage_bytes(data: bytes, source: str, paths: Paths, limits: Limits | None = None, fetched_at: str | None = None) -> Path:
    """Keep the bytes in the raw store, extract them, and leave the result for the writer."""
    paths.ensure()
    sha, raw = keep(paths.raw, data)
    report = extract_bytes(data, source, limits)
    return write_staged(paths, Staged(report, str(raw), len(data), fetched_at or _now()), _staging_name(sha, source))


def stage_known(sha256: str, source: str, paths: Paths, fetched_at: str | None = None, fetch: dict | None = None) -> Path:
    """A file whose content is already landed: only its source is recorded, nothing re-extracted."""
    report = {"sha256": sha256, "source": source, "status": "unchanged"}
    return write_staged(paths, Staged(report, "", 0, fetched_at or _now(), fetch), _staging_name(sha256, source))


def _stage_path(args: tuple[str, str, Limits]) -> str:
    path, data_dir, limits = args
    paths = Paths(Path(data_dir))
    try:
        data = Path(path).read_bytes()
    except OSError as exc:  # unreadable file: recorded as failed, nothing lost
        sha = hashlib.sha256(path.encode()).hexdigest()
        report = failed_report(path, sha, "unreadable_file", f"cannot be read: {exc}")
        return str(write_staged(paths.ensure(), Staged(report, "", 0, _now()), _staging_name(sha, path)))
    return str(stage_bytes(data, path, paths, limits))


@dataclass
class IngestResult:
    load: LoadResult
    extracted: int
    skipped_known: int
    reextract: ReextractResult | None = None


def stage_files(files: Sequence[Path], paths: Paths, workers: int = 0, limits: Limits | None = None, progress: bool = False) -> list[Path]:
    """Extract files in parallel processes (all cores by default); returns staging files."""
    limits = limits or Limits()
    workers = workers or os.cpu_count() or 1
    jobs = [(str(f), str(paths.data), limits) for f in files]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="extract", unit="report", file=sys.stderr)
    out: list[Path] = []
    try:
        if workers == 1 or len(jobs) <= 2:
            for job in jobs:
                out.append(Path(_stage_path(job)))
                if bar:
                    bar.update()
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for staged in pool.map(_stage_path, jobs, chunksize=max(1, min(16, len(jobs) // (workers * 4) or 1))):
                    out.append(Path(staged))
                    if bar:
                        bar.update()
    finally:
        if bar:
            bar.close()
    return out


def _prepare_files(names: list[str]) -> Prepared:
    return prepare(Staged.from_json(Path(n).read_text(encoding="utf-8")) for n in names)


def _prepared_in_order(chunks: list[list[Path]], pool: ProcessPoolExecutor | None, ahead: int) -> Iterator[Prepared]:
    """Each chunk read and turned into Arrow, in order, at most `ahead` chunks before the writer."""
    if pool is None:
        for chunk in chunks:
            yield _prepare_files([str(f) for f in chunk])
        return
    pending: deque[Future[Prepared]] = deque()
    rest = iter(chunks)
    for chunk in islice(rest, ahead):
        pending.append(pool.submit(_prepare_files, [str(f) for f in chunk]))
    while pending:
        done = pending.popleft().result()
        nxt = next(rest, None)
        if nxt is not None:
            pending.append(pool.submit(_prepare_files, [str(f) for f in nxt]))
        yield done


def load_staged(paths: Paths, files: Iterable[Path] | None = None, progress: bool = False, workers: int = 0) -> LoadResult:
    """The one writer: bulk-load staging files in batches, each in one transaction; then remove them.

    Reading the files and building the Arrow rows (regions, numbers) is most of the work and
    needs no warehouse: other processes do it (all cores by default) while this one inserts.
    """
    paths.ensure()
    todo = sorted(files) if files is not None else sorted(paths.staging.glob("*.json"))
    total = LoadResult()
    if not todo:
        with connect(paths.warehouse):
            pass
        return total
    chunks = [todo[start : start + BATCH] for start in range(0, len(todo), BATCH)]
    workers = workers or os.cpu_count() or 1
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 and len(chunks) > 1 else None
    con = connect(paths.warehouse)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="load", unit="report", file=sys.stderr)
    try:
        for chunk, prepared in zip(chunks, _prepared_in_order(chunks, pool, workers + 1), strict=True):
            result = land(con, prepared)
            total.loaded += result.loaded
            total.unchanged += result.unchanged
            total.new_sources += result.new_sources
            total.failed.extend(result.failed)
            for k, v in result.by_status.items():
                total.by_status[k] = total.by_status.get(k, 0) + v
            for f in chunk:
                f.unlink(missing_ok=True)
            if bar:
                bar.update(len(chunk))
    finally:
        con.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if bar:
            bar.close()
    return total


def ingest(files: Sequence[Path], paths: Paths, workers: int = 0, limits: Limits | None = None, progress: bool = False) -> IngestResult:
    """Extract and land files; content already landed is skipped before extraction."""
    paths.ensure()
    known = known_hashes(paths.warehouse)
    recorded = known_sources(paths.warehouse)
    fresh: list[Path] = []
    staged: list[Path] = []
    for f in files:
        try:
            with f.open("rb") as fh:
                sha = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError:
            fresh.append(f)
            continue
        if sha not in known:
            fresh.append(f)
        elif (sha, str(f)) not in recorded:  # landed content at a new path: only the path is recorded
            staged.append(stage_known(sha, str(f), paths))
        # else: the same content at the same path, landed before: nothing to write
    staged.extend(stage_files(fresh, paths, workers, limits, progress))
    reread = reextract(paths, workers=workers, limits=limits, progress=progress)
    result = load_staged(paths, staged, progress, workers)
    return IngestResult(result, extracted=len(fresh), skipped_known=len(files) - len(fresh), reextract=reread)


def dbt_env(paths: Paths) -> dict[str, str]:
    env = {**os.environ, "XXGK_WAREHOUSE": str(paths.warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    env.setdefault("DBT_LOG_PATH", str(paths.data / "dbt_logs"))
    env.setdefault("DBT_TARGET_PATH", str(paths.data / "dbt_target"))
    return env


def dbt_command(*args: str) -> list[str]:
    dbt = Path(sys.executable).parent / "dbt"
    # XXGK_DBT_PROJECT_DIR: a deployment's own copy of the project (e.g. its agency_aliases seed)
    project = os.environ.get("XXGK_DBT_PROJECT_DIR") or str(DBT_PROJECT_DIR)
    return [str(dbt if dbt.exists() else shutil.which("dbt") or "dbt"), *args, "--project-dir", project, "--profiles-dir", project]


class BuildFailed(RuntimeError):
    pass


def run_dbt(paths: Paths, *args: str, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    """dbt in its own process: it releases the DuckDB lock when it exits."""
    proc = subprocess.run(dbt_command(*args), env=dbt_env(paths), capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        raise BuildFailed(f"dbt {' '.join(args)} failed:\n{tail}")
    return proc


def build(paths: Paths, full_refresh: bool = False) -> None:
    """dbt build (models and their tests, one process), then publish the serving copy.

    The per-report models are incremental (only reports changed since their last run are
    rewritten); `full_refresh` rebuilds every model from raw, with the same result.
    """
    dbt_build(paths, full_refresh)
    publish(paths)


def rule_check_batch() -> int:
    """Reports one run of int_rule_checks checks: XXGK_RULE_CHECK_BATCH, else the project's var."""
    import yaml

    if os.environ.get("XXGK_RULE_CHECK_BATCH"):
        return max(1, int(os.environ["XXGK_RULE_CHECK_BATCH"]))
    project = Path(os.environ.get("XXGK_DBT_PROJECT_DIR") or DBT_PROJECT_DIR)
    config = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))
    return int(config["vars"]["rule_check_batch"])


def _rule_checks_since(paths: Paths, since: datetime | None) -> tuple[datetime | None, int]:
    """(latest checked_at, reports checked after `since`) of int_rule_checks, read-only."""
    import duckdb

    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        found = con.execute(
            "select table_schema from information_schema.tables where table_name = 'int_rule_checks'"
        ).fetchone()
        if found is None:
            return None, 0
        table = f'"{found[0]}".int_rule_checks'
        latest, written = con.execute(
            f"select max(checked_at), count(distinct document_id) filter (where checked_at > ?) from {table}",
            [since or datetime(1900, 1, 1)],
        ).fetchone()
        return latest, written
    finally:
        con.close()


def dbt_build(paths: Paths, full_refresh: bool = False) -> None:
    """dbt build alone (the DAG publishes in its own step).

    One `dbt build` does everything unless more reports wait for their rule checks than one
    run of int_rule_checks takes (rule_check_batch): then that model runs again until every
    report is checked, and a last `dbt build` of it and what reads it tests the whole.
    """
    paths.ensure()
    with connect(paths.warehouse):
        pass  # the raw schema exists even before the first load
    batch = rule_check_batch()
    dbt_vars = ["--vars", json.dumps({"rule_check_batch": batch})]
    # the tests of the large incremental models read the reports written since the build began
    # (the get_where_subquery macro); dbt's run_started_at, unless the build takes several runs
    built_since = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    before, _ = (None, 0) if full_refresh else _rule_checks_since(paths, None)
    run_dbt(paths, "build", *dbt_vars, *(["--full-refresh"] if full_refresh else []))
    before, written = _rule_checks_since(paths, before)
    if written < batch:
        return
    for _ in range(10_000):  # every run checks `batch` more reports, or ends the loop
        run_dbt(paths, "run", "--select", "int_rule_checks", *dbt_vars)
        before, written = _rule_checks_since(paths, before)
        if written < batch:
            break
    # a var that changes makes dbt parse the project again (a few seconds): only on this path
    run_dbt(paths, "build", "--select", "int_rule_checks+", "--vars",
            json.dumps({"rule_check_batch": batch, "built_since": built_since}))
