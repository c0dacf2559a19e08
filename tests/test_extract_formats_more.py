"""OFD, WPS, XLSX, XLS and ET reports end to end through `extract_bytes`, against the generator's truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.report import extract_bytes
from synth.render import to_docx, via_libreoffice
from synth.sheet import to_xlsx
from tests.conftest import needs_soffice
from tests.test_extract_formats import _expect, _report

needs_calc = pytest.mark.skipif(
    not any(Path(d, "libsclo.so").exists() for d in ("/usr/lib/libreoffice/program", "/opt/libreoffice/program")),
    reason="LibreOffice Calc (libreoffice-calc-nogui) is not installed",
)


@pytest.mark.parametrize("year", [2020, 2023])
@pytest.mark.parametrize("one_sheet", [True, False])
def test_xlsx_both_versions_merged_cells_title_row(year: int, one_sheet: bool) -> None:
    rep = _report(7, year, blank_share=0.05)
    r = extract_bytes(to_xlsx(rep, one_sheet=one_sheet), "report.xlsx")
    assert r["format"] == "xlsx"
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)


def test_xlsx_whole_floats_print_as_integers_and_money_keeps_decimals() -> None:
    from extract.readers.sheet import _shown

    assert _shown(12.0, "General") == "12"
    assert _shown(12, "General") == "12"
    assert _shown(1234.5, "0.00") == "1234.50"
    assert _shown(0.25, "General") == "0.25"


def test_xlsx_without_borders_still_finds_the_tables() -> None:
    """Many exported sheets carry no borders: rows of two or more values make the table."""
    rep = _report(3, 2023, blank_share=0.0)
    r = extract_bytes(to_xlsx(rep, borders=False, floats=False), "report.xlsx")
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)


@needs_soffice
@needs_calc
@pytest.mark.libreoffice
@pytest.mark.parametrize(("suffix", "fmt"), [(".xls", "xls"), (".et", "et")])
def test_xls_and_et_through_libreoffice(suffix: str, fmt: str) -> None:
    rep = _report(9, 2020, blank_share=0.05)
    xls = via_libreoffice(to_xlsx(rep), ".xlsx", "xls:MS Excel 97")
    assert xls.startswith(b"\xd0\xcf\x11\xe0")
    r = extract_bytes(xls, f"report{suffix}")
    assert r["format"] == fmt
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)


@needs_soffice
@pytest.mark.libreoffice
def test_wps_word_binary_and_wps_that_is_docx() -> None:
    rep = _report(13, 2023, blank_share=0.05)
    docx = to_docx(rep)
    binary = via_libreoffice(docx, ".docx", "doc")
    for data in (binary, docx):
        r = extract_bytes(data, "某局年报.wps")
        assert r["format"] == "wps"
        assert r["status"] == "ok", r["problems"]
        _expect(rep, r)


CORRUPT = {
    "xlsx": b"PK\x03\x04" + b"\x14\x00" + b"\x00" * 200,
    "ofd": b"PK\x03\x04" + b"garbage" * 30,
    "wps": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048,
    "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048,
    "et": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048,
}


@pytest.mark.parametrize("fmt", sorted(CORRUPT))
def test_corrupt_or_empty_file_fails_plainly(fmt: str) -> None:
    for data in (b"", CORRUPT[fmt]):
        r = extract_bytes(data, f"坏文件.{fmt}")
        assert r["status"] == "failed"
        assert r["problems"] and r["problems"][0]["code"] in ("empty_file", "unreadable_file", "converter_missing")
        assert r["problems"][0]["message"]


def test_web_page_linking_an_xlsx_attachment_is_followed(httpserver, tmp_path: Path) -> None:
    """附件 links to .xlsx are fetched and extracted like PDFs (.ofd: tests/test_extract_ofd.py)."""
    from extract import jobs
    from extract.fetch import FetchState, fetch_url
    from extract.load import Staged
    from extract.settings import Paths

    rep = _report(5, 2023, blank_share=0.0)
    httpserver.expect_request("/a/report.xlsx").respond_with_data(to_xlsx(rep), content_type="application/octet-stream")
    title = f"{rep.agency}{rep.year}年政府信息公开工作年度报告"
    page = (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>附件：<a href='/a/report.xlsx'>{title}.xlsx</a></p></body></html>")
    httpserver.expect_request("/page.html").respond_with_data(page, content_type="text/html; charset=utf-8")
    paths = Paths(tmp_path / "data").ensure()
    fetched = {**fetch_url(httpserver.url_for("/page.html"), paths.raw, FetchState(tmp_path / "s.sqlite")).__dict__, "source_name": "t"}
    staged = jobs.extract(fetched, paths)
    reports = [Staged.from_json(Path(p).read_text(encoding="utf-8")).report for p in staged]
    assert [r["format"] for r in reports] == ["html", "xlsx"]
    assert reports[1]["status"] == "ok", reports[1]["problems"]
    _expect(rep, reports[1])
