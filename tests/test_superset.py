"""The shipped Superset dashboard against a real Superset, not a mock.

Superset is installed from deploy/superset/requirements.lock into its own virtualenv (cached
in .cache/superset-venv-<hash of the lock>, so only the first run pays the install), set up by
deploy/superset/setup_superset.py (the script compose runs) with SQLite metadata in a temporary
folder, given the bundle built from deploy/superset/bundle/, and served by gunicorn on
127.0.0.1 over a serving copy built from generated reports. Every chart is queried through
`/api/v1/chart/{id}/data/` and its numbers checked against the marts read with DuckDB; the
dashboard is rendered in headless Chromium and each chart's area must hold a drawing.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from extract.pipeline import build, ingest
from extract.settings import Paths
from synth.model import make_report
from synth.render import to_html, to_txt
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

DEPLOY = ROOT / "deploy" / "superset"
LOCK = DEPLOY / "requirements.lock"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PASSWORD = "xxgk-test-admin"


def _load_builder() -> Any:
    spec = importlib.util.spec_from_file_location("xxgk_build_bundle", DEPLOY / "build_bundle.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


builder = _load_builder()


def superset_venv() -> Path:
    """Superset's virtualenv from the lock, built once per lock and reused (a file lock serialises builders)."""
    key = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    cache = ROOT / ".cache"
    cache.mkdir(exist_ok=True)
    venv = cache / f"superset-venv-{key}"
    done = venv / ".installed"
    with (cache / f"superset-venv-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(venv, ignore_errors=True)
            uv = ROOT / ".tools" / "bin" / "uv"  # scripts/bootstrap.sh installs it
            if not uv.exists():
                uv = Path(shutil.which("uv") or uv)
            env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "VIRTUAL_ENV": str(venv)}
            python = shutil.which("python3.11") or shutil.which("python3") or sys.executable
            t = time.perf_counter()
            subprocess.run([str(uv), "venv", "-q", "--python", python, str(venv)], check=True, env=env)
            subprocess.run([str(uv), "pip", "install", "-q", "--require-hashes", "-r", str(LOCK)], check=True, env=env)
            print(f"\nSuperset virtualenv installed from the lock in {time.perf_counter() - t:.0f} s: {venv}")
            done.touch()
    return venv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


AGENCIES = ["临沂市河东区交通运输局", "威海市文登区教育和体育局", "福州市平潭县人民政府", "南京市玄武区卫生健康委员会",
            "杭州市西湖区市场监督管理局", "某某机构办公室"]  # the last names no region: "(region unresolved)"


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A serving copy built the way xxgk builds it (extract → load → dbt build → publish) from generated reports."""
    base = tmp_path_factory.mktemp("sup-data")
    src = base / "reports"
    src.mkdir()
    rng = random.Random(12)
    files = []
    for i, agency in enumerate(AGENCIES):
        for year in (2021, 2022, 2023):
            if (i == 5 and year == 2021) or (i == 3 and year == 2022):
                continue  # one agency starts in 2022; one (南京, 江苏省) has not published 2022
            rep = make_report(rng, agency, year, busy=i % 2 == 0, break_rule=(i == 1 and year == 2022))
            if i == 2 and year == 2023:
                rep.published_on = date(2024, 5, 2)  # late (R8)
            path = src / f"{i}-{year}.{'html' if (i + year) % 2 else 'txt'}"
            path.write_bytes(to_html(rep) if path.suffix == ".html" else to_txt(rep))
            files.append(path)
    paths = Paths(base / "data").ensure()
    result = ingest(files, paths)
    assert result.load.loaded == len(files)
    build(paths)
    return paths.serving


@dataclass
class Superset:
    url: str
    token: str
    env: dict[str, str]
    python: Path
    timings: dict[str, float]

    def get(self, path: str, **kw: Any) -> requests.Response:
        return requests.get(self.url + path, headers={"Authorization": f"Bearer {self.token}"}, timeout=60, **kw)


@pytest.fixture(scope="module")
def superset(serving: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Superset]:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    venv = superset_venv()
    timings["venv"] = time.perf_counter() - t
    home = tmp_path_factory.mktemp("superset-home")
    env = {
        **os.environ,
        "SUPERSET_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(DEPLOY / "superset_config.py"),
        "SUPERSET_SECRET_KEY": hashlib.sha256(str(home).encode()).hexdigest(),
        "SUPERSET_ADMIN_USER": "admin",
        "SUPERSET_ADMIN_PASSWORD": PASSWORD,
        "XXGK_SUPERSET_TESTING": "1",
    }
    python = venv / "bin" / "python"
    bundle = home / "bundle.zip"
    subprocess.run([str(python), str(DEPLOY / "build_bundle.py"), str(bundle)], check=True, env=env)
    uri = f"duckdb:///{serving}?access_mode=read_only"
    t = time.perf_counter()
    setup = subprocess.run([str(python), str(DEPLOY / "setup_superset.py"), str(bundle), uri], env=env,
                           capture_output=True, text=True, timeout=600)
    timings["setup"] = time.perf_counter() - t
    assert setup.returncode == 0, (setup.stdout + setup.stderr)[-4000:]
    port = _free_port()
    log = (home / "gunicorn.log").open("w")
    t = time.perf_counter()
    server = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}", "--timeout", "120",
         "superset.app:create_app()"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (home / "gunicorn.log").read_text()[-4000:]
            try:
                if requests.get(url + "/health", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # refused, or accepted while the worker still loads
                pass
            assert time.monotonic() < deadline, "Superset did not answer /health in 180 s"
            time.sleep(0.5)
        timings["server_start"] = time.perf_counter() - t
        login = requests.post(url + "/api/v1/security/login", timeout=30,
                              json={"username": "admin", "password": PASSWORD, "provider": "db", "refresh": False})
        assert login.status_code == 200, login.text
        yield Superset(url, login.json()["access_token"], env, python, timings)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
        print("\nSuperset timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))


def _q(serving: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _chart_data(superset: Superset) -> dict[str, list[dict[str, Any]]]:
    """Every chart of the bundle, by its file name, queried through its saved query context."""
    by_uuid = {c["uuid"]: stem for stem, c in builder.load_bundle().charts.items()}
    listed = superset.get("/api/v1/chart/", params={"q": "(page_size:100,columns:!(id,uuid,slice_name))"}).json()["result"]
    assert {c["uuid"] for c in listed} == set(by_uuid), "the imported charts are the bundle's charts"
    out: dict[str, list[dict[str, Any]]] = {}
    for c in listed:
        t = time.perf_counter()
        r = superset.get(f"/api/v1/chart/{c['id']}/data/")
        superset.timings[f"query {by_uuid[c['uuid']]}"] = time.perf_counter() - t
        assert r.status_code == 200, (c["slice_name"], r.text[:2000])
        result = r.json()["result"]
        assert len(result) == 1 and result[0]["status"] == "success", result
        out[by_uuid[c["uuid"]]] = result[0]["data"]
    return out


@pytest.fixture(scope="module")
def chart_data(superset: Superset) -> dict[str, list[dict[str, Any]]]:
    return _chart_data(superset)


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def test_bundle_sources_are_checked(tmp_path: Path) -> None:
    bundle = builder.load_bundle()
    assert len(bundle.charts) == 5
    assert set(bundle.datasets) == {"mart_agency_year", "rule_checks", "mart_coverage", "mart_report_quality", "mart_agency_trends", "mart_region_year"}
    dash = bundle.dashboards["xxgk"]
    chart_cells = [v for v in dash["position"].values() if isinstance(v, dict) and v.get("type") == "CHART"]
    assert sorted(c["meta"]["uuid"] for c in chart_cells) == sorted(c["uuid"] for c in bundle.charts.values())
    assert len({c["meta"]["chartId"] for c in chart_cells}) == len(chart_cells)
    for c in bundle.charts.values():
        qc = json.loads(c["query_context"])
        assert qc["form_data"] == c["params"] and qc["queries"]
    # a typo in a chart fails the build and names the file
    broken = tmp_path / "bundle"
    shutil.copytree(builder.SOURCE, broken)
    chart = broken / "charts" / "reports_by_province_year.yaml"
    chart.write_text(chart.read_text(encoding="utf-8").replace("[expected, published", "[expectd, published", 1), encoding="utf-8")
    with pytest.raises(builder.BundleError, match=r"charts/reports_by_province_year\.yaml: metric 'expectd'"):
        builder.load_bundle(broken)


def test_a_new_mart_is_one_generated_dataset_file(serving: Path, tmp_path: Path) -> None:
    source = tmp_path / "bundle"
    shutil.copytree(builder.SOURCE, source)
    out = builder.new_dataset("dim_report", serving, source=source)
    assert out == source / "datasets" / "xxgk" / "dim_report.yaml"
    bundle = builder.load_bundle(source)
    cols = [(c["column_name"], c["type"]) for c in bundle.datasets["dim_report"]["columns"]]
    assert cols == _q(serving, "select column_name, data_type from information_schema.columns where table_name = 'dim_report' order by ordinal_position")
    assert bundle.datasets["dim_report"]["database_uuid"] == bundle.databases["xxgk"]["uuid"]
    with pytest.raises(builder.BundleError, match=r"no table main\.mart_nowhere"):
        builder.new_dataset("mart_nowhere", serving, source=source)


def test_the_database_is_the_serving_copy_read_only(superset: Superset, serving: Path) -> None:
    dbs = superset.get("/api/v1/database/", params={"q": "(columns:!(id,database_name,allow_dml))"}).json()["result"]
    assert [(d["database_name"], d["allow_dml"]) for d in dbs] == [("xxgk", False)], dbs
    # the API hides the URI: read it from the metadata database
    meta = sqlite3.connect(Path(superset.env["SUPERSET_HOME"]) / "superset.db")
    try:
        assert meta.execute("select sqlalchemy_uri from dbs").fetchall() == [(f"duckdb:///{serving}?access_mode=read_only",)]
    finally:
        meta.close()


def test_dashboard_holds_every_chart(superset: Superset) -> None:
    r = superset.get("/api/v1/dashboard/xxgk/charts")
    assert r.status_code == 200, r.text
    names = {c["slice_name"] for c in r.json()["result"]}
    assert names == {c["slice_name"] for c in builder.load_bundle().charts.values()}
    meta = json.loads(superset.get("/api/v1/dashboard/xxgk").json()["result"]["json_metadata"])
    datasets = {d["table_name"]: d["id"] for d in superset.get("/api/v1/dataset/", params={"q": "(columns:!(id,table_name))"}).json()["result"]}
    filters = meta["native_filter_configuration"]
    assert [f["name"] for f in filters] == ["Province", "Report year", "Agency"]
    assert all(f["targets"][0]["datasetId"] == datasets["mart_agency_year"] for f in filters), filters
    assert {f["targets"][0]["column"]["name"] for f in filters} <= {c["column_name"] for c in builder.load_bundle().datasets["rule_checks"]["columns"]}


def test_coverage_chart_matches_the_marts(chart_data, serving: Path) -> None:
    got = {(r["province_shown"], r["report_year"]): (r["expected"], r["published"], r["on_time"], r["not_published"])
           for r in chart_data["reports_by_province_year"]}
    want = {(p, y): (n, k, t, m) for p, y, n, k, t, m in _q(serving, """
        select coalesce(province, '(region unresolved)'), report_year, count(*), count(*) filter (where has_published),
               count(*) filter (where on_time), count(*) filter (where not has_published)
        from mart_coverage group by all""")}
    assert got == want
    assert sum(v[1] for v in got.values()) == _q(serving, "select count(*) from dim_report where is_current")[0][0] == 16
    assert got[("江苏省", 2022)][3] == 1, "the agency that skipped 2022 shows as not published"
    assert got[("福建省", 2023)][2] == 0, "the late report is published but not on time"
    assert ("(region unresolved)", 2022) in got, "an agency without a region is counted, not dropped"


def test_requests_chart_matches_the_marts(chart_data, serving: Path) -> None:
    cols = ("new_requests", "granted", "partially_granted", "denied", "unable", "not_processed", "other_processed")
    got = {r["report_year"]: tuple(_num(r[c]) for c in cols) for r in chart_data["requests_outcomes_by_year"]}
    want = {row[0]: tuple(_num(v) for v in row[1:]) for row in _q(serving, f"""
        select report_year, {', '.join(f'sum({c})' for c in cols)} from mart_agency_year group by 1""")}
    assert got == want and sorted(got) == [2021, 2022, 2023]
    # the same totals straight from the cells of table 3
    cells = dict(_q(serving, "select report_year, sum(value) from fct_requests where row_code = 'new_received' and applicant = 'total' group by 1"))
    assert {y: v[0] for y, v in got.items()} == {y: float(v) for y, v in cells.items()}


def _checks(serving: Path) -> list[dict[str, Any]]:
    rows = _q(serving, """
        select r.agency_name, coalesce(a.province, '(region unresolved)'), r.report_year, r.rule, r.rule_order, r.scope,
               r.severity, r.status, r.expected, r.actual, r.cells
        from fct_rule_results r left join dim_agency a using (agency_id)""")
    keys = ("agency_name", "province", "report_year", "rule", "rule_order", "scope", "severity", "status", "expected", "actual", "cells")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def test_quality_ranking_matches_the_quality_mart(chart_data, serving: Path) -> None:
    cols = ("quality_score", "rank_in_year", "timeliness_points", "cells_points", "balance_points", "continuity_points",
            "narrative_points", "failing_rules")
    want = {(r[0], r[1], r[2]): tuple(_num(v) if not isinstance(v, str | None) else v for v in r[3:]) for r in _q(serving, f"""
        select agency_name, coalesce(province, '(region unresolved)'), report_year, {', '.join(cols)} from mart_report_quality""")}
    rows = chart_data["quality_ranking"]
    got = {(r["agency_name"], r["province_shown"], r["report_year"]):
           tuple(_num(r[c]) if not isinstance(r[c], str | None) else r[c] for c in cols) for r in rows}
    assert got == want and len(rows) == 16
    scores = [r["quality_score"] for r in rows]
    assert scores == sorted(scores), "worst first"
    broken = got[("威海市文登区教育和体育局", "山东省", 2022)]
    assert "R3" in broken[-1] and broken[0] < 100


def test_rule_failures_chart_matches_the_rule_results(chart_data, serving: Path) -> None:
    want: dict[tuple[str, str], int] = {}
    for c in _checks(serving):
        if c["status"] == "failed":
            want[(c["rule"], c["province"])] = want.get((c["rule"], c["province"]), 0) + 1
    got = {(r["rule"], r["province"]): r["failed_checks"] for r in chart_data["rule_failures_by_rule_province"]}
    assert got == want and ("R3", "山东省") in got


def test_failing_checks_table_names_the_report_and_its_cells(chart_data, serving: Path) -> None:
    failed = [c for c in _checks(serving) if c["status"] == "failed"]
    rows = chart_data["failing_checks"]
    key = lambda r: (r["agency_name"], r["report_year"], r["rule"], r["scope"])  # noqa: E731
    assert sorted(map(key, rows)) == sorted(map(key, failed))
    by_key = {key(c): c for c in failed}
    for r in rows:
        c = by_key[key(r)]
        assert (_num(r["expected"]), _num(r["actual"]), r["severity"], r["province"]) == (c["expected"], c["actual"], c["severity"], c["province"])
        for cell in json.loads(c["cells"]):
            printed = cell["printed"] if cell["printed"] is not None else "(missing)"
            name = "/".join(part for part in (cell["table"], cell["row"], cell["col"]) if part is not None)
            assert f"{name}={printed}" in r["cells"], (r["cells"], cell)
    r3 = [r for r in rows if r["rule"] == "R3"]
    assert r3 and "requests/granted/natural_person=" in r3[0]["cells"]
    r8 = [r for r in rows if r["rule"] == "R8"]
    assert r8 and "report/published_on=2024-05-02" in r8[0]["cells"], "the late report names its date"


def test_chart_queries_are_fast(chart_data, superset: Superset) -> None:
    slow = {k: round(v, 2) for k, v in superset.timings.items() if k.startswith("query ") and v > 5}
    assert not slow, slow


@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                    reason="Debian chromium / chromium-driver not installed (scripts/bootstrap.sh --system installs them)")
def test_dashboard_renders_every_chart_in_chromium(superset: Superset, tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    png = tmp_path / "dashboard.png"
    t = time.perf_counter()
    proc = subprocess.run([str(superset.python), str(DEPLOY / "screenshot.py"), superset.url, "xxgk", str(png)],
                          env=superset.env, capture_output=True, text=True, timeout=240)
    superset.timings["screenshot"] = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr[-4000:]
    shot = json.loads(proc.stdout.strip().splitlines()[-1])
    titles = {c["slice_name"] for c in builder.load_bundle().charts.values()}
    charts = shot["charts"]
    assert {c["title"] for c in charts} == titles
    img = Image.open(png).convert("RGB")
    scale = shot["device_pixel_ratio"]
    for c in charts:
        assert c["drawn"] and not c["error"] and not c["loading"], c
        left, top, right, bottom = (int(v * scale) for v in c["box"])
        # the drawing area below the title: it must hold many colours and contrast, not a blank card
        area = img.crop((left + 5, top + 60, right - 5, bottom - 5))
        assert area.width > 200 and area.height > 200, c
        stat = ImageStat.Stat(area.convert("L"))
        colours = len(area.getcolors(maxcolors=1 << 20) or [])
        assert stat.stddev[0] > 15 and colours > 40, (c["title"], stat.stddev, colours)
    # the control: the page background below the last chart has neither
    below = max(int(c["box"][3] * scale) for c in charts) + 10
    assert img.height - below >= 30, "the window is too short for the dashboard"
    blank = img.crop((int(charts[0]["box"][0] * scale), below, img.width - 20, img.height)).convert("L")
    assert ImageStat.Stat(blank).stddev[0] < 5


def test_setup_again_changes_nothing(superset: Superset, serving: Path) -> None:
    """What a restart of the compose service does: the same setup on the same metadata."""
    bundle = Path(superset.env["SUPERSET_HOME"]) / "bundle.zip"
    again = subprocess.run([str(superset.python), str(DEPLOY / "setup_superset.py"), str(bundle),
                            f"duckdb:///{serving}?access_mode=read_only"], env=superset.env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    counts = {what: superset.get(f"/api/v1/{what}/", params={"q": "(page_size:100)"}).json()["count"]
              for what in ("dashboard", "chart", "dataset", "database")}
    assert counts == {"dashboard": 1, "chart": 5, "dataset": len(builder.load_bundle().datasets), "database": 1}
    # a URI that is not read-only is refused before anything is touched
    rw = subprocess.run([str(superset.python), str(DEPLOY / "setup_superset.py"), str(bundle), f"duckdb:///{serving}"],
                        env=superset.env, capture_output=True, text=True, timeout=60)
    assert rw.returncode == 2 and "not read-only" in rw.stderr
