"""The `xxgk` command. Each subcommand calls the same functions the Airflow DAG calls."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from extract.report import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S, Limits


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """xxgk: China's government information-disclosure annual reports, extracted, warehoused and checked."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True, help="Size cap per file.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT_S, show_default=True, help="Time cap per file, seconds.")
@click.option("--context", "with_context", is_flag=True,
              help="Also print region_hints and narrative (what the warehouse uses for regions and rules R9/R10).")
def extract(paths: tuple[Path, ...], max_bytes: int, timeout_s: float, with_context: bool) -> None:
    """Print one JSON object per report (the spec's form), in the order given."""
    from extract.report import SPEC_KEYS, extract_path

    limits = Limits(max_bytes=max_bytes, timeout_s=timeout_s)
    for path in paths:
        report = extract_path(path, limits)
        if not with_context:
            report = {k: v for k, v in report.items() if k in SPEC_KEYS}
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def _files(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")))
        else:
            out.append(p)
    return out


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True, help="Extract processes (0: one per core).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True, help="Size cap per file.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT_S, show_default=True, help="Time cap per file, seconds.")
def load(paths: tuple[Path, ...], workers: int, max_bytes: int, timeout_s: float) -> None:
    """Extract files (or folders of files) and land them in the warehouse."""
    from extract.pipeline import ingest
    from extract.settings import Paths

    cfg = Paths.from_env()
    files = _files(paths)
    try:
        result = ingest(files, cfg, workers=workers, limits=Limits(max_bytes, timeout_s), progress=sys.stderr.isatty())
    except Exception as exc:  # the warehouse cannot be opened or written: the job could not be done
        click.echo(f"xxgk load: cannot load into {cfg.warehouse}: {exc}", err=True)
        sys.exit(1)
    click.echo(format_load(result.load, result.extracted, result.skipped_known))
    if result.reextract is not None and result.reextract.stale:
        click.echo(result.reextract.text())


@main.command("reextract")
@click.option("--all", "everything", is_flag=True, help="Read every landed document again, not only those an older extractor read.")
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True, help="Extract processes (0: one per core).")
def reextract_cmd(everything: bool, workers: int) -> None:
    """Read landed documents again from the raw store with the current extractor.

    Documents whose reading changed get their rows replaced (one transaction per batch);
    the others keep them. `xxgk load` and the DAG's load step do this on their own.
    """
    from extract.reextract import reextract
    from extract.settings import Paths

    cfg = Paths.from_env()
    try:
        result = reextract(cfg, everything=everything, workers=workers, progress=sys.stderr.isatty())
    except Exception as exc:  # the warehouse cannot be opened or written
        click.echo(f"xxgk reextract: cannot re-extract in {cfg.warehouse}: {exc}", err=True)
        sys.exit(1)
    click.echo(result.text())


def format_load(load_result, extracted: int, skipped: int) -> str:
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(load_result.by_status.items())) or "none"
    lines = [
        f"loaded {load_result.loaded} new report(s) ({statuses}); {skipped} already in the warehouse, skipped before"
        f" extraction; {extracted} extracted"
        + (f"; {load_result.unchanged} of them the same content as another" if load_result.unchanged else "")
    ]
    for source, reason in load_result.failed:
        lines.append(f"  failed: {reason}" if source in reason else f"  failed: {source}: {reason}")
    return "\n".join(lines)


@main.command()
@click.option("--full-refresh", is_flag=True, help="rebuild the incremental models from raw instead of adding what changed")
def build(full_refresh: bool) -> None:
    """dbt build (models and tests), then publish the serving copy and Parquet exports."""
    from extract.pipeline import BuildFailed
    from extract.pipeline import build as run_build
    from extract.settings import Paths

    cfg = Paths.from_env()
    try:
        run_build(cfg, full_refresh=full_refresh)
    except BuildFailed as exc:
        click.echo(f"xxgk build: {exc}", err=True)
        sys.exit(1)
    click.echo(f"built the marts in {cfg.warehouse}; serving copy {cfg.serving}; Parquet in {cfg.exports}")


@main.command()
@click.option("--no-mail", is_flag=True, help="Do not send the failure mail.")
def validate(no_mail: bool) -> None:
    """Run the rule suites (R1–R11) on the warehouse, write fct_rule_results, rebuild Data Docs, mail on errors."""
    from expectations.validate import validate as run_validate
    from extract.settings import Paths

    cfg = Paths.from_env()
    if not cfg.warehouse.exists():
        click.echo(f"xxgk validate: no warehouse at {cfg.warehouse}; run `xxgk load` and `xxgk build` first", err=True)
        sys.exit(1)
    summary = run_validate(cfg, send_mail=not no_mail)
    click.echo(summary.text())


@main.command()
@click.argument("agency")
@click.option("--year", type=int, default=None, help="Only this report year.")
def show(agency: str, year: int | None) -> None:
    """One agency (found by name, fuzzy): its reports per year, the three tables with the cells of
    failing rules marked and where they were read, and the rule results. Reads the serving copy."""
    from extract.settings import Paths
    from extract.show import ShowError
    from extract.show import show as run_show

    try:
        click.echo(run_show(Paths.from_env().serving, agency, year))
    except ShowError as exc:
        click.echo(f"xxgk show: {exc}", err=True)
        sys.exit(1)


@main.command()
@click.option("--sources", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Sources file (default: XXGK_SOURCES or samples/sources.yml).")
def run(sources: Path | None) -> None:
    """Run the Airflow DAG once end to end (airflow dags test) and print a summary."""
    from extract.run import run_dag, summary
    from extract.settings import Paths

    cfg = Paths.from_env()
    click.echo(f"xxgk run: running the DAG on {sources or 'the configured sources'} (data in {cfg.data}) ...")
    code, log, started = run_dag(cfg, sources)
    if code != 0:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])
        click.echo(f"xxgk run: the DAG run failed (log: {log}):\n{tail}", err=True)
        sys.exit(1)
    click.echo(summary(cfg, started))


def run_main() -> None:
    try:
        main(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(1)
    except click.ClickException as exc:
        msg = exc.format_message().splitlines()[0] if exc.format_message() else "bad arguments"
        click.echo(f"xxgk: {msg}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    run_main()
