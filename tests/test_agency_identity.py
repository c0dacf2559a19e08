"""Agency identity is name and place: two 城关镇 of different counties stay two agencies; a renamed
agency (agency_aliases seed) keeps one identity and its R6 chain; the analyst marts answer on them."""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from extract import jobs
from extract.pipeline import DBT_PROJECT_DIR, build
from extract.settings import Paths
from synth.model import make_report
from synth.render import to_txt

pytestmark = pytest.mark.slow


def _report(folder: Path, name: str, year: int, seed: int) -> None:
    rep = make_report(random.Random(seed), name, year)
    rep.published_on = date(year + 1, 1, 20)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{seed}-{year}.txt").write_bytes(to_txt(rep))


def _land(tmp: Path, sources: str) -> Paths:
    paths = Paths(tmp / "data").ensure()
    sources_file = tmp / "sources.yml"
    sources_file.write_text(sources, encoding="utf-8")
    staged = []
    for item in jobs.discover(sources_file, paths):
        fetched = jobs.fetch(item, sources_file, paths)
        out = jobs.extract(fetched, paths)
        staged += out if isinstance(out, list) else [out]
    assert jobs.load(paths, staged)["loaded"] == len(staged)
    build(paths)
    return paths


def _q(paths: Paths, sql: str, *args) -> list[tuple]:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql, list(args)).fetchall()
    finally:
        con.close()


def _r6_reasons(paths: Paths, year: int) -> list[str | None]:
    return [r for (r,) in _q(paths, "select reason from marts.fct_rule_results where rule = 'R6' and report_year = ?"
                                     " order by all", year)]


def test_two_chengguan_towns_of_different_counties_stay_two(tmp_path: Path) -> None:
    for seed, county in ((1, "pingtan"), (2, "gulou")):
        for year in (2022, 2023):
            _report(tmp_path / county, "城关镇人民政府", year, seed * 10 + year - 2022)
    paths = _land(tmp_path, """
sources:
  - {name: pingtan, kind: folder, path: pingtan, region: "350128"}
  - {name: gulou, kind: folder, path: gulou, region: 福建省福州市鼓楼区}
""")
    agencies = _q(paths, "select agency_name, county, identity_basis from marts.dim_agency order by county")
    assert agencies == [("城关镇人民政府", "平潭县", "name and region"), ("城关镇人民政府", "鼓楼区", "name and region")]
    # each keeps both of its years current, and each 2023 reads its own 2022 (R6 ran)
    assert _q(paths, "select count(*) from marts.dim_report where is_current") == [(4,)]
    reasons = _r6_reasons(paths, 2023)
    assert reasons and not any(r and "no report of this agency" in r for r in reasons)
    # the analyst marts see two agencies
    assert _q(paths, "select count(distinct agency_id) from marts.mart_coverage where has_published") == [(2,)]
    assert _q(paths, "select count(*) from marts.mart_agency_trends where has_previous_year") == [(2,)]
    rows = _q(paths, "select county, reports from marts.mart_region_year where region_level = 'county'"
                     " and report_year = 2023 order by county")
    assert rows == [("平潭县", 1), ("鼓楼区", 1)]


def test_a_renamed_agency_keeps_its_r6_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _report(tmp_path / "up", "测试县工业和信息化局", 2022, 5)
    _report(tmp_path / "up", "测试县工信局", 2023, 6)
    sources = "sources:\n  - {name: up, kind: folder, path: up}\n"
    # without an alias: two agencies, and 2023 has no previous year
    plain = _land(tmp_path / "plain", sources.replace("path: up", f"path: {tmp_path / 'up'}"))
    assert _q(plain, "select count(*) from marts.dim_agency") == [(2,)]
    assert all(r and "no report of this agency" in r for r in _r6_reasons(plain, 2023))

    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    with (project / "seeds" / "agency_aliases.csv").open("a", encoding="utf-8") as fh:
        fh.write("测试县工业和信息化局,,测试县工信局,2023-01-01,merged in the 2023 reorganisation\n")
    monkeypatch.setenv("XXGK_DBT_PROJECT_DIR", str(project))
    aliased = _land(tmp_path / "aliased", sources.replace("path: up", f"path: {tmp_path / 'up'}"))
    assert _q(aliased, "select agency_name, identity_basis from marts.dim_agency") == [("测试县工信局", "name only")]
    reasons = _r6_reasons(aliased, 2023)
    assert reasons and not any(r and "no report of this agency" in r for r in reasons)
    assert _q(aliased, "select report_year, has_published from marts.mart_coverage order by 1") == [(2022, True), (2023, True)]
