"""OCR of generated scans: seconds per page and cells right, unverified, wrong-but-verified.

Each report is rendered to a PDF, its pages rasterised and degraded (synth/scan.py) at one
of three levels, saved as an image-only PDF and extracted by the real pipeline (OCR reader,
template parser, verification by the sums):

    mild   200 dpi, ±0.5°, noise 6, JPEG 80
    hard   200 dpi, ±1°,  noise 12, JPEG 50
    low    150 dpi, ±1°,  noise 8,  JPEG 70

    python -m bench.ocr --n 5            # 5 reports (2 pages each), levels in turn

exact: printed cells read with their true value; missed: printed cells not read (blank or
unreadable); wrong: read with another value; wrong_verified must be 0 (a wrong value the
sums let through); invented: a value at a code the report does not print.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from decimal import Decimal

from extract.report import extract_bytes
from synth.model import make_report
from synth.scan import to_scan

KEYS = {"disclosures": ("item", "measure"), "requests": ("row", "applicant"), "litigation": ("proceeding", "result")}
LEVELS = {
    "mild": {"dpi": 200, "tilt": 0.5, "noise": 6.0, "jpeg": 80},
    "hard": {"dpi": 200, "tilt": 1.0, "noise": 12.0, "jpeg": 50},
    "low": {"dpi": 150, "tilt": 1.0, "noise": 8.0, "jpeg": 70},
}
AGENCIES = ("河东区工业和信息化局", "临江市人民政府办公室", "西山县自然资源局", "北湖区教育局", "南平镇人民政府")


def _judge(rep, out) -> Counter[str]:
    c: Counter[str] = Counter()
    truth = rep.truth()
    for table, (a, b) in KEYS.items():
        c["printed"] += len(truth[table])
        got = {(x[a], x[b]): x for x in out[table]}
        for key, value in truth[table].items():
            cell = got.get(key)
            if cell is None:
                c["missed"] += 1
            elif Decimal(str(cell["value"])) == Decimal(str(value)):
                c["exact"] += 1
                c["verified"] += bool(cell.get("verified"))
            else:
                c["wrong"] += 1
                c["wrong_verified"] += bool(cell.get("verified"))
        c["invented"] += sum(1 for key in got if key not in truth[table])
    c["metadata_ok"] += int(out["agency"] == rep.agency and out["report_year"] == rep.year)
    return c


def _extract(args: tuple[bytes, str]) -> tuple[dict, float]:
    t0 = time.perf_counter()
    out = extract_bytes(*args)
    return out, time.perf_counter() - t0


def _summary(label: str, total: Counter[str], n: int, pages: int, seconds: float) -> str:
    p = total["printed"] or 1
    return (f"{label} reports={n} pages={pages} {seconds / max(pages, 1):.1f} s/page; exact {total['exact']}/{p} = "
            f"{100 * total['exact'] / p:.2f} %; missed {total['missed']}; wrong {total['wrong']}; wrong_verified "
            f"{total['wrong_verified']}; invented {total['invented']}; verified {total['verified']} of the exact cells; "
            f"metadata {total['metadata_ok']}/{n}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5, help="scanned reports")
    ap.add_argument("--pictures", type=int, default=0, help="reports whose tables are pictures (HTML inline / DOCX, alternately)")
    ap.add_argument("--processes", default="1", help="comma-separated pool sizes to time the scans with, e.g. 1,2")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    import os
    from concurrent.futures import ProcessPoolExecutor

    import pypdfium2 as pdfium

    rng = random.Random(args.seed)
    levels = list(LEVELS)
    scans = []
    for i in range(args.n):
        level = levels[i % len(levels)]
        rep = make_report(rng, AGENCIES[i % len(AGENCIES)], rng.choice([2020, 2021, 2022, 2023]), busy=rng.random() < 0.5,
                          blank_share=rng.choice([0.0, 0.0, 0.03]))
        data = to_scan(rep, rng, **LEVELS[level])
        scans.append((rep, level, data, len(pdfium.PdfDocument(data))))
    pages = sum(s[3] for s in scans)
    for procs in [int(x) for x in args.processes.split(",") if x.strip()]:
        total: Counter[str] = Counter()
        wall = time.perf_counter()
        with ProcessPoolExecutor(max_workers=procs) as pool:
            results = list(pool.map(_extract, [(d, f"scan-{i}.pdf") for i, (_, _, d, _) in enumerate(scans)]))
        wall = time.perf_counter() - wall
        for i, ((rep, level, _d, n_pages), (out, dt)) in enumerate(zip(scans, results, strict=True)):
            c = _judge(rep, out)
            total.update(c)
            print(f"{i:3d} {level:5s} pages={n_pages} {dt:6.1f}s ({dt / n_pages:5.1f} s/page) status={out['status']:7s} "
                  f"exact={c['exact']}/{c['printed']} missed={c['missed']} wrong={c['wrong']} wrong_verified={c['wrong_verified']} "
                  f"invented={c['invented']} verified={c['verified']} metadata={'ok' if c['metadata_ok'] else 'WRONG'}", flush=True)
        print(_summary(f"SCANS processes={procs} wall {wall:.0f} s ({wall / max(pages, 1):.1f} s/page of wall time);", total,
                       len(scans), pages, sum(dt for _, dt in results)), flush=True)
    if args.pictures:
        from synth.picture import table_pictures, to_docx_pictures, to_html_pictures

        total = Counter()
        seconds = 0.0
        n_pics = 0
        for i in range(args.pictures):
            rep = make_report(rng, AGENCIES[i % len(AGENCIES)], rng.choice([2020, 2021, 2022, 2023]), busy=rng.random() < 0.5)
            dpi = rng.choice([96, 120, 150, 200])
            pics = table_pictures(rep, dpi=dpi, rng=rng if i % 3 == 2 else None, fmt=rng.choice(["PNG", "JPEG"]))
            n_pics += len(pics)
            data, name = (to_html_pictures(rep, pics), f"p{i}.html") if i % 2 == 0 else (to_docx_pictures(rep, pics), f"p{i}.docx")
            out, dt = _extract((data, name))
            seconds += dt
            c = _judge(rep, out)
            total.update(c)
            print(f"{i:3d} {name:8s} {dpi} dpi pictures={len(pics)} {dt:6.1f}s status={out['status']:7s} read_by={out['read_by']} "
                  f"exact={c['exact']}/{c['printed']} missed={c['missed']} wrong={c['wrong']} wrong_verified={c['wrong_verified']} "
                  f"invented={c['invented']}", flush=True)
        print(_summary("PICTURES", total, args.pictures, n_pics, seconds).replace("pages=", "pictures=").replace("s/page", "s/picture"))
    print(f"cores {os.cpu_count()}")


if __name__ == "__main__":
    main()
