"""Where state lives: one data folder (`data/` at the repo root, or `XXGK_DATA_DIR`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def duckdb_memory() -> str:
    """DuckDB's memory limit for the heavy queries (dbt's profile reads the same variable)."""
    return os.environ.get("XXGK_DUCKDB_MEMORY", "1GB")


@dataclass(frozen=True)
class Paths:
    data: Path

    @classmethod
    def from_env(cls) -> Paths:
        return cls(Path(os.environ.get("XXGK_DATA_DIR") or ROOT / "data").resolve())

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.data / "serving.duckdb"

    @property
    def exports(self) -> Path:
        return self.data / "exports"

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def outbox(self) -> Path:
        return self.data / "outbox"

    @property
    def airflow_home(self) -> Path:
        return self.data / "airflow"

    @property
    def staging(self) -> Path:
        """Extracted reports waiting for the one writer (JSON lines)."""
        return self.data / "staging"

    @property
    def data_docs(self) -> Path:
        return self.data / "data_docs"

    def ensure(self) -> Paths:
        for p in (self.data, self.exports, self.raw, self.outbox, self.staging):
            p.mkdir(parents=True, exist_ok=True)
        return self


DBT_PROJECT_DIR = ROOT / "dbt_project"
SAMPLE_REPORTS = ROOT / "samples" / "reports"
