"""OCR of scanned reports, end to end with the real engine, checked against the synth truth."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from extract.report import extract_bytes
from extract.template.verify import verify
from synth.model import make_report
from synth.scan import to_scan

KEYS = {"disclosures": ("item", "measure"), "requests": ("row", "applicant"), "litigation": ("proceeding", "result")}


def _scan_report() -> tuple[Any, bytes]:
    rng = random.Random(20231)
    rep = make_report(rng, "河东区工业和信息化局", 2023, busy=True)
    rep.blank_mark = "/"
    # blanks the agency left: one in table 二, one in table 四 (its R4 cannot be checked then)
    rep.disclosures[("regulations", "repealed")] = None
    rep.litigation[("review", "other")] = None
    return rep, to_scan(rep, rng, dpi=200, tilt=1.0, noise=8.0, jpeg=70)


@pytest.fixture(scope="module")
def scanned() -> tuple[Any, dict[str, Any]]:
    rep, data = _scan_report()
    return rep, extract_bytes(data, "scan.pdf")


@pytest.mark.slow
def test_scan_is_read_by_ocr_with_metadata(scanned: tuple[Any, dict[str, Any]]) -> None:
    rep, out = scanned
    assert out["format"] == "pdf"
    assert out["read_by"] == "ocr"
    assert out["agency"] == rep.agency
    assert out["report_year"] == rep.year
    assert out["template_version"] == rep.template_version
    assert out["status"] in ("ok", "partial")


@pytest.mark.slow
def test_scan_cells_exact_none_invented_none_wrong_verified(scanned: tuple[Any, dict[str, Any]]) -> None:
    rep, out = scanned
    truth = rep.truth()
    total = sum(len(t) for t in truth.values())
    exact = 0
    wrong_verified = []
    invented = []
    for table, (a, b) in KEYS.items():
        for cell in out[table]:
            assert cell["source"] == "ocr"
            assert isinstance(cell["verified"], bool)
            key = (cell[a], cell[b])
            if key not in truth[table]:
                invented.append((table, key, cell["value"]))
                continue
            if Decimal(str(cell["value"])) == Decimal(str(truth[table][key])):
                exact += 1
            elif cell["verified"]:
                wrong_verified.append((table, key, cell["value"], truth[table][key]))
    assert invented == []
    assert wrong_verified == []
    assert exact / total >= 0.98, f"{exact}/{total} cells exact"
    # the blanks are blanks, named, not values
    blanks = {(p["table"], p.get("item") or p.get("proceeding"), p.get("measure") or p.get("result"))
              for p in out["problems"] if p["code"] == "blank_cell"}
    assert ("disclosures", "regulations", "repealed") in blanks
    assert ("litigation", "review", "other") in blanks


@pytest.mark.slow
def test_scan_verification_follows_the_sums(scanned: tuple[Any, dict[str, Any]]) -> None:
    _rep, out = scanned
    by_key = {(t, c[a], c[b]): c for t, (a, b) in KEYS.items() for c in out[t]}
    # table 二 has no balancing rule: never verified, each named
    assert all(not c["verified"] for c in out["disclosures"])
    unverified = {(p["table"], p.get("item") or p.get("row") or p.get("proceeding"),
                   p.get("measure") or p.get("applicant") or p.get("result"))
                  for p in out["problems"] if p["code"] == "ocr_unverified"}
    assert {k for k, c in by_key.items() if not c["verified"]} == unverified
    # review's R4 cannot be checked (a blank): its cells are unverified; the other proceedings balance
    assert not by_key[("litigation", "review", "total")]["verified"]
    ok_suits = [by_key[("litigation", "suit_direct", r)]["verified"] for r in ("upheld", "corrected", "other", "pending", "total")
                if ("litigation", "suit_direct", r) in by_key]
    assert ok_suits and all(ok_suits)
    # the request table balances in the truth: most of its cells are verified
    verified = sum(1 for c in out["requests"] if c["verified"])
    assert verified / len(out["requests"]) >= 0.8, f"{verified}/{len(out['requests'])} request cells verified"


@pytest.mark.slow
def test_verified_reaches_the_warehouse(scanned: tuple[Any, dict[str, Any]], tmp_path: Any) -> None:
    import json

    from extract.load import Staged, connect, load_batch

    _rep, out = scanned
    report = json.loads(json.dumps(out))  # as staged: through JSON
    con = connect(tmp_path / "w.duckdb")
    try:
        load_batch(con, [Staged(report, str(tmp_path / "raw"), 1, "2026-01-01T00:00:00+00:00")])
        rows = con.execute("select source, verified, count(*) from raw.report_cells group by all order by all").fetchall()
        problems = con.execute("select count(*) from raw.extraction_problems where code = 'ocr_unverified'").fetchone()
    finally:
        con.close()
    expected_true = sum(1 for t in KEYS for c in out[t] if c["verified"])
    expected_false = sum(1 for t in KEYS for c in out[t] if not c["verified"])
    assert rows == [("ocr", False, expected_false), ("ocr", True, expected_true)]
    assert problems == (expected_false,)


def _ocr_cell(table: str, a: str, b: str, value: Any, printed: str | None = None) -> dict[str, Any]:
    ka, kb = KEYS[table]
    return {ka: a, kb: b, "value": value, "printed": printed or str(value), "source": "ocr", "confidence": 0.99}


def test_verify_marks_only_cells_whose_sums_hold() -> None:
    report = {"status": "ok", "template_version": "2021", "problems": [], "disclosures": [], "requests": [],
              "litigation": [_ocr_cell("litigation", "review", r, v) for r, v in
                             (("upheld", 1), ("corrected", 2), ("other", 0), ("pending", 1), ("total", 4))]
              + [_ocr_cell("litigation", "suit_direct", r, v) for r, v in
                 (("upheld", 1), ("corrected", 7), ("other", 0), ("pending", 1), ("total", 3))]}
    verify(report)
    assert all(c["verified"] for c in report["litigation"] if c["proceeding"] == "review")
    assert not any(c["verified"] for c in report["litigation"] if c["proceeding"] == "suit_direct")
    named = [p for p in report["problems"] if p["code"] == "ocr_unverified"]
    assert len(named) == 5 and all(p["proceeding"] == "suit_direct" and "R4 does not balance" in p["message"] for p in named)
    # no value was changed by a sum
    assert [c["value"] for c in report["litigation"]] == [1, 2, 0, 1, 4, 1, 7, 0, 1, 3]


def test_verify_drops_an_ocr_count_with_a_decimal_point() -> None:
    report = {"status": "ok", "template_version": "2021", "problems": [], "litigation": [],
              "disclosures": [_ocr_cell("disclosures", "licensing", "decisions", 5.349, "5.349"),
                              _ocr_cell("disclosures", "fees", "amount_10k_yuan", 12.5, "12.50")],
              "requests": [_ocr_cell("requests", "granted", "natural_person", -3, "-3")]}
    verify(report)
    assert [c["item"] for c in report["disclosures"]] == ["fees"]  # an amount keeps its decimals
    assert report["requests"] == []
    codes = [(p["code"], p.get("item") or p.get("row")) for p in report["problems"]]
    assert ("unreadable_cell", "licensing") in codes and ("unreadable_cell", "granted") in codes
    assert report["status"] == "partial"


def test_verify_leaves_a_text_report_alone() -> None:
    report = {"status": "ok", "problems": [], "disclosures": [], "requests": [],
              "litigation": [{"proceeding": "review", "result": "total", "value": 5}]}
    verify(report)
    assert "verified" not in report["litigation"][0] and report["problems"] == []


@pytest.mark.slow
def test_a_png_page_is_read_by_ocr() -> None:
    import io

    from synth.render import to_pdf
    from synth.scan import degrade, render_pages

    rng = random.Random(7)
    rep = make_report(rng, "河西县财政局", 2022)
    page = degrade(render_pages(to_pdf(rep), 200)[1], rng, tilt=0.5)  # tables 三 and 四
    buf = io.BytesIO()
    page.save(buf, "PNG", dpi=(200, 200))
    out = extract_bytes(buf.getvalue(), "table.png")
    assert out["format"] == "image" and out["read_by"] == "ocr"
    truth = rep.truth()
    for table in ("requests", "litigation"):
        a, b = KEYS[table]
        got = {(c[a], c[b]): c for c in out[table]}
        assert set(got) <= set(truth[table])
        exact = sum(1 for k, c in got.items() if Decimal(str(c["value"])) == Decimal(str(truth[table][k])))
        assert exact / len(truth[table]) >= 0.98
        assert not [k for k, c in got.items() if c["verified"] and Decimal(str(c["value"])) != Decimal(str(truth[table][k]))]


def test_a_picture_that_is_not_an_image_fails_cleanly() -> None:
    out = extract_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken.png")
    assert out["status"] == "failed"
    assert out["problems"][0]["code"] == "unreadable_file" and "broken.png" in out["problems"][0]["message"]


def test_blank_mark_guards_tell_a_slash_and_a_dash_from_digits() -> None:
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from extract.readers.ocr import _binary, _is_dash, _is_slash
    from synth.render import CJK_FONT

    font = ImageFont.truetype(str(CJK_FONT), 19)

    def ink(ch: str) -> np.ndarray:
        im = Image.new("L", (40, 40), 235)
        ImageDraw.Draw(im).text((10, 8), ch, font=font, fill=20)
        return _binary(np.asarray(im))

    assert _is_slash(ink("/")) and _is_dash(ink("—"), 200)
    for digit in "0123456789":
        assert not _is_slash(ink(digit)) and not _is_dash(ink(digit), 200), digit


@pytest.mark.slow
def test_a_pdf_with_one_scanned_page_is_read_mixed() -> None:
    """Page 1 keeps its text layer (table 二), page 2 is a scan (tables 三, 四): only page 2 is OCR'd."""
    import io

    import pypdfium2 as pdfium

    from synth.render import to_pdf

    rng = random.Random(11)
    rep = make_report(rng, "东湖区司法局", 2023)
    text_pdf = to_pdf(rep)
    scan_pdf = to_scan(rep, rng, tilt=0.5)
    merged = pdfium.PdfDocument.new()
    merged.import_pages(pdfium.PdfDocument(text_pdf), [0])
    merged.import_pages(pdfium.PdfDocument(scan_pdf), [1])
    buf = io.BytesIO()
    merged.save(buf)
    out = extract_bytes(buf.getvalue(), "mixed.pdf")
    assert out["read_by"] == "mixed"
    assert out["agency"] == rep.agency and out["report_year"] == rep.year
    assert {c.get("source", "text") for c in out["disclosures"]} == {"text"}
    assert all("verified" not in c for c in out["disclosures"])
    assert {c["source"] for t in ("requests", "litigation") for c in out[t]} == {"ocr"}
    truth = rep.truth()
    for table in KEYS:
        a, b = KEYS[table]
        got = {(c[a], c[b]): c["value"] for c in out[table]}
        exact = sum(1 for k, v in got.items() if k in truth[table] and Decimal(str(v)) == Decimal(str(truth[table][k])))
        assert exact / len(truth[table]) >= 0.98, table


def test_a_stray_mark_after_a_number_is_dropped_but_not_one_before_it() -> None:
    """59 read as "59." (a speck) is 59; ".59" may be 0.59 with its 0 lost: kept, so it is refused."""
    from extract.readers.ocr import _clean_cell

    assert _clean_cell("59.") == "59" and _clean_cell("1 036。") == "1036"
    assert _clean_cell(".59") == ".59" and _clean_cell("5.349") == "5.349" and _clean_cell("无") == "无"
