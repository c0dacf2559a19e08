"""Landing extracted reports in DuckDB schema `raw`: one writer, one transaction per batch.

Extract workers write each report to a staging file; the one writer loads a batch of them
in bulk (Arrow tables, never row by row) in one transaction. Loading a document that is
already there (same sha256) changes nothing but, for a new URL or path, records the source.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from extract.regions import resolve, resolve_place
from extract.template.numbers import read_number
from extract.version import extractor_version

SCHEMA_SQL = """
create schema if not exists raw;
create table if not exists raw.documents (
    sha256 varchar primary key,
    source varchar not null,
    format varchar,
    bytes bigint,
    fetched_at timestamp,
    loaded_at timestamp not null,
    raw_path varchar,
    agency varchar,
    agency_key varchar,
    report_year integer,
    published_on date,
    template_version varchar,
    status varchar not null,
    region_status varchar,
    region_province varchar,
    region_city varchar,
    region_county varchar,
    region_adcode varchar,
    region_candidates varchar,
    extractor_version varchar,
    narrative varchar
);
alter table raw.documents add column if not exists narrative varchar;
alter table raw.documents add column if not exists read_by varchar;
alter table raw.documents add column if not exists extracted_at timestamp;
alter table raw.documents add column if not exists hints varchar;
create table if not exists raw.document_sources (
    sha256 varchar not null,
    source varchar not null,
    first_seen_at timestamp not null,
    primary key (sha256, source)
);
create table if not exists raw.report_cells (
    sha256 varchar not null,
    table_name varchar not null,
    row_code varchar not null,
    col_code varchar not null,
    value decimal(38, 8),
    printed varchar,
    unit varchar,
    page integer,
    line integer,
    at_table integer,
    at_row integer,
    at_col integer,
    primary key (sha256, table_name, row_code, col_code)
);
alter table raw.report_cells add column if not exists source varchar;
alter table raw.report_cells add column if not exists confidence double;
alter table raw.report_cells add column if not exists verified boolean;
create table if not exists raw.fetch_log (
    url varchar not null,
    source_name varchar,
    fetched_at timestamp not null,
    status varchar not null,
    http_status integer,
    error_code varchar,
    error varchar,
    sha256 varchar,
    bytes bigint
);
create table if not exists raw.extraction_problems (
    sha256 varchar not null,
    seq integer not null,
    code varchar not null,
    table_name varchar,
    row_code varchar,
    col_code varchar,
    message varchar,
    primary key (sha256, seq)
);
"""

_KEYS = {"disclosures": ("item", "measure"), "requests": ("row", "applicant"), "litigation": ("proceeding", "result")}


@dataclass
class Staged:
    """One extracted report and where its bytes are kept (and, for a URL, how the fetch went).

    A fetch that failed has no report: `report` is None and `fetch` says why.
    """

    report: dict[str, Any] | None
    raw_path: str
    bytes: int
    fetched_at: str
    fetch: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"report": self.report, "raw_path": self.raw_path, "bytes": self.bytes, "fetched_at": self.fetched_at, "fetch": self.fetch},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Staged:
        d = json.loads(text)
        return cls(d["report"], d["raw_path"], d["bytes"], d["fetched_at"], d.get("fetch"))


@dataclass
class LoadResult:
    loaded: int = 0
    unchanged: int = 0
    new_sources: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)


def agency_key(agency: str | None) -> str | None:
    if not agency:
        return None
    key = unicodedata.normalize("NFKC", agency)
    return re.sub(r"[\s()（）·.,，、]", "", key)


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        con.execute(SCHEMA_SQL)
    return con


def _landed_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on raw, read-only; none when there is no warehouse or no raw schema yet."""
    if not path.exists():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        try:
            return con.execute(sql).fetchall()
        except duckdb.CatalogException:
            return []
    finally:
        con.close()


def known_hashes(path: Path) -> set[str]:
    """sha256 of every document already landed (read-only; empty when there is no warehouse)."""
    return {r[0] for r in _landed_rows(path, "select sha256 from raw.documents")}


def known_sources(path: Path) -> set[tuple[str, str]]:
    """(sha256, path or URL) of every source already recorded (read-only; empty without a warehouse)."""
    return set(_landed_rows(path, "select sha256, source from raw.document_sources"))


def _decimal(cell: dict[str, Any]) -> Decimal:
    value = cell["value"]
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)  # exact already (counts: nearly every cell)
    if "printed" in cell:
        reading = read_number(cell["printed"])
        if reading.kind == "number" and reading.value is not None:
            return reading.value
    return Decimal(str(cell["value"]))


def _sources(items: list[Staged]) -> pa.Table:
    """Every (document, path or URL) pair of the batch, with when it was seen."""
    return pa.table({
        "sha256": [i.report["sha256"] for i in items],
        "source": [i.report["source"] for i in items],
        "first_seen_at": [datetime.fromisoformat(i.fetched_at) for i in items],
    })


def _rows(items: list[Staged], now: datetime) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The rows of every report of the batch, each with `_item`: the index of its report."""
    docs: dict[str, list[Any]] = {k: [] for k in (
        "_item", "sha256", "source", "format", "bytes", "fetched_at", "loaded_at", "raw_path", "agency", "agency_key", "report_year",
        "published_on", "template_version", "status", "region_status", "region_province", "region_city", "region_county",
        "region_adcode", "region_candidates", "extractor_version", "narrative", "read_by", "extracted_at", "hints")}
    cells: dict[str, list[Any]] = {k: [] for k in (
        "_item", "sha256", "table_name", "row_code", "col_code", "value", "printed", "unit", "page", "line", "at_table", "at_row", "at_col",
        "source", "confidence", "verified")}
    problems: dict[str, list[Any]] = {k: [] for k in ("_item", "sha256", "seq", "code", "table_name", "row_code", "col_code", "message")}
    for index, item in enumerate(items):
        r = item.report
        sha = r["sha256"]
        docs["_item"].append(index)
        region = resolve(r.get("agency"), set(r.get("region_hints") or ()))
        if region.status != "resolved" and r.get("region"):  # the place its source states
            stated = resolve_place(r["region"])
            region = stated if stated.status == "resolved" else region
        fetched = datetime.fromisoformat(item.fetched_at)
        for k, v in (
            ("sha256", sha), ("source", r["source"]), ("format", r.get("format")), ("bytes", item.bytes), ("fetched_at", fetched),
            ("loaded_at", now), ("raw_path", item.raw_path), ("agency", r.get("agency")), ("agency_key", agency_key(r.get("agency"))),
            ("report_year", r.get("report_year")),
            ("published_on", datetime.fromisoformat(r["published_on"]).date() if r.get("published_on") else None),
            ("template_version", r.get("template_version")), ("status", r["status"]), ("region_status", region.status),
            ("region_province", region.province), ("region_city", region.city), ("region_county", region.county),
            ("region_adcode", region.adcode), ("region_candidates", "; ".join(region.candidates) or None),
            ("extractor_version", r.get("extractor_version") or extractor_version()),
            ("narrative", json.dumps(r.get("narrative"), ensure_ascii=False) if r.get("narrative") else None),
            ("read_by", r.get("read_by") or ("text" if r["status"] != "failed" else None)),
            ("extracted_at", now),
            ("hints", json.dumps(r["hints"], ensure_ascii=False) if r.get("hints") else None),
        ):
            docs[k].append(v)
        for table, (a, b) in _KEYS.items():
            cs = r.get(table) or []
            if not cs:
                continue
            ats = [c.get("at") or {} for c in cs]
            # column by column (a report has ~200 cells; 100,000 reports 20 million)
            cells["_item"].extend([index] * len(cs))
            cells["sha256"].extend([sha] * len(cs))
            cells["table_name"].extend([table] * len(cs))
            cells["row_code"].extend([c[a] for c in cs])
            cells["col_code"].extend([c[b] for c in cs])
            cells["value"].extend([_decimal(c) for c in cs])
            for key in ("printed", "unit", "page", "line", "confidence", "verified"):
                cells[key].extend([c.get(key) for c in cs])
            for key in ("table", "row", "col"):
                cells[f"at_{key}"].extend([at.get(key) for at in ats])
            cells["source"].extend([c.get("source") or "text" for c in cs])
        for seq, p in enumerate(r.get("problems", [])):
            for k, v in (
                ("_item", index), ("sha256", sha), ("seq", seq), ("code", p["code"]), ("table_name", p.get("table")),
                ("row_code", p.get("row") or p.get("item") or p.get("proceeding")),
                ("col_code", p.get("applicant") or p.get("measure") or p.get("result")), ("message", p.get("message")),
            ):
                problems[k].append(v)
    cell_schema = pa.schema([
        ("_item", pa.int32()), ("sha256", pa.string()), ("table_name", pa.string()), ("row_code", pa.string()), ("col_code", pa.string()),
        ("value", pa.decimal128(38, 8)), ("printed", pa.string()), ("unit", pa.string()), ("page", pa.int32()),
        ("line", pa.int32()), ("at_table", pa.int32()), ("at_row", pa.int32()), ("at_col", pa.int32()),
        ("source", pa.string()), ("confidence", pa.float64()), ("verified", pa.bool_()),
    ])
    return (
        pa.table(docs).set_column(0, "_item", pa.array(docs["_item"], pa.int32())),
        pa.table(cells, schema=cell_schema),
        pa.table(problems, schema=pa.schema([
            ("_item", pa.int32()), ("sha256", pa.string()), ("seq", pa.int32()), ("code", pa.string()), ("table_name", pa.string()),
            ("row_code", pa.string()), ("col_code", pa.string()), ("message", pa.string()),
        ])),
    )


@dataclass
class Prepared:
    """A batch turned into Arrow tables, ready for the writer (made in any process: it pickles)."""

    items: list[Staged]  # the reports (their tables are in docs/cells/problems, not here)
    fetches: list[dict[str, Any]]
    docs: pa.Table
    cells: pa.Table
    problems: pa.Table


def prepare(items: Iterable[Staged]) -> Prepared:
    """The CPU part of loading (reading regions, numbers and rows into Arrow), without the warehouse."""
    everything = list(items)
    reports = [i for i in everything if i.report is not None]
    docs, cells, problems = _rows(reports, datetime.now(UTC).replace(tzinfo=None))
    light = [Staged({k: v for k, v in i.report.items() if k in ("sha256", "source", "status", "problems")},
                    i.raw_path, i.bytes, i.fetched_at, i.fetch) for i in reports]
    return Prepared(light, [i.fetch for i in everything if i.fetch], docs, cells, problems)


def _only(table: pa.Table, keep: pa.Array) -> pa.Table:
    import pyarrow.compute as pc

    return table.filter(pc.is_in(table["_item"], value_set=keep)).drop_columns(["_item"])


def load_batch(con: duckdb.DuckDBPyConnection, items: Iterable[Staged]) -> LoadResult:
    """Land a batch in one transaction: all of it, or (on any error) none of it."""
    return land(con, prepare(items))


def land(con: duckdb.DuckDBPyConnection, prepared: Prepared) -> LoadResult:
    """The writer's part: insert what is new in one transaction, record every source."""
    result = LoadResult()
    fetches, items = prepared.fetches, prepared.items
    for f in fetches:
        if f.get("status") == "failed":
            result.failed.append((f["url"], f.get("error") or "fetch failed"))
    if not items and not fetches:
        return result
    shas = list({i.report["sha256"] for i in items}) or [""]
    existing = {r[0] for r in con.execute("select sha256 from raw.documents where sha256 in (select unnest(?))", [shas]).fetchall()}
    fresh: dict[str, Staged] = {}
    chosen: list[int] = []
    for index, item in enumerate(items):
        sha = item.report["sha256"]
        if sha in existing or sha in fresh:
            result.unchanged += 1
        else:
            fresh[sha] = item
            chosen.append(index)
    keep = pa.array(chosen, pa.int32())
    docs, cells, problems = (_only(t, keep) for t in (prepared.docs, prepared.cells, prepared.problems))
    sources = _sources(items)
    con.execute("begin transaction")
    try:
        con.register("new_documents", docs)
        con.register("new_sources", sources)
        con.register("new_cells", cells)
        con.register("new_problems", problems)
        if fetches:
            fetch_log = pa.table({
                "url": [f["url"] for f in fetches],
                "source_name": [f.get("source_name") for f in fetches],
                "fetched_at": [datetime.fromisoformat(f["fetched_at"]) for f in fetches],
                "status": [f["status"] for f in fetches],
                "http_status": pa.array([f.get("http_status") for f in fetches], pa.int32()),
                "error_code": pa.array([f.get("error_code") for f in fetches], pa.string()),
                "error": pa.array([f.get("error") for f in fetches], pa.string()),
                "sha256": pa.array([f.get("sha256") for f in fetches], pa.string()),
                "bytes": pa.array([f.get("bytes") for f in fetches], pa.int64()),
            })
            con.register("new_fetch_log", fetch_log)
            con.execute("insert into raw.fetch_log by name select * from new_fetch_log")
            con.unregister("new_fetch_log")
        con.execute("insert into raw.documents by name select * from new_documents")
        con.execute("insert into raw.report_cells by name select * from new_cells")
        con.execute("insert into raw.extraction_problems by name select * from new_problems")
        before = con.execute("select count(*) from raw.document_sources").fetchone()[0]
        con.execute(
            """insert into raw.document_sources by name
               select sha256, source, min(first_seen_at) as first_seen_at from new_sources group by all
               on conflict do nothing"""
        )
        after = con.execute("select count(*) from raw.document_sources").fetchone()[0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for name in ("new_documents", "new_sources", "new_cells", "new_problems"):
            with contextlib.suppress(Exception):
                con.unregister(name)
    result.loaded = len(fresh)
    result.new_sources = after - before
    for item in fresh.values():
        status = item.report["status"]
        result.by_status[status] = result.by_status.get(status, 0) + 1
        if status == "failed":
            reason = "; ".join(p["message"] for p in item.report.get("problems", [])[:1])
            result.failed.append((item.report["source"], reason))
    return result
