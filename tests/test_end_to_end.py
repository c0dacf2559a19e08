"""The real DAG end to end (`airflow dags test`) against a web server and an SMTP server on loopback.

The server offers a listing page with two pages of links, reports in several formats, a URL
that fails twice and then succeeds, one that returns 404, and one larger than the cap.
"""

from __future__ import annotations

import email
import hashlib
import random
import socket
from email import policy
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extract.run import run_dag, summary
from extract.settings import Paths
from synth.model import make_report
from synth.render import to_docx, to_html, to_txt
from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow

CAP = 400_000


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """Reports served with ETags; counts requests and conditional requests."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.docs: dict[str, tuple[bytes, str]] = {}
        self.hits: dict[str, int] = {}
        self.conditional: dict[str, int] = {}
        self.flaky_failures = 2

    def add(self, path: str, body: bytes, ctype: str) -> None:
        self.docs[path] = (body, ctype)
        self.server.expect_request(path).respond_with_handler(self.handler)

    def handler(self, request: Request) -> Response:
        path = request.path
        self.hits[path] = self.hits.get(path, 0) + 1
        if path == "/flaky.html" and self.hits[path] <= self.flaky_failures:
            return Response("busy", status=503)
        body, ctype = self.docs[path]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.conditional[path] = self.conditional.get(path, 0) + 1
            return Response(status=304, headers={"ETag": etag})
        return Response(body, status=200, headers={"ETag": etag, "Content-Type": ctype})


def test_dag_end_to_end_with_listing_urls_failures_and_mail(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    site = Site(httpserver)
    rng = random.Random(8)
    a = make_report(rng, "临沂市河东区交通运输局", 2023, busy=True)
    b = make_report(rng, "威海市文登区教育和体育局", 2023)
    b.requests[("granted", "total")] = int(b.requests[("granted", "total")]) + 3  # R2 broken: must be mailed
    c = make_report(rng, "樟树市人民政府办公室", 2022)
    site.add("/r/a.html", to_html(a), "text/html; charset=utf-8")
    site.add("/r/b.docx", to_docx(b), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    site.add("/r/c.txt", to_txt(c), "text/plain; charset=utf-8")
    site.add("/flaky.html", (SAMPLES / "pingtan-2024.html").read_bytes(), "text/html; charset=utf-8")
    site.add("/huge.pdf", b"%PDF-1.4\n" + b"0" * (CAP + 10), "application/pdf")
    httpserver.expect_request("/missing.pdf").respond_with_data("not here", status=404)
    page1 = """<html><body><ul>
      <li><a href="/r/a.html">河东区交通运输局2023年政府信息公开工作年度报告</a></li>
      <li><a href="/r/b.docx">文登区教育和体育局2023年政府信息公开工作年度报告</a></li>
      <li><a href="/about">关于我们</a></li>
      <li><a href="http://other.example.org/x.pdf">外站年度报告</a></li>
    </ul><a href="/list?page=2">下一页</a></body></html>"""
    page2 = """<html><body><a href="/r/c.txt">樟树市人民政府办公室2022年政府信息公开工作年度报告</a>
      <a href="/missing.pdf">某局2023年政府信息公开工作年度报告.pdf</a></body></html>"""
    httpserver.expect_request("/list", query_string="page=2").respond_with_data(page2, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/list").respond_with_data(page1, content_type="text/html; charset=utf-8")

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "seed-001.txt").write_bytes((SAMPLES / "001_40bb0e4b02e0555b.txt").read_bytes())
    sources = tmp_path / "sources.yml"
    sources.write_text(f"""
defaults: {{timeout_s: 5, max_bytes: {CAP}, retries: 3, per_host: 2, max_pages: 5}}
sources:
  - {{name: site, kind: listing, url: "{httpserver.url_for('/list')}", link_patterns: ["年度报告"], max_pages: 3}}
  - name: direct
    kind: url
    urls: ["{httpserver.url_for('/flaky.html')}", "{httpserver.url_for('/huge.pdf')}"]
  - {{name: uploads, kind: folder, path: {uploads}}}
""", encoding="utf-8")

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("XXGK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("XXGK_SMTP_PORT", str(port))
    monkeypatch.setenv("XXGK_MAIL_TO", "auditor@example.org")
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    try:
        paths = Paths(tmp_path / "data").ensure()
        code, log, started = run_dag(paths, sources)
        assert code == 0, log.read_text(encoding="utf-8")[-4000:]
        text = summary(paths, started)

        con = duckdb.connect(str(paths.warehouse), read_only=True)
        docs = {Path(r[0]).name: r[1:] for r in con.execute("select source, status, format, agency from raw.documents").fetchall()}
        fetch = {Path(r[0]).name: r[1:] for r in con.execute("select url, status, error_code, http_status from raw.fetch_log").fetchall()}
        marts = dict(con.execute("select agency_name, new_requests from marts.mart_agency_year").fetchall())
        rules = con.execute("select agency_name, rule from marts.fct_rule_results where status = 'failed' and severity = 'error'").fetchall()
        con.close()

        assert docs["a.html"][:2] == ("ok", "html") and docs["b.docx"][:2] == ("ok", "docx") and docs["c.txt"][:2] == ("ok", "txt")
        assert docs["flaky.html"][0] == "ok"  # failed twice with 503, then succeeded
        assert docs["seed-001.txt"][0] == "ok"  # the upload folder
        assert "about" not in docs and "x.pdf" not in docs  # not a report link; another site
        assert site.hits["/flaky.html"] == 3
        assert fetch["missing.pdf"][:3] == ("failed", "http_error", 404)
        assert fetch["huge.pdf"][:2] == ("failed", "too_large")
        assert marts["临沂市河东区交通运输局"] == a.requests[("new_received", "total")]
        assert ("威海市文登区教育和体育局", "R2") in rules
        assert "new reports this run: 5" in text

        assert len(inbox.messages) == 1
        msg = email.message_from_bytes(inbox.messages[0], policy=policy.default)
        body = msg.get_body(("plain",)).get_content()
        assert "威海市文登区教育和体育局" in body and "R2" in body
        assert "missing.pdf" in body and "huge.pdf" in body  # failures are mailed about

        # a second run: conditional requests, nothing new loaded
        before = dict(site.hits)
        code, log, started = run_dag(paths, sources)
        assert code == 0, log.read_text(encoding="utf-8")[-4000:]
        again = summary(paths, started)
        assert "nothing new this run" in again
        for path in ("/r/a.html", "/r/b.docx", "/r/c.txt", "/flaky.html"):
            assert site.conditional.get(path) == 1, path
            assert site.hits[path] == before[path] + 1
        con = duckdb.connect(str(paths.warehouse), read_only=True)
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == 5
        con.close()
    finally:
        controller.stop()
