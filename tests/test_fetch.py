"""Fetching: schemes (also through redirects), retries on 5xx, the size cap, conditional requests, listings."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extract.fetch import FetchState, discover_listing, fetch_url


def _fetch(httpserver: HTTPServer, tmp_path: Path, path: str, **kw):
    return fetch_url(httpserver.url_for(path), tmp_path / "raw", FetchState(tmp_path / "state.sqlite"), backoff_s=0.01, **kw)


def test_other_schemes_refused_also_through_redirect(httpserver: HTTPServer, tmp_path: Path) -> None:
    r = fetch_url("file:///etc/passwd", tmp_path / "raw", FetchState(tmp_path / "s.sqlite"))
    assert r.status == "failed" and r.error_code == "bad_scheme"
    httpserver.expect_request("/jump").respond_with_response(Response(status=302, headers={"Location": "file:///etc/passwd"}))
    r = _fetch(httpserver, tmp_path, "/jump")
    assert r.status == "failed" and r.error_code == "bad_scheme"
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").rglob("*"))


def test_redirect_followed_and_kept_by_hash(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/old").respond_with_response(Response(status=301, headers={"Location": "/new"}))
    httpserver.expect_request("/new").respond_with_data("报告", content_type="text/plain; charset=utf-8")
    r = _fetch(httpserver, tmp_path, "/old")
    assert r.status == "fetched" and Path(r.raw_path).read_bytes() == "报告".encode()
    assert Path(r.raw_path).name == r.sha256


def test_retries_5xx_then_gives_up_plainly(httpserver: HTTPServer, tmp_path: Path) -> None:
    calls = {"n": 0}

    def handler(request: Request) -> Response:
        calls["n"] += 1
        return Response("down", status=502)

    httpserver.expect_request("/down").respond_with_handler(handler)
    r = _fetch(httpserver, tmp_path, "/down", retries=2)
    assert r.status == "failed" and r.error_code == "unreachable" and calls["n"] == 3
    assert "3 attempts" in r.error


def test_size_cap_by_header_and_by_stream(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    r = _fetch(httpserver, tmp_path, "/big", max_bytes=1000)
    assert r.status == "failed" and r.error_code == "too_large"

    def chunked(request: Request) -> Response:
        return Response((b"y" * 500 for _ in range(10)), status=200)  # no Content-Length

    httpserver.expect_request("/stream").respond_with_handler(chunked)
    r = _fetch(httpserver, tmp_path, "/stream", max_bytes=1000)
    assert r.status == "failed" and r.error_code == "too_large"


def test_conditional_request_costs_one_small_request(httpserver: HTTPServer, tmp_path: Path) -> None:
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(b"report body", headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})

    httpserver.expect_request("/r.pdf").respond_with_handler(handler)
    first = _fetch(httpserver, tmp_path, "/r.pdf", user_agent="xxgk-test/1")
    second = _fetch(httpserver, tmp_path, "/r.pdf")
    assert first.status == "fetched" and second.status == "not_modified"
    assert second.sha256 == first.sha256
    assert seen == [None, '"v1"']


def test_listing_pages_same_site_and_limit(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/l", query_string="p=3").respond_with_data('<a href="/r3.pdf">2022年度报告</a>', content_type="text/html")
    httpserver.expect_request("/l", query_string="p=2").respond_with_data(
        '<a href="/r2.pdf">2023年度报告</a><a href="/l?p=3">下一页</a>', content_type="text/html")
    httpserver.expect_request("/l").respond_with_data(
        '<a href="/r1.pdf">2024年度报告</a><a href="https://elsewhere.example/x.pdf">年度报告</a>'
        '<a href="/news">新闻</a><a href="/l?p=2">下一页</a>', content_type="text/html")
    urls = discover_listing(httpserver.url_for("/l"), link_patterns=["年度报告"], next_patterns=["下一页"], max_pages=2)
    assert [u.rsplit("/", 1)[1] for u in urls] == ["r1.pdf", "r2.pdf"]


def test_report_page_with_an_attachment_is_followed(httpserver: HTTPServer, tmp_path: Path) -> None:
    """A page that only links to the report (附件) gets the attachment fetched and extracted."""
    import random

    from extract import jobs
    from extract.load import Staged
    from extract.settings import Paths
    from synth.model import make_report
    from synth.render import to_docx

    rep = make_report(random.Random(5), "某县审计局", 2023)
    httpserver.expect_request("/a/report.docx").respond_with_data(to_docx(rep), content_type="application/octet-stream")
    page = ("<html><head><meta charset='utf-8'><title>某县审计局2023年政府信息公开工作年度报告</title></head><body>"
            "<h1>某县审计局2023年政府信息公开工作年度报告</h1><p>发布日期：2024-01-20</p>"
            "<p>附件：<a href='/a/report.docx'>某县审计局2023年政府信息公开工作年度报告.docx</a></p>"
            "<a href='https://elsewhere.example/x.pdf'>外站</a></body></html>")
    httpserver.expect_request("/page.html").respond_with_data(page, content_type="text/html; charset=utf-8")
    paths = Paths(tmp_path / "data").ensure()
    fetched = {**fetch_url(httpserver.url_for("/page.html"), paths.raw, FetchState(tmp_path / "s.sqlite")).__dict__, "source_name": "t"}
    staged = jobs.extract(fetched, paths)
    assert len(staged) == 2
    reports = [Staged.from_json(Path(p).read_text(encoding="utf-8")).report for p in staged]
    # the page itself only names the report and links it: kept, failed as not_a_report, no cells
    assert reports[0]["format"] == "html" and reports[0]["status"] == "failed"
    assert [p["code"] for p in reports[0]["problems"]] == ["not_a_report"]
    assert "attachment" in reports[0]["problems"][0]["message"] and not reports[0].get("cells")
    assert reports[1]["format"] == "docx" and reports[1]["status"] == "ok"
    assert reports[1]["agency"] == "某县审计局"
    result = jobs.load(paths, [staged])
    assert result["loaded"] == 2


def _fetch_many(args: tuple[list[str], str, int]) -> list[str]:
    urls, root, per_host = args
    state = FetchState(Path(root) / "state.sqlite")
    return [fetch_url(u, Path(root) / "raw", state, per_host=per_host, backoff_s=0.01).status for u in urls]


def test_per_host_limit_holds_across_processes(tmp_path: Path) -> None:
    """Batches run as separate processes: `per_host` is counted across all of them (lock files in the data folder)."""
    import multiprocessing
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = {"now": 0, "max": 0}
    guard = threading.Lock()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with guard:
                state["now"] += 1
                state["max"] = max(state["max"], state["now"])
            time.sleep(0.25)
            with guard:
                state["now"] -= 1
            body = self.path.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        ctx = multiprocessing.get_context("fork")
        for per_host, limit in ((1, 1), (3, 3)):
            state["max"] = 0
            root = tmp_path / f"data{per_host}"
            jobs = [([f"{base}/p{per_host}-{w}-{i}" for i in range(2)], str(root), per_host) for w in range(3)]
            with ctx.Pool(3) as pool:
                statuses = pool.map(_fetch_many, jobs)
            assert all(s == "fetched" for batch in statuses for s in batch)
            assert state["max"] <= limit, (per_host, state["max"])
            if per_host > 1:
                assert state["max"] > 1  # the processes do run at once: the limit above is what held them
    finally:
        server.shutdown()
