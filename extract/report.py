"""One report: bytes in, the spec's JSON object out (whatever the format, whatever goes wrong)."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extract.document import Document, ExtractionFailure, Table, TextLine
from extract.readers import reader_for, sniff_format
from extract.template import metadata
from extract.template.parser import parse_tables
from extract.template.verify import verify as verify_ocr
from extract.version import extractor_version

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_TIMEOUT_S = 120.0
TABLES = ("disclosures", "requests", "litigation")
# the top-level keys of the spec's JSON (shared/spec); reports also carry region_hints and
# narrative for the warehouse, which `xxgk extract` prints only with --context
SPEC_KEYS = ("source", "sha256", "format", "agency", "report_year", "published_on", "template_version", "status",
             "disclosures", "requests", "litigation", "problems")


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = int(os.environ.get("XXGK_MAX_BYTES", DEFAULT_MAX_BYTES))
    timeout_s: float = float(os.environ.get("XXGK_TIMEOUT_S", DEFAULT_TIMEOUT_S))


class _Timeout(Exception):
    pass


@contextmanager
def _time_cap(seconds: float):
    """A wall-clock cap on parsing one file (main thread only; elsewhere the caller caps)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


PICTURE_FORMATS = ("html", "docx", "doc", "wps")


def _empty(source: str, sha256: str, fmt: str | None) -> dict[str, Any]:
    return {
        "source": source,
        "sha256": sha256,
        "format": fmt,
        "agency": None,
        "report_year": None,
        "published_on": None,
        "template_version": "unknown",
        "status": "failed",
        "disclosures": [],
        "requests": [],
        "litigation": [],
        "problems": [],
        # not in the spec's contract: province/city codes the text names (disambiguates regions)
        "region_hints": [],
        # not in the spec's contract: what the narrative states (rules R9, R10)
        "narrative": {"period_year": None, "statements": []},
        # how the tables were read: "text" (a text layer), "ocr" (images), "mixed"
        "read_by": None,
        # which extractor produced this JSON (a digest of its code, extract/version.py)
        "extractor_version": extractor_version(),
    }


def failed_report(source: str, sha256: str, code: str, message: str) -> dict[str, Any]:
    """A `failed` report whose one problem says why, naming the file."""
    out = _empty(source, sha256, None)
    out["problems"].append({"code": code, "table": None, "message": f"{source}: {message}"})
    return out


def meta_lines(doc: Document) -> list[str]:
    """Text lines plus table rows joined, in reading order: where titles and fields are printed."""
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, TextLine):
            out.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [c.text for c in row if c is not None and c.text]
                if cells:
                    out.append(" | ".join(cells))
    return out


def _reads_as_report(parsed: Any, lines: list[str]) -> bool:
    """Tables enough to be a report's, or a report's structure around what was found."""
    return len(parsed.found) >= 2 or parsed.cells() >= 20 or metadata.report_sections(lines) >= 3


def extract_bytes(data: bytes, source: str, limits: Limits | None = None, fmt_hint: str | None = None) -> dict[str, Any]:
    limits = limits or Limits()
    sha256 = hashlib.sha256(data).hexdigest()
    out = _empty(source, sha256, fmt_hint)
    try:
        if len(data) > limits.max_bytes:
            raise ExtractionFailure("too_large", f"the file is {len(data)} bytes, over the cap of {limits.max_bytes} bytes")
        fmt = sniff_format(data, source)
        out["format"] = fmt
        with _time_cap(limits.timeout_s):
            doc = reader_for(fmt)(data, source)
            _fill(out, doc)
            if doc.pictures and out["status"] != "ok" and fmt in PICTURE_FORMATS:
                # the text does not hold the report's tables but the document carries pictures:
                # read it again with its pictures OCR'd in place (tables pasted as images)
                second = _empty(source, sha256, fmt)
                _fill(second, reader_for(fmt)(data, source, pictures=True))
                if _quality(second) > _quality(out):
                    out = second
            if fmt == "pdf" and out["status"] != "ok" and out["read_by"] != "ocr":
                # the pdfium table reader could not read it whole: let pdfplumber try every table page
                from extract.readers.pdf import read_pdf

                second = _empty(source, sha256, fmt)
                _fill(second, read_pdf(data, source, engine="pdfplumber"))
                if _quality(second) > _quality(out):
                    out = second
    except ExtractionFailure as exc:
        out["problems"].append({"code": exc.code, "table": None, "message": f"{source}: {exc.message}"})
    except _Timeout:
        out.update(status="failed", disclosures=[], requests=[], litigation=[])
        out["problems"].append({"code": "timeout", "table": None, "message": f"{source}: reading took longer than the cap of {limits.timeout_s:.0f} s"})
    except MemoryError:
        out["problems"].append({"code": "too_large", "table": None, "message": f"{source}: ran out of memory reading the file"})
    except Exception as exc:  # a library crashed on this file: the report fails, the run goes on
        out.update(status="failed", disclosures=[], requests=[], litigation=[])
        where = traceback.extract_tb(exc.__traceback__)[-1]
        out["problems"].append({
            "code": "unreadable_file",
            "table": None,
            "message": f"{source}: the file could not be read ({type(exc).__name__}: {exc}; in {Path(where.filename).name}:{where.lineno})",
        })
    return out


def _quality(report: dict[str, Any]) -> tuple[int, int]:
    rank = {"ok": 2, "partial": 1, "failed": 0}[report["status"]]
    cells = len(report["disclosures"]) + len(report["requests"]) + len(report["litigation"])
    return rank, cells


def _fill(out: dict[str, Any], doc: Document) -> None:
    lines = meta_lines(doc)
    meta = metadata.read(lines)
    year = meta.report_year
    out["report_year"] = year
    out["agency"] = meta.agency
    out["published_on"] = meta.published_on.isoformat() if meta.published_on else None
    out["problems"].extend(meta.problems)
    from extract.regions import places_named

    out["region_hints"] = sorted(places_named("\n".join(lines)))
    out["narrative"] = metadata.narrative_facts([x.text for x in doc.lines])
    out["problems"].extend(doc.problems)
    parsed = parse_tables(doc, year)
    out["disclosures"] = parsed.disclosures
    out["requests"] = parsed.requests
    out["litigation"] = parsed.litigation
    problems: list[dict[str, Any]] = out["problems"]
    if parsed.found and not _reads_as_report(parsed, lines):
        # a news item quoting a few figures, a listing of reports, a page that only links to
        # its report: nothing of the template is read from it, not even stray cells
        out["disclosures"], out["requests"], out["litigation"] = [], [], []
        parsed = parse_tables(Document(doc.format), year)
    if not parsed.found:
        if year is not None and year < 2019:
            out["template_version"] = "unknown"
            out["status"] = "failed"
            problems.append({
                "code": "no_template_tables",
                "table": None,
                "message": f"{out['source']}: a report on {year}, before the 2019 national template: it has no template tables to read",
            })
        elif metadata.report_sections(lines) >= 3:
            out["template_version"] = _version_by_year(year)
            out["status"] = "partial"
            for table in TABLES:
                problems.append({"code": "table_missing", "table": table, "message": f"table {_NAMES[table]} was not found in the document"})
            if year is not None:
                problems.append({"code": "template_inferred", "table": None, "message": f"no table tells the template version; {out['template_version']} assumed from the report year {year}"})
        else:
            out["template_version"] = "unknown"
            out["status"] = "failed"
            what = ("it only names a report and links to it elsewhere (an attachment)" if meta.titled
                    else "no government information-disclosure annual report (政府信息公开工作年度报告) was found in it")
            problems.append({"code": "not_a_report", "table": None, "message": f"{out['source']}: not a report: {what}"})
        return
    problems.extend(parsed.problems)
    for table in sorted(parsed.inferred):
        problems.append({"code": "template_inferred", "table": table,
                         "message": f"nothing table {_NAMES[table]} prints tells its template version; {parsed.versions[table]} assumed from the report year"})
    votes = list(parsed.versions.values())
    if not votes:
        out["template_version"] = _version_by_year(year)
    else:
        count19, count21 = votes.count("2019"), votes.count("2021")
        if count19 > count21:
            out["template_version"] = "2019"
        elif count21 > count19:
            out["template_version"] = "2021"
        else:
            out["template_version"] = _version_by_year(year)
        if count19 and count21:
            tables = ", ".join(f"{t} {v}" for t, v in parsed.versions.items())
            problems.append({"code": "template_mixed", "table": None, "message": f"the tables follow different template versions ({tables})"})
    out["read_by"] = _read_by(out)
    missing = [t for t in TABLES if t not in parsed.found]
    for table in missing:
        problems.append({"code": "table_missing", "table": table, "message": f"table {_NAMES[table]} was not found in the document"})
    out["status"] = "partial" if missing or parsed.incomplete else "ok"
    verify_ocr(out)  # OCR'd cells: verified by R1–R4 or named as ocr_unverified


def _read_by(report: dict[str, Any]) -> str:
    sources = {c.get("source", "text") for t in TABLES for c in report[t]}
    return "mixed" if len(sources) > 1 else sources.pop() if sources else "text"


_NAMES = {"disclosures": "二 (主动公开)", "requests": "三 (依申请公开)", "litigation": "四 (行政复议、行政诉讼)"}


def _version_by_year(year: int | None) -> str:
    if year is None:
        return "unknown"
    return "2019" if year in (2019, 2020) else "2021" if year >= 2021 else "unknown"


def extract_path(path: str | Path, limits: Limits | None = None) -> dict[str, Any]:
    limits = limits or Limits()
    p = Path(path)
    size = p.stat().st_size
    if size > limits.max_bytes:
        with p.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        return failed_report(str(path), digest, "too_large", f"the file is {size} bytes, over the cap of {limits.max_bytes} bytes")
    return extract_bytes(p.read_bytes(), str(path), limits)
