"""Bad inputs become `failed` reports with a problem that names the file and the reason."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile

import pytest

from extract.report import Limits, extract_bytes
from synth.model import make_report
from synth.render import to_docx, to_pdf
from tests.conftest import ROOT, needs_cjk_font, sample


def _failed(r: dict, code: str, source: str) -> None:
    assert r["status"] == "failed", r
    assert code in [p["code"] for p in r["problems"]], r["problems"]
    assert any(source in p["message"] for p in r["problems"] if p["code"] == code)
    assert r["disclosures"] == r["requests"] == r["litigation"] == []


def test_empty_file() -> None:
    _failed(extract_bytes(b"", "empty.pdf"), "empty_file", "empty.pdf")
    _failed(extract_bytes(b"  \n", "blank.txt"), "empty_file", "blank.txt")


def test_binary_garbage() -> None:
    rng = random.Random(1)
    data = bytes(rng.getrandbits(8) for _ in range(5000))
    _failed(extract_bytes(data, "garbage.bin"), "unreadable_file", "garbage.bin")


@needs_cjk_font
def test_truncated_pdf() -> None:
    pdf = to_pdf(make_report(random.Random(1), "某局", 2023))
    _failed(extract_bytes(pdf[: len(pdf) // 3], "cut.pdf"), "unreadable_file", "cut.pdf")


def test_encrypted_pdf() -> None:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="secret")
    c.drawString(100, 700, "annual report")
    c.save()
    _failed(extract_bytes(buf.getvalue(), "locked.pdf"), "encrypted", "locked.pdf")


def test_image_only_pdf_has_no_text_layer() -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (400, 300), 255)
    for x in range(0, 400, 7):
        for y in range(0, 300, 5):
            img.putpixel((x, y), 0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(img), 50, 400, 400, 300)
    c.showPage()
    c.save()
    _failed(extract_bytes(buf.getvalue(), "scan.pdf"), "no_text_layer", "scan.pdf")


def test_page_that_is_not_a_report() -> None:
    page = "<html><head><meta charset='utf-8'></head><body><h1>新闻</h1><p>今天天气很好，2023年的活动圆满结束。</p><table><tr><td>1</td><td>2</td></tr></table></body></html>"
    _failed(extract_bytes(page.encode(), "news.html"), "not_a_report", "news.html")


def test_zip_bomb_named_docx() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<" + b"a" * (200 * 1024 * 1024) + b"/>")
    r = extract_bytes(buf.getvalue(), "bomb.docx")
    assert r["status"] == "failed"
    assert {p["code"] for p in r["problems"]} & {"zip_bomb", "too_large"}
    assert "bomb.docx" in r["problems"][0]["message"]


def test_xml_entity_bomb() -> None:
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", lol)
    _failed(extract_bytes(buf.getvalue(), "lol.docx"), "unsafe_xml", "lol.docx")


def test_xxe_external_entity_refused() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", xxe)
    r = extract_bytes(buf.getvalue(), "xxe.docx")
    _failed(r, "unsafe_xml", "xxe.docx")
    assert "root:" not in json.dumps(r)


def test_size_cap() -> None:
    data = to_docx(make_report(random.Random(2), "某局", 2023))
    _failed(extract_bytes(data, "big.docx", Limits(max_bytes=1000)), "too_large", "big.docx")


def test_time_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import extract.report as report_mod

    def slow(*a, **k):
        time.sleep(5)

    monkeypatch.setattr(report_mod, "reader_for", lambda fmt: slow)
    _failed(extract_bytes(sample("001").read_bytes(), "slow.txt", Limits(timeout_s=0.2)), "timeout", "slow.txt")


def test_library_crash_is_a_failed_report(monkeypatch: pytest.MonkeyPatch) -> None:
    import extract.report as report_mod

    def boom(*a, **k):
        raise IndexError("list index out of range")

    monkeypatch.setattr(report_mod, "reader_for", lambda fmt: boom)
    r = extract_bytes(sample("001").read_bytes(), "crash.txt")
    _failed(r, "unreadable_file", "crash.txt")
    assert "IndexError" in r["problems"][0]["message"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "xxgk"), *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_prints_one_json_line_per_input_in_order(tmp_path) -> None:
    bad = tmp_path / "garbage.pdf"
    bad.write_bytes(b"%PDF-1.4 nonsense")
    paths = [str(sample("002")), str(bad), str(sample("pingtan-2017"))]
    p = _cli("extract", *paths)
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert [x["source"] for x in lines] == paths
    assert [x["status"] for x in lines] == ["ok", "failed", "failed"]
    assert "Traceback" not in p.stderr


def test_cli_missing_path_and_bad_arguments_exit_2(tmp_path) -> None:
    p = _cli("extract", str(tmp_path / "nope.pdf"))
    assert p.returncode == 2
    assert "nope.pdf" in p.stderr and "Traceback" not in p.stderr
    p = _cli("extract", "--max-bytes", "-5", str(sample("002")))
    assert p.returncode == 2
    p = _cli("extract")
    assert p.returncode == 2


def test_python_m_entrypoint_matches() -> None:
    p = subprocess.run([sys.executable, "-c", "import extract.cli"], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0


def test_cli_prints_the_spec_keys_and_context_on_request() -> None:
    p = _cli("extract", str(sample("001")))
    report = json.loads(p.stdout)
    assert list(report) == ["source", "sha256", "format", "agency", "report_year", "published_on", "template_version",
                            "status", "disclosures", "requests", "litigation", "problems"]
    p = _cli("extract", "--context", str(sample("001")))
    assert json.loads(p.stdout)["narrative"]["statements"][0]["count"] == 11
