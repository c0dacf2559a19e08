"""The DAG itself over thousands of documents, against the same work through the CLI's functions.

Small generated reports (text and HTML, the cheapest formats to read) in an upload folder;
one fresh data folder for each side. The DAG side is the real `airflow dags test` run that
`xxgk run` does (Airflow's database migrated beforehand, timed apart); the tasks it ran are
counted in Airflow's metadata database.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from extract.settings import Paths


def small_uploads(n: int, folder: Path) -> list[Path]:
    """n distinct small reports (every other one text, the rest HTML); reused when already there."""
    from synth.model import make_report
    from synth.render import to_html, to_txt

    folder.mkdir(parents=True, exist_ok=True)
    done = folder / ".complete"
    if not (done.exists() and done.read_text() == str(n)):
        for i in range(n):
            rep = make_report(random.Random(i), f"河东区第{i}局", 2019 + i % 7)
            if i % 2:
                (folder / f"r{i:05d}.txt").write_bytes(to_txt(rep))
            else:
                (folder / f"r{i:05d}.html").write_bytes(to_html(rep, chrome=False))
        done.write_text(str(n))
    return sorted(f for f in folder.iterdir() if not f.name.startswith("."))


def task_counts(airflow_db: Path, dag_id: str = "xxgk_reports") -> dict[str, dict[str, int]]:
    """Task instances of the latest run of `dag_id`, per task and state."""
    con = sqlite3.connect(airflow_db)
    try:
        run_id = con.execute("select run_id from dag_run where dag_id = ? order by id desc limit 1", [dag_id]).fetchone()[0]
        rows = con.execute("select task_id, state, count(*) from task_instance where dag_id = ? and run_id = ? group by 1, 2",
                           [dag_id, run_id]).fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, int]] = {}
    for task, state, count in rows:
        out.setdefault(task, {})[str(state)] = count
    return out


def _cli(files: list[Path], paths: Paths) -> dict[str, Any]:
    """What `xxgk load <folder> && xxgk build && xxgk validate` do, through the same functions."""
    from expectations.validate import validate
    from extract.pipeline import dbt_build, ingest, publish

    t = time.perf_counter()
    r = ingest(files, paths)
    dbt_build(paths)
    validate(paths, send_mail=False, publish_copy=False)
    publish(paths)
    return {"seconds": round(time.perf_counter() - t, 1), "loaded": r.load.loaded}


def _dag(folder: Path, run_dir: Path, batch_size: int) -> dict[str, Any]:
    from extract.run import _airflow, airflow_env, run_dag

    paths = Paths(run_dir).ensure()
    sources = run_dir / "sources.yml"
    sources.write_text(f"sources:\n  - {{name: uploads, kind: folder, path: {folder}}}\n", encoding="utf-8")
    saved = {k: os.environ.get(k) for k in ("AIRFLOW_HOME", "XXGK_BATCH_SIZE")}
    os.environ["AIRFLOW_HOME"] = str(paths.airflow_home)
    os.environ["XXGK_BATCH_SIZE"] = str(batch_size)
    try:
        paths.airflow_home.mkdir(parents=True, exist_ok=True)
        log = paths.airflow_home / "migrate.log"
        t = time.perf_counter()
        if _airflow("db", "migrate", env=airflow_env(paths, sources), log=log) != 0:
            raise RuntimeError(f"airflow db migrate failed: {log}")
        (paths.airflow_home / ".migrated").touch()
        migrate_s = time.perf_counter() - t
        runs = []
        for _ in range(2):  # the run, then a rerun with nothing new
            t = time.perf_counter()
            code, log, _started = run_dag(paths, sources)
            if code != 0:
                raise RuntimeError(f"the DAG run failed: {log}")
            runs.append((round(time.perf_counter() - t, 1), task_counts(paths.airflow_home / "airflow.db")))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    (first_s, first), (rerun_s, rerun) = runs
    return {"seconds": first_s, "rerun_seconds": rerun_s, "migrate_seconds": round(migrate_s, 1),
            "tasks": sum(sum(s.values()) for s in first.values()), "by_task": first,
            "rerun_tasks": sum(sum(s.values()) for s in rerun.values())}


def dag_vs_cli(n: int, base: Path, batch_size: int = 250) -> dict[str, Any]:
    folder = base / f"uploads-{n}"
    files = small_uploads(n, folder)
    cli_dir, dag_dir = base / f"dag-cli-{n}", base / f"dag-run-{n}"
    for d in (cli_dir, dag_dir):
        shutil.rmtree(d, ignore_errors=True)
    cli = _cli(files, Paths(cli_dir).ensure())
    dag = _dag(folder, dag_dir, batch_size)
    return {"n": len(files), "batch_size": batch_size, "cli": cli, "dag": dag}


def text(r: dict[str, Any]) -> str:
    d, c = r["dag"], r["cli"]
    per = ", ".join(f"{t} {sum(s.values())}" for t, s in sorted(d["by_task"].items()))
    return (f"  dag: {r['n']} uploads, batches of {r['batch_size']}: DAG (airflow dags test) {d['seconds']:.0f} s, "
            f"{d['tasks']} tasks run ({per}); rerun {d['rerun_seconds']:.0f} s, {d['rerun_tasks']} tasks; "
            f"db migrate {d['migrate_seconds']:.0f} s apart\n"
            f"       same through the CLI functions (load, dbt build, validate, publish): {c['seconds']:.0f} s")
