"""DAG integrity: every DAG file imports without errors (no I/O at import), with tags, retries, no catchup."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
        "tasks": {t.task_id: {"pool": t.pool, "retries": t.retries, "outlets": [str(o.uri) for o in t.outlets]} for t in dag.tasks},
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
    for reader in ("discover", "fetch", "extract"):
        assert d["tasks"][reader]["pool"] != "xxgk_duckdb_writer"
    assert "xxgk://warehouse/marts" in d["tasks"]["dbt_build"]["outlets"]
    assert "xxgk://serving/marts" in d["tasks"]["publish"]["outlets"]
    assert d["schedule"] in ("0 0 * * *", "@daily") or "Daily" in d["schedule"] or "midnight" in d["schedule"], d["schedule"]
