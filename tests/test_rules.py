"""R1–R11 (the SQL of dbt int_rule_checks): each rule positive and negative on small built reports,
validated by the Great Expectations suite; then on the real reports."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from expectations.validate import run_suite
from extract.settings import Paths
from synth.model import SynthReport, make_report
from tests.rules_helpers import run_rules


def _balanced(year: int, agency: str = "某县交通运输局", seed: int = 1, carried: dict | None = None) -> SynthReport:
    rep = make_report(random.Random(seed), agency, year, busy=False, carried_over=carried)
    rep.published_on = date(year + 1, 1, 20)
    return rep


def _pair() -> tuple[SynthReport, SynthReport]:
    prev = _balanced(2022, seed=2)
    carried = {a: int(prev.requests[("carried_forward", a)]) for a in ("natural_person", "commercial", "research", "public_interest", "legal_service", "other_org")}
    cur = _balanced(2023, seed=3, carried=carried)
    for item in ("regulations", "normative_documents"):
        prev.disclosures[(item, "in_force")] = 100
        cur.disclosures[(item, "in_force")] = int(prev.disclosures[(item, "in_force")]) + int(cur.disclosures[(item, "issued")]) - int(cur.disclosures[(item, "repealed")])
    return prev, cur


def _variant(change) -> tuple[SynthReport, SynthReport]:
    prev, cur = _pair()
    change(cur)
    return prev, cur


def _bump(rep: SynthReport, row: str, applicants: tuple[str, ...], by: int = 1) -> None:
    for a in applicants:
        rep.requests[(row, a)] = int(rep.requests[(row, a)]) + by


CASES = {
    "ok": (lambda r: None, {}),
    "R1": (lambda r: _bump(r, "new_received", ("natural_person", "total")), {}),
    "R2": (lambda r: _bump(r, "granted", ("total",)), {}),
    "R3": (lambda r: _bump(r, "granted", ("natural_person", "total")), {}),
    "R4": (lambda r: r.litigation.__setitem__(("review", "total"), int(r.litigation[("review", "total")]) + 2), {}),
    "R5": (lambda r: r.disclosures.__setitem__(("licensing", "decisions"), -3), {}),
    "R6": (lambda r: (_bump(r, "carried_over", ("commercial", "total")), _bump(r, "granted", ("commercial", "total")), _bump(r, "outcome_total", ("commercial", "total"))), {}),
    "R7": (lambda r: r.litigation.__setitem__(("suit_direct", "pending"), None), {}),
    "R8": (lambda r: setattr(r, "published_on", date(2024, 2, 15)), {}),
    "R9": (lambda r: None, {"narrative": {"period_year": 2023, "statements": [{"kind": "requests", "count": 999, "year": 2023, "text": "共收到申请999件"}]}}),
    "R10": (lambda r: None, {"narrative": {"period_year": 2022, "statements": []}}),
    "R11": (lambda r: r.disclosures.__setitem__(("normative_documents", "in_force"), int(r.disclosures[("normative_documents", "in_force")]) + 7), {}),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    items = []
    for name, (change, extra) in CASES.items():
        prev, cur = _variant(change)
        agency = f"agency-{name}"
        if name == "ok":  # the balanced report's text states its own count
            n = int(cur.requests[("new_received", "total")])
            extra = {"narrative": {"period_year": 2023, "statements": [{"kind": "requests", "count": n, "year": 2023, "text": f"收到申请{n}件"}]}}
        items.append((f"{name}-2022", prev, {"agency_id": agency}))
        items.append((f"{name}-2023", cur, {"agency_id": agency, **extra}))
    prev, cur = _pair()  # a balanced pair whose 2023 granted/natural_person cell was read by OCR, not verified
    items.append(("ocr-2022", prev, {"agency_id": "agency-ocr"}))
    items.append(("ocr-2023", cur, {"agency_id": "agency-ocr", "unverified": [("requests", "granted", "natural_person")]}))
    paths = Paths(tmp_path_factory.mktemp("rules")).ensure()
    out = run_rules(paths, items)
    suite = run_suite(out, paths)
    assert suite.page is not None and suite.page.exists()
    # the suite finds exactly the failures the SQL found, each named by report, rule and scope
    failed = out[out["status"] == "failed"]
    assert suite.failing == {(str(a), str(y), r, s) for a, y, r, s in zip(failed["agency_name"], failed["report_year"], failed["rule"], failed["scope"], strict=True)}
    return out


def _status(results: pd.DataFrame, doc: str, rule: str) -> set[str]:
    return set(results[(results["document_id"] == doc) & (results["rule"] == rule)]["status"])


@pytest.mark.parametrize("rule", [r for r in CASES if r != "ok"])
def test_rule_positive_and_negative(results: pd.DataFrame, rule: str) -> None:
    assert "failed" in _status(results, f"{rule}-2023", rule), f"{rule} should fail on the report built to break it"
    assert _status(results, "ok-2023", rule) == {"passed"}, f"{rule} should pass on the balanced report"


def test_every_rule_runs_on_every_report(results: pd.DataFrame) -> None:
    for doc in results["document_id"].unique():
        assert set(results[results["document_id"] == doc]["rule"]) == {f"R{i}" for i in range(1, 12)}


def test_r1_holds_while_r3_fails(results: pd.DataFrame) -> None:
    assert _status(results, "R3-2023", "R1") == {"passed"}
    assert "failed" in _status(results, "R3-2023", "R3")


def test_missing_cell_is_not_checked_not_passed(results: pd.DataFrame) -> None:
    rows = results[(results["document_id"] == "R7-2023") & (results["rule"] == "R4") & (results["scope"] == "proceeding=suit_direct")]
    assert list(rows["status"]) == ["not_checked"]
    assert "suit_direct/pending" in rows.iloc[0]["reason"]


def test_unverified_ocr_cell_is_not_checked(results: pd.DataFrame) -> None:
    rows = results[results["document_id"] == "ocr-2023"]
    involved = rows[rows["scope"].isin(["applicant=natural_person", "applicant=total", "row=granted"]) & rows["rule"].isin(["R1", "R2", "R3"])]
    by = {(r.rule, r.scope): (r.status, r.reason) for r in involved.itertuples()}
    assert by[("R3", "applicant=natural_person")] == ("not_checked", "unverified OCR")
    assert by[("R2", "row=granted")] == ("not_checked", "unverified OCR")
    assert by[("R1", "applicant=natural_person")][0] == "passed"  # granted is not among R1's cells
    cells = json.loads(rows[(rows["rule"] == "R3") & (rows["scope"] == "applicant=natural_person")].iloc[0]["cells"])
    assert {"row": "granted", "col": "natural_person", "source": "ocr", "verified": False}.items() <= next(c for c in cells if c["row"] == "granted").items()
    assert _status(results, "ocr-2022", "R3") == {"passed"}


def test_failing_check_names_its_cells(results: pd.DataFrame) -> None:
    row = results[(results["document_id"] == "R1-2023") & (results["rule"] == "R1") & (results["scope"] == "applicant=natural_person")].iloc[0]
    cells = {(c["row"], c["col"]): c["value"] for c in json.loads(row["cells"])}
    assert set(cells) == {("new_received", "natural_person"), ("carried_over", "natural_person"),
                          ("outcome_total", "natural_person"), ("carried_forward", "natural_person")}
    assert row["actual"] - row["expected"] == 1 and row["difference"] == 1


def test_first_year_has_no_continuity_to_check(results: pd.DataFrame) -> None:
    assert _status(results, "ok-2022", "R6") == {"not_checked"}


def test_severity(results: pd.DataFrame) -> None:
    sev = results.groupby("rule")["severity"].first().to_dict()
    assert {r for r, s in sev.items() if s == "error"} == {"R1", "R2", "R3", "R4", "R5", "R6", "R7"}
    assert {r for r, s in sev.items() if s == "warning"} == {"R8", "R9", "R10", "R11"}


# ---- on the real reports -------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, object]:
    from expectations.validate import validate
    from extract.pipeline import build, ingest
    from tests.conftest import SAMPLES

    paths = Paths(tmp_path_factory.mktemp("real")).ensure()
    ingest(sorted(SAMPLES.iterdir()), paths)
    build(paths)
    return paths, validate(paths)


def _rule_rows(paths: Paths, sql_where: str) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(paths.serving), read_only=True)
    try:
        return con.execute(f"select agency_name, report_year, rule, scope, status, expected, actual, difference from fct_rule_results where {sql_where}").fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_seed_001_gives_an_r9_warning(real) -> None:
    paths, _ = real
    rows = _rule_rows(paths, "agency_name = '大武口区人民政府办公室' and rule = 'R9'")
    assert [(r[4], r[5], r[6]) for r in rows] == [("failed", 0, 11)]


@pytest.mark.slow
def test_pingtan_2020_r3_error_while_r1_passes(real) -> None:
    paths, summary = real
    r3 = _rule_rows(paths, "report_year = 2020 and rule = 'R3' and status = 'failed'")
    assert {(r[3], r[5], r[6], r[7]) for r in r3} == {("applicant=natural_person", 20, 26, 6), ("applicant=total", 21, 27, 6)}
    r1 = _rule_rows(paths, "report_year = 2020 and agency_name = '平潭综合实验区' and rule = 'R1'")
    assert {r[4] for r in r1} == {"passed"} and len(r1) == 7
    assert summary.per_rule["R3"]["failed"] == 2


@pytest.mark.slow
def test_continuity_across_pingtan_years_reported_as_it_is(real) -> None:
    paths, _ = real
    rows = _rule_rows(paths, "agency_name = '平潭综合实验区' and rule = 'R6' and (scope like 'applicant=total%' or status = 'not_checked')")
    got = {r[1]: (r[4], r[5], r[6]) for r in rows}
    assert got[2019][0] == "not_checked"  # 2018's report has no template tables
    assert got[2022] == ("passed", 1, 1)  # 2021 carried 1 forward, 2022 carried 1 over
    assert all(got[y][0] == "passed" for y in range(2020, 2026))
    r11 = _rule_rows(paths, "agency_name = '平潭综合实验区' and rule = 'R11' and status = 'failed'")
    assert {r[1] for r in r11} == {2023, 2024, 2025}
    r9 = _rule_rows(paths, "agency_name = '平潭综合实验区' and rule = 'R9' and report_year = 2023")
    assert ("failed", 470, 393) in {(r[4], r[5], r[6]) for r in r9}


@pytest.mark.slow
def test_seed_004_r10_warning_and_r7_error(real) -> None:
    paths, _ = real
    rows = _rule_rows(paths, "agency_name = '威海市文登区工业和信息化局' and status = 'failed'")
    assert {r[2] for r in rows} == {"R7", "R10"}
    assert ("R10", 2023, 2022) in {(r[2], r[5], r[6]) for r in rows}


@pytest.mark.slow
def test_mail_in_outbox_without_smtp(real) -> None:
    paths, summary = real
    assert summary.mail and Path(summary.mail).parent == paths.outbox
    assert Path(summary.mail).read_bytes().startswith(b"Subject:") or b"Subject:" in Path(summary.mail).read_bytes()


def test_registering_the_suite_again_changes_no_file(tmp_path: Path) -> None:
    """The context in expectations/gx is kept in the repo: re-running must not rewrite it."""
    from expectations.suites import GX_ROOT, context, register

    files = sorted(p for p in (GX_ROOT / "gx").rglob("*") if p.is_file() and "uncommitted" not in p.parts)
    before = {p: p.read_bytes() for p in files}
    ctx = context(tmp_path / "docs", tmp_path / "validations")
    register(ctx)
    register(ctx)
    assert {p: p.read_bytes() for p in files} == before
    suite = ctx.suites.get("xxgk_balancing_rules")
    assert sorted(e.meta["rule"] for e in suite.expectations) == sorted(f"R{i}" for i in range(1, 12))
