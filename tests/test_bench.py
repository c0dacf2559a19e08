"""The benchmark runs end to end on a tiny corpus (figures are printed, never asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_bench_smoke(tmp_path: Path) -> None:
    env = {**os.environ, "XXGK_DATA_DIR": str(tmp_path / "data")}
    p = subprocess.run([sys.executable, "-m", "bench.run", "--n", "14", "--data", str(tmp_path / "bench"), "--pdf-sample", "3", "--incr", "5"],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    last = p.stdout.strip().splitlines()[-1]
    assert last.startswith("bench N=14 total ") and "cells 100.00% fabricated 0" in last and " incr " in last
    results = json.loads((tmp_path / "bench" / "results-14.json").read_text(encoding="utf-8"))
    assert results["accuracy"]["metadata_ok"] == 14
    assert {"extract", "load", "dbt build", "validate", "publish", "re-run unchanged", "incremental +5"} <= set(results)
