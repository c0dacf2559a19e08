"""The five seeds: every cell with its exact value; 004 partial."""

from __future__ import annotations

import json

import pytest

from extract.report import extract_path
from extract.template import labels as L
from tests.conftest import SHARED, cells, sample

ZERO_DISCLOSURES = {(i, m): 0 for i, ms in L.DISCLOSURES_2021.items() for m in ms}
ZERO_REQUESTS = {(r, a): 0 for r in L.REQUEST_ROWS_2021 for a in L.APPLICANTS}
ZERO_LITIGATION = {(p, r): 0 for p in L.PROCEEDINGS for r in L.RESULTS}

EXPECTED = {
    "000": ("河东区工业和信息化局", "2024-01-30", {}),
    "001": ("大武口区人民政府办公室", "2024-01-29", {("normative_documents", "issued"): 1, ("normative_documents", "in_force"): 3}),
    "002": ("樟树市工信局", None, {("normative_documents", "repealed"): 1, ("normative_documents", "in_force"): 1, ("licensing", "decisions"): 136}),
    "003": ("湛河区工信局", None, {}),
}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_every_cell_exact(seed: str) -> None:
    agency, published, nonzero = EXPECTED[seed]
    r = extract_path(sample(seed))
    assert r["format"] == "txt"
    assert r["status"] == "ok", r["problems"]
    assert r["template_version"] == "2021"
    assert r["report_year"] == 2023
    assert r["agency"] == agency
    assert r["published_on"] == published
    assert cells(r, "disclosures") == {**ZERO_DISCLOSURES, **nonzero}
    assert cells(r, "requests") == ZERO_REQUESTS
    assert cells(r, "litigation") == ZERO_LITIGATION
    assert r["problems"] == []
    # provenance: every value names the line it was printed on
    assert all("line" in c and "printed" in c for t in ("disclosures", "requests", "litigation") for c in r[t])


def test_seed_002_matches_the_spec_example() -> None:
    example_path = SHARED / "spec" / "example-seed-002.json"
    if not example_path.exists():
        pytest.skip("shared/spec is not beside the project")
    example = json.loads(example_path.read_text(encoding="utf-8"))
    r = extract_path(sample("002"))
    for key in ("sha256", "format", "agency", "report_year", "published_on", "template_version", "status"):
        assert r[key] == example[key], key
    for table in ("disclosures", "requests", "litigation"):
        assert cells(r, table) == cells(example, table)
    assert r["problems"] == example["problems"]


def test_seed_002_licensing_and_repealed() -> None:
    r = extract_path(sample("002"))
    d = cells(r, "disclosures")
    assert d[("licensing", "decisions")] == 136
    assert d[("normative_documents", "repealed")] == 1
    lic = next(c for c in r["disclosures"] if c["item"] == "licensing")
    assert lic["printed"] == "136" and lic["line"] == 49


def test_seed_004_lost_tables_is_partial() -> None:
    r = extract_path(sample("004"))
    assert r["status"] == "partial"
    assert r["agency"] == "威海市文登区工业和信息化局"
    assert r["report_year"] == 2023
    assert r["published_on"] == "2024-01-22"
    assert r["disclosures"] == r["requests"] == r["litigation"] == []
    missing = {p["table"] for p in r["problems"] if p["code"] == "table_missing"}
    assert missing == {"disclosures", "requests", "litigation"}


def test_seed_003_shifted_row_is_read() -> None:
    """Seed 003 prints `3. 其他` one column to the left of its neighbours."""
    r = extract_path(sample("003"))
    other = [c for c in r["requests"] if c["row"] == "other_other"]
    assert len(other) == 7 and all(c["value"] == 0 for c in other)
