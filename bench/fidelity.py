"""Fidelity on hostile reports: the failure classes of issue 9, mixed at random, in every format.

Each report gets a random set of the quirks real agencies print — a 2021 table 二 beside a
2019 table 三, measure headers that are not legible, typos and variant labels (事物, 不子公开,
规范性文件), a row not printed at all, blank cells, a year-first title, a 发布机构 line — and
is rendered in one format. The extraction is compared with the truth cell by cell:

    exact     a printed cell read with its value at its code
    invented  a cell read that the report does not print there (another code, another value)
    missed    a printed cell not read
    status    ok where every printed cell was read
    metadata  agency and report year right

    python -m bench.fidelity --n 240            # prints one line per format and a total line

A generator of our own mirrors our parser; these figures say only that the named classes
are handled, not what unseen material will give (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import synth.layout
import synth.render
from extract.report import extract_bytes
from synth.model import ITEM_LABELS, MEASURE_LABELS, REQUEST_LABELS, SynthReport, make_report
from synth.ofd import to_ofd
from synth.render import to_docx, to_html, to_pdf, to_txt

FORMATS = ("html", "html-gbk", "txt-pipe", "txt-tab", "docx", "pdf", "ofd")
AGENCIES = ("测试县交通运输局", "某市河东区教育局", "某县人民政府", "某市自然资源和规划局", "某县市场监督管理局")
TYPOS = {  # what agencies print instead of the template's label
    "requests": {
        "denied_internal_affairs": ("（三）不子公开", "5.属于三类内部事物信息"),
        "denied_state_secret": ("（三）不予公开", "1.属于国家秘密的"),
        "other_no_fee": ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请的"),
        "unable_not_held": ("（四）无法提供", "1.本机关不掌握相关政府信息的"),
    },
    "items": {"normative_documents": "规范性文件"},
}
ILLEGIBLE = {"issued": "本年", "repealed": "本年", "in_force": "现行", "decisions": "本年处理", "amount_10k_yuan": "本年（单位：万元）"}


def render(rep: SynthReport, fmt: str, rng: random.Random | None = None, quirks: list[str] | None = None) -> bytes:
    if fmt == "pdf" and rng is not None:
        narrow, pages = rng.random() < 0.4, rng.choice([0, 0, 1, 2])
        if quirks is not None:
            quirks += ["narrow_cells"] * narrow + ["table_cut_by_page"] * bool(pages)
        return to_pdf(rep, narrow=narrow, narrative_pages=pages)
    if fmt == "ofd" and rng is not None:
        narrow, filler, rules = rng.random() < 0.4, rng.choice([0, 0, 2, 6]), rng.choice(["lines", "rects", "ctm"])
        if quirks is not None:
            quirks += ["narrow_cells"] * narrow + [f"rules_{rules}"]
        return to_ofd(rep, rules=rules, narrow=narrow, filler=filler)
    return {
        "html": lambda: to_html(rep), "html-gbk": lambda: to_html(rep, "gbk"),
        "txt-pipe": lambda: to_txt(rep, "pipe_rows"), "txt-tab": lambda: to_txt(rep, "tab_rows"),
        "docx": lambda: to_docx(rep), "pdf": lambda: to_pdf(rep), "ofd": lambda: to_ofd(rep),
    }[fmt]()


@contextlib.contextmanager
def patched(target: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, old)


@contextlib.contextmanager
def items_patched(table: dict, new: dict) -> Iterator[None]:
    old = {k: table[k] for k in new}
    table.update(new)
    try:
        yield
    finally:
        table.update(old)


def one(rng: random.Random, i: int, fmt: str) -> tuple[SynthReport, bytes, list[str]]:
    """One hostile report: its truth, its bytes, the quirks it carries."""
    year = rng.choice([2020, 2021, 2022, 2023, 2024])
    agency = AGENCIES[i % len(AGENCIES)]
    quirks: list[str] = []
    rep = make_report(random.Random(i), agency, year, busy=rng.random() < 0.5,
                      blank_share=0.04 if rng.random() < 0.3 else 0.0)
    if any(v is None for t in (rep.disclosures, rep.requests, rep.litigation) for v in t.values()):
        quirks.append("blanks")
    if year >= 2021 and rng.random() < 0.35:
        r19 = make_report(random.Random(i), agency, 2020, busy=True)
        rep = dataclasses.replace(rep, request_version="2019", requests=r19.requests)
        quirks.append("mixed")
    with contextlib.ExitStack() as stack:
        if rep.disclosure_version == "2021" and rng.random() < 0.25:
            stack.enter_context(items_patched(MEASURE_LABELS, ILLEGIBLE))
            quirks.append("illegible_header")
        if rng.random() < 0.35:
            typos = {k: v for k, v in TYPOS["requests"].items() if rep.request_version == "2021" or not k.startswith("other_")}
            stack.enter_context(items_patched(REQUEST_LABELS, typos))
            stack.enter_context(items_patched(ITEM_LABELS, TYPOS["items"]))
            quirks.append("typos")
        if rng.random() < 0.2:
            original = synth.layout.disclosure_rows

            def without_regulations(r: SynthReport, original=original):
                return [row for row in original(r) if row[0][0] != ITEM_LABELS["regulations"]]

            stack.enter_context(patched(synth.layout, "disclosure_rows", without_regulations))
            stack.enter_context(patched(synth.render, "disclosure_rows", without_regulations))
            quirks.append("row_not_printed")
        if rng.random() < 0.3:
            stack.enter_context(patched(synth.render, "_title", lambda r: f"{r.year}年{r.agency}政府信息公开工作年度报告"))
            quirks.append("year_first_title")
        data = render(rep, fmt, rng, quirks)
    if fmt == "txt-pipe" and rng.random() < 0.3 and rep.request_version == "2021":
        data = data.decode("utf-8").replace("（六）其他处理 | ", "", 1).encode("utf-8")  # its group label elsewhere
        quirks.append("group_label_elsewhere")
    if "row_not_printed" in quirks:  # not printed: not in the truth
        for m in ("issued", "repealed", "in_force", "made", "published", "published_total"):
            rep.disclosures.pop(("regulations", m), None)
    return rep, data, quirks


def score(rep: SynthReport, r: dict[str, Any]) -> Counter[str]:
    keys = {"disclosures": ("item", "measure"), "requests": ("row", "applicant"), "litigation": ("proceeding", "result")}
    out: Counter[str] = Counter()
    truth = rep.truth()
    for table, (a, b) in keys.items():
        want = {k: Decimal(str(v)) for k, v in truth[table].items()}
        got: dict[tuple[str, str], Decimal] = {}
        for c in r.get(table, []):
            k = (c[a], c[b])
            if k in got:
                out["invented"] += 1  # read twice
                continue
            got[k] = Decimal(str(c["value"]))
        for k, v in got.items():
            if k in want and want[k] == v:
                out["exact"] += 1
            else:
                out["invented"] += 1
        out["missed"] += sum(1 for k in want if k not in got)
        out["cells"] += len(want)
    out["reports"] += 1
    out["status_ok"] += int(r["status"] == "ok")
    out["agency_right"] += int(r.get("agency") == rep.agency)
    out["year_right"] += int(r.get("report_year") == rep.year)
    return out


def line(name: str, c: Counter[str]) -> str:
    cells = c["cells"] or 1
    n = c["reports"] or 1
    return (f"{name:<9} reports {c['reports']:>4}  cells exact {100 * c['exact'] / cells:6.2f} %  invented {c['invented']:>3}"
            f"  missed {c['missed']:>4}  status ok {100 * c['status_ok'] / n:5.1f} %"
            f"  agency {100 * c['agency_right'] / n:5.1f} %  year {100 * c['year_right'] / n:5.1f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=240, help="reports in all (spread over the formats)")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--formats", default=",".join(FORMATS))
    args = ap.parse_args()
    formats = args.formats.split(",")
    rng = random.Random(args.seed)
    per: dict[str, Counter[str]] = {f: Counter() for f in formats}
    quirk_miss: Counter[str] = Counter()
    started = time.perf_counter()
    for i in range(args.n):
        fmt = formats[i % len(formats)]
        rep, data, quirks = one(rng, i, fmt)
        r = extract_bytes(data, f"r{i}.{'txt' if fmt.startswith('txt') else 'html' if fmt.startswith('html') else fmt}")
        s = score(rep, r)
        per[fmt] += s
        if s["invented"] or s["missed"]:
            for q in quirks or ["none"]:
                quirk_miss[q] += 1
            print(f"  r{i} {fmt} {quirks}: invented {s['invented']} missed {s['missed']} status {r['status']}"
                  f" {[p['code'] for p in r['problems']][:6]}", file=sys.stderr)
    total: Counter[str] = Counter()
    for f in formats:
        total += per[f]
        print(line(f, per[f]))
    print(line("all", total))
    print(f"reports with a wrong cell, by quirk: {dict(quirk_miss) or 'none'}; {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
