"""The rules in plain words (Chinese first, for the agencies and the mail), and their severity.

Read from the dbt seed dbt_project/seeds/rules.csv, the one place they are written: the SQL
rule models (int_rule_checks) join the same seed.
"""

from __future__ import annotations

import csv
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "rules.csv"


def _load() -> dict[str, dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["rule_order"]))
    return {r["rule"]: {"severity": r["severity"], "zh": r["zh"], "en": r["en"]} for r in rows}


RULES: dict[str, dict[str, str]] = _load()
ERROR_RULES = tuple(r for r, d in RULES.items() if d["severity"] == "error")
