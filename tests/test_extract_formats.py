"""Every format, both template versions, a mixed one, blanks, split tables: against the generator's truth."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from extract.report import extract_bytes
from synth.model import SynthReport, make_report
from synth.render import to_docx, to_html, to_pdf, to_txt, via_libreoffice
from tests.conftest import cells, needs_cjk_font, needs_soffice, sample


def _expect(rep: SynthReport, r: dict) -> None:
    truth = rep.truth()
    for table in ("disclosures", "requests", "litigation"):
        want = {k: (float(v) if isinstance(v, Decimal) else v) for k, v in truth[table].items()}
        assert cells(r, table) == want, table
    blanks = {(p["table"], p.get("row") or p.get("item") or p.get("proceeding"), p.get("applicant") or p.get("measure") or p.get("result"))
              for p in r["problems"] if p["code"] == "blank_cell"}
    expected_blanks = {(t, *k) for t, vals in (("disclosures", rep.disclosures), ("requests", rep.requests), ("litigation", rep.litigation))
                       for k, v in vals.items() if v is None}
    assert blanks == expected_blanks
    assert r["agency"] == rep.agency
    assert r["report_year"] == rep.year
    assert r["template_version"] == rep.template_version


def _report(seed: int, year: int, **kw) -> SynthReport:
    return make_report(random.Random(seed), "测试县交通运输局", year, busy=True, **kw)


RENDERERS = {
    "html": lambda rep: to_html(rep),
    "html-gbk": lambda rep: to_html(rep, "gbk"),
    "txt-pipe": lambda rep: to_txt(rep, "pipe_rows"),
    "txt-tab": lambda rep: to_txt(rep, "tab_rows"),
    "docx": to_docx,
}


@pytest.mark.parametrize("year", [2020, 2023])
@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_formats_both_versions_with_blanks(fmt: str, year: int) -> None:
    rep = _report(7, year, blank_share=0.05)
    r = extract_bytes(RENDERERS[fmt](rep), f"report.{fmt}")
    assert r["format"] == fmt.split("-")[0]
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)


@needs_cjk_font
@pytest.mark.parametrize("narrow", [False, True])
@pytest.mark.parametrize("year", [2020, 2023])
def test_pdf_drawn_directly(year: int, narrow: bool) -> None:
    """reportlab PDF; `narrow` columns wrap numbers inside cells (`20\\n7` is 207)."""
    rep = _report(11, year, blank_share=0.03)
    r = extract_bytes(to_pdf(rep, narrow=narrow), "report.pdf")
    assert r["format"] == "pdf" and r["status"] == "ok", r["problems"]
    _expect(rep, r)
    assert all("page" in c for c in r["requests"])
    if narrow:
        assert any("\n" in c["printed"] for c in r["requests"]), "the narrow layout should wrap some numbers"


def test_mixed_template_named() -> None:
    rep = _report(3, 2023, mixed=True)  # 2019 table 二 beside a 2021 table 三
    r = extract_bytes(to_html(rep), "mixed.html")
    assert r["status"] == "ok"
    _expect(rep, r)
    assert "template_mixed" in {p["code"] for p in r["problems"]}
    assert r["template_version"] == "2021"


def test_docx_merged_cell_read_once() -> None:
    rep = _report(5, 2023)
    r = extract_bytes(to_docx(rep), "merged.docx")
    # the value cells are single; the merged label cells (rowspan/colspan) must not repeat values
    assert len(r["requests"]) == 25 * 7
    assert len(r["litigation"]) == 15


def test_gbk_page_without_declared_charset_is_sniffed() -> None:
    rep = _report(9, 2023)
    data = to_html(rep, "gbk").replace(b"charset=gbk", b"")
    r = extract_bytes(data, "nometa.html")
    _expect(rep, r)


def test_html_chrome_and_flattened_text_are_ignored() -> None:
    """Numbers only come from table cells: a flattened copy of the table in the text is not read."""
    rep = _report(13, 2023)
    page = to_html(rep).replace(b"<div class='article'>", b"<div class='article'><p>898989 0 0 0 1 2 3</p>")
    r = extract_bytes(page, "chrome.html")
    _expect(rep, r)


@needs_soffice
@pytest.mark.libreoffice
def test_libreoffice_docx_pdf_doc_from_real_report() -> None:
    """A real page through LibreOffice: HTML → DOCX → PDF (tables split over pages) and → DOC."""
    html = sample("pingtan-2021").read_bytes()
    reference = extract_bytes(html, "pingtan-2021.html")
    docx = via_libreoffice(html, ".html", "docx:MS Word 2007 XML")
    pdf = via_libreoffice(docx, ".docx", "pdf")
    doc = via_libreoffice(docx, ".docx", "doc")
    for name, data in (("x.docx", docx), ("x.pdf", pdf), ("x.doc", doc)):
        r = extract_bytes(data, name)
        assert r["format"] == name.split(".")[1]
        assert r["status"] == "ok", (name, r["problems"])
        for table in ("disclosures", "requests", "litigation"):
            assert cells(r, table) == cells(reference, table), (name, table)
    pages = {c["page"] for c in extract_bytes(pdf, "x.pdf")["requests"]}
    assert len(pages) >= 2, "the request table should run over a page break"


@needs_soffice
@pytest.mark.libreoffice
def test_libreoffice_pdf_of_2019_template_report() -> None:
    html = sample("pingtan-2020").read_bytes()
    reference = extract_bytes(html, "pingtan-2020.html")
    pdf = via_libreoffice(via_libreoffice(html, ".html", "docx:MS Word 2007 XML"), ".docx", "pdf")
    r = extract_bytes(pdf, "x.pdf")
    assert r["status"] == "ok", r["problems"]
    for table in ("disclosures", "requests", "litigation"):
        assert cells(r, table) == cells(reference, table)


def test_doc_without_libreoffice_fails_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    import extract.readers.doc as doc_reader

    monkeypatch.setattr(doc_reader, "soffice_path", lambda: None)
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
    r = extract_bytes(data, "old.doc")
    assert r["status"] == "failed"
    assert r["format"] == "doc"
    assert [p["code"] for p in r["problems"]] == ["converter_missing"]
    assert "LibreOffice" in r["problems"][0]["message"] and "old.doc" in r["problems"][0]["message"]


@needs_cjk_font
def test_pdfium_table_reader_matches_pdfplumber() -> None:
    """The fast path (pdfium edges and characters) gives the grid pdfplumber gives, cell for cell."""
    import io

    import pdfplumber
    import pypdfium2

    from extract.readers.pdf_lattice import read_page

    for seed, narrow in ((1, False), (2, True)):
        pdf = to_pdf(_report(seed, 2020 + seed, blank_share=0.05), narrow=narrow, narrative_pages=2)
        doc = pypdfium2.PdfDocument(pdf)
        compared = 0
        with pdfplumber.open(io.BytesIO(pdf)) as plumber:
            for i in range(len(doc)):
                page = doc[i]
                found = read_page(page, page.get_textpage())
                reference = [t.extract() for t in plumber.pages[i].find_tables()]
                ours = [grid for _, grid in found[0]] if found else []
                squash = lambda g: [[None if x is None else "".join(x.split()) for x in row] for row in g]  # noqa: E731
                assert [squash(g) for g in ours] == [squash(g) for g in reference], (seed, i)
                compared += len(reference)
        assert compared >= 3


@needs_cjk_font
def test_pdf_engines_agree() -> None:
    from extract.readers.pdf import read_pdf
    from extract.template.parser import parse_tables

    rep = _report(31, 2023, blank_share=0.05)
    pdf = to_pdf(rep, narrow=True, narrative_pages=4)
    fast, slow = parse_tables(read_pdf(pdf), 2023), parse_tables(read_pdf(pdf, engine="pdfplumber"), 2023)
    assert fast.requests == slow.requests and fast.disclosures == slow.disclosures and fast.litigation == slow.litigation


def test_docx_layout_table_holding_the_real_tables() -> None:
    """Some Word reports put the statistics tables inside one big layout table."""
    import io
    import zipfile

    from lxml import etree

    rep = _report(41, 2023)
    data = to_docx(rep)
    zin = zipfile.ZipFile(io.BytesIO(data))
    xml = etree.fromstring(zin.read("word/document.xml"))
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    body = xml.find("w:body", ns)
    w = "{" + ns["w"] + "}"
    outer = etree.SubElement(body, f"{w}tbl")
    tr = etree.SubElement(outer, f"{w}tr")
    tc = etree.SubElement(tr, f"{w}tc")
    for child in list(body):
        if child.tag in (f"{w}p", f"{w}tbl") and child is not outer:
            tc.append(child)  # move everything into the one layout cell
    body.insert(0, outer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, etree.tostring(xml) if item.filename == "word/document.xml" else zin.read(item.filename))
    r = extract_bytes(out.getvalue(), "layout.docx")
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)


@needs_cjk_font
def test_unruled_pdf_tables_read_from_text_lines() -> None:
    """Tables printed without rules: their lines are read as rows of words, exact or not at all."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from synth.layout import disclosure_rows, grid, litigation_rows, request_rows
    from synth.render import CJK_FONT, HEADINGS, _title

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(CJK_FONT), subfontIndex=0))
    rep = _report(3, 2023)
    body = ParagraphStyle("b", fontName="WQY", fontSize=9, leading=12)
    story = [Paragraph(_title(rep), body)]
    for heading, rows in zip(HEADINGS, [disclosure_rows(rep), request_rows(rep), litigation_rows(rep)], strict=True):
        story.append(Paragraph(heading, body))
        matrix, _ = grid(rows)
        table = Table([[t or "" for t in r] for r in matrix])
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "WQY"), ("FONTSIZE", (0, 0), (-1, -1), 6)]))
        story.append(table)
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=10, rightMargin=10).build(story)
    r = extract_bytes(buf.getvalue(), "unruled.pdf")
    assert r["status"] == "ok", r["problems"]
    _expect(rep, r)
    assert all(c["at"].get("layout") == "text" for c in r["requests"])
