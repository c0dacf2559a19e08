"""Build the frames the rule checks read (as the dbt marts give them) from synthetic reports."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pandas as pd

from extract.template import labels as L
from synth.model import SynthReport


def frames(reports: list[tuple[str, SynthReport, dict]]) -> dict[str, pd.DataFrame]:
    rep_rows, req, lit, dis = [], [], [], []
    for doc, rep, extra in reports:
        kind = extra.get("publisher_kind", "department")
        deadline = date(rep.year + 1, 3 if kind == "government" else 1, 31)
        narrative = extra.get("narrative", {"period_year": rep.year, "statements": []})
        rep_rows.append({
            "document_id": doc, "agency_id": extra.get("agency_id", rep.agency), "agency_name": rep.agency,
            "report_year": rep.year, "source": f"{doc}.html", "published_on": pd.Timestamp(rep.published_on) if rep.published_on else None,
            "deadline": pd.Timestamp(deadline), "publisher_kind": kind, "narrative": json.dumps(narrative, ensure_ascii=False),
        })
        outcome = set(L.OUTCOME_ROWS_2019 if rep.request_version == "2019" else L.OUTCOME_ROWS_2021)
        for (row, a), v in rep.requests.items():
            req.append({"document_id": doc, "row_code": row, "applicant": a, "value": _v(v), "printed": _p(v),
                        "missing_reason": None if v is not None else "blank", "is_outcome": row in outcome})
        for (p, r), v in rep.litigation.items():
            lit.append({"document_id": doc, "proceeding": p, "result": r, "value": _v(v), "printed": _p(v),
                        "missing_reason": None if v is not None else "blank"})
        for (i, m), v in rep.disclosures.items():
            dis.append({"document_id": doc, "item": i, "measure": m, "value": _v(v), "printed": _p(v),
                        "missing_reason": None if v is not None else "blank"})
    return {"reports": pd.DataFrame(rep_rows), "requests": pd.DataFrame(req), "litigation": pd.DataFrame(lit), "disclosures": pd.DataFrame(dis)}


def _v(v: int | Decimal | None) -> float | None:
    return None if v is None else float(v)


def _p(v: int | Decimal | None) -> str | None:
    return None if v is None else str(v)
