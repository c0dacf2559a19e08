"""xxgk DAGs: pull annual reports from the configured sources into the warehouse, model, check, publish.

This file only orchestrates: every task body is one call into `extract.jobs`, the same
functions `xxgk run` calls. Nothing is read or opened at import time.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Asset, dag, task

RAW = Asset("xxgk://warehouse/raw")
MARTS = Asset("xxgk://warehouse/marts")
RULES = Asset("xxgk://warehouse/marts/fct_rule_results")
SERVING = Asset("xxgk://serving/marts")
WRITER_POOL = "xxgk_duckdb_writer"  # one slot: DuckDB has one writer per file


def _failure_callbacks() -> list[Any]:
    """SmtpNotifier when an SMTP connection is configured; else a mail to the outbox folder."""
    if os.environ.get("AIRFLOW_CONN_SMTP_DEFAULT"):
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        return [SmtpNotifier(
            to=os.environ.get("XXGK_MAIL_TO", "data-engineers@localhost"),
            from_email=os.environ.get("XXGK_MAIL_FROM"),
            subject="[xxgk] task {{ ti.task_id }} failed in {{ dag.dag_id }}",
            html_content="Task {{ ti.task_id }} of run {{ run_id }} failed. Log: {{ ti.log_url }}",
        )]
    return [_outbox_failure_mail]


def _outbox_failure_mail(context: dict[str, Any]) -> None:
    from email.message import EmailMessage

    from expectations.mail import send, settings_from_env
    from extract.settings import Paths

    settings = settings_from_env(Paths.from_env().outbox)
    ti = context.get("ti") or context.get("task_instance")
    msg = EmailMessage()
    msg["Subject"] = f"[xxgk] task {getattr(ti, 'task_id', '?')} failed in {getattr(ti, 'dag_id', '?')}"
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.recipients)
    msg.set_content(f"Task {getattr(ti, 'task_id', '?')} of run {context.get('run_id')} failed: {context.get('exception')}")
    send(msg, settings)


DEFAULT_ARGS = {
    "owner": "xxgk",
    "retries": 2,
    "retry_delay": timedelta(seconds=int(os.environ.get("XXGK_RETRY_DELAY_S", "60"))),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "on_failure_callback": _failure_callbacks(),
}

DOC = """
### xxgk: {title}

{what}

`discover → fetch (mapped) → extract (mapped) → load (one writer) → dbt build → validate → publish`

- Sources: the YAML file named by `XXGK_SOURCES` (default: `samples/sources.yml`).
- State: the data folder `XXGK_DATA_DIR` (warehouse.duckdb, serving.duckdb, raw/, exports/, outbox/).
- A document that cannot be fetched or read is recorded (`raw.fetch_log`, `raw.documents` with
  status `failed`) and listed in the run's mail; it never fails the run.
- Tasks that write DuckDB run in the one-slot pool `xxgk_duckdb_writer`.
- Outlets: `xxgk://warehouse/marts` and `xxgk://serving/marts` for downstream DAGs.
"""


def _paths():
    from extract.settings import Paths

    return Paths.from_env().ensure()


def _sources() -> str:
    from extract.sources import default_sources_path

    return str(default_sources_path())


def build_pipeline(kinds: tuple[str, ...]) -> None:
    @task
    def discover() -> list[dict[str, Any]]:
        from extract import jobs

        return jobs.discover(_sources(), _paths(), kinds)

    @task(retries=3, retry_exponential_backoff=True, map_index_template="{{ item['url'] if 'url' in item else item['path'] }}")
    def fetch(item: dict[str, Any]) -> dict[str, Any]:
        from extract import jobs

        return jobs.fetch(item, _sources(), _paths())

    @task
    def extract(fetched: dict[str, Any]) -> list[str]:
        from extract import jobs

        return jobs.extract(fetched, _paths(), sources_path=_sources())

    @task(pool=WRITER_POOL, outlets=[RAW])
    def load(staged: list[list[str]]) -> dict[str, Any]:
        from extract import jobs

        return jobs.load(_paths(), list(staged))

    @task(pool=WRITER_POOL, outlets=[MARTS])
    def dbt_build(loaded: dict[str, Any]) -> None:
        from airflow.sdk.exceptions import AirflowSkipException

        from extract import jobs

        if not jobs.needs_build(loaded, _paths()):
            raise AirflowSkipException("nothing new was loaded: the marts and rule results are current")
        jobs.dbt_build(_paths())

    @task(pool=WRITER_POOL, outlets=[RULES])
    def validate(_built: None = None) -> dict[str, Any]:
        from extract import jobs

        return jobs.validate(_paths())

    @task(pool=WRITER_POOL, outlets=[SERVING])
    def publish(summary: dict[str, Any]) -> dict[str, Any]:
        from extract import jobs

        jobs.publish_marts(_paths())
        return summary

    items = discover()
    fetched = fetch.expand(item=items)
    staged = extract.expand(fetched=fetched)
    loaded = load(staged)
    built = dbt_build(loaded)
    publish(validate(built))


@dag(
    dag_id="xxgk_reports",
    schedule=os.environ.get("XXGK_SCHEDULE", "@daily"),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["xxgk", "reports"],
    doc_md=DOC.format(title="all sources", what="Pulls every enabled source: listing pages, report URLs and upload folders."),
)
def xxgk_reports() -> None:
    build_pipeline(("folder", "url", "listing"))


@dag(
    dag_id="xxgk_uploads",
    schedule=os.environ.get("XXGK_UPLOADS_SCHEDULE", "*/15 * * * *"),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["xxgk", "uploads"],
    doc_md=DOC.format(title="uploads", what="Picks up new files in the upload folders on a short schedule; files already landed are not loaded twice."),
)
def xxgk_uploads() -> None:
    build_pipeline(("folder",))


xxgk_reports()
xxgk_uploads()
