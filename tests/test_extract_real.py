"""The real Pingtan reports (2017–2025): values read from the HTML, checked independently."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import lxml.html
import pytest

from extract.report import extract_path
from tests.conftest import cells, sample

YEARS = range(2017, 2026)
PUBLISHED = {
    2017: "2018-01-23", 2018: "2019-01-10", 2019: "2020-01-20", 2020: "2021-03-05", 2021: "2022-02-08",
    2022: "2023-02-20", 2023: "2024-03-08", 2024: "2025-03-10", 2025: "2026-03-10",
}


@pytest.fixture(scope="module")
def reports() -> dict[int, dict]:
    return {y: extract_path(sample(f"pingtan-{y}")) for y in YEARS}


def test_metadata(reports: dict[int, dict]) -> None:
    for y, r in reports.items():
        assert r["format"] == "html"
        assert r["agency"] == "平潭综合实验区"
        assert r["report_year"] == y
        assert r["published_on"] == PUBLISHED[y]


def test_pre_2019_reports_fail_plainly(reports: dict[int, dict]) -> None:
    for y in (2017, 2018):
        r = reports[y]
        assert r["status"] == "failed"
        assert r["template_version"] == "unknown"
        assert [p["code"] for p in r["problems"]] == ["no_template_tables"]
        assert r["disclosures"] == r["requests"] == r["litigation"] == []


def test_template_years_ok(reports: dict[int, dict]) -> None:
    for y in range(2019, 2026):
        r = reports[y]
        assert r["status"] == "ok", (y, r["problems"])
        assert r["problems"] == []
        assert r["template_version"] == ("2019" if y < 2021 else "2021")
        expected = (22, 161, 15) if y < 2021 else (10, 175, 15)
        assert (len(r["disclosures"]), len(r["requests"]), len(r["litigation"])) == expected


def _printed_numbers_in_html(year: int) -> Counter[str]:
    """Every number printed in the article's tables, read with lxml (not our reader)."""
    tree = lxml.html.fromstring(sample(f"pingtan-{year}").read_bytes().decode("utf-8"))
    found: Counter[str] = Counter()
    for table in tree.xpath('//div[contains(@class,"article_content")]//table'):
        for td in table.xpath(".//td"):
            text = "".join(td.text_content().split()).replace("元", "")
            if text and (text.lstrip("+-").replace(".", "", 1).isdigit()):
                found[str(Decimal(text))] += 1
    return found


@pytest.mark.parametrize("year", range(2019, 2026))
def test_every_printed_number_read_once_nothing_invented(reports: dict[int, dict], year: int) -> None:
    r = reports[year]
    ours: Counter[str] = Counter()
    for t in ("disclosures", "requests", "litigation"):
        for c in r[t]:
            ours[str(Decimal("".join(c["printed"].split()).replace("元", "")))] += 1
            assert Decimal(str(c["value"])) == Decimal("".join(c["printed"].split()).replace("元", ""))
    assert ours == _printed_numbers_in_html(year)


def test_2020_rows_exceed_total_and_are_reported_as_printed(reports: dict[int, dict]) -> None:
    """R3 broken while R1 holds: the extractor reports what is printed, it does not fix it."""
    q = cells(reports[2020], "requests")
    assert q[("new_received", "natural_person")] == 20  # printed "2<span>0</span>"
    assert q[("new_received", "total")] == 21
    assert q[("outcome_total", "natural_person")] == 20
    assert q[("outcome_total", "total")] == 21
    assert q[("other", "total")] == 4
    outcome_rows = [k for k in q if k[1] == "total" and k[0] not in ("new_received", "carried_over", "outcome_total", "carried_forward")]
    assert sum(q[k] for k in outcome_rows) == 27
    assert q[("new_received", "total")] + q[("carried_over", "total")] == q[("outcome_total", "total")] + q[("carried_forward", "total")]


def test_2020_disclosures_2019_template(reports: dict[int, dict]) -> None:
    d = cells(reports[2020], "disclosures")
    assert d[("penalty", "items_change")] == -18
    assert d[("fees", "items_prev_year")] == 35
    assert d[("fees", "items_change")] == -15
    assert d[("procurement", "items")] == 395
    assert d[("procurement", "amount")] == pytest.approx(73802895.90)
    amount = next(c for c in reports[2020]["disclosures"] if c["item"] == "procurement" and c["measure"] == "amount")
    assert amount["unit"] == "元"
    assert d[("other_services", "decisions")] == 105


def test_2021_shifted_header_and_litigation(reports: dict[int, dict]) -> None:
    r = reports[2021]
    q = cells(r, "requests")
    assert [q[("new_received", a)] for a in ("natural_person", "commercial", "research", "public_interest", "legal_service", "other_org", "total")] == [64, 0, 0, 2, 0, 4, 70]
    assert q[("carried_forward", "total")] == 1
    lit = cells(r, "litigation")
    assert [lit[("review", x)] for x in ("upheld", "corrected", "other", "pending", "total")] == [1, 0, 2, 0, 3]
    assert lit[("suit_direct", "upheld")] == 12
    d = cells(r, "disclosures")
    assert d[("fees", "amount_10k_yuan")] == pytest.approx(24252.311082)
    assert d[("normative_documents", "in_force")] == 665


def test_later_years_values(reports: dict[int, dict]) -> None:
    assert cells(reports[2022], "requests")[("new_received", "total")] == 74
    assert cells(reports[2022], "requests")[("carried_over", "total")] == 1
    assert cells(reports[2023], "disclosures")[("normative_documents", "in_force")] == 470
    assert cells(reports[2024], "litigation")[("suit_after_review", "total")] == 19
    assert cells(reports[2025], "requests")[("carried_forward", "total")] == 6
    assert cells(reports[2025], "requests")[("other_no_fee", "natural_person")] == 2


def test_provenance_names_table_and_cell(reports: dict[int, dict]) -> None:
    c = next(c for c in reports[2021]["requests"] if c["row"] == "new_received" and c["applicant"] == "total")
    assert c["at"]["table"] == 1 and c["printed"] == "70"
    assert {"row", "col"} <= set(c["at"])
