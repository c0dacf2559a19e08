"""Does a change to the extractor leave every report's JSON as it was? A digest per file, before and after.

    python -m bench.extract_equal write before.jsonl   # on the unchanged code
    python -m bench.extract_equal write after.jsonl    # on the changed code
    python -m bench.extract_equal compare before.jsonl after.jsonl

The sample: --per-format files of each format spread evenly over the sorted generated corpus
(--corpus), every real page (shared/real, shared/seeds, samples/, tests/fixtures) and a set of
generated reports in the layouts the tests render (both template versions, blanks, narrow PDF
columns, tab and pipe text, GBK pages, OFD ruled three ways, XLSX), written once to --synth-cache so both runs read the same
bytes. Each line holds the file, the sha256 of its canonical JSON and the JSON itself, so a
difference can be shown cell by cell. `extractor_version` (a digest of the code itself) is left
out: it changes with any edit by design.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from extract.settings import ROOT

FORMATS = (".html", ".pdf", ".docx", ".txt")
REAL = (Path("/work/shared/real"), Path("/work/shared/seeds"), ROOT / "samples", ROOT / "tests" / "fixtures")


def spread(files: list[Path], n: int) -> list[Path]:
    """n files evenly spaced over the sorted list (all of them when there are fewer)."""
    if len(files) <= n:
        return files
    step = len(files) / n
    return [files[int(i * step)] for i in range(n)]


def synth_files(cache: Path) -> list[Path]:
    """Generated reports in the tests' layouts, rendered once and kept (rendering is not byte-stable)."""
    from synth.model import make_report
    from synth.ofd import to_ofd
    from synth.render import to_docx, to_html, to_pdf, to_txt
    from synth.sheet import to_xlsx

    renderers: dict[str, Callable[[Any], bytes]] = {
        ".html": to_html,
        "-gbk.html": lambda rep: to_html(rep, "gbk"),
        "-bare.html": lambda rep: to_html(rep, chrome=False),
        "-pipe.txt": lambda rep: to_txt(rep, "pipe_rows"),
        "-tab.txt": lambda rep: to_txt(rep, "tab_rows"),
        ".docx": to_docx,
        ".pdf": to_pdf,
        "-narrow.pdf": lambda rep: to_pdf(rep, narrow=True),
        "-long.pdf": lambda rep: to_pdf(rep, narrative_pages=1),
        ".ofd": to_ofd,
        "-rects.ofd": lambda rep: to_ofd(rep, "rects"),
        "-ctm-narrow.ofd": lambda rep: to_ofd(rep, "ctm", narrow=True),
        ".xlsx": to_xlsx,
    }
    cache.mkdir(parents=True, exist_ok=True)
    for seed in range(6):
        for year in (2019, 2020, 2022, 2023):
            stem = f"synth-{seed}-{year}"
            missing = {suffix: fn for suffix, fn in renderers.items() if not (cache / f"{stem}{suffix}").exists()}
            if not missing:
                continue
            kw: dict[str, Any] = {"busy": seed % 2 == 0, "blank_share": 0.05 * (seed % 3), "mixed": seed == 5}
            rep = make_report(random.Random(seed * 100 + year), "测试县交通运输局", year, **kw)
            for suffix, fn in missing.items():
                (cache / f"{stem}{suffix}").write_bytes(fn(rep))
    return sorted(cache.iterdir())


def sample(corpus: Path, per_format: int, cache: Path) -> list[Path]:
    listing = sorted(corpus.iterdir())
    files: list[Path] = []
    for suffix in FORMATS:
        files.extend(spread([f for f in listing if f.suffix == suffix], per_format))
    for folder in REAL:
        if folder.is_dir():
            files.extend(sorted(f for f in folder.rglob("*") if f.is_file() and f.suffix.lower() in (*FORMATS, ".htm")))
    files.extend(synth_files(cache))
    return files


def canonical(report: dict[str, Any]) -> str:
    report = {k: v for k, v in report.items() if k != "extractor_version"}
    return json.dumps(report, ensure_ascii=False, sort_keys=True, default=str)


def write(out: Path, files: list[Path]) -> None:
    from extract.report import extract_bytes

    t = time.perf_counter()
    by_format: dict[str, float] = {}
    with out.open("w", encoding="utf-8") as fh:
        for f in files:
            data = f.read_bytes()
            t0 = time.perf_counter()
            text = canonical(extract_bytes(data, f.name))
            by_format[f.suffix] = by_format.get(f.suffix, 0.0) + time.perf_counter() - t0
            digest = hashlib.sha256(text.encode()).hexdigest()
            shown = f.relative_to(ROOT) if f.is_relative_to(ROOT) else f  # the same key from another checkout
            fh.write(json.dumps({"file": str(shown), "digest": digest, "report": json.loads(text)}, ensure_ascii=False) + "\n")
    print(f"{len(files)} files in {time.perf_counter() - t:.1f} s; seconds by suffix: "
          + ", ".join(f"{k} {v:.1f}" for k, v in sorted(by_format.items())))


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    if type(a) is not type(b):
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b)):
            out.extend(_diff(a.get(k), b.get(k), f"{path}.{k}"))
        return out
    if isinstance(a, list):
        out = [f"{path}: {len(a)} items != {len(b)} items"] if len(a) != len(b) else []
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            out.extend(_diff(x, y, f"{path}[{i}]"))
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def compare(before: Path, after: Path) -> int:
    old = {r["file"]: r for r in map(json.loads, before.open(encoding="utf-8"))}
    new = {r["file"]: r for r in map(json.loads, after.open(encoding="utf-8"))}
    differing = [f for f in old if f in new and old[f]["digest"] != new[f]["digest"]]
    missing = sorted(set(old) ^ set(new))
    for f in differing[:20]:
        print(f"DIFFERS {f}")
        for line in _diff(old[f]["report"], new[f]["report"])[:10]:
            print(f"    {line}")
    for f in missing:
        print(f"ONLY IN ONE {f}")
    same = len(old) - len(differing) - len(set(old) - set(new))
    print(f"{len(old)} files before, {len(new)} after: {same} identical, {len(differing)} differ, {len(missing)} in one run only")
    return 1 if differing or missing else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--corpus", type=Path, default=Path("/tmp/bn/corpus-national-100000"))
    w.add_argument("--per-format", type=int, default=400)
    w.add_argument("--synth-cache", type=Path, default=Path("/tmp/xxgk-extract-equal-synth"))
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = ap.parse_args()
    if args.cmd == "write":
        write(args.out, sample(args.corpus, args.per_format, args.synth_cache))
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
