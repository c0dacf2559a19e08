"""What BI and analysts read: the serving copy (serving.duckdb) and the Parquet exports.

Both are replaced atomically after a build; the warehouse itself is never opened by BI.

The large per-report facts (fct_requests, fct_disclosures, fct_litigation, fct_rule_results)
are published incrementally. Every row a build writes carries the time of that build
(`built_at`, or `checked_at` for the rule results), so the reports written since the last
publish are those with a row newer than the `_published` watermark the serving copy keeps.
Publishing copies the previous serving file, replaces the rows of those reports (and drops the
reports that left the table, e.g. superseded), and writes Parquet only for them. A national year
takes minutes to export in full; 1,000 new reports on top take seconds.

The Parquet export of such a fact is a folder, `exports/<table>/part-<segment>.parquet` (read it
as `exports/<table>/*.parquet`): the first publish writes one segment; each publish after it
writes the new reports as a new segment and rewrites only the segments that hold a changed or
dropped report. Past `MAX_SEGMENTS` the small segments are merged into one. `exports/<table>` is
a symbolic link to a versioned folder (`.<table>.v<n>`; unchanged segments are hard links), and
replacing the link is the atomic step: a reader sees the old export or the new one, never half.

Anything else — the dimensions and the analyst marts, which are rebuilt in full by every dbt
run and are small — is copied whole, as is a fact whose columns changed or that has no
watermark yet (a first publish). After `xxgk build --full-refresh` every row is newer than the
watermark, so every report is replaced and every segment rewritten.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from extract.settings import Paths, duckdb_memory

MARTS = ("dim_agency", "dim_report", "dim_year", "fct_disclosures", "fct_requests", "fct_litigation", "mart_agency_year",
         "mart_coverage", "mart_report_quality", "mart_agency_trends", "mart_region_year")
# the facts published by report, and the column that says when a build wrote a row
BY_REPORT = {"fct_requests": "built_at", "fct_disclosures": "built_at", "fct_litigation": "built_at",
             "fct_rule_results": "checked_at"}
MAX_SEGMENTS = 32
STATE = "_published"  # table_name, columns, built_through
SEGMENTS = "_export_segments"  # table_name, segment, document_id


def publish(paths: Paths, tables: Sequence[str] | None = None) -> None:
    """Atomically replace serving.duckdb and the Parquet exports with the marts of the warehouse."""
    import duckdb

    paths.ensure()
    fd, tmp_name = tempfile.mkstemp(dir=paths.data, prefix=".serving-", suffix=".duckdb")
    os.close(fd)
    os.unlink(tmp_name)
    if paths.serving.exists():
        shutil.copyfile(paths.serving, tmp_name)  # the start of an incremental publish
    swaps: list[tuple[str, Path]] = []
    # the same memory limit as dbt's (DuckDB takes 80 % of the machine otherwise)
    con = duckdb.connect(tmp_name, config={"memory_limit": duckdb_memory()})
    con.execute("set enable_progress_bar = false")
    try:
        con.execute(f"attach '{paths.warehouse}' as wh (read_only)")
        present = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'wh' and table_schema = 'marts'"
        ).fetchall()}
        wanted = [t for t in (tables or (*MARTS, "fct_rule_results")) if t in present]
        con.execute(f"create table if not exists main.{STATE} (table_name varchar primary key, columns varchar, built_through timestamp)")
        con.execute(f"create table if not exists main.{SEGMENTS} (table_name varchar, segment integer, document_id varchar)")
        for t in wanted:
            if t in BY_REPORT:
                swaps.append((t, _publish_by_report(con, paths, t, BY_REPORT[t])))
            else:
                con.execute(f"create or replace table main.{t} as select * from wh.marts.{t}")
                out = paths.exports / f"{t}.parquet"
                con.execute(f"copy (select * from main.{t}) to '{out}.tmp' (format parquet)")
                os.replace(f"{out}.tmp", out)
        con.execute("detach wh")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        Path(tmp_name).unlink(missing_ok=True)
        for _, folder in swaps:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    con.close()
    os.replace(tmp_name, paths.serving)
    for t, folder in swaps:
        _swap_export(paths.exports, t, folder)


def _columns(con, catalog: str, schema: str, table: str) -> str | None:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, table],
    ).fetchall()
    return ", ".join(f"{n} {d}" for n, d in rows) or None


def _publish_by_report(con, paths: Paths, t: str, built: str) -> Path:
    """Bring main.<t> up to the warehouse, report by report; write the export's next version folder."""
    columns = _columns(con, "wh", "marts", t)
    state = con.execute(f"select columns, built_through from main.{STATE} where table_name = ?", [t]).fetchone()
    current = _current_export(paths.exports, t)
    held = _columns(con, con.execute("select current_database()").fetchone()[0], "main", t)
    built_through = con.execute(f"select max({built}) from wh.marts.{t}").fetchone()[0]
    if state is None or state[0] != columns or held != columns or current is None or state[1] is None:
        con.execute(f"create or replace table main.{t} as select * from wh.marts.{t}")
        con.execute(f"delete from main.{SEGMENTS} where table_name = ?", [t])
        con.execute(f"insert into main.{SEGMENTS} select distinct ?, 0, document_id from main.{t}", [t])
        rewrite = {0}
    else:
        # reports a build wrote since the last publish, and reports that left the table
        # (superseded, or no longer current): the rows of both are replaced
        con.execute(f"create or replace temp table changed as select distinct document_id from wh.marts.{t} where {built} > ?",
                    [state[1]])
        con.execute(f"""
            create or replace temp table gone as
            select document_id from main.{SEGMENTS} where table_name = ?
            except
            select distinct document_id from wh.marts.{t}
        """, [t])
        con.execute("create or replace temp table touched as select document_id from changed union select document_id from gone")
        con.execute(f"delete from main.{t} where document_id in (select document_id from touched)")
        con.execute(f"insert into main.{t} select * from wh.marts.{t} where document_id in (select document_id from changed)")
        rewrite = {s for (s,) in con.execute(
            f"select distinct segment from main.{SEGMENTS} where table_name = ? and document_id in (select document_id from touched)",
            [t]).fetchall()}
        con.execute(f"delete from main.{SEGMENTS} where table_name = ? and document_id in (select document_id from gone)", [t])
        segment = con.execute(f"select coalesce(max(segment), -1) + 1 from main.{SEGMENTS} where table_name = ?", [t]).fetchone()[0]
        arrived = con.execute(f"""
            insert into main.{SEGMENTS}
            select ?, ?, document_id from changed
            where document_id not in (select document_id from main.{SEGMENTS} where table_name = ?)
        """, [t, segment, t]).fetchone()[0]
        if arrived:
            rewrite.add(segment)
        sizes = dict(con.execute(
            f"select segment, count(*) from main.{SEGMENTS} where table_name = ? group by segment", [t]).fetchall())
        if len(sizes) > MAX_SEGMENTS:
            # merge the small segments (each under a sixteenth of the reports) into one
            total = sum(sizes.values())
            small = [s for s, n in sizes.items() if n * 16 < total] or sorted(sizes, key=sizes.__getitem__)[:2]
            merged = max(sizes) + 1
            con.execute(f"update main.{SEGMENTS} set segment = ? where table_name = ? and segment in ({', '.join(map(str, small))})",
                        [merged, t])
            rewrite = (rewrite - set(small)) | {merged}
    con.execute(f"delete from main.{STATE} where table_name = ?", [t])
    con.execute(f"insert into main.{STATE} values (?, ?, ?)", [t, columns, built_through])
    version = 0 if current is None else int(current.name.rsplit(".v", 1)[1]) + 1
    folder = paths.exports / f".{t}.v{version}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    live = [s for (s,) in con.execute(
        f"select distinct segment from main.{SEGMENTS} where table_name = ? order by 1", [t]).fetchall()]
    for s in live:
        part = folder / f"part-{s:05d}.parquet"
        if s not in rewrite and current is not None and (current / part.name).exists():
            os.link(current / part.name, part)  # unchanged: the same file in the new version
            continue
        con.execute(f"""
            copy (
                select * from main.{t}
                where document_id in (select document_id from main.{SEGMENTS} where table_name = '{t}' and segment = {s})
            ) to '{part}' (format parquet)
        """)
    return folder


def _current_export(exports: Path, t: str) -> Path | None:
    link = exports / t
    if link.is_symlink() and link.resolve().is_dir():
        return link.resolve()
    return None


def _swap_export(exports: Path, t: str, folder: Path) -> None:
    """Point exports/<t> at its new version folder in one rename; drop what it replaced."""
    old = _current_export(exports, t)
    tmp = exports / f".{t}.link"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(folder.name)
    os.replace(tmp, exports / t)
    if old is not None and old != folder.resolve():
        shutil.rmtree(old, ignore_errors=True)
    (exports / f"{t}.parquet").unlink(missing_ok=True)  # the one-file export of before
