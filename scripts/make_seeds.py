"""Writes dbt_project/seeds/template_cells.csv from extract/template/labels.py (one source of truth)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from extract.template.labels import APPLICANT_LABELS, PROCEEDING_NAMES, RESULT_NAMES, template_cells

SEED = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "template_cells.csv"


def render() -> str:
    buf = io.StringIO()
    rows = template_cells()
    w = csv.DictWriter(buf, fieldnames=[*rows[0].keys(), "col_label"], lineterminator="\n")
    w.writeheader()
    for r in rows:
        label = APPLICANT_LABELS.get(str(r["col_code"])) if r["table_name"] == "requests" else (
            RESULT_NAMES.get(str(r["col_code"])) if r["table_name"] == "litigation" else ""
        )
        if r["table_name"] == "litigation":
            label = f"{PROCEEDING_NAMES[str(r['row_code'])]}·{label}"
        w.writerow({**r, "col_label": label})
    return buf.getvalue()


if __name__ == "__main__":
    SEED.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {SEED}\n")
