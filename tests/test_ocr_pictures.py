"""Tables pasted as pictures: in a web page (inline or fetched from the same site) and in DOCX.

The real engine reads generated pictures (synth/picture.py) whose truth is what was drawn;
a picture is read only when the document's text does not hold the report.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from extract.report import extract_bytes
from synth.model import make_report
from synth.picture import table_pictures, to_docx_pictures, to_html_pictures

KEYS = {"disclosures": ("item", "measure"), "requests": ("row", "applicant"), "litigation": ("proceeding", "result")}


def _judge(rep: Any, out: dict[str, Any]) -> dict[str, int]:
    truth = rep.truth()
    n = exact = invented = wrong_verified = 0
    for table, (a, b) in KEYS.items():
        n += len(truth[table])
        for c in out[table]:
            k = (c[a], c[b])
            if k not in truth[table]:
                invented += 1
            elif Decimal(str(c["value"])) == Decimal(str(truth[table][k])):
                exact += 1
            elif c.get("verified"):
                wrong_verified += 1
    return {"cells": n, "exact": exact, "invented": invented, "wrong_verified": wrong_verified}


def _assert_read(rep: Any, out: dict[str, Any]) -> None:
    assert out["read_by"] == "ocr", out["problems"][:3]
    assert out["agency"] == rep.agency and out["report_year"] == rep.year
    j = _judge(rep, out)
    assert j["invented"] == 0 and j["wrong_verified"] == 0, j
    assert j["exact"] / j["cells"] >= 0.995, j
    for table in KEYS:
        assert all(c["source"] == "ocr" and "picture" in c["at"] for c in out[table])  # provenance: which picture


@pytest.mark.slow
def test_html_with_inline_table_pictures_is_read_by_ocr() -> None:
    rng = random.Random(1)
    rep = make_report(rng, "河西县财政局", 2022)
    pictures = table_pictures(rep, dpi=150)  # PNG screenshots of the three tables
    out = extract_bytes(to_html_pictures(rep, pictures), "report.html")
    assert out["format"] == "html" and out["status"] == "ok", out["problems"][:5]
    _assert_read(rep, out)
    # the page's 16-pixel icon is not a table picture and is not named as a problem
    assert not [p for p in out["problems"] if p["code"].startswith("picture")]


@pytest.mark.slow
def test_docx_with_table_pictures_jpeg_at_screen_resolution() -> None:
    rng = random.Random(2)
    rep = make_report(rng, "河西县交通运输局", 2020)  # 2019 template
    pictures = table_pictures(rep, dpi=110, fmt="JPEG", quality=80)
    out = extract_bytes(to_docx_pictures(rep, pictures), "report.docx")
    assert out["format"] == "docx" and out["status"] == "ok", out["problems"][:5]
    assert out["template_version"] == "2019"
    _assert_read(rep, out)


@pytest.mark.slow
def test_page_with_same_site_table_pictures_is_kept_with_them_and_read(httpserver: HTTPServer, tmp_path: Path) -> None:
    """A page linking its table pictures (<img src="/images/…">): fetched, inlined, read; re-reading needs nothing else."""
    from extract import jobs
    from extract.fetch import FetchState, fetch_url
    from extract.load import Staged
    from extract.settings import Paths

    rng = random.Random(3)
    rep = make_report(rng, "某县审计局", 2023)
    pictures = table_pictures(rep, dpi=200, rng=rng, fmt="JPEG")  # degraded, as a pasted scan
    assert len(pictures) == 3
    # absolute paths, and one relative to the page's folder
    links = ["/images/t0.jpg", "/images/t1.jpg", "images/t2.jpg"]
    for served, data in zip(["/images/t0.jpg", "/images/t1.jpg", "/a/images/t2.jpg"], pictures, strict=True):
        httpserver.expect_request(served).respond_with_data(data, content_type="image/jpeg")
    html = to_html_pictures(rep, pictures, links).replace(b"</body>", b'<img src="https://elsewhere.example/ad.png"></body>')
    httpserver.expect_request("/a/page.html").respond_with_data(html, content_type="text/html; charset=utf-8")
    paths = Paths(tmp_path / "data").ensure()
    fetched = {**fetch_url(httpserver.url_for("/a/page.html"), paths.raw, FetchState(tmp_path / "s.sqlite")).__dict__, "source_name": "t"}
    staged = jobs.extract(fetched, paths)
    reports = [Staged.from_json(Path(p).read_text(encoding="utf-8")) for p in staged]
    assert len(reports) == 2
    page, snapshot = reports[0].report, reports[1].report
    assert page["read_by"] != "ocr" and not page["requests"]  # the page alone has no tables
    assert snapshot["source"] == httpserver.url_for("/a/page.html") and snapshot["status"] == "ok", snapshot["problems"][:5]
    _assert_read(rep, snapshot)
    # the raw store keeps the page with its pictures: reading it again gives the same cells
    again = extract_bytes(Path(reports[1].raw_path).read_bytes(), snapshot["source"])
    assert again["requests"] == snapshot["requests"] and again["litigation"] == snapshot["litigation"]
    assert jobs.load(paths, [staged])["loaded"] == 2


def test_pictures_are_not_read_when_the_text_holds_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """A web page with its tables as text and a picture beside them: no OCR at all."""
    import base64

    from extract.readers import pictures as pictures_mod
    from synth.render import to_html

    def boom(*a: Any, **k: Any) -> Any:
        raise AssertionError("a picture was read although the text holds the report")

    monkeypatch.setattr(pictures_mod, "read_picture", boom)
    rep = make_report(random.Random(4), "河西县教育局", 2023)
    logo = "data:image/png;base64," + base64.b64encode(table_pictures(rep, dpi=72)[0]).decode()
    page = to_html(rep).replace(b"<h1>", f'<img src="{logo}"><h1>'.encode())
    out = extract_bytes(page, "page.html")
    assert out["status"] == "ok" and out["read_by"] == "text"


def test_a_broken_or_tiny_picture_is_named_or_skipped() -> None:
    import base64
    import io

    from PIL import Image

    from extract.readers.html import read_html

    buf = io.BytesIO()
    Image.new("L", (12, 12), 255).save(buf, "PNG")
    tiny = base64.b64encode(buf.getvalue()).decode()
    page = (f'<html><body><p>报告</p><img src="data:image/png;base64,{tiny}">'
            '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE="><img src="data:image/png;base64,@@@"></body></html>')
    doc = read_html(page.encode(), "p.html")
    assert doc.pictures == 3 and not doc.tables  # counted, not read
    doc = read_html(page.encode(), "p.html", pictures=True)
    codes = [p["code"] for p in doc.problems]
    assert codes == ["picture_unreadable", "picture_unreadable"]  # the icon is skipped silently
    assert "picture 2" in doc.problems[0]["message"] and not doc.tables
