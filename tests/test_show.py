"""`xxgk show`: one agency found by name on the serving copy, its tables with failing cells marked."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from extract.cli import main
from extract.pipeline import build, ingest
from extract.settings import Paths
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("show")
    paths = Paths(tmp / "data").ensure()
    files = sorted((ROOT / "samples" / "reports").glob("pingtan-202*.html"))
    files += sorted((ROOT / "tests" / "fixtures" / "pingtan-departments").glob("*.html"))[:2]
    assert ingest(files, paths, workers=1).load.loaded == len(files)
    build(paths)
    return paths.data


def _show(data: Path, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["show", *args], env={"XXGK_DATA_DIR": str(data)})
    return r.exit_code, r.output


def test_a_partial_name_lists_the_matches(data: Path) -> None:
    code, out = _show(data, "平潭")
    assert code == 0
    assert "agencies match '平潭'" in out and "平潭综合实验区  " in out
    assert out.count("\n  平潭综合实验区") >= 3  # the government and its departments


def test_one_agency_shows_its_tables_rules_and_where_cells_came_from(data: Path) -> None:
    code, out = _show(data, "平潭综合实验区", "--year", "2023")
    assert code == 0, out
    assert "== 2023" in out and "== 2022" not in out
    assert "三、收到和处理政府信息公开申请情况" in out and "四、政府信息公开行政复议、行政诉讼情况" in out
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    doc, = con.execute("select r.document_id from dim_report r join dim_agency a using (agency_id)"
                       " where a.agency_name = '平潭综合实验区' and r.report_year = 2023 and r.is_current").fetchone()
    received = con.execute("select value from fct_requests where document_id = ? and row_code = 'new_received'"
                           " and applicant = 'total'", [doc]).fetchone()[0]
    failing = con.execute("select rule, cells from fct_rule_results where document_id = ? and status = 'failed'", [doc]).fetchall()
    checks = con.execute("select count(*) from fct_rule_results where document_id = ?", [doc]).fetchone()[0]
    con.close()
    row = next(line for line in out.splitlines() if line.strip().startswith("本年新收"))
    assert str(int(received)) in row
    assert f"of {checks} checks passed" in out
    for rule, cells in failing:
        assert f"    {rule:<4} failed" in out
        if any(c.get("table") in ("requests", "disclosures", "litigation") for c in json.loads(cells)):
            assert "cells in a failing rule (*)" in out


def test_no_match_and_no_serving_copy_are_clear_errors(data: Path, tmp_path: Path) -> None:
    code, out = _show(data, "不存在的机构名称")
    assert code == 1 and "no agency matches" in out
    code, out = _show(tmp_path, "平潭")
    assert code == 1 and "no serving copy" in out
