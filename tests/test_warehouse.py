"""Landing and dbt marts: seeds and real reports in a temporary warehouse, facts asserted."""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from extract.load import connect, load_batch
from extract.pipeline import build, ingest, run_dbt, stage_bytes
from extract.settings import Paths
from synth.model import make_report
from synth.render import to_html
from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow


def _paths(root: Path) -> Paths:
    return Paths(root).ensure()


def _counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in ("documents", "document_sources", "report_cells", "extraction_problems")}
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    paths = _paths(tmp_path_factory.mktemp("wh"))
    files = sorted(SAMPLES.iterdir())
    result = ingest(files, paths, workers=2)
    assert result.load.loaded == len(files)
    build(paths)
    return paths


def _q(paths: Paths, sql: str, serving: bool = False) -> list[tuple]:
    con = duckdb.connect(str(paths.serving if serving else paths.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_reports_per_status(built: Paths) -> None:
    rows = dict(_q(built, "select status, count(*) from marts.dim_report group by status"))
    assert rows == {"ok": 11, "partial": 1, "failed": 2}
    # every file is kept in the raw store, failed ones too
    for (raw_path,) in _q(built, "select raw_path from marts.dim_report"):
        assert Path(raw_path).exists()


def test_fact_values(built: Paths) -> None:
    v = _q(built, """
        select value from marts.fct_requests r join marts.dim_report d using (document_id)
        where d.agency_name = '平潭综合实验区' and d.report_year = 2021 and row_code = 'new_received' and applicant = 'total'""")
    assert v == [(70,)]
    v = _q(built, """
        select value, unit, printed from marts.fct_disclosures f join marts.dim_report d using (document_id)
        where d.report_year = 2020 and item = 'procurement' and measure = 'amount'""")
    assert float(v[0][0]) == pytest.approx(73802895.90) and v[0][1] == "元"
    v = _q(built, """
        select value from marts.fct_litigation f join marts.dim_report d using (document_id)
        where d.report_year = 2024 and proceeding = 'suit_after_review' and result = 'total'""")
    assert v == [(19,)]
    # the 2019 template's own measures are their own rows
    v = _q(built, "select count(*) from marts.fct_disclosures where template_version = '2019' and measure = 'items_change'")
    assert v == [(2 * 5,)]  # five items × two years
    v = _q(built, """
        select outcome_group, sum(value) from marts.fct_requests r join marts.dim_report d using (document_id)
        where d.report_year = 2020 and applicant = 'total' and is_outcome group by 1 order by 1""")
    assert dict(v)["other"] == 4 and sum(x for _, x in v) == 27  # R3 broken as printed


def test_partial_report_has_null_cells_with_reason(built: Paths) -> None:
    rows = _q(built, """
        select count(*), count(value), min(missing_reason) from marts.fct_requests r join marts.dim_report d using (document_id)
        where d.agency_name = '威海市文登区工业和信息化局'""")
    assert rows == [(25 * 7, 0, "table_missing")]
    row = _q(built, "select new_requests, missing_cells from marts.mart_agency_year where agency_name = '威海市文登区工业和信息化局'")
    assert row == [(None, 25 + 15)]


def test_regions_resolved_or_marked_ambiguous(built: Paths) -> None:
    rows = {r[0]: r[1:] for r in _q(built, "select agency_name, region_status, province, city, county, level from marts.dim_agency")}
    assert rows["河东区工业和信息化局"][:4] == ("ambiguous", None, None, None)
    assert rows["威海市文登区工业和信息化局"] == ("resolved", "山东省", "威海市", "文登区", "county department")
    assert rows["樟树市工信局"][:4] == ("resolved", "江西省", "宜春市", "樟树市")
    assert rows["大武口区人民政府办公室"][4] == "county government office"


def test_deadlines_r8(built: Paths) -> None:
    rows = {(r[0], r[1]): r[2:] for r in _q(built, "select agency_name, report_year, publisher_kind, deadline, on_time from marts.dim_report")}
    assert rows[("平潭综合实验区", 2020)] == ("government", date(2021, 3, 31), True)
    assert rows[("河东区工业和信息化局", 2023)] == ("department", date(2024, 1, 31), True)
    assert rows[("樟树市工信局", 2023)][2] is None  # no date stated: not judged


def test_serving_copy_answers_the_question(built: Paths) -> None:
    """How many requests did agency X receive in 2023, and how many did it refuse, by applicant type?"""
    rows = _q(built, """
        select r.applicant,
               max(r.value) filter (where r.row_code = 'new_received') as received,
               sum(r.value) filter (where r.outcome_group = 'denied') as refused
        from fct_requests r
        join dim_report d using (document_id)
        join dim_agency a on a.agency_id = d.agency_id
        where a.agency_name = '平潭综合实验区' and d.report_year = 2023
        group by r.applicant order by r.applicant""", serving=True)
    got = {a: (int(x), int(y)) for a, x, y in rows}
    assert got["total"] == (81, 5) and got["commercial"] == (1, 0)
    for mart in ("dim_agency", "dim_report", "mart_agency_year"):
        assert (built.exports / f"{mart}.parquet").exists()
    for fact in ("fct_requests", "fct_disclosures", "fct_litigation", "fct_rule_results"):  # published by report
        assert list((built.exports / fact).glob("part-*.parquet"))


def test_loading_twice_changes_nothing(built: Paths) -> None:
    before = _counts(built.warehouse)
    again = ingest(sorted(SAMPLES.iterdir()), built)
    assert again.load.loaded == 0 and again.skipped_known == len(list(SAMPLES.iterdir()))
    # the same content at the same paths: nothing staged for the writer, nothing for it to do
    assert again.load.unchanged == 0 and again.load.new_sources == 0
    assert not list(built.staging.iterdir())
    assert _counts(built.warehouse) == before


def test_same_content_from_two_sources_is_one_document(tmp_path: Path) -> None:
    paths = _paths(tmp_path / "d")
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    shutil.copy(SAMPLES / "001_40bb0e4b02e0555b.txt", a)
    shutil.copy(SAMPLES / "001_40bb0e4b02e0555b.txt", b)
    ingest([a], paths)
    r = ingest([b], paths)
    assert r.load.loaded == 0 and r.load.new_sources == 1
    assert _counts(paths.warehouse)["documents"] == 1
    assert _counts(paths.warehouse)["document_sources"] == 2


def test_crash_mid_load_leaves_the_warehouse_as_it_was(tmp_path: Path) -> None:
    paths = _paths(tmp_path / "d")
    ingest([SAMPLES / "000_07346d24f20e1799.txt"], paths)
    before = _counts(paths.warehouse)
    staged = [stage_bytes((SAMPLES / n).read_bytes(), n, paths) for n in ("001_40bb0e4b02e0555b.txt", "pingtan-2021.html")]
    from extract.load import Staged

    items = [Staged.from_json(p.read_text(encoding="utf-8")) for p in staged]

    class Crashing:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self.con = con

        def execute(self, sql: str, *args):
            if "raw.extraction_problems" in sql and sql.lstrip().startswith("insert"):
                raise RuntimeError("simulated crash in the middle of a load")
            return self.con.execute(sql, *args)

        def __getattr__(self, name: str):
            return getattr(self.con, name)

    con = connect(paths.warehouse)
    with pytest.raises(RuntimeError, match="simulated crash"):
        load_batch(Crashing(con), items)  # type: ignore[arg-type]
    con.close()
    assert _counts(paths.warehouse) == before
    # and the same batch loads whole afterwards
    con = connect(paths.warehouse)
    assert load_batch(con, items).loaded == 2
    con.close()


def test_republished_report_supersedes_and_blanks_stay_null(tmp_path: Path) -> None:
    paths = _paths(tmp_path / "d")
    rng = random.Random(4)
    old = make_report(rng, "临沂市河东区交通运输局", 2023, busy=True)
    old.published_on = date(2024, 1, 20)
    new = make_report(random.Random(4), "临沂市河东区交通运输局", 2023, busy=True)
    new.published_on = date(2024, 2, 10)
    new.requests[("new_received", "natural_person")] = None  # the corrected one leaves a cell blank
    new.blank_mark = "—"
    (tmp_path / "old.html").write_bytes(to_html(old))
    (tmp_path / "new.html").write_bytes(to_html(new))
    ingest([tmp_path / "old.html", tmp_path / "new.html"], paths)
    build(paths)
    rows = _q(paths, "select source, is_current, superseded_by is not null from marts.dim_report order by published_on")
    assert [(Path(s).name, c, sup) for s, c, sup in rows] == [("old.html", False, True), ("new.html", True, False)]
    cell = _q(paths, "select value, missing_reason from marts.fct_requests where row_code = 'new_received' and applicant = 'natural_person'")
    assert cell == [(None, "blank")]
    assert _q(paths, "select new_requests from marts.mart_agency_year") == [(new.requests[("new_received", "total")],)]
    assert _q(paths, "select count(distinct document_id) from marts.fct_requests") == [(1,)]
    assert _q(paths, "select count(*) from raw.documents") == [(2,)]
    assert _q(paths, "select province, city, county from marts.dim_agency") == [("山东省", "临沂市", "河东区")]


def test_dbt_docs_generate(built: Paths) -> None:
    run_dbt(built, "docs", "generate")
    assert (built.data / "dbt_target" / "catalog.json").exists()


def test_seed_matches_the_template_definition() -> None:
    from scripts.make_seeds import SEED, render

    assert SEED.read_text(encoding="utf-8") == render(), "run: .venv/bin/python scripts/make_seeds.py"


def test_a_file_that_cannot_be_read_is_recorded_as_failed(tmp_path: Path) -> None:
    paths = _paths(tmp_path / "d")
    gone = tmp_path / "vanished.pdf"  # listed, then gone before it could be read
    r = ingest([gone], paths)
    assert r.load.by_status == {"failed": 1}
    rows = _q(paths, "select d.status, p.code, p.message from raw.documents d join raw.extraction_problems p using (sha256)")
    assert rows[0][:2] == ("failed", "unreadable_file") and "vanished.pdf" in rows[0][2]
