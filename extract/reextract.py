"""Re-reading landed documents when the extractor has changed.

Every document records the `extractor_version` that read it (a digest of the code that
decides what is read: extract/version.py). When that code changes, the documents read by
an older version are read again from the raw store, in batches: a document whose reading
is the same keeps its rows and only gets the new version; one whose reading changed gets
its rows replaced (cells, problems, metadata) and a new `extracted_at`, one transaction
per batch, so the marts never see half a document. Where the document came from, when it
was fetched and first loaded, stay as they were; so do the hints its source gave (an
agency or year the document itself does not print), which are applied again.

A raw file that is gone cannot be re-read: the document keeps its rows and old version and
is named in the result; nothing is lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from extract.load import Staged, _rows, connect
from extract.report import Limits, extract_bytes, failed_report
from extract.settings import Paths
from extract.version import extractor_version

BATCH = 200

# what a reading is: the fields of raw.documents the extractor decides, and every cell and problem
_DOC_FIELDS = ("format", "agency", "report_year", "published_on", "template_version", "status", "read_by", "narrative",
               "region_status", "region_adcode", "region_candidates")


@dataclass
class ReextractResult:
    stale: int = 0  # read by another extractor version
    reread: int = 0
    changed: int = 0
    unchanged: int = 0
    missing_raw: list[str] = field(default_factory=list)  # sources whose raw file is gone
    version: str = ""

    def text(self) -> str:
        if not self.stale:
            return f"re-extraction: every document is read by the current extractor ({self.version})"
        out = (f"re-extraction by extractor {self.version}: {self.reread} of {self.stale} document(s) read again,"
               f" {self.changed} changed, {self.unchanged} unchanged")
        if self.missing_raw:
            out += f"; {len(self.missing_raw)} kept as they were (raw file missing): " + ", ".join(self.missing_raw[:5])
        return out


def stale_documents(con: duckdb.DuckDBPyConnection, everything: bool = False) -> list[dict[str, Any]]:
    """Documents read by another extractor version than this one (or all of them)."""
    where = "where coalesce(raw_path, '') <> ''"  # a file that could not be read at all left no bytes to read again
    if not everything:
        where += " and coalesce(extractor_version, '') <> ?"
    args: list[Any] = [] if everything else [extractor_version()]
    rows = con.execute(
        f"""select sha256, source, raw_path, bytes, fetched_at, loaded_at, hints from raw.documents {where}
            order by sha256""", args).fetchall()
    keys = ("sha256", "source", "raw_path", "bytes", "fetched_at", "loaded_at", "hints")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _read_again(args: tuple[dict[str, Any], Limits]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """One document read again from its raw bytes (in a worker process); None when the raw file is gone."""
    doc, limits = args
    path = Path(doc["raw_path"] or "")
    try:
        data = path.read_bytes() if doc["raw_path"] else None
    except OSError:
        data = None
    if data is None:
        return doc, None
    try:
        report = extract_bytes(data, doc["source"], limits)
    except Exception as exc:  # a reader bug is this document's failure, not the run's
        report = failed_report(doc["source"], doc["sha256"], "extractor_error", f"the extractor failed: {exc!r}")
    if report.get("sha256") != doc["sha256"]:
        return doc, None  # the file at raw_path is not these bytes any more
    from extract.jobs import apply_hints

    apply_hints(report, json.loads(doc["hints"]) if doc.get("hints") else {})
    return doc, report


def _reading(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, tuple[Any, ...]]:
    """What the warehouse holds now for each document, as a comparable value."""
    docs = {r[0]: r[1:] for r in con.execute(
        f"select sha256, {', '.join(_DOC_FIELDS)} from raw.documents where sha256 in (select unnest(?))", [shas]).fetchall()}
    cells: dict[str, list[tuple[Any, ...]]] = {s: [] for s in shas}
    for r in con.execute(
        """select sha256, table_name, row_code, col_code, value, printed, unit, page, at_table, at_row, at_col,
                  source, confidence, verified
           from raw.report_cells where sha256 in (select unnest(?))""", [shas]).fetchall():
        cells[r[0]].append(r[1:])
    problems: dict[str, list[tuple[Any, ...]]] = {s: [] for s in shas}
    for r in con.execute(
        """select sha256, seq, code, table_name, row_code, col_code, message
           from raw.extraction_problems where sha256 in (select unnest(?))""", [shas]).fetchall():
        problems[r[0]].append(r[1:])
    return {s: (docs.get(s), sorted(cells[s], key=repr), sorted(problems[s], key=repr)) for s in shas}


def _replace(con: duckdb.DuckDBPyConnection, olds: list[dict[str, Any]], reports: list[dict[str, Any]]) -> tuple[int, int]:
    """Write one batch of new readings in one transaction; returns (changed, unchanged)."""
    shas = [r["sha256"] for r in reports]
    now = datetime.now(UTC).replace(tzinfo=None)
    items = [Staged(rep, old["raw_path"], old["bytes"] or 0, old["fetched_at"].isoformat())
             for old, rep in zip(olds, reports, strict=True)]
    docs, cells, problems = (t.drop_columns(["_item"]) for t in _rows(items, now))
    before = _reading(con, shas)
    con.execute("begin transaction")
    try:
        con.register("reread_documents", docs)
        con.register("reread_cells", cells)
        con.register("reread_problems", problems)
        con.execute("create or replace temp table reread_before as select sha256, loaded_at, extracted_at from raw.documents"
                    " where sha256 in (select unnest(?))", [shas])
        con.execute("delete from raw.report_cells where sha256 in (select unnest(?))", [shas])
        con.execute("delete from raw.extraction_problems where sha256 in (select unnest(?))", [shas])
        con.execute("delete from raw.documents where sha256 in (select unnest(?))", [shas])
        con.execute("insert into raw.documents by name select * from reread_documents")
        con.execute("insert into raw.report_cells by name select * from reread_cells")
        con.execute("insert into raw.extraction_problems by name select * from reread_problems")
        con.execute("update raw.documents d set loaded_at = b.loaded_at from reread_before b where d.sha256 = b.sha256")
        after = _reading(con, shas)
        same = [s for s in shas if before[s] == after[s]]
        if same:  # the same reading: it keeps the time it was first read, and says which version confirmed it
            con.execute(
                """update raw.documents d set extracted_at = coalesce(b.extracted_at, b.loaded_at) from reread_before b
                   where d.sha256 = b.sha256 and d.sha256 in (select unnest(?))""", [same])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for name in ("reread_documents", "reread_cells", "reread_problems"):
            with contextlib.suppress(Exception):
                con.unregister(name)
        with contextlib.suppress(Exception):
            con.execute("drop table if exists reread_before")
    return len(shas) - len(same), len(same)


def _batches(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def reextract(paths: Paths, everything: bool = False, workers: int = 0, limits: Limits | None = None,
              batch: int = BATCH, progress: bool = False, con: duckdb.DuckDBPyConnection | None = None) -> ReextractResult:
    """Read again every landed document an older extractor read (or all of them); the one writer."""
    result = ReextractResult(version=extractor_version())
    if not paths.warehouse.exists():
        return result
    own = con is None
    con = con or connect(paths.warehouse)
    limits = limits or Limits()
    workers = workers or os.cpu_count() or 1
    bar = None
    try:
        todo = stale_documents(con, everything)
        result.stale = len(todo)
        if not todo:
            return result
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc="re-extract", unit="report", file=sys.stderr)
        pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 and len(todo) > 2 else None
        try:
            for chunk in _batches(todo, batch):
                jobs = [(d, limits) for d in chunk]
                read = list(pool.map(_read_again, jobs)) if pool else [_read_again(j) for j in jobs]
                olds = [d for d, rep in read if rep is not None]
                reports = [rep for _, rep in read if rep is not None]
                result.missing_raw.extend(d["source"] for d, rep in read if rep is None)
                if reports:
                    changed, unchanged = _replace(con, olds, reports)
                    result.changed += changed
                    result.unchanged += unchanged
                    result.reread += len(reports)
                if bar:
                    bar.update(len(chunk))
        finally:
            if pool:
                pool.shutdown()
    finally:
        if bar:
            bar.close()
        if own:
            con.close()
    return result

