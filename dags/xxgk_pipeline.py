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
# Celery queues (ignored by the LocalExecutor and `airflow dags test`): extraction scales out
# on any number of workers; the DuckDB writer tasks go to one worker with one slot.
EXTRACT_QUEUE = os.environ.get("XXGK_EXTRACT_QUEUE", "extract")
WRITER_QUEUE = os.environ.get("XXGK_WRITER_QUEUE", "writer")
PARALLEL_BATCHES = int(os.environ.get("XXGK_PARALLEL_BATCHES", "16"))  # batches of one run in flight at once


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

`discover → fetch (mapped per batch) → extract (mapped per batch) → load (one writer) → dbt build → validate → publish`

- `discover` writes the work list to `<data>/work/<run_id>/batch-NNNNN.json` in batches of
  `XXGK_BATCH_SIZE` documents (default 250) and hands on only batch descriptors: the number of
  mapped tasks is ⌈documents / batch size⌉, far under Airflow's `max_map_length`.

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


def _run_id() -> str:
    """The key of this run's work list: DAG and run (both DAGs may run at once)."""
    from airflow.sdk import get_current_context

    ctx = get_current_context()
    return f"{ctx['dag'].dag_id}__{ctx['run_id']}"


def build_pipeline(kinds: tuple[str, ...]) -> None:
    @task(queue=EXTRACT_QUEUE)
    def discover() -> list[dict[str, Any]]:
        from extract import jobs

        return jobs.plan_batches(_sources(), _paths(), _run_id(), kinds)

    @task(queue=EXTRACT_QUEUE, retries=3, retry_exponential_backoff=True, max_active_tis_per_dagrun=PARALLEL_BATCHES,
          map_index_template="batch {{ batch['batch'] }} ({{ batch['count'] }} documents)")
    def fetch(batch: dict[str, Any]) -> dict[str, Any]:
        from extract import jobs

        return jobs.fetch_batch(batch, _sources(), _paths())

    @task(queue=EXTRACT_QUEUE, max_active_tis_per_dagrun=PARALLEL_BATCHES,
          map_index_template="batch {{ batch['batch'] }} ({{ batch['count'] }} documents)")
    def extract(batch: dict[str, Any]) -> dict[str, Any]:
        from extract import jobs

        return jobs.extract_batch(batch, _paths(), sources_path=_sources())

    @task(queue=WRITER_QUEUE, pool=WRITER_POOL, outlets=[RAW])
    def load(batches: list[dict[str, Any]]) -> dict[str, Any]:
        from extract import jobs

        paths = _paths()
        result = jobs.load_batches(paths, list(batches))
        jobs.finish_run(paths, _run_id())
        return result

    @task(queue=WRITER_QUEUE, pool=WRITER_POOL, outlets=[MARTS])
    def dbt_build(loaded: dict[str, Any]) -> None:
        from airflow.sdk.exceptions import AirflowSkipException

        from extract import jobs

        if not jobs.needs_build(loaded, _paths()):
            raise AirflowSkipException("nothing new was loaded: the marts and rule results are current")
        jobs.dbt_build(_paths())

    @task(queue=WRITER_QUEUE, pool=WRITER_POOL, outlets=[RULES])
    def validate(_built: None = None) -> dict[str, Any]:
        from extract import jobs

        return jobs.validate(_paths())

    @task(queue=WRITER_QUEUE, pool=WRITER_POOL, outlets=[SERVING])
    def publish(summary: dict[str, Any]) -> dict[str, Any]:
        from extract import jobs

        jobs.publish_marts(_paths())
        return summary

    batches = discover()
    fetched = fetch.expand(batch=batches)
    staged = extract.expand(batch=fetched)
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
