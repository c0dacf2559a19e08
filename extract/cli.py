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
def extract(paths: tuple[Path, ...], max_bytes: int, timeout_s: float) -> None:
    """Print one JSON object per report (the spec's form), in the order given."""
    from extract.report import extract_path

    limits = Limits(max_bytes=max_bytes, timeout_s=timeout_s)
    for path in paths:
        report = extract_path(path, limits)
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def _usage_exit(exc: click.ClickException) -> None:
    msg = exc.format_message().splitlines()[0] if exc.format_message() else "bad arguments"
    click.echo(f"xxgk: {msg}", err=True)
    sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
