"""The guard: no output cell is ever absent from the printed input (property-based, with hypothesis).

Generated tables are shuffled, cut, duplicated and misspelled the way real reports are;
whatever the parser then decides, every value it writes out must be printed in the input
at exactly that cell (row and column), and no printed cell may give two values.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.document import Cell, Document, Table, TextLine
from extract.template import labels as L
from extract.template.guard import guard
from extract.template.parser import ParsedTables, parse_tables

HEADING = "三、收到和处理政府信息公开申请情况"
HEADER = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
          ["自然人", "法人或其他组织", "总计"], ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
DISCLOSURE_HEADING = "二、主动公开政府信息情况"
MEASURE_HEADERS = {
    "2021": {("regulations", "normative_documents"): ["本年制发件数", "本年废止件数", "现行有效件数"],
             ("licensing", "penalty", "coercion"): ["本年处理决定数量"], ("fees",): ["本年收费金额（单位：万元）"]},
    "2019": {("regulations", "normative_documents"): ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
             ("licensing", "other_services", "penalty", "coercion"): ["上一年项目数量", "本年增/减", "处理决定数量"],
             ("fees",): ["上一年项目数量", "本年增/减"], ("procurement",): ["采购项目数量", "采购总金额"]},
}
JUNK = "的之其它事务物予子不行政法规条例信息公开申请处理"

value = st.one_of(st.integers(0, 999).map(str), st.sampled_from(["", "/", "—", "无", "0", "1 2", "x"]))


def _misspell(draw: Any, label: str) -> str:
    kind = draw(st.sampled_from(["keep", "keep", "sub", "ins", "del", "junk", "empty"]))
    if kind == "keep" or not label:
        return label
    i = draw(st.integers(0, len(label) - 1))
    if kind == "sub":
        return label[:i] + draw(st.sampled_from(JUNK)) + label[i + 1:]
    if kind == "ins":
        return label[:i] + draw(st.sampled_from(JUNK)) + label[i:]
    if kind == "del":
        return label[:i] + label[i + 1:]
    if kind == "junk":
        return "".join(draw(st.lists(st.sampled_from(JUNK), min_size=1, max_size=12)))
    return ""


@st.composite
def request_tables(draw: Any) -> tuple[Document, dict[int, tuple[str, list[str]]]]:
    """A table 三 as printed, mutated; and for every printed data row, its true code and printed values."""
    version = draw(st.sampled_from(["2019", "2021"]))
    codes = list(L.REQUEST_ROWS_2019 if version == "2019" else L.REQUEST_ROWS_2021)
    rows: list[tuple[str, str, list[str]]] = []
    for code in codes:
        label = L.REQUEST_PRINTED[code][0][0]
        rows.append((code, _misspell(draw, label), [draw(value) for _ in L.APPLICANTS]))
    # drop, duplicate and move rows
    if draw(st.booleans()):
        for _ in range(draw(st.integers(1, 4))):
            if rows:
                rows.pop(draw(st.integers(0, len(rows) - 1)))
    if draw(st.booleans()) and rows:
        i = draw(st.integers(0, len(rows) - 1))
        code, label, vals = rows[i]
        again = vals if draw(st.booleans()) else [draw(value) for _ in vals]
        rows.insert(draw(st.integers(0, len(rows))), (code, label, again))
    if draw(st.booleans()) and len(rows) > 2:
        i, j = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(rows) - 1))
        rows[i], rows[j] = rows[j], rows[i]
    grid: list[list[Cell | None]] = [[Cell(t) for t in h] for h in HEADER]
    truth: dict[int, tuple[str, list[str]]] = {}
    for code, label, vals in rows:
        r = len(grid)
        row: list[Cell | None] = [Cell(label, {"row": r, "col": 0})]
        row += [Cell(v, {"row": r, "col": c + 1}) for c, v in enumerate(vals)]
        if draw(st.integers(0, 9)) == 0:
            row.insert(1, Cell("", {"row": r, "col": 99}))  # a spacer cell
        grid.append(row)
        truth[r] = (code, vals)
    doc = Document("html", [TextLine(HEADING), Table(grid)])
    return doc, truth


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request_tables())
def test_no_request_value_is_absent_from_the_printed_input(case: tuple[Document, dict[int, tuple[str, list[str]]]]) -> None:
    doc, truth = case
    parsed = parse_tables(doc, 2023)
    used: set[tuple[int, int]] = set()
    version = parsed.versions.get("requests")
    for c in parsed.requests:
        r, col = c["at"]["row"], c["at"]["col"]
        code, vals = truth[r]
        assert c["row"] == code, f"a value of printed row {code} was written to row {c['row']}"
        assert col == 1 + L.APPLICANTS.index(c["applicant"]), "a value was written to another column"
        assert c["printed"] == vals[col - 1]
        assert (r, col) not in used
        used.add((r, col))
        assert c["row"] in (L.REQUEST_ROWS_2019 if version == "2019" else L.REQUEST_ROWS_2021)


@st.composite
def disclosure_tables(draw: Any) -> tuple[Document, dict[int, tuple[str, list[str]]], str, bool]:
    version = draw(st.sampled_from(["2019", "2021"]))
    items = L.DISCLOSURES_2019 if version == "2019" else L.DISCLOSURES_2021
    grid: list[list[Cell | None]] = []
    truth: dict[int, tuple[str, list[str]]] = {}
    show_header = draw(st.booleans())
    for group, header in MEASURE_HEADERS[version].items():
        if show_header:
            grid.append([Cell("信息内容")] + [Cell(h) for h in header])
        for item in group:
            if draw(st.integers(0, 7)) == 0:
                continue  # the agency did not print this row
            label = _misspell(draw, L.DISCLOSURE_PRINTED[item][-1])
            n = len(items[item]) + draw(st.sampled_from([0, 0, 0, 0, -1, 1]))
            vals = [draw(st.one_of(value, st.sampled_from(["减12", "增3", "+5", "12.5"]))) for _ in range(max(n, 1))]
            r = len(grid)
            grid.append([Cell(label, {"row": r, "col": 0})] + [Cell(v, {"row": r, "col": c + 1}) for c, v in enumerate(vals)])
            truth[r] = (item, vals)
    doc = Document("html", [TextLine(DISCLOSURE_HEADING), Table(grid)])
    return doc, truth, version, show_header


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disclosure_tables(), st.sampled_from([2019, 2020, 2022, None]))
def test_no_disclosure_value_is_absent_from_the_printed_input(case: tuple[Document, dict[int, tuple[str, list[str]]], str, bool], year: int | None) -> None:
    doc, truth, printed_version, header_shown = case
    parsed = parse_tables(doc, year)
    version = parsed.versions.get("disclosures")
    for c in parsed.disclosures:
        r, col = c["at"]["row"], c["at"]["col"]
        item, vals = truth[r]
        assert c["item"] == item
        assert c["printed"] == vals[col - 1]
        defaults = L.DISCLOSURES_2019 if version == "2019" else L.DISCLOSURES_2021
        if len(vals) == len(defaults[item]):
            assert c["measure"] == defaults[item][col - 1], "a value was written under another measure"
        else:  # a row printed with more cells than the template's is read only when the extra ones are empty
            extra = [v for i, v in enumerate(vals) if i != defaults[item].index(c["measure"]) + (col - 1 - defaults[item].index(c["measure"]))]
            assert len(vals) > len(defaults[item]) and sum(1 for v in vals if v == "") >= len(vals) - len(defaults[item]), extra
        # a value is only read with the measures of the version the table prints; only when
        # nothing printed tells the version (no header, no row of a telling shape) is it inferred
        # (a row printed with another count of cells than its template row may take the other
        # version's shape: 2 values under 收费 are the 2019 row; only template-shaped tables bind)
        shaped = all(len(v) == len((L.DISCLOSURES_2019 if printed_version == "2019" else L.DISCLOSURES_2021)[i])
                     for i, v in truth.values())
        assert version == printed_version or not shaped or (not header_shown and "disclosures" in parsed.inferred)


def test_clean_tables_are_read_whole() -> None:
    """The property tests above would pass by reading nothing: a clean table is read in full."""
    grid: list[list[Cell | None]] = [[Cell(t) for t in h] for h in HEADER]
    for i, code in enumerate(L.REQUEST_ROWS_2021):
        grid.append([Cell(L.REQUEST_PRINTED[code][0][0])] + [Cell(str(i * 10 + a)) for a in range(7)])
    parsed = parse_tables(Document("html", [TextLine(HEADING), Table(grid)]), 2023)
    assert len(parsed.requests) == 25 * 7 and not parsed.incomplete


def _parsed_with(cells: list[dict[str, Any]]) -> ParsedTables:
    from extract.template.parser import Token

    out = ParsedTables()
    out.versions["requests"] = "2021"
    for seq, text in ((1, "5"), (2, "7"), (3, "9")):
        out.tokens[seq] = Token(text, {}, False, None, seq)
    out.requests = cells
    return out


def test_guard_drops_what_was_not_printed_there() -> None:
    ok = {"row": "granted", "applicant": "total", "value": 5, "printed": "5", "_token": 1}
    cases = [
        {"row": "other", "applicant": "total", "value": 7, "printed": "7", "_token": 2},  # a 2019 code in a 2021 table
        {"row": "granted", "applicant": "research", "value": 5, "printed": "5", "_token": 1},  # the same token twice
        {"row": "denied_state_secret", "applicant": "total", "value": 8, "printed": "7", "_token": 2},  # not its value
        {"row": "granted", "applicant": "total", "value": 9, "printed": "9", "_token": 3},  # the same cell twice
        {"row": "denied_third_party", "applicant": "total", "value": 3, "printed": "3"},  # no printed token at all
    ]
    parsed = _parsed_with([ok, *cases])
    guard(parsed)
    assert parsed.requests == [{k: v for k, v in ok.items() if k != "_token"}]
    assert [p["code"] for p in parsed.problems] == ["guard_rejected"] * len(cases)
    assert "requests" in parsed.incomplete
