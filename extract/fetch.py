"""Fetching reports over HTTP(S): retries with backoff, a size cap, conditional requests, politeness.

- http and https only, checked on every redirect hop (no `file:` or other schemes);
- retries with exponential backoff on timeouts, connection errors and 5xx (tenacity);
- a size cap, checked on Content-Length and while streaming;
- ETag / Last-Modified remembered per URL (SQLite in the data folder, safe for parallel
  tasks): an unchanged report costs one small request (304) and no re-extraction;
- at most `per_host` requests in flight per host, across threads and across processes that
  share the data folder (lock files `fetch_locks/<host>.<slot>.lock` beside the raw store):
  the DAG's batches, run as separate task processes, are polite together.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from extract.rawstore import keep

MAX_REDIRECTS = 5


class FetchError(Exception):
    def __init__(self, code: str, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


class _Retryable(Exception):
    pass


@dataclass
class Fetched:
    url: str
    status: str  # fetched | not_modified | failed
    sha256: str | None = None
    raw_path: str | None = None
    bytes: int = 0
    http_status: int | None = None
    error_code: str | None = None
    error: str | None = None
    fetched_at: str = ""
    content_type: str | None = None


_host_locks: dict[str, threading.BoundedSemaphore] = defaultdict(lambda: threading.BoundedSemaphore(2))
_host_guard = threading.Lock()


def _host_slot(host: str, per_host: int) -> threading.BoundedSemaphore:
    with _host_guard:
        if host not in _host_locks:
            _host_locks[host] = threading.BoundedSemaphore(per_host)
        return _host_locks[host]


@contextmanager
def host_slot(host: str, per_host: int, lock_dir: Path | None = None, poll_s: float = 0.05) -> Iterator[None]:
    """Hold one of `per_host` slots for `host`: in this process, then across processes (flock)."""
    with _host_slot(host, per_host):
        if lock_dir is None:
            yield
            return
        import fcntl

        lock_dir.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", host) or "_"
        while True:
            for k in range(max(1, per_host)):
                fh = open(lock_dir / f"{safe}.{k}.lock", "a+b")  # noqa: SIM115 - held while the request runs
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    fh.close()
                    continue
                try:
                    yield
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
                    fh.close()
                return
            time.sleep(poll_s)


class FetchState:
    """Validators (ETag, Last-Modified) and the last content hash, per URL."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # WAL once, when the file is made: switching the journal mode takes a lock that
        # SQLite's busy timeout does not wait for, so fetchers in other processes would
        # see "database is locked" if every connection asked for it
        for attempt in range(20):
            try:
                with closing(self._db()) as db, db:
                    if db.execute("pragma journal_mode").fetchone()[0] != "wal":
                        db.execute("pragma journal_mode=wal")
                    db.execute(
                        "create table if not exists http_state (url text primary key, etag text, last_modified text, sha256 text, checked_at text)"
                    )
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 19:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, url: str) -> tuple[str | None, str | None, str | None]:
        with closing(self._db()) as db:
            row = db.execute("select etag, last_modified, sha256 from http_state where url = ?", (url,)).fetchone()
        return (row[0], row[1], row[2]) if row else (None, None, None)

    def put(self, url: str, etag: str | None, last_modified: str | None, sha256: str | None) -> None:
        with closing(self._db()) as db, db:
            db.execute(
                "insert into http_state values (?, ?, ?, ?, ?) on conflict(url) do update set etag=excluded.etag, "
                "last_modified=excluded.last_modified, sha256=excluded.sha256, checked_at=excluded.checked_at",
                (url, etag, last_modified, sha256, _now()),
            )


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _check_scheme(url: str) -> None:
    scheme = urlparse(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("bad_scheme", f"{url}: only http and https are fetched, not {scheme or 'a bare path'!r}")


def client(user_agent: str, timeout_s: float) -> httpx.Client:
    return httpx.Client(
        headers={"User-Agent": user_agent, "Accept": "*/*"},
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
        trust_env=False,
    )


def _get(c: httpx.Client, url: str, headers: dict[str, str], max_bytes: int) -> tuple[httpx.Response, bytes, str]:
    """GET with redirects followed by hand (scheme checked on each hop) and the body capped."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        _check_scheme(current)
        try:
            with c.stream("GET", current, headers=headers) as resp:
                if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
                    current = urljoin(current, resp.headers["location"])
                    continue
                if resp.status_code >= 500:
                    raise _Retryable(f"{current}: server error {resp.status_code}")
                if resp.status_code == 304:
                    return resp, b"", current
                if resp.status_code >= 400:
                    raise FetchError("http_error", f"{current}: HTTP {resp.status_code}", resp.status_code)
                length = resp.headers.get("content-length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise FetchError("too_large", f"{current}: {length} bytes, over the cap of {max_bytes}", resp.status_code)
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError("too_large", f"{current}: more than the cap of {max_bytes} bytes", resp.status_code)
                    chunks.append(chunk)
                return resp, b"".join(chunks), current
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise _Retryable(f"{current}: {type(exc).__name__}: {exc}") from exc
    raise FetchError("too_many_redirects", f"{url}: more than {MAX_REDIRECTS} redirects")


def fetch_url(
    url: str,
    raw_root: Path,
    state: FetchState,
    *,
    user_agent: str = "xxgk/0.1",
    timeout_s: float = 30.0,
    max_bytes: int = 50 * 1024 * 1024,
    retries: int = 3,
    per_host: int = 2,
    backoff_s: float = 1.0,
) -> Fetched:
    """Fetch one report into the raw store. Never raises: failures come back as `failed`."""
    try:
        _check_scheme(url)
    except FetchError as exc:
        return Fetched(url, "failed", error_code=exc.code, error=exc.message, fetched_at=_now())
    etag, modified, last_sha = state.get(url)
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified

    @retry(
        retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=backoff_s, max=60),
        reraise=True,
    )
    def attempt() -> tuple[httpx.Response, bytes, str]:
        with host_slot(urlparse(url).netloc, per_host, raw_root.parent / "fetch_locks"), client(user_agent, timeout_s) as c:
            return _get(c, url, headers, max_bytes)

    try:
        resp, body, _final = attempt()
    except FetchError as exc:
        return Fetched(url, "failed", http_status=exc.http_status, error_code=exc.code, error=exc.message, fetched_at=_now())
    except _Retryable as exc:
        return Fetched(url, "failed", error_code="unreachable", error=f"{exc} (after {retries + 1} attempts)", fetched_at=_now())
    if resp.status_code == 304:
        return Fetched(url, "not_modified", sha256=last_sha, http_status=304, fetched_at=_now())
    sha = hashlib.sha256(body).hexdigest()
    _, path = keep(raw_root, body, sha)
    state.put(url, resp.headers.get("etag"), resp.headers.get("last-modified"), sha)
    return Fetched(url, "fetched", sha256=sha, raw_path=str(path), bytes=len(body), http_status=resp.status_code,
                   fetched_at=_now(), content_type=resp.headers.get("content-type"))


def discover_listing(
    url: str,
    *,
    link_patterns: list[str],
    next_patterns: list[str],
    max_pages: int,
    max_links: int = 500,
    user_agent: str = "xxgk/0.1",
    timeout_s: float = 30.0,
    retries: int = 2,
    max_bytes: int = 10 * 1024 * 1024,
) -> list[str]:
    """Report URLs linked from a listing page and its next pages, on the same site."""
    from selectolax.lexbor import LexborHTMLParser

    from extract.readers.charset import decode

    host = urlparse(url).netloc
    wanted = [re.compile(p) for p in link_patterns]
    nexts = [re.compile(re.escape(p)) if not any(ch in p for ch in "\\[](){}^$.*+?|") else re.compile(p) for p in next_patterns]
    found: list[str] = []
    seen_pages: set[str] = set()
    page: str | None = url
    pages = 0

    @retry(retry=retry_if_exception(lambda e: isinstance(e, _Retryable)), stop=stop_after_attempt(retries + 1),
           wait=wait_exponential(multiplier=0.5, max=30), reraise=True)
    def get(u: str) -> tuple[bytes, str]:
        with _host_slot(host, 2), client(user_agent, timeout_s) as c:
            _resp, body, final = _get(c, u, {}, max_bytes)
            return body, final

    while page and pages < max_pages and page not in seen_pages:
        seen_pages.add(page)
        pages += 1
        try:
            body, final = get(page)
        except (FetchError, _Retryable) as exc:
            raise FetchError("listing_unreachable", f"listing {page}: {exc}") from exc
        text, _ = decode(body)
        tree = LexborHTMLParser(text)
        next_page = None
        for a in tree.css("a[href]"):
            href = (a.attributes.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            target = urljoin(final, href).split("#")[0]
            if urlparse(target).netloc != host or urlparse(target).scheme not in ("http", "https"):
                continue
            label = a.text(strip=True)
            if next_page is None and any(p.search(label) for p in nexts):
                next_page = target
                continue
            if any(p.search(label) or p.search(target) for p in wanted) and target not in found and target not in seen_pages:
                found.append(target)
                if len(found) >= max_links:
                    return found
        page = next_page
    return found
