"""The failure classes seen on reports the project never generated (issue 9), one test each, every format.

Each test changes what a report prints the way real agencies do, and checks the extraction
against what was printed: every printed value read at its own cell, blanks missing, nothing
invented, the status and the problems right.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

import pytest

import synth.layout
from extract.report import extract_bytes
from synth.model import ITEM_LABELS, MEASURE_LABELS, REQUEST_LABELS, SynthReport, make_report
from synth.ofd import to_ofd
from synth.render import to_docx, to_html, to_pdf, to_txt
from tests.conftest import cells, needs_cjk_font, sample
from tests.test_extract_formats import _expect

RENDER: dict[str, Callable[[SynthReport], bytes]] = {
    "html": to_html,
    "html-gbk": lambda rep: to_html(rep, "gbk"),
    "txt-pipe": lambda rep: to_txt(rep, "pipe_rows"),
    "txt-tab": lambda rep: to_txt(rep, "tab_rows"),
    "docx": to_docx,
    "pdf": to_pdf,
    "ofd": to_ofd,
}
FORMATS = [pytest.param(f, marks=needs_cjk_font) if f == "pdf" else f for f in RENDER]


def _name(fmt: str) -> str:
    return "report." + {"txt-pipe": "txt", "txt-tab": "txt", "html-gbk": "html"}.get(fmt, fmt)


def _mixed(seed: int, year: int = 2022) -> SynthReport:
    """A 2021 table 二 beside a 2019-style table 三 (（六）其他处理 as one row): common in 2021–2024."""
    r21 = make_report(random.Random(seed), "测试县交通运输局", year, busy=True)
    r19 = make_report(random.Random(seed), "测试县交通运输局", 2020, busy=True)
    return dataclasses.replace(r21, request_version="2019", requests=r19.requests)


@pytest.mark.parametrize("fmt", FORMATS)
def test_2021_disclosures_beside_2019_requests(fmt: str) -> None:
    rep = _mixed(5)
    r = extract_bytes(RENDER[fmt](rep), _name(fmt))
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)
    assert {c["measure"] for c in r["disclosures"]} <= {"issued", "repealed", "in_force", "decisions", "amount_10k_yuan"}
    assert "template_mixed" in {p["code"] for p in r["problems"]}


@pytest.fixture
def labels(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Print other labels: patch the generator's label tables for one test."""

    def change(requests: dict[str, tuple[str | None, str]] | None = None, measures: dict[str, str] | None = None,
               items: dict[str, str] | None = None) -> None:
        for table, new in ((REQUEST_LABELS, requests), (MEASURE_LABELS, measures), (ITEM_LABELS, items)):
            for k, v in (new or {}).items():
                monkeypatch.setitem(table, k, v)

    return change


@pytest.mark.parametrize("fmt", FORMATS)
def test_measure_header_not_legible_uses_row_shapes(fmt: str, labels: Callable[..., None]) -> None:
    """A 2021 table 二 whose measure headers are not legible (broken, cut): the rows' shapes tell the version."""
    labels(measures={"issued": "本年", "repealed": "本年", "in_force": "现行", "decisions": "本年处理", "amount_10k_yuan": "本年（单位：万元）"})
    for year in (2020, 2022):  # the year would say 2019 for 2020: the shapes must win
        rep = dataclasses.replace(make_report(random.Random(8), "测试县交通运输局", 2022, busy=True), year=year)
        r = extract_bytes(RENDER[fmt](rep), _name(fmt))
        assert r["status"] == "ok", r["problems"]
        assert cells(r, "disclosures") == {k: (float(v) if not isinstance(v, int) else v) for k, v in rep.truth()["disclosures"].items()}


TYPOS = {
    "denied_internal_affairs": ("（三）不子公开", "5.属于三类内部事物信息"),
    "denied_state_secret": ("（三）不子公开", "1．属于国家秘密"),
    "unable_unclear": ("（四）无法提供", "3、补正后申请内容仍不明确的"),
    "rejected_excessive": ("（五）不予处理", "4.无正当理由大量反复申请的"),
    "other_no_fee": ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请的"),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_typos_and_variant_labels_keep_their_rows(fmt: str, labels: Callable[..., None]) -> None:
    typos = {code: ("（三）不子公开", label) for code, (group, label) in REQUEST_LABELS.items() if group == "（三）不予公开"}
    labels(requests={**typos, **TYPOS}, items={"normative_documents": "规范性文件"})
    rep = make_report(random.Random(17), "测试县交通运输局", 2023, busy=True)
    data = RENDER[fmt](rep)
    for typo in ("事物", "不子公开"):
        assert typo.encode("gbk" if fmt == "html-gbk" else "utf-8") in data or fmt in ("docx", "pdf", "ofd")
    r = extract_bytes(data, _name(fmt))
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)


def test_other_row_whose_group_label_is_on_another_page() -> None:
    """`3.其他` under （六） with its group label printed elsewhere, and 行政法复议 in the heading."""
    rep = make_report(random.Random(19), "测试县交通运输局", 2023, busy=True)
    text = to_txt(rep).decode("utf-8")
    text = text.replace("（六）其他处理 | ", "").replace("四、政府信息公开行政复议", "四、政府信息公开行政法复议")
    r = extract_bytes(text.encode("utf-8"), "r.txt")
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)


def test_blank_cell_in_one_cell_per_line_tab_layout() -> None:
    """Seed 002's layout: a cell printed blank is a line holding only a tab; its row's six other values are read."""
    text = sample("002").read_text(encoding="utf-8")
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if "（一）予以公开" in line)
    first_value = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "0")
    assert lines[first_value] == "\t0"
    lines[first_value + 2] = "\t"  # the third applicant column (科研机构) left blank
    r = extract_bytes("\n".join(lines).encode("utf-8"), "002.txt")
    assert r["status"] == "ok", r["problems"]
    q = cells(r, "requests")
    assert ("granted", "research") not in q
    assert all(q[("granted", a)] == 0 for a in ("natural_person", "commercial", "public_interest", "legal_service", "other_org", "total"))
    assert [(p["row"], p["applicant"]) for p in r["problems"] if p["code"] == "blank_cell"] == [("granted", "research")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_row_not_printed_is_not_partial(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No 规章 row at all (the agency issues none): named `row_not_printed`, the report is `ok`."""
    rep = make_report(random.Random(23), "测试县交通运输局", 2023, busy=True)
    original = synth.layout.disclosure_rows

    def without_regulations(r: SynthReport):
        return [row for row in original(r) if row[0][0] != ITEM_LABELS["regulations"]]

    monkeypatch.setattr(synth.layout, "disclosure_rows", without_regulations)
    monkeypatch.setattr("synth.render.disclosure_rows", without_regulations)
    data = RENDER[fmt](rep)
    for m in ("issued", "repealed", "in_force"):  # not printed: not in the truth
        del rep.disclosures[("regulations", m)]
    r = extract_bytes(data, _name(fmt))
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)
    assert [p["items"] for p in r["problems"] if p["code"] == "row_not_printed"] == [["regulations"]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_signed_changes_printed_in_words(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rep = make_report(random.Random(29), "测试县交通运输局", 2020, busy=True)
    words = {("licensing", "items_change"): "减12", ("penalty", "items_change"): "增3", ("coercion", "items_change"): "+1036",
             ("fees", "items_change"): "-18", ("other_services", "items_change"): "0"}
    truth = {"减12": -12, "增3": 3, "+1036": 1036, "-18": -18, "0": 0}
    import synth.model

    real = synth.model.printed

    def printed(value, mark):
        for key, word in words.items():
            if value is rep.disclosures[key]:
                return word
        return real(value, mark)

    for key in words:
        rep.disclosures[key] = object()  # a marker the patched printer recognises
    monkeypatch.setattr(synth.layout, "printed", printed)
    r = extract_bytes(RENDER[fmt](rep), _name(fmt))
    assert r["status"] == "ok", r["problems"]
    d = cells(r, "disclosures")
    for key, word in words.items():
        assert d[key] == truth[word]
        assert next(c["printed"] for c in r["disclosures"] if (c["item"], c["measure"]) == key).strip() == word


# ---- pages that are not reports -------------------------------------------------------

NEWS = """<html><head><title>我县2023年政府信息公开工作年度报告发布</title></head><body>
<div class="nav">首页 &gt; 政务要闻</div>
<h1>我县发布2023年政府信息公开工作年度报告</h1>
<p>近日，测试县人民政府发布了《测试县2023年政府信息公开工作年度报告》。报告显示，全年主动公开政府信息1520条，
受理政府信息公开申请36件，其中予以公开21件，部分公开5件，不予公开3件。</p>
<table border="1"><tr><td>指标</td><td>2022年</td><td>2023年</td></tr>
<tr><td>本年新收政府信息公开申请数量</td><td>30</td><td>36</td></tr>
<tr><td>予以公开</td><td>18</td><td>21</td></tr></table>
<p>发布日期：2024-02-01</p></body></html>"""

LISTING = """<html><head><title>政府信息公开年报</title></head><body><div class="list"><ul>
<li><a href="/a/1.html">测试县交通运输局2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li>
<li><a href="/a/2.html">测试县教育局2023年政府信息公开工作年度报告</a><span>2024-01-19</span></li>
<li><a href="/a/3.html">测试县财政局2023年政府信息公开工作年度报告</a><span>2024-01-18</span></li>
<li><a href="/a/4.html">测试县人民政府2022年政府信息公开工作年度报告</a><span>2023-03-28</span></li>
</ul><table><tr><td>共 4 条</td><td>1</td><td>2</td><td>3</td></tr></table></div></body></html>"""

TITLE_ONLY = """<html><head><title>测试县交通运输局2023年政府信息公开工作年度报告</title></head><body>
<h1>测试县交通运输局2023年政府信息公开工作年度报告</h1><p>发布日期：2024-01-20</p>
<p>附件：<a href="/files/2023nb.pdf">测试县交通运输局2023年政府信息公开工作年度报告.pdf</a></p></body></html>"""


@pytest.mark.parametrize("page", [NEWS, LISTING, TITLE_ONLY], ids=["news", "listing", "title-only"])
def test_pages_that_are_not_reports_fail(page: str) -> None:
    r = extract_bytes(page.encode("utf-8"), "page.html")
    assert r["status"] == "failed"
    assert [p["code"] for p in r["problems"]] == ["not_a_report"]
    assert r["disclosures"] == r["requests"] == r["litigation"] == []


# ---- titles and metadata ---------------------------------------------------------------

TITLES = {
    "year first": (["2023年测试县人民政府政府信息公开工作年度报告"], "测试县人民政府", 2023),
    "year first, 政府 shared": (["2023年测试县人民政府信息公开工作年度报告"], "测试县人民政府", 2023),
    "年度": (["测试县交通运输局2023年度政府信息公开工作年度报告"], "测试县交通运输局", 2023),
    "Chinese numerals": (["测试县交通运输局二〇二三年度政府信息公开工作年度报告"], "测试县交通运输局", 2023),
    "Chinese numerals first": (["二○二三年度测试县交通运输局政府信息公开工作年度报告"], "测试县交通运输局", 2023),
    "split": (["2023年", "测试县交通运输局", "政府信息公开工作年度报告"], "测试县交通运输局", 2023),
    "split, agency first": (["测试县交通运输局", "2023年政府信息公开工作年度报告"], "测试县交通运输局", 2023),
    "period only": (["测试县交通运输局政府信息公开工作年度报告", "本报告所列数据统计期限自2021年1月1日起至2021年12月31日止。"], "测试县交通运输局", 2021),
    "publisher field": (["政府信息公开工作年度报告", "发布机构：测试县交通运输局", "统计期限自2021年1月1日起至2021年12月31日止"], "测试县交通运输局", 2021),
    "running header above a year-first title": (["政务公开", "2023年测试县人民政府政府信息公开工作年度报告"], "测试县人民政府", 2023),
    "site header above Chinese numerals first": (["首页", "二〇二三年度测试县交通运输局政府信息公开工作年度报告"], "测试县交通运输局", 2023),
    "signature": (["2022年政府信息公开工作年度报告", "一、总体情况", "……", "测试县交通运输局", "2023年1月20日"], "测试县交通运输局", 2022),
}


@pytest.mark.parametrize("case", sorted(TITLES))
def test_title_forms(case: str) -> None:
    from extract.template.metadata import read

    lines, agency, year = TITLES[case]
    m = read(lines)
    assert (m.agency, m.report_year) == (agency, year)
    assert m.problems == []


def test_disagreements_are_named() -> None:
    from extract.template.metadata import read

    m = read(["测试县交通运输局2023年政府信息公开工作年度报告", "发布机构：测试县教育局", "统计期限自2022年1月1日起至2022年12月31日止"])
    assert (m.agency, m.report_year) == ("测试县交通运输局", 2023)
    assert {p["code"] for p in m.problems} == {"agency_conflict", "year_conflict"}
    # an abbreviation or a longer form of the same name is no disagreement
    assert read(["樟树市工信局2023年政府信息公开工作年度报告", "发布机构：樟树市工业和信息化局"]).problems == []
    assert read(["平潭综合实验区2023年度政府信息公开工作年度报告", "发布机构：平潭综合实验区管委会办公室"]).problems == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_year_first_title_in_every_format(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("synth.render._title", lambda rep: f"{rep.year}年{rep.agency}政府信息公开工作年度报告")
    rep = make_report(random.Random(31), "测试县人民政府", 2023)
    r = extract_bytes(RENDER[fmt](rep), _name(fmt))
    assert (r["agency"], r["report_year"], r["status"]) == ("测试县人民政府", 2023, "ok")


@pytest.mark.parametrize("fmt", FORMATS)
def test_table_four_with_its_first_cell_blank(fmt: str) -> None:
    """Table 四's one row of values has no label of its own: a blank in its first cell is that row's cell."""
    rep = make_report(random.Random(47), "测试县交通运输局", 2023, busy=True)
    rep.litigation[("review", "upheld")] = None
    rep.litigation[("suit_direct", "corrected")] = None
    r = extract_bytes(RENDER[fmt](rep), _name(fmt))
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_shifted_by_a_broken_merge_keep_their_columns(fmt: str, labels: Callable[..., None]) -> None:
    """A typo in one row's group label breaks the group's merged cell: the rows after it stand one
    column off the others. A blank first value there must not shift 自然人's neighbours."""
    labels(requests={"denied_internal_affairs": ("（三）不子公开", "5.属于三类内部事物信息")})
    rep = make_report(random.Random(340), "测试县交通运输局", 2023, busy=True)
    for row in ("denied_process_info", "denied_admin_query", "unable_unclear"):
        rep.requests[(row, "natural_person")] = None
    r = extract_bytes(RENDER[fmt](rep), _name(fmt))
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)
