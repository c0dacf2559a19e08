"""Verification of OCR'd cells by the template's own sums, after parsing.

OCR misreads digits and its confidence does not tell right from wrong (measured); the
balancing rules do. An OCR'd cell gets `verified: true` only when every balancing rule
that contains it (R1–R4, spec: shared/spec/annual-report-template.md) can be evaluated
and holds with the values read; otherwise `verified: false` and a problem
`ocr_unverified` names it. A cell that no balancing rule covers (table 二) is never
verified. No value is ever set or changed from a sum: a sum only judges.

Before that, R5 as a reading guard: an OCR'd count with a decimal point or a minus
(5,349 read as 5.349) is not a count; it is dropped as `unreadable_cell`, never rounded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from extract.template import labels as L

TABLES = ("disclosures", "requests", "litigation")
_KEYS = {"disclosures": ("item", "measure"), "requests": ("row", "applicant"), "litigation": ("proceeding", "result")}
_DECIMAL_MEASURES = frozenset({"amount_10k_yuan", "amount"})
_SIGNED_MEASURES = frozenset({"items_change"})
_NON_OUTCOME = ("new_received", "carried_over", "outcome_total", "carried_forward")

Key = tuple[str, str, str]  # (table, code 1, code 2)


def _key(table: str, cell: dict[str, Any]) -> Key:
    a, b = _KEYS[table]
    return (table, cell[a], cell[b])


def _is_ocr(cell: dict[str, Any]) -> bool:
    return cell.get("source") == "ocr"


def _guard_counts(report: dict[str, Any]) -> bool:
    """Drop OCR'd counts that are not whole numbers ≥ 0; True if any was dropped."""
    dropped = False
    for table in TABLES:
        kept = []
        for cell in report[table]:
            measure = cell.get("measure")
            value = Decimal(str(cell["value"]))
            bad = None
            if _is_ocr(cell) and measure not in _DECIMAL_MEASURES:
                if value != value.to_integral_value() or "." in str(cell.get("printed", "")):
                    bad = "a count with a decimal point"
                elif value < 0 and measure not in _SIGNED_MEASURES:
                    bad = "a negative count"
            if bad is None:
                kept.append(cell)
                continue
            dropped = True
            a, b = _KEYS[table]
            report["problems"].append({
                "code": "unreadable_cell", "table": table,
                "message": f"{table} {cell[a]}/{cell[b]} was read by OCR as {cell.get('printed', cell['value'])!r}, {bad}: left missing, not guessed",
                a: cell[a], b: cell[b], "page": cell.get("page"), "source": "ocr",
            })
        report[table] = kept
    return dropped


def _outcome_rows(values: dict[Key, Decimal], version: str | None) -> tuple[str, ...]:
    rows = {k[1] for k in values if k[0] == "requests"}
    if rows & {"other_no_correction", "other_no_fee", "other_other"}:
        return L.OUTCOME_ROWS_2021
    if "other" in rows:
        return L.OUTCOME_ROWS_2019
    return L.OUTCOME_ROWS_2019 if version == "2019" else L.OUTCOME_ROWS_2021


def balances(values: dict[Key, Decimal], version: str | None) -> list[tuple[str, list[Key], list[Key]]]:
    """Every R1–R4 instance as (rule, left cells, right cells): sum(left) = sum(right)."""
    out: list[tuple[str, list[Key], list[Key]]] = []
    outcomes = _outcome_rows(values, version)
    for a in L.APPLICANTS:
        out.append(("R1", [("requests", "new_received", a), ("requests", "carried_over", a)],
                    [("requests", "outcome_total", a), ("requests", "carried_forward", a)]))
        out.append(("R3", [("requests", "outcome_total", a)], [("requests", r, a) for r in outcomes]))
    for r in (*_NON_OUTCOME[:2], *outcomes, *_NON_OUTCOME[2:]):
        out.append(("R2", [("requests", r, "total")], [("requests", r, a) for a in L.APPLICANTS[:-1]]))
    for p in L.PROCEEDINGS:
        out.append(("R4", [("litigation", p, "total")], [("litigation", p, r) for r in L.RESULTS[:-1]]))
    return out


def verify(report: dict[str, Any]) -> None:
    """Set `verified` on every OCR'd cell of `report` and name the unverified ones in `problems`."""
    if not any(_is_ocr(c) for t in TABLES for c in report[t]):
        return
    if _guard_counts(report) and report.get("status") == "ok":
        report["status"] = "partial"
    values = {_key(t, c): Decimal(str(c["value"])) for t in TABLES for c in report[t]}
    holds: dict[Key, bool] = {}
    why: dict[Key, list[str]] = {}
    for rule, left, right in balances(values, report.get("template_version")):
        cells = left + right
        if all(k in values for k in cells):
            ok = sum((values[k] for k in left), Decimal(0)) == sum((values[k] for k in right), Decimal(0))
            reason = f"{rule} does not balance"
        else:
            ok = False
            reason = f"{rule} cannot be checked (a cell of it is blank or unreadable)"
        for k in cells:
            if k in values:
                holds[k] = holds.get(k, True) and ok
                if not ok:
                    why.setdefault(k, []).append(reason)
    for table in TABLES:
        a, b = _KEYS[table]
        for cell in report[table]:
            if not _is_ocr(cell):
                continue
            k = _key(table, cell)
            cell["verified"] = holds.get(k, False)
            if cell["verified"]:
                continue
            reasons = sorted(set(why.get(k, []))) or ["no balancing rule covers it"]
            report["problems"].append({
                "code": "ocr_unverified", "table": table,
                "message": f"{table} {cell[a]}/{cell[b]} read by OCR as {cell.get('printed', cell['value'])!r} is not verified: {'; '.join(reasons)}",
                a: cell[a], b: cell[b], "page": cell.get("page"), "source": "ocr",
            })
