"""OFD reports (GB/T 33190) end to end through `extract_bytes`, against the generator's truth."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from extract.document import Table
from extract.readers import sniff_format
from extract.readers.ofd import PT_PER_MM, _Page, _path_object, _text_object, deltas, read_ofd
from extract.report import extract_bytes
from synth.ofd import HEADER, image_only_ofd, to_ofd
from tests.conftest import cells, needs_cjk_font
from tests.test_extract_formats import _expect, _report


@pytest.mark.parametrize("rules", ["lines", "rects", "ctm"])
@pytest.mark.parametrize("year", [2020, 2023])
def test_ofd_both_versions_merged_cells_table_cut_by_a_page(year: int, rules: str) -> None:
    rep = _report(7, year, blank_share=0.05)
    data = to_ofd(rep, rules=rules)
    assert sniff_format(data, "download") == "ofd"  # by the bytes, not the name
    r = extract_bytes(data, "report.ofd")
    assert r["format"] == "ofd"
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)  # every cell once (merged label cells hold no values), blanks named
    assert {c["page"] for c in r["requests"]} == {1, 2}, "table 三 should run over the page break"


def test_ofd_wrapped_cells_and_merged_slots() -> None:
    rep = _report(11, 2023, blank_share=0.03)
    data = to_ofd(rep, narrow=True, filler=3)
    r = extract_bytes(data, "narrow.ofd")
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)
    assert any("\n" in c["printed"] for c in r["requests"]), "narrow columns should wrap some numbers"
    doc = read_ofd(data, "narrow.ofd")
    first = next(t for t in doc.tables if len(t.rows[0]) == 10)
    # the title cell spans 3 columns × 3 rows: its text in the top-left slot, the rest None
    assert first.rows[0][0] is not None and "勾稽关系" in first.rows[0][0].text
    assert first.rows[0][1] is None and first.rows[1][0] is None and first.rows[2][2] is None
    labels = [c.text for t in doc.tables for row in t.rows for c in row if c is not None]
    assert any("\n" in t and "申请" in t for t in labels), "long labels wrap onto two lines in their cell"
    assert HEADER in [line.text for line in doc.lines], "a TemplatePage's text is read with the page"


def test_ofd_without_rules_gives_lines() -> None:
    rep = _report(3, 2023)
    doc = read_ofd(to_ofd(rep, rules="none"), "plain.ofd")
    assert not doc.tables
    texts = [line.text for line in doc.lines]
    assert f"{rep.agency}{rep.year}年政府信息公开工作年度报告" in texts
    assert "三、收到和处理政府信息公开申请情况" in texts
    assert not any(t.startswith("- ") for t in texts), "page numbers are dropped"


def test_delta_runs_and_glyph_boxes() -> None:
    from lxml import etree

    assert deltas("g 3 2.5 1 g 2 0.5") == [2.5, 2.5, 2.5, 1.0, 0.5, 0.5]
    assert deltas("") == []
    obj = etree.fromstring(
        '<ofd:TextObject xmlns:ofd="http://www.ofdspec.org/2016" Boundary="20 30 40 5" Size="4">'
        '<ofd:TextCode X="2" Y="4" DeltaX="g 2 5 3">一二三4</ofd:TextCode><ofd:TextCode>5</ofd:TextCode></ofd:TextObject>'
    )
    page = _Page()
    _text_object(obj, (1.0, 0.0, 0.0, 1.0, 20.0, 30.0), page)
    assert [c[0] for c in page.chars] == list("一二三45")
    # glyph starts: X, X+5, X+10, X+13; the second TextCode goes on after the half-width 4
    assert [round(c[1] / PT_PER_MM, 3) for c in page.chars] == [22, 27, 32, 35, 37]
    assert all(round(c[4] / PT_PER_MM - c[2] / PT_PER_MM, 3) == 4 for c in page.chars)
    # a thin filled rectangle is one rule along its centre; a stroked box gives four
    rect = etree.fromstring(
        '<ofd:PathObject xmlns:ofd="http://www.ofdspec.org/2016" Boundary="10 50 100 0.3" Fill="true" Stroke="false">'
        '<ofd:AbbreviatedData>M 0 0 L 100 0 L 100 0.3 L 0 0.3 C</ofd:AbbreviatedData></ofd:PathObject>'
    )
    box = etree.fromstring(
        '<ofd:PathObject xmlns:ofd="http://www.ofdspec.org/2016" Boundary="10 60 50 20">'
        '<ofd:AbbreviatedData>M 0 0 L 50 0 L 50 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject>'
    )
    page = _Page()
    _path_object(rect, (1.0, 0.0, 0.0, 1.0, 10.0, 50.0), page)
    assert len(page.edges) == 1 and page.edges[0]["orientation"] == "h"
    assert round(page.edges[0]["top"] / PT_PER_MM, 3) == 50.15
    _path_object(box, (1.0, 0.0, 0.0, 1.0, 10.0, 60.0), page)
    assert sorted(e["orientation"] for e in page.edges[1:]) == ["h", "h", "v", "v"]


def test_image_only_ofd_says_it_has_no_text_layer() -> None:
    r = extract_bytes(image_only_ofd(pages=2), "扫描件.ofd")
    assert r["format"] == "ofd" and r["status"] == "failed"
    p = r["problems"][0]
    assert p["code"] == "no_text_layer"
    assert "扫描件.ofd" in p["message"] and "2 page(s), 2 image(s)" in p["message"] and "OCR" in p["message"]


def _rezip(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in src.namelist():
            if name in replace:
                if replace[name] is not None:
                    out.writestr(name, replace[name])
                continue
            out.writestr(name, src.read(name))
    return buf.getvalue()


def test_corrupt_ofd_fails_plainly_naming_the_file_and_reason() -> None:
    good = to_ofd(_report(5, 2023))
    cases = {
        "truncated": (good[: len(good) // 2], "unreadable_file", "zip"),
        "bad_xml": (_rezip(good, {"Doc_0/Document.xml": b"<ofd:Document xmlns:ofd='x'><oops"}), "unreadable_file", "Doc_0/Document.xml"),
        "missing_page": (_rezip(good, {"Doc_0/Pages/Page_1/Content.xml": None}), "unreadable_file", "Doc_0/Pages/Page_1/Content.xml is missing"),
        "entities": (_rezip(good, {"OFD.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'}), "unsafe_xml", "OFD.xml"),
    }
    for label, (data, code, words) in cases.items():
        r = extract_bytes(data, f"坏-{label}.ofd")
        assert r["status"] == "failed", label
        p = r["problems"][0]
        assert (p["code"], words in p["message"], f"坏-{label}.ofd" in p["message"]) == (code, True, True), (label, p)


_EASYOFD = """
import sys
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
pdfmetrics.registerFont(TTFont("宋体", sys.argv[3], subfontIndex=0))  # easyofd draws every glyph in 宋体
from easyofd.ofd import OFD
ofd = OFD()
ofd.read(open(sys.argv[1], "rb").read(), fmt="binary")
open(sys.argv[2], "wb").write(ofd.to_pdf())
"""


@needs_cjk_font
def test_easyofd_renders_the_generated_ofd_to_the_same_report(tmp_path: Path) -> None:
    """An independent OFD implementation (easyofd: its own parser and renderer) turns the
    generated OFD into a PDF; the PDF reader gets the truth from it, so the fixture's glyph
    positions and rulings mean what the standard says, not only what our reader assumes."""
    pytest.importorskip("easyofd")
    from synth.render import CJK_FONT

    rep = _report(7, 2023, blank_share=0.05)
    (tmp_path / "r.ofd").write_bytes(to_ofd(rep, rules="lines"))
    # a subprocess: easyofd puts the working directory on sys.path and logs at import
    run = subprocess.run([sys.executable, "-c", _EASYOFD, "r.ofd", "r.pdf", str(CJK_FONT)], cwd=tmp_path,
                         capture_output=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    r = extract_bytes((tmp_path / "r.pdf").read_bytes(), "r.pdf")
    assert r["status"] == "ok", json.dumps(r["problems"], ensure_ascii=False)[:1000]
    _expect(rep, r)


def test_web_page_linking_an_ofd_attachment_is_followed(httpserver, tmp_path: Path) -> None:
    from extract import jobs
    from extract.fetch import FetchState, fetch_url
    from extract.load import Staged
    from extract.settings import Paths

    rep = _report(5, 2020, blank_share=0.0)
    httpserver.expect_request("/a/report.ofd").respond_with_data(to_ofd(rep), content_type="application/ofd")
    title = f"{rep.agency}{rep.year}年政府信息公开工作年度报告"
    page = (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>附件：<a href='/a/report.ofd'>{title}.ofd</a></p></body></html>")
    httpserver.expect_request("/page.html").respond_with_data(page, content_type="text/html; charset=utf-8")
    paths = Paths(tmp_path / "data").ensure()
    fetched = {**fetch_url(httpserver.url_for("/page.html"), paths.raw, FetchState(tmp_path / "s.sqlite")).__dict__, "source_name": "t"}
    staged = jobs.extract(fetched, paths)
    reports = [Staged.from_json(Path(p).read_text(encoding="utf-8")).report for p in staged]
    assert [r["format"] for r in reports] == ["html", "ofd"]
    assert reports[1]["status"] == "ok", reports[1]["problems"]
    _expect(rep, reports[1])


def test_tables_are_numbered_in_reading_order() -> None:
    doc = read_ofd(to_ofd(_report(9, 2023)), "r.ofd")
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert [t.index for t in tables] == list(range(len(tables)))
    assert all(c.where["table"] == t.index for t in tables for row in t.rows for c in row if c is not None)


def test_hand_written_ofd_variants_producers_write() -> None:
    """Page BaseLoc as a child element and relative to the zip's root; an absolute DocRoot;
    a TextObject set in points through a CTM with a negative baseline; no DeltaX at all."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    words = ["测试县教育局2023年政府信息公开工作年度报告", "本报告依据条例编制。", "一、总体情况"]
    objs = "".join(
        f'<ofd:TextObject ID="{10 + i}" Boundary="20 {30 + 10 * i} 170 8" CTM="0.3528 0 0 0.3528 0 0" Font="1" Size="10">'
        f'<ofd:TextCode X="0" Y="-2">{w}</ofd:TextCode></ofd:TextObject>'
        for i, w in enumerate(words)
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", f"<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>/Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        z.writestr("Doc_0/Document.xml", f'<ofd:Document {ns}><ofd:Pages><ofd:Page ID="1"><ofd:BaseLoc>Doc_0/Pages/Page_1/Content.xml</ofd:BaseLoc>'
                   "</ofd:Page></ofd:Pages></ofd:Document>")
        z.writestr("Doc_0/Pages/Page_1/Content.xml", f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="2">{objs}</ofd:Layer></ofd:Content></ofd:Page>')
    doc = read_ofd(buf.getvalue(), "v.ofd")
    assert [line.text for line in doc.lines] == words


def test_scanned_page_among_text_pages_is_named() -> None:
    """A report whose page 2 is a scan: page 1 is read, page 2 is named as images only."""
    rep = _report(5, 2023)
    text = zipfile.ZipFile(io.BytesIO(to_ofd(rep)))
    scan = zipfile.ZipFile(io.BytesIO(image_only_ofd(pages=1)))
    doc_xml = text.read("Doc_0/Document.xml").replace(b"</ofd:CommonData>", b"<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData>")
    mixed = _rezip(to_ofd(rep), {"Doc_0/Document.xml": doc_xml, "Doc_0/Pages/Page_1/Content.xml": scan.read("Doc_0/Pages/Page_0/Content.xml")})
    with zipfile.ZipFile(io.BytesIO(mixed), "a") as z:
        z.writestr("Doc_0/DocumentRes.xml", scan.read("Doc_0/DocumentRes.xml"))
        z.writestr("Doc_0/Res/page.png", scan.read("Doc_0/Res/page.png"))
    r = extract_bytes(mixed, "mixed.ofd")
    assert r["status"] == "partial"
    codes = {p["code"]: p["message"] for p in r["problems"]}
    assert "page(s) 2 hold only images" in codes["image_pages"]
    assert {c["page"] for c in r["requests"]} == {1}, "what page 1 prints is still read"
    truth = rep.truth()["requests"]
    read = cells(r, "requests")
    assert read and all(truth[k] == v for k, v in read.items()), "and nothing invented"
