"""Incremental warehouse: marts and rule results after incremental runs equal a full rebuild.

Round one lands two years of three agencies and builds. Round two adds a year, supersedes one
report by a corrected version, has one report read again with a changed reading, and builds
incrementally. Every table in `marts` must then equal what `dbt build --full-refresh` makes
from the same raw data, and the rule rows of untouched reports must not have been recomputed.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import duckdb
import pytest

from extract import publish
from extract.load import connect
from extract.pipeline import build, ingest
from extract.reextract import reextract
from extract.settings import Paths
from synth.model import make_report
from synth.render import to_html, to_txt

AGENCIES = ("某县审计局", "某县统计局", "某县林业局")


def _write(folder: Path, name: str, year: int, seed: int, published: date, bump: int = 0) -> Path:
    rep = make_report(random.Random(seed), name, year)
    rep.published_on = published
    if bump:  # a corrected version: one more request received, printed consistently
        for key in (("new_received", "natural_person"), ("new_received", "total")):
            rep.requests[key] = int(rep.requests[key]) + bump
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / f"{seed}-{year}-{bump}.{'html' if seed % 2 else 'txt'}"
    f.write_bytes(to_html(rep) if seed % 2 else to_txt(rep))
    return f


def _snapshot(paths: Paths) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        out = {}
        for t in tables:
            cols = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
                [t]).fetchall()]
            keep = ", ".join(f'"{c}"' for c in cols if c not in ("checked_at", "built_at"))  # when a row was written differs by design
            out[t] = con.execute(f"select {keep} from marts.{t} order by all").fetchall()
        return out
    finally:
        con.close()


def _assert_published(paths: Paths) -> None:
    """The serving copy and the Parquet exports hold exactly the warehouse's marts."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{paths.warehouse}' as wh (read_only)")
        con.execute(f"attach '{paths.serving}' as sv (read_only)")
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'wh' and table_schema = 'marts'").fetchall()]
        for t in tables:
            export = (f"'{paths.exports / t}/*.parquet'" if t in publish.BY_REPORT else f"'{paths.exports / t}.parquet'")
            for held in (f"sv.main.{t}", f"read_parquet({export})"):
                for a, b in ((f"wh.marts.{t}", held), (held, f"wh.marts.{t}")):
                    extra = con.execute(f"select count(*) from (select * from {a} except all select * from {b})").fetchone()[0]
                    assert extra == 0, f"{t}: {extra} rows of {a} not in {b}"
        # one version folder per fact, the link pointing at it
        for t in publish.BY_REPORT:
            assert (paths.exports / t).is_symlink()
            assert [f.name for f in paths.exports.glob(f".{t}.v*")] == [(paths.exports / t).resolve().name]
    finally:
        con.close()


@pytest.mark.slow
def test_incremental_runs_equal_a_full_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # few segments per export, so that the publishes below merge them too
    monkeypatch.setattr(publish, "MAX_SEGMENTS", 2)
    paths = Paths(tmp_path / "data").ensure()
    first = [_write(tmp_path / "in1", name, year, i, date(year + 1, 1, 20))
             for i, name in enumerate(AGENCIES) for year in (2021, 2022)]
    assert ingest(first, paths, workers=1).load.loaded == len(first)
    build(paths)
    _assert_published(paths)

    con = duckdb.connect(str(paths.warehouse), read_only=True)
    first_checked = dict(con.execute("select document_id, max(checked_at) from marts.fct_rule_results group by 1").fetchall())
    docs = dict(con.execute("select source, sha256 from raw.documents").fetchall())
    con.close()
    assert len(first_checked) == len(first)

    # round two: a new year for two agencies, a corrected 2022 report of the third
    second = [_write(tmp_path / "in2", AGENCIES[i], 2023, i, date(2024, 1, 20)) for i in (0, 1)]
    second.append(_write(tmp_path / "in2", AGENCIES[2], 2022, 2, date(2023, 3, 1), bump=3))
    assert ingest(second, paths, workers=1).load.loaded == len(second)
    # … and the 2022 report of the second agency read again by a newer extractor, with a changed reading
    reread = docs[str(first[3])]
    con = connect(paths.warehouse)
    con.execute("update raw.documents set extractor_version = 'old000000000', extracted_at = timestamp '2024-02-01'"
                " where sha256 = ?", [reread])
    con.execute("update raw.report_cells set value = value + 5 where sha256 = ? and table_name = 'requests'"
                " and row_code = 'new_received' and col_code = 'total'", [reread])
    con.close()
    build(paths)  # the wrong reading is in the marts now …
    _assert_published(paths)
    assert reextract(paths, workers=1).changed == 1
    build(paths)  # … and replaced incrementally
    _assert_published(paths)

    incremental = _snapshot(paths)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    checked = dict(con.execute("select document_id, max(checked_at) from marts.fct_rule_results group by 1").fetchall())
    current = {d for (d,) in con.execute("select document_id from marts.dim_report where is_current").fetchall()}
    con.close()
    superseded = docs[str(first[5])]
    assert superseded not in current and superseded not in checked
    assert len(current) == len(first) + 2
    # untouched reports kept their first checks: a check reads its own report and the year
    # before it, so a new 2023 or a corrected 2022 leaves every 2021 report and agency 1's 2022 alone
    for i in (0, 1, 2, 4):
        assert checked[docs[str(first[i])]] == first_checked[docs[str(first[i])]], first[i].name
    assert checked[reread] > first_checked[reread]

    build(paths, full_refresh=True)
    _assert_published(paths)
    full = _snapshot(paths)
    assert set(full) == set(incremental)
    for table in full:
        assert full[table] == incremental[table], table
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    value = con.execute("select value from marts.fct_requests where document_id = ? and row_code = 'new_received'"
                        " and applicant = 'total'", [reread]).fetchone()[0]
    con.close()
    assert value is not None


@pytest.mark.slow
def test_rule_checks_in_batches_equal_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More reports than one run of int_rule_checks takes: the model runs again until every
    report is checked, and the rule rows and marts are those of one unbatched build."""
    paths = Paths(tmp_path / "data").ensure()
    files = [_write(tmp_path / "in", name, year, i, date(year + 1, 1, 20))
             for i, name in enumerate(AGENCIES) for year in (2021, 2022, 2023)]
    assert ingest(files, paths, workers=1).load.loaded == len(files)
    monkeypatch.setenv("XXGK_RULE_CHECK_BATCH", "2")
    build(paths, full_refresh=True)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    runs = con.execute("select count(distinct checked_at) from intermediate.int_rule_checks").fetchone()[0]
    reports = con.execute("select count(distinct document_id) from marts.fct_rule_results").fetchone()[0]
    con.close()
    assert reports == len(files)
    assert runs > 1  # two reports (and the year after them) a run: several runs
    # new reports on top, still in batches of two: incremental
    more = [_write(tmp_path / "in2", AGENCIES[i], 2024, i, date(2025, 1, 20)) for i in range(3)]
    assert ingest(more, paths, workers=1).load.loaded == len(more)
    build(paths)
    batched = _snapshot(paths)

    monkeypatch.delenv("XXGK_RULE_CHECK_BATCH")
    build(paths, full_refresh=True)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    runs = con.execute("select count(distinct checked_at) from intermediate.int_rule_checks").fetchone()[0]
    con.close()
    assert runs == 1
    whole = _snapshot(paths)
    assert set(whole) == set(batched)
    for table in whole:
        assert whole[table] == batched[table], table
