"""One pipeline run, step by step: the Airflow tasks and `xxgk run` call exactly these.

    discover(sources) → fetch(item) ×N → extract(fetched) ×N → load() → dbt_build() → validate() → publish()

The DAG runs the per-document steps in batches: plan_batches (discover, work list written to
the data folder) → fetch_batch ×B → extract_batch ×B → load_batches, with B = ⌈N / batch size⌉.
Items passed between steps are small dicts (Airflow XComs). Extraction writes staging files;
only `load` writes the warehouse (one writer). A file or URL that fails is recorded, never
fatal: the run goes on.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import time
from pathlib import Path
from typing import Any

from extract.fetch import FetchError, FetchState, discover_listing, fetch_url
from extract.load import Staged, known_hashes
from extract.pipeline import (
    _now,
    _staging_name,
    load_staged,
    publish,
    stage_known,
    write_staged,
)
from extract.pipeline import (
    dbt_build as build_models,
)
from extract.rawstore import keep, raw_path
from extract.readers import IMAGE_MAGIC
from extract.reextract import reextract
from extract.report import Limits, extract_bytes
from extract.settings import Paths
from extract.sources import FolderSource, ListingSource, SourcesFile, UrlSource, load_sources

# what a source says about its documents, carried from discovery to extraction
HINT_KEYS = ("source_name", "agency_hint", "year_hint", "region_hint")


def _state(paths: Paths) -> FetchState:
    return FetchState(paths.data / "fetch_state.sqlite")


def discover(sources_path: str | Path, paths: Paths, kinds: tuple[str, ...] = ("folder", "url", "listing")) -> list[dict[str, Any]]:
    """Every document the enabled sources offer now (files in folders, URLs, links on listing pages)."""
    paths.ensure()
    sf: SourcesFile = load_sources(Path(sources_path))
    d = sf.defaults
    items: list[dict[str, Any]] = []
    for s in sf.enabled():
        if s.kind not in kinds:
            continue
        hints = {"source_name": s.name, "agency_hint": s.agency, "year_hint": s.year, "region_hint": s.region}
        if isinstance(s, FolderSource):
            folder = sf.folder(s)
            if not folder.is_dir():
                items.append({"kind": "error", "url": str(folder), "error_code": "folder_missing", "error": f"{folder}: the upload folder does not exist", **hints})
                continue
            for f in sorted(folder.rglob("*")):
                if f.is_file() and not f.name.startswith(".") and any(fnmatch.fnmatch(f.name, p) for p in s.patterns):
                    items.append({"kind": "file", "path": str(f), **hints})
        elif isinstance(s, UrlSource):
            items.extend({"kind": "url", "url": u, **hints} for u in s.urls)
        elif isinstance(s, ListingSource):
            try:
                urls = discover_listing(
                    s.url, link_patterns=s.link_patterns, next_patterns=s.next_patterns, max_pages=s.max_pages or d.max_pages,
                    max_links=s.max_links, user_agent=d.user_agent, timeout_s=d.timeout_s, retries=d.retries,
                )
            except FetchError as exc:
                items.append({"kind": "error", "url": s.url, "error_code": exc.code, "error": exc.message, **hints})
                continue
            items.extend({"kind": "url", "url": u, **hints} for u in urls)
    return items


def fetch(item: dict[str, Any], sources_path: str | Path, paths: Paths) -> dict[str, Any]:
    """Bring one document's bytes into the raw store (or say why not)."""
    paths.ensure()
    base = {k: item.get(k) for k in HINT_KEYS}
    if item["kind"] == "error":
        return {**base, "url": item["url"], "status": "failed", "error_code": item["error_code"], "error": item["error"], "fetched_at": _now()}
    if item["kind"] == "file":
        path = Path(item["path"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            return {**base, "url": str(path), "status": "failed", "error_code": "unreadable_file", "error": f"{path}: {exc}", "fetched_at": _now()}
        sha, raw = keep(paths.raw, data)
        return {**base, "url": str(path), "status": "fetched", "sha256": sha, "raw_path": str(raw), "bytes": len(data), "fetched_at": _now(), "is_file": True}
    got = _fetch_url(item["url"], paths, load_sources(Path(sources_path)).defaults)
    return {**base, **got.__dict__}


def _fetch_url(url: str, paths: Paths, defaults: Any | None) -> Any:
    """fetch_url into the raw store with the sources file's politeness settings (or the library's)."""
    if defaults is None:
        return fetch_url(url, paths.raw, _state(paths))
    d = defaults
    return fetch_url(url, paths.raw, _state(paths), user_agent=d.user_agent, timeout_s=d.timeout_s,
                     max_bytes=d.max_bytes, retries=d.retries, per_host=d.per_host)


def _known(paths: Paths, attempts: int = 5) -> set[str]:
    """Landed hashes; the writer may hold the file briefly, so retry; unknown means 'extract anyway'."""
    for i in range(attempts):
        try:
            return known_hashes(paths.warehouse)
        except Exception as exc:  # DuckDB: "Could not set lock on file"
            if "lock" not in str(exc).lower() or i == attempts - 1:
                return set()
            time.sleep(0.5 * (i + 1))
    return set()


ATTACHMENT = re.compile(r"\.(pdf|ofd|docx?|rtf|wps|xlsx?|et|jpe?g|png|tiff?)$", re.I)
MAX_ATTACHMENTS = 5


def extract(fetched: dict[str, Any], paths: Paths, limits: Limits | None = None, known: set[str] | None = None,
            sources_path: str | Path | None = None) -> list[str]:
    """Extract one fetched document to staging files for the writer; return their paths.

    A web page that holds no template tables but links to the report as an attachment
    (PDF, DOC, DOCX on the same site) is common: the attachments are fetched and extracted
    too, each as its own document; the page itself is kept as well.
    """
    first = _extract_one(fetched, paths, limits, known)
    out = [first]
    if fetched.get("is_file") or fetched.get("status") != "fetched" or not fetched.get("raw_path"):
        return out
    staged = Staged.from_json(Path(first).read_text(encoding="utf-8"))
    report = staged.report or {}
    if report.get("format") != "html" or report.get("status") == "ok":
        return out

    defaults = load_sources(Path(sources_path)).defaults if sources_path is not None else None

    def get(url: str) -> Any:
        return _fetch_url(url, paths, defaults)

    item = {k: fetched.get(k) for k in HINT_KEYS}
    item["agency_hint"] = item.get("agency_hint") or report.get("agency")
    item["year_hint"] = item.get("year_hint") or report.get("report_year")
    page = Path(fetched["raw_path"]).read_bytes()
    for url in attachment_links(page, fetched["url"])[:MAX_ATTACHMENTS]:
        out.append(_extract_one({**item, **get(url).__dict__}, paths, limits, known))
    snapshot = page_with_pictures(page, fetched["url"], get, paths.raw)
    if snapshot is not None:
        # the page as its reader sees it, pictures included: a document of its own, kept in the
        # raw store whole (re-reading it needs nothing else)
        sha, raw = keep(paths.raw, snapshot)
        out.append(_extract_one({**item, "url": fetched["url"], "status": "fetched", "sha256": sha, "raw_path": str(raw),
                                 "bytes": len(snapshot), "fetched_at": fetched.get("fetched_at") or _now(),
                                 "http_status": fetched.get("http_status")}, paths, limits, known))
    return out


_PICTURE_MAGIC = (*IMAGE_MAGIC, b"GIF8", b"RIFF")  # and GIF, WebP: web pictures
PICTURE = re.compile(r"\.(png|jpe?g|gif|bmp|tiff?|webp)$", re.I)


def picture_links(html: bytes, base_url: str) -> list[tuple[str, str]]:
    """(src as written, absolute URL) of the pictures of a page that are on its own site."""
    from urllib.parse import urljoin, urlparse

    from selectolax.lexbor import LexborHTMLParser

    from extract.readers.charset import decode
    from extract.readers.pictures import MAX_PICTURES

    text, _ = decode(html)
    host = urlparse(base_url).netloc
    found: list[tuple[str, str]] = []
    for img in LexborHTMLParser(text).css("img[src]"):
        src = (img.attributes.get("src") or "").strip()
        target = urljoin(base_url, src).split("#")[0]
        parts = urlparse(target)
        if (parts.netloc == host and parts.scheme in ("http", "https") and PICTURE.search(parts.path)
                and all(t != target for _, t in found)):
            found.append((src, target))
    return found[:MAX_PICTURES]


def page_with_pictures(page: bytes, base_url: str, get: Any, raw_root: Path) -> bytes | None:
    """The page with its same-site pictures fetched and written into it as data: URIs.

    None when the page has no such pictures or none could be fetched. What could not be
    fetched stays a link (the reader names the pictures it read; the fetch log the failures).
    """
    import base64
    import html as html_lib

    from extract.readers.charset import decode

    links = picture_links(page, base_url)
    if not links:
        return None
    text, _ = decode(page)
    inlined = 0
    for src, url in links:
        got = get(url)
        if got.status == "failed" or not got.sha256:
            continue
        path = Path(got.raw_path) if got.raw_path else raw_path(raw_root, got.sha256)
        if not path.exists():
            continue
        data = path.read_bytes()
        if not data.startswith(_PICTURE_MAGIC):
            continue  # an error page served under a picture's name
        ext = PICTURE.search(url)
        uri = f"data:image/{ext.group(1).lower() if ext else 'png'};base64," + base64.b64encode(data).decode("ascii")
        for form in {src, html_lib.escape(src, quote=True), src.replace("&", "&amp;")}:
            text = text.replace(f'src="{form}"', f'src="{uri}"').replace(f"src='{form}'", f"src='{uri}'")
        inlined += 1
    if not inlined:
        return None
    # a BOM, since the page's own <meta charset> may name another encoding
    return "\ufeff".encode() + text.encode("utf-8")


def attachment_links(html: bytes, base_url: str) -> list[str]:
    """Links from a report page to report files (PDF, DOC, DOCX) on the same site."""
    from urllib.parse import urljoin, urlparse

    from selectolax.lexbor import LexborHTMLParser

    from extract.readers.charset import decode

    text, _ = decode(html)
    host = urlparse(base_url).netloc
    found: list[str] = []
    for a in LexborHTMLParser(text).css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        target = urljoin(base_url, href).split("#")[0]
        parts = urlparse(target)
        if parts.netloc == host and parts.scheme in ("http", "https") and ATTACHMENT.search(parts.path) and target not in found:
            found.append(target)
    return found


def apply_hints(report: dict[str, Any], hints: dict[str, Any]) -> None:
    """Fill what the report does not say from what its source says; remember what was filled.

    The filled fields are kept with the document (`hints`), so a re-extraction by a newer
    extractor gets the same help the first reading had.
    """
    used = {k: v for k, v in hints.items() if v and not report.get(k)}
    report.update(used)
    if used:
        report["hints"] = used


def _extract_one(fetched: dict[str, Any], paths: Paths, limits: Limits | None = None, known: set[str] | None = None) -> str:
    """Extract one fetched document to a staging file for the writer; return its path."""
    paths.ensure()
    url = fetched["url"]
    fetch_record = None if fetched.get("is_file") else {k: fetched.get(k) for k in (
        "url", "source_name", "fetched_at", "status", "http_status", "error_code", "error", "sha256", "bytes")}
    name = _staging_name(fetched.get("sha256") or hashlib.sha256(url.encode()).hexdigest(), url + fetched.get("fetched_at", ""))
    if fetched["status"] == "failed":
        return str(write_staged(paths, Staged(None, "", 0, fetched["fetched_at"], fetch_record), name))
    known = _known(paths) if known is None else known
    sha = fetched.get("sha256")
    if fetched["status"] == "not_modified" or (sha and sha in known):
        if sha:
            return str(stage_known(sha, url, paths, fetched["fetched_at"], fetch_record))
        return str(write_staged(paths, Staged(None, "", 0, fetched["fetched_at"], fetch_record), name))
    data = Path(fetched["raw_path"]).read_bytes()
    report = extract_bytes(data, url, limits)
    apply_hints(report, {"agency": fetched.get("agency_hint"), "report_year": fetched.get("year_hint"),
                         "region": fetched.get("region_hint")})
    return str(write_staged(paths, Staged(report, fetched["raw_path"], len(data), fetched["fetched_at"], fetch_record), name))

def load(paths: Paths, staged: list[str] | list[list[str]] | None = None) -> dict[str, Any]:
    """The one writer: land every staging file of this run (lists from mapped extract tasks are flattened)."""
    flat: list[Path] | None = None
    if staged is not None:
        flat = []
        for item in staged:
            flat.extend(Path(p) for p in ([item] if isinstance(item, str) else item))
    reread = reextract(paths)
    result = load_staged(paths, flat)
    return {"loaded": result.loaded, "unchanged": result.unchanged, "new_sources": result.new_sources,
            "by_status": result.by_status, "failed": result.failed,
            "reextracted": reread.reread, "reextract_changed": reread.changed, "reextract": reread.text()}


def needs_build(loaded: dict[str, Any], paths: Paths) -> bool:
    """Marts are a function of `raw`: rebuild (and re-validate) only when this run changed it."""
    import duckdb

    if loaded.get("loaded") or loaded.get("new_sources") or loaded.get("failed") or loaded.get("reextract_changed"):
        return True
    if not paths.warehouse.exists():
        return True
    try:
        con = duckdb.connect(str(paths.warehouse), read_only=True)
    except duckdb.Error:
        return True
    try:
        con.execute("select 1 from marts.fct_rule_results limit 1")
        return False
    except duckdb.Error:
        return True  # never built or never validated
    finally:
        con.close()


def dbt_build(paths: Paths, full_refresh: bool = False) -> None:
    build_models(paths, full_refresh)


def validate(paths: Paths, send_mail: bool = True) -> dict[str, Any]:
    from expectations.validate import validate as run_validate

    summary = run_validate(paths, send_mail=send_mail, publish_copy=False)
    return {"text": summary.text(), "errors": summary.errors, "warnings": summary.warnings, "mail": summary.mail,
            "data_docs": str(summary.data_docs) if summary.data_docs else None, "reports_checked": summary.reports_checked}


def publish_marts(paths: Paths) -> None:
    publish(paths)


# ---------------------------------------------------------------------------------------------
# Batches: what the DAG maps over. The work list lives in the data folder
# (work/<run>/batch-NNNN.json → fetched-NNNN.json → staged-NNNN.json); Airflow only passes
# small descriptors, so the number of mapped tasks is ⌈documents / batch size⌉ whatever the
# sources hold. Each step rewrites its own file, so a rerun of a batch replaces, never adds.

DEFAULT_BATCH_SIZE = 250
WORK_KEEP_S = 7 * 24 * 3600


def batch_size_from_env() -> int:
    import os

    try:
        return max(1, int(os.environ.get("XXGK_BATCH_SIZE", DEFAULT_BATCH_SIZE)))
    except ValueError:
        return DEFAULT_BATCH_SIZE


def work_dir(paths: Paths, run_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", run_id) or "run"
    return paths.data / "work" / safe


def _write_json(path: Path, value: Any) -> None:
    import json
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def _batch_file(batch: dict[str, Any], step: str) -> Path:
    return Path(batch["work"]) / f"{step}-{int(batch['batch']):05d}.json"


def plan_batches(sources_path: str | Path, paths: Paths, run_id: str, kinds: tuple[str, ...] = ("folder", "url", "listing"),
                 batch_size: int | None = None) -> list[dict[str, Any]]:
    """Discover every document, write the work list in batches, return one small descriptor per batch."""
    import shutil

    size = batch_size or batch_size_from_env()
    items = discover(sources_path, paths, kinds)
    work = work_dir(paths, run_id)
    shutil.rmtree(work, ignore_errors=True)  # a rerun of discover starts this run's list afresh
    stale = time.time() - WORK_KEEP_S
    for old in work.parent.glob("*") if work.parent.is_dir() else []:
        if old.is_dir() and old.stat().st_mtime < stale:  # work lists of runs that never reached load
            shutil.rmtree(old, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    out: list[dict[str, Any]] = []
    for i, start in enumerate(range(0, len(items), size)):
        chunk = items[start : start + size]
        desc = {"batch": i, "work": str(work), "count": len(chunk)}
        _write_json(_batch_file(desc, "batch"), chunk)
        out.append(desc)
    return out


def fetch_batch(batch: dict[str, Any], sources_path: str | Path, paths: Paths) -> dict[str, Any]:
    """Fetch every document of a batch; one that fails is recorded as failed, never raised."""
    fetched: list[dict[str, Any]] = []
    for item in _read_json(_batch_file(batch, "batch")):
        try:
            got = fetch(item, sources_path, paths)
        except Exception as exc:  # one document never fails the batch
            where = item.get("url") or item.get("path") or "?"
            got = {k: item.get(k) for k in HINT_KEYS}
            got.update({"url": where, "status": "failed", "error_code": "fetch_error",
                        "error": f"{where}: {type(exc).__name__}: {exc}", "fetched_at": _now(), "is_file": item.get("kind") == "file"})
        fetched.append(got)
    _write_json(_batch_file(batch, "fetched"), fetched)
    return {**batch, "failed": sum(1 for f in fetched if f.get("status") == "failed")}


def _failed_staged(fetched: dict[str, Any], paths: Paths, code: str, message: str) -> str:
    """A document that could not be read, as a `failed` report (raw.documents), naming it and why."""
    from extract.report import failed_report

    url = fetched["url"]
    sha = fetched.get("sha256") or hashlib.sha256(url.encode()).hexdigest()
    report = failed_report(url, sha, code, message)
    apply_hints(report, {"agency": fetched.get("agency_hint"), "report_year": fetched.get("year_hint"),
                         "region": fetched.get("region_hint")})
    fetch_record = None if fetched.get("is_file") else {k: fetched.get(k) for k in (
        "url", "source_name", "fetched_at", "status", "http_status", "error_code", "error", "sha256", "bytes")}
    staged = Staged(report, fetched.get("raw_path") or "", int(fetched.get("bytes") or 0), fetched.get("fetched_at") or _now(), fetch_record)
    return str(write_staged(paths, staged, _staging_name(sha, url)))


def batch_workers_from_env() -> int:
    import os

    try:
        return max(1, int(os.environ.get("XXGK_BATCH_WORKERS", "1")))
    except ValueError:
        return 1


_KNOWN: set[str] | None = None


def _init_batch_worker(known: set[str]) -> None:
    global _KNOWN
    _KNOWN = known


def _extract_safe(args: tuple[dict[str, Any], str, str | None, Limits | None]) -> list[str]:
    """One document of a batch to staging files; whatever goes wrong is staged as a failed report."""
    fetched, data_dir, sources_path, limits = args
    paths = Paths(Path(data_dir))
    if fetched.get("is_file") and fetched.get("status") == "failed":
        return [_failed_staged(fetched, paths, fetched.get("error_code") or "unreadable_file", fetched.get("error") or "cannot be read")]
    try:
        return extract(fetched, paths, limits, _KNOWN if _KNOWN is not None else set(), sources_path=sources_path)
    except Exception as exc:  # one document never fails the batch
        return [_failed_staged(fetched, paths, "extract_error", f"{type(exc).__name__}: {exc}")]


def extract_batch(batch: dict[str, Any], paths: Paths, sources_path: str | Path | None = None,
                  limits: Limits | None = None, workers: int | None = None) -> dict[str, Any]:
    """Extract every fetched document of a batch to staging files; list them for the writer.

    The landed hashes are read once per batch. A document whose reading raises is staged as
    a `failed` report naming it; the batch goes on. A rerun removes the staging files of the
    previous attempt that the writer has not taken yet, so nothing is landed twice.
    `workers` (default `XXGK_BATCH_WORKERS`, 1) > 1 reads the batch in that many processes.
    """
    global _KNOWN
    paths.ensure()
    listing = _batch_file(batch, "staged")
    if listing.exists():
        for old in _read_json(listing):
            Path(old).unlink(missing_ok=True)
    known = _known(paths)
    todo = [(f, str(paths.data), str(sources_path) if sources_path else None, limits) for f in _read_json(_batch_file(batch, "fetched"))]
    workers = workers or batch_workers_from_env()
    staged: list[str] = []
    if workers > 1 and len(todo) > 2:
        from concurrent.futures import ProcessPoolExecutor

        # forked like extract.pipeline.stage_files (and the load task's re-extraction)
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_batch_worker, initargs=(known,)) as pool:
            for out in pool.map(_extract_safe, todo, chunksize=max(1, len(todo) // (workers * 4))):
                staged.extend(out)
    else:
        _KNOWN = known
        try:
            for job in todo:
                staged.extend(_extract_safe(job))
        finally:
            _KNOWN = None
    _write_json(listing, staged)
    return {**batch, "staged": len(staged)}


def load_batches(paths: Paths, batches: list[dict[str, Any]]) -> dict[str, Any]:
    """The one writer over the staged lists of every batch (a batch already landed has none left)."""
    files: list[str] = []
    for b in batches:
        listing = _batch_file(b, "staged")
        if listing.exists():
            files.extend(p for p in _read_json(listing) if Path(p).exists())
    result = load(paths, files)
    result["batches"] = len(batches)
    return result


def finish_run(paths: Paths, run_id: str) -> None:
    """Remove a run's work list once it is landed."""
    import shutil

    shutil.rmtree(work_dir(paths, run_id), ignore_errors=True)
