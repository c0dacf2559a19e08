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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    total: Counter[str] = Counter()
    seconds = 0.0
    pages = 0
    levels = list(LEVELS)
    for i in range(args.n):
        level = levels[i % len(levels)]
        rep = make_report(rng, AGENCIES[i % len(AGENCIES)], rng.choice([2020, 2021, 2022, 2023]), busy=rng.random() < 0.5,
                          blank_share=rng.choice([0.0, 0.0, 0.03]))
        data = to_scan(rep, rng, **LEVELS[level])
        t0 = time.perf_counter()
        out = extract_bytes(data, f"scan-{i}.pdf")
        dt = time.perf_counter() - t0
        import pypdfium2 as pdfium

        n_pages = len(pdfium.PdfDocument(data))
        seconds += dt
        pages += n_pages
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
        total.update(c)
        print(f"{i:3d} {level:5s} pages={n_pages} {dt:6.1f}s ({dt / n_pages:5.1f} s/page) status={out['status']:7s} "
              f"exact={c['exact']}/{c['printed']} missed={c['missed']} wrong={c['wrong']} wrong_verified={c['wrong_verified']} "
              f"invented={c['invented']} verified={c['verified']} metadata={'ok' if c['metadata_ok'] else 'WRONG'}", flush=True)
    p = total["printed"] or 1
    print(f"TOTAL reports={args.n} pages={pages} {seconds / max(pages, 1):.1f} s/page; exact {total['exact']}/{p} = "
          f"{100 * total['exact'] / p:.2f} %; missed {total['missed']}; wrong {total['wrong']}; wrong_verified "
          f"{total['wrong_verified']}; invented {total['invented']}; verified {total['verified']} of the exact cells; "
          f"metadata {total['metadata_ok']}/{args.n}")


if __name__ == "__main__":
    main()
