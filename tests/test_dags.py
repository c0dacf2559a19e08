"""DAG integrity: every DAG file imports without errors (no I/O at import), with tags, retries, no catchup."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from bench.dag import small_uploads, task_counts
from extract.run import run_dag, summary
from extract.settings import Paths
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

PROBE = r"""
import json, os
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in bag.dags.items():
    out["dags"][dag_id] = {
        "tags": sorted(dag.tags), "catchup": dag.catchup, "retries": dag.default_args.get("retries"),
        "doc_md": bool(dag.doc_md), "schedule": str(getattr(dag.timetable, "_expression", None) or getattr(dag, "schedule", None)),
        "tasks": {t.task_id: {"pool": t.pool, "retries": t.retries, "queue": t.queue, "outlets": [str(o.uri) for o in t.outlets]} for t in dag.tasks},
        "edges": sorted([t.task_id, d] for t in dag.tasks for d in t.downstream_task_ids),
    }
print("JSON" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def dags(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("airflow")
    env = {
        "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # an unreachable data dir and sources: importing must not touch either
        "XXGK_DATA_DIR": "/nonexistent/xxgk-data",
        "XXGK_SOURCES": "/nonexistent/sources.yml",
        "PYTHONPATH": str(ROOT),
    }
    p = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    line = next((x for x in p.stdout.splitlines() if x.startswith("JSON")), None)
    assert line, p.stdout[-2000:] + p.stderr[-3000:]
    return json.loads(line[4:])


def test_dag_files_import_without_errors(dags: dict) -> None:
    assert dags["errors"] == {}
    assert set(dags["dags"]) == {"xxgk_reports", "xxgk_uploads"}


def test_tags_retries_no_catchup_docs(dags: dict) -> None:
    for d in dags["dags"].values():
        assert d["tags"] and "xxgk" in d["tags"]
        assert d["catchup"] is False
        assert d["retries"] and d["retries"] >= 1
        assert d["doc_md"]
        assert d["tasks"]["fetch"]["retries"] >= 3


def test_shape_and_one_writer(dags: dict) -> None:
    d = dags["dags"]["xxgk_reports"]
    assert d["edges"] == sorted([
        ["discover", "fetch"], ["fetch", "extract"], ["extract", "load"], ["load", "dbt_build"],
        ["dbt_build", "validate"], ["validate", "publish"],
    ])
    for writer in ("load", "dbt_build", "validate", "publish"):
        assert d["tasks"][writer]["pool"] == "xxgk_duckdb_writer"
        assert d["tasks"][writer]["queue"] == "writer"
    for reader in ("discover", "fetch", "extract"):
        assert d["tasks"][reader]["pool"] != "xxgk_duckdb_writer"
        assert d["tasks"][reader]["queue"] == "extract"
    assert "xxgk://warehouse/marts" in d["tasks"]["dbt_build"]["outlets"]
    assert "xxgk://serving/marts" in d["tasks"]["publish"]["outlets"]
    assert d["schedule"] in ("0 0 * * *", "@daily") or "Daily" in d["schedule"] or "midnight" in d["schedule"], d["schedule"]


N_REPORTS = 3000
BATCH = 300


def test_dag_over_thousands_of_uploads_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real DAG (`airflow dags test`) over 3,000 uploads: bounded mapped tasks, each report landed once, rerun a no-op."""
    uploads = tmp_path / "uploads"
    small_uploads(N_REPORTS, uploads)  # small distinct reports, text and HTML (the cheapest formats to read)
    (uploads / "broken.pdf").write_bytes(b"%PDF-1.4 this is no PDF")  # fails inside its batch, recorded
    sources = tmp_path / "sources.yml"
    sources.write_text(f"sources:\n  - {{name: uploads, kind: folder, path: {uploads}}}\n", encoding="utf-8")
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    monkeypatch.setenv("XXGK_BATCH_SIZE", str(BATCH))
    monkeypatch.setenv("XXGK_BATCH_WORKERS", "2")
    paths = Paths(tmp_path / "data").ensure()
    total = N_REPORTS + 1
    batches = math.ceil(total / BATCH)

    t = time.perf_counter()
    code, log, started = run_dag(paths, sources)
    first_s = time.perf_counter() - t
    assert code == 0, log.read_text(encoding="utf-8")[-4000:]
    counts = task_counts(paths.airflow_home / "airflow.db")
    assert counts["fetch"] == {"success": batches} and counts["extract"] == {"success": batches}, counts
    for one in ("discover", "load", "dbt_build", "validate", "publish"):
        assert counts[one] == {"success": 1}, (one, counts)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        docs = con.execute("select source, status from raw.documents").fetchall()
        sources_rows = con.execute("select count(*), count(distinct source) from raw.document_sources").fetchone()
    finally:
        con.close()
    assert len(docs) == total and len({s for s, _ in docs}) == total  # every report once
    by_name = {Path(s).name: st for s, st in docs}
    assert by_name["broken.pdf"] == "failed"
    assert sum(1 for st in by_name.values() if st == "ok") == N_REPORTS
    assert sources_rows == (total, total)
    assert not list((paths.data / "work").glob("*/*.json"))  # the run's work list is removed once landed

    t = time.perf_counter()
    code, log, started = run_dag(paths, sources)
    second_s = time.perf_counter() - t
    assert code == 0, log.read_text(encoding="utf-8")[-4000:]
    assert "nothing new this run" in summary(paths, started)
    again = task_counts(paths.airflow_home / "airflow.db")
    assert again["fetch"] == {"success": batches} and again["extract"] == {"success": batches}, again
    assert again["dbt_build"] == {"skipped": 1}, again
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == total
        assert con.execute("select count(*) from raw.document_sources").fetchone()[0] == total
    finally:
        con.close()
    print(f"DAG over {total} uploads in {batches} batches: first run {first_s:.0f} s, rerun {second_s:.0f} s")
