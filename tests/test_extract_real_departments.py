"""Five real department reports of 平潭综合实验区, read independently.

The pages are copied byte for byte from ../shared/real/pingtan-departments (its README
lists their traits) into tests/fixtures/, so the test runs in any clone.

The expected numbers come from the HTML itself, read here with lxml and the spans
expanded (not with our reader): table 三's rows by their printed position, table 四's one
row of 15, and every number printed in the three tables. Their imbalances are the
agencies' own and stay as printed.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import lxml.html
import pytest

from extract.report import extract_path
from extract.template import labels as L

HERE = Path(__file__).resolve().parent / "fixtures" / "pingtan-departments"

EXPECTED = {  # file: (agency, report year, published_on, template)
    "pingtan-gaj-2019.html": ("平潭综合实验区公安局", 2019, "2020-01-17", "2019"),
    "pingtan-gwh-2025.html": ("平潭综合实验区管委会办公室", 2025, "2026-01-30", "2021"),
    "pingtan-jtj-2023.html": ("平潭综合实验区交通与建设局", 2023, "2024-01-30", "2021"),
    "pingtan-zrz-2020.html": ("平潭综合实验区自然资源与生态环境局", 2020, "2021-01-28", "2019"),
    "pingtan-zrz-2023.html": ("平潭综合实验区自然资源与生态环境局", 2023, "2024-01-05", "2021"),
}
APPLICANTS = L.APPLICANTS  # the spec's column codes, in the template's printed order
LITIGATION = [(p, r) for p in L.PROCEEDINGS for r in L.RESULTS]


def _grid(table) -> list[list[str]]:
    """The table with rowspan/colspan expanded: every printed cell's text in each slot it covers."""
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.xpath("./tr|./tbody/tr")):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in grid:
                c += 1
            text = "".join(td.text_content().split())
            for dr in range(int(td.get("rowspan") or 1)):
                for dc in range(int(td.get("colspan") or 1)):
                    grid[(r + dr, c + dc)] = text
            c += int(td.get("colspan") or 1)
    rows = max(r for r, _ in grid) + 1
    cols = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(cols)] for r in range(rows)]


def _tables(name: str) -> list[list[list[str]]]:
    tree = lxml.html.fromstring((HERE / name).read_bytes().decode("utf-8"))
    return [_grid(t) for t in tree.xpath("//table")]


def _number(text: str) -> Decimal | None:
    t = text.replace("万元", "").replace("元", "")
    return Decimal(t) if t and t.lstrip("+-").replace(".", "", 1).isdigit() else None


def _request_rows(grid: list[list[str]], version: str) -> dict[str, list[str]]:
    """Table 三's value rows in print order, each its last 7 slots, placed on the template's rows by position."""
    value_rows = [row[-7:] for row in grid if sum(1 for v in row[-7:] if _number(v) is not None or v == "") == 7
                  and any(_number(v) is not None for v in row[-7:])]
    codes = list(L.REQUEST_ROWS_2019 if version == "2019" else L.REQUEST_ROWS_2021)
    assert len(value_rows) == len(codes)
    return dict(zip(codes, value_rows, strict=True))


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def case(request: pytest.FixtureRequest) -> tuple[str, dict]:
    return request.param, extract_path(HERE / request.param)


def test_metadata_and_status(case: tuple[str, dict]) -> None:
    name, r = case
    assert (r["agency"], r["report_year"], r["published_on"], r["template_version"]) == EXPECTED[name]
    assert r["status"] == "ok", r["problems"]
    assert [p["code"] for p in r["problems"] if p["code"] != "blank_cell"] == []


def test_requests_cell_by_cell(case: tuple[str, dict]) -> None:
    name, r = case
    grid = _tables(name)[1]
    rows = _request_rows(grid, EXPECTED[name][3])
    ours = {(c["row"], c["applicant"]): c for c in r["requests"]}
    expected_blanks = set()
    for code, values in rows.items():
        for applicant, printed in zip(APPLICANTS, values, strict=True):
            if printed == "":
                expected_blanks.add((code, applicant))
                assert (code, applicant) not in ours, "a blank cell was given a value"
            else:
                assert Decimal(str(ours[(code, applicant)]["value"])) == _number(printed), (code, applicant)
    assert set(ours) == {(code, a) for code in rows for a in APPLICANTS} - expected_blanks
    blanks = {(p["row"], p["applicant"]) for p in r["problems"] if p["code"] == "blank_cell"}
    assert blanks == expected_blanks


def test_litigation_in_print_order(case: tuple[str, dict]) -> None:
    name, r = case
    grid = _tables(name)[2]
    numeric = [row for row in grid if row and all(_number(v) is not None for v in row)]
    assert len(numeric) == 1
    values = [_number(v) for v in numeric[0]]
    assert len(values) == 15
    ours = {(c["proceeding"], c["result"]): Decimal(str(c["value"])) for c in r["litigation"]}
    assert [ours[k] for k in LITIGATION] == values[:15]


def test_every_number_printed_is_read_once_and_nothing_else(case: tuple[str, dict]) -> None:
    name, r = case
    printed: Counter[Decimal] = Counter()
    tree = lxml.html.fromstring((HERE / name).read_bytes().decode("utf-8"))
    for table in tree.xpath("//table")[:3]:
        for td in table.xpath(".//td|.//th"):
            n = _number("".join(td.text_content().split()))
            if n is not None:
                printed[n] += 1
    ours: Counter[Decimal] = Counter()
    for t in ("disclosures", "requests", "litigation"):
        for c in r[t]:
            ours[Decimal(str(c["value"]))] += 1
    assert ours == printed


def test_the_agencies_imbalances_stay_as_printed() -> None:
    """R3 fails as printed in zrz-2020 (outcome rows 10, 总计 9); 政府集中采购 keeps its 万元 amount."""
    zrz20 = extract_path(HERE / "pingtan-zrz-2020.html")
    req = {(c["row"], c["applicant"]): Decimal(str(c["value"])) for c in zrz20["requests"]}
    outcomes = L.REQUEST_ROWS_2019[L.REQUEST_ROWS_2019.index("granted"):L.REQUEST_ROWS_2019.index("outcome_total")]
    assert sum(req.get((k, "total"), Decimal(0)) for k in outcomes) == 10
    assert req[("outcome_total", "total")] == 9
    amount = [c for c in zrz20["disclosures"] if c["item"] == "procurement" and "." in c["printed"]]
    assert [Decimal(str(c["value"])) for c in amount] == [Decimal("1690.9913")]
