"""`make bench N=…`: the pipeline on N generated reports, stage by stage, with accuracy and PDF speed.

Prints wall time, reports/s and peak memory per stage (extract, load, dbt build, validate,
publish), a re-run with nothing changed, plain pdfplumber vs our PDF path on the same files,
reports/s per format, and the cell accuracy against the generator's truth. The last line sums
it up. No timing is asserted anywhere in the test suite: figures belong here.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import psutil

from bench.corpus import build as build_corpus
from extract.settings import ROOT, Paths


class Peak:
    """Peak resident memory of this process and its children, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                total = me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True))
            except psutil.Error:
                total = 0
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def __enter__(self) -> Peak:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def stage(name: str, fn: Callable[[], Any], n: int, results: dict[str, Any]) -> Any:
    with Peak() as peak:
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
    results[name] = {"seconds": round(dt, 2), "per_s": round(n / dt, 1) if dt else None, "peak_mb": round(peak.peak / 2**20)}
    print(f"  {name:<16} {dt:8.1f} s  {n / dt if dt else 0:8.1f} reports/s  peak {peak.peak / 2**20:7.0f} MB", flush=True)
    return out


def accuracy(staged: Iterable[dict[str, Any]], truth_path: Path) -> dict[str, Any]:
    truth = {t["id"]: t for t in map(json.loads, truth_path.open(encoding="utf-8"))}
    keys = {"disclosures": ("item", "measure"), "requests": ("row", "applicant"), "litigation": ("proceeding", "result")}
    want = got_right = fabricated = missed = meta_ok = reports = 0
    statuses: dict[str, int] = {}
    for rep in staged:
        rid = Path(rep["source"]).stem
        t = truth[rid]
        reports += 1
        statuses[rep["status"]] = statuses.get(rep["status"], 0) + 1
        meta_ok += int(rep["agency"] == t["agency"] and rep["report_year"] == t["year"] and rep["template_version"] == t["template_version"])
        for table, (a, b) in keys.items():
            expected = t[table]
            have = {f"{c[a]}|{c[b]}": c["value"] for c in rep[table]}
            want += len(expected)
            for k, v in expected.items():
                if k in have and abs(float(have[k]) - float(v)) < 1e-9:
                    got_right += 1
                elif k not in have:
                    missed += 1
            for k, v in have.items():
                if k not in expected or abs(float(expected[k]) - float(v)) > 1e-9:
                    fabricated += 1
    return {"cells": want, "correct": got_right, "missed": missed, "fabricated": fabricated,
            "metadata_ok": meta_ok, "reports": reports,
            "accuracy_pct": round(100 * got_right / want, 4) if want else 100.0, "statuses": statuses}


def _accuracy_of(staged: list[str], truth_path: str) -> dict[str, Any]:
    from extract.load import Staged

    return accuracy((Staged.from_json(Path(p).read_text(encoding="utf-8")).report for p in staged), Path(truth_path))


def pdf_speed(files: list[Path], limit: int) -> dict[str, Any]:
    """Plain pdfplumber extract_tables() on every page vs our PDF path, same files, same run."""
    import pdfplumber
    import pypdfium2

    from extract.report import extract_bytes

    sample = files[:limit]
    pages = sum(len(pypdfium2.PdfDocument(f.read_bytes())) for f in sample)
    t = time.perf_counter()
    for f in sample:
        with pdfplumber.open(io.BytesIO(f.read_bytes())) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()
    plain = time.perf_counter() - t
    t = time.perf_counter()
    for f in sample:
        extract_bytes(f.read_bytes(), f.name)  # the whole extractor: reader, parser, metadata
    ours = time.perf_counter() - t
    return {"files": len(sample), "pages": pages, "plain_pages_s": round(pages / plain, 1), "ours_pages_s": round(pages / ours, 1),
            "speedup": round(plain / ours, 2)}


def format_rates(folder: Path, per_format: int = 60) -> dict[str, float]:
    from extract.report import extract_bytes

    rates: dict[str, float] = {}
    for suffix in (".html", ".docx", ".txt", ".pdf"):
        files = sorted(folder.glob(f"*{suffix}"))[:per_format]
        if not files:
            continue
        blobs = [(f.read_bytes(), f.name) for f in files]
        t = time.perf_counter()
        for data, name in blobs:
            extract_bytes(data, name)
        rates[suffix.lstrip(".")] = round(len(blobs) / (time.perf_counter() - t), 1)
    return rates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--data", type=Path, default=None, help="bench data folder (default data/bench)")
    ap.add_argument("--pdf-sample", type=int, default=100)
    ap.add_argument("--dag-n", type=int, default=3000, help="uploads for the DAG-vs-CLI figure (0: skip it)")
    ap.add_argument("--dag-batch", type=int, default=250, help="documents per mapped batch task in the DAG figure")
    ap.add_argument("--incr", type=int, default=1000, help="new reports landed on top for the incremental figure (0: skip)")
    ap.add_argument("--mix", choices=["mixed", "national"], default="mixed",
                    help="mixed: half PDFs of 3-11 pages (make bench); national: a national year's mix, mostly web pages (make bench-national)")
    ap.add_argument("--scan-share", type=float, default=0.0, help="share of scanned reports (image-only PDFs read by OCR)")
    args = ap.parse_args()
    n = args.n
    base = (args.data or Paths.from_env().data / "bench").resolve()
    tag = "" if args.mix == "mixed" else f"{args.mix}-"
    tag += f"scan{round(args.scan_share * 100)}-" if args.scan_share else ""
    corpus = base / f"corpus-{tag}{n}"
    print(f"bench: {n} reports; machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}", flush=True)
    t = time.perf_counter()
    build_corpus(n, corpus, args.workers, mix=args.mix, scan_share=args.scan_share)
    print(f"  corpus ready in {time.perf_counter() - t:.0f} s: {corpus}", flush=True)
    files = sorted(f for f in corpus.iterdir() if f.name != "truth.jsonl")

    run_dir = base / f"run-{tag}{n}"
    shutil.rmtree(run_dir, ignore_errors=True)
    paths = Paths(run_dir).ensure()
    os.environ["XXGK_DATA_DIR"] = str(run_dir)
    from expectations.validate import validate
    from extract.pipeline import dbt_build, load_staged, publish, stage_files

    results: dict[str, Any] = {"n": n}
    total_t = time.perf_counter()
    staged_files = stage("extract", lambda: stage_files(files, paths, args.workers), n, results)
    # accuracy from the staging files, one at a time (the writer deletes them once landed)
    t_acc = time.perf_counter()
    # in a process of its own: the truth of 100,000 reports is gigabytes of dicts, which would
    # stay in this process's memory and in the peak of every later stage
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as pool:
        acc = pool.submit(_accuracy_of, [str(p) for p in staged_files], str(corpus / "truth.jsonl")).result()
    t_acc = time.perf_counter() - t_acc  # bench bookkeeping, not pipeline time
    stage("load", lambda: load_staged(paths, staged_files), n, results)
    stage("dbt build", lambda: dbt_build(paths), n, results)
    stage("validate", lambda: validate(paths, send_mail=True, publish_copy=False), n, results)
    stage("publish", lambda: publish(paths), n, results)
    total = time.perf_counter() - total_t - t_acc
    peak = max(v["peak_mb"] for v in results.values() if isinstance(v, dict) and "peak_mb" in v)

    def rerun() -> None:
        """What the DAG does on a re-run: hash, skip what is landed, rebuild only if raw changed."""
        from extract.jobs import needs_build
        from extract.pipeline import ingest

        r = ingest(files, paths, args.workers)
        assert r.load.loaded == 0, "a re-run with nothing changed must load nothing"
        if needs_build({"loaded": r.load.loaded, "new_sources": r.load.new_sources, "failed": r.load.failed}, paths):
            dbt_build(paths)
            validate(paths, send_mail=False, publish_copy=False)
            publish(paths)

    stage("re-run unchanged", rerun, n, results)

    incr_s = None
    if args.incr:
        # new reports of other agencies on top of the N landed: what a scheduled run that finds
        # new uploads pays (load, incremental dbt, validation of the new checks, publish)
        incr_corpus = base / f"corpus-incr-{tag}{args.incr}"
        build_corpus(args.incr, incr_corpus, args.workers, seed=7, agency_offset=1_000_000, mix=args.mix, scan_share=args.scan_share)
        new_files = sorted(f for f in incr_corpus.iterdir() if f.name != "truth.jsonl")

        def incremental() -> None:
            from extract.pipeline import ingest

            r = ingest(new_files, paths, args.workers)
            assert r.load.loaded == len(new_files), f"{r.load.loaded} of {len(new_files)} new reports landed"
            dbt_build(paths)
            validate(paths, send_mail=False, publish_copy=False)
            publish(paths)

        stage(f"incremental +{args.incr}", incremental, args.incr, results)
        incr_s = results[f"incremental +{args.incr}"]["seconds"]
    results["accuracy"] = acc
    pdfs = [f for f in files if f.suffix == ".pdf"]
    speed = pdf_speed(pdfs, args.pdf_sample) if pdfs else {"speedup": None}
    results["pdf"] = speed
    results["format_rates"] = format_rates(corpus)
    results["total_seconds"] = round(total, 1)
    print(f"  accuracy: {acc['correct']}/{acc['cells']} cells ({acc['accuracy_pct']}%), missed {acc['missed']}, "
          f"fabricated {acc['fabricated']}; statuses {acc['statuses']}; agency/year/template right in "
          f"{acc['metadata_ok']}/{acc['reports']} reports")
    if speed.get("speedup"):
        print(f"  pdf: plain pdfplumber {speed['plain_pages_s']} pages/s, ours {speed['ours_pages_s']} pages/s "
              f"({speed['files']} files, {speed['pages']} pages) -> {speed['speedup']}x")
    print("  single-process reports/s by format: " + ", ".join(f"{k} {v}" for k, v in results["format_rates"].items()))
    dag_s = None
    if args.dag_n:
        from bench.dag import dag_vs_cli
        from bench.dag import text as dag_text

        results["dag"] = dag_vs_cli(args.dag_n, base, args.dag_batch)
        dag_s = results["dag"]["dag"]["seconds"]
        print(dag_text(results["dag"]), flush=True)
    (base / f"results-{tag}{n}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"bench N={n}{' ' + tag.rstrip('-') if tag else ''} total {total:.0f} s extract {results['extract']['per_s']}/s pdf-vs-plain {speed.get('speedup')}x "
          f"peak {peak / 1024:.1f} GB rerun {results['re-run unchanged']['seconds']:.0f} s "
          f"cells {acc['accuracy_pct']:.2f}% fabricated {acc['fabricated']}"
          + (f" incr {incr_s:.0f} s" if incr_s is not None else "")
          + (f" dag {dag_s:.0f} s" if dag_s is not None else ""))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
