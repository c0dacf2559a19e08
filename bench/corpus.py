"""A benchmark corpus: N generated reports in every format, with their ground truth (truth.jsonl)."""

from __future__ import annotations

import json
import os
import random
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from synth.model import make_report
from synth.render import to_docx, to_html, to_pdf, to_txt, via_libreoffice

COUNTIES = ["河东区", "文登区", "樟树市", "湛河区", "大武口区", "平潭县", "历下区", "鼓楼区", "武侯区", "南山区", "余杭区", "江宁区"]
BUREAUS = ["交通运输局", "教育局", "卫生健康委员会", "人民政府办公室", "财政局", "自然资源局", "市场监督管理局", "生态环境局", "人民政府"]
YEARS = list(range(2019, 2026))


# the share of each format: "mixed" (make bench: half PDFs of 3-11 pages) and "national" (what a
# national year looks like: most reports are web pages, PDFs of 1-3 pages, DOCX, some text)
MIXES = {
    "mixed": ((0.50, "pdf"), (0.70, "html"), (0.85, "docx"), (1.0, "txt")),
    "national": ((0.20, "pdf"), (0.75, "html"), (0.90, "docx"), (1.0, "txt")),
}


def plan(n: int, seed: int = 2026, with_doc: bool = True, agency_offset: int = 0, mix: str = "mixed",
         scan_share: float = 0.0) -> list[dict[str, Any]]:
    """What to generate: agency, year, format and quirks of each report (deterministic).

    `agency_offset` numbers the agencies from there, so a second corpus (the new reports of an
    incremental run) names agencies the first one does not. `scan_share` of the reports are
    scans (image-only PDFs, read by OCR).
    """
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    agencies = max(1, n // len(YEARS))
    docs = 0
    for i in range(n):
        a = agency_offset + i % agencies
        county = COUNTIES[a % len(COUNTIES)]
        agency = f"{county}{BUREAUS[(a // len(COUNTIES)) % len(BUREAUS)]}" + ("" if a < len(COUNTIES) * len(BUREAUS) else f"第{a}分局")
        year = YEARS[(i // agencies) % len(YEARS)]
        r = rng.random()
        kind = next(k for bound, k in MIXES[mix] if r < bound)
        if scan_share and rng.random() < scan_share:
            fmt = "scan"
        elif kind == "html":
            fmt = "html-gbk" if rng.random() < 0.3 else "html"
        elif kind == "txt" and with_doc and docs < 20 and mix == "mixed" and r >= 0.97:
            fmt = "doc"
            docs += 1
        elif kind == "txt":
            fmt = rng.choice(["txt-pipe", "txt-tab"])
        else:
            fmt = kind
        out.append({
            "id": f"r{i:06d}", "agency": agency, "year": year, "format": fmt, "seed": rng.randrange(1 << 30),
            "busy": rng.random() < 0.15, "break_rule": rng.random() < 0.10, "blanks": 0.03 if rng.random() < 0.05 else 0.0,
            "mixed": rng.random() < 0.03 and year >= 2021, "narrow": rng.random() < 0.2,
            "pages": rng.randint(3, 9) if mix == "mixed" else rng.randint(0, 2),
        })
    return out


def _render(item: dict[str, Any]) -> tuple[str, bytes]:
    rep = make_report(random.Random(item["seed"]), item["agency"], item["year"], busy=item["busy"],
                      break_rule=item["break_rule"], blank_share=item["blanks"], mixed=item["mixed"])
    fmt = item["format"]
    if fmt == "scan":
        from synth.scan import to_scan

        return ".pdf", to_scan(rep, random.Random(item["seed"]), dpi=200, tilt=0.8, noise=8.0, jpeg=70)
    if fmt == "pdf":
        return ".pdf", to_pdf(rep, narrow=item["narrow"], narrative_pages=item["pages"])
    if fmt == "html":
        return ".html", to_html(rep)
    if fmt == "html-gbk":
        return ".html", to_html(rep, "gbk")
    if fmt == "docx":
        return ".docx", to_docx(rep, reuse=True)
    if fmt == "doc":
        return ".doc", via_libreoffice(to_docx(rep), ".docx", "doc")
    return ".txt", to_txt(rep, "pipe_rows" if fmt == "txt-pipe" else "tab_rows")


def _truth(item: dict[str, Any]) -> dict[str, Any]:
    rep = make_report(random.Random(item["seed"]), item["agency"], item["year"], busy=item["busy"],
                      break_rule=item["break_rule"], blank_share=item["blanks"], mixed=item["mixed"])
    t = rep.truth()
    conv = lambda v: float(v) if isinstance(v, Decimal) else v  # noqa: E731
    return {"id": item["id"], "format": item["format"], "agency": rep.agency, "year": rep.year,
            "template_version": rep.template_version,
            **{table: {f"{a}|{b}": conv(v) for (a, b), v in vals.items()} for table, vals in t.items()}}


def _make(args: tuple[dict[str, Any], str]) -> dict[str, Any]:
    item, folder = args
    suffix, data = _render(item)
    (Path(folder) / f"{item['id']}{suffix}").write_bytes(data)
    return _truth(item)


def build(n: int, folder: Path, workers: int = 0, seed: int = 2026, agency_offset: int = 0, mix: str = "mixed",
          scan_share: float = 0.0) -> Path:
    """Generate the corpus once; reuse it when it is already there."""
    folder.mkdir(parents=True, exist_ok=True)
    truth = folder / "truth.jsonl"
    if truth.exists() and sum(1 for _ in truth.open(encoding="utf-8")) == n:
        return folder
    from extract.readers.doc import soffice_path

    items = plan(n, seed=seed, with_doc=soffice_path() is not None, agency_offset=agency_offset, mix=mix, scan_share=scan_share)
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        rows = list(pool.map(_make, [(i, str(folder)) for i in items], chunksize=32))
    with truth.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return folder
