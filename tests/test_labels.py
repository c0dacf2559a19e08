"""Labels are matched by meaning: bracket and digit widths, spaces, line breaks, typos, missing group headers."""

from __future__ import annotations

import random

import pytest

from extract.report import extract_bytes
from extract.template import labels as L
from extract.template.text import norm
from synth.model import REQUEST_LABELS, make_report
from synth.render import to_txt
from tests.conftest import cells


@pytest.mark.parametrize("code", [c for c in L.REQUEST_ROWS_2021 if c != "other_other"] + ["other"])
def test_every_printed_row_label_matches_its_code(code: str) -> None:
    label = norm(REQUEST_LABELS[code][1])
    assert L.match(L.REQUEST_ROWS, label).code == code if code not in ("other",) else L.match(L.REQUEST_ROWS, label) is None


VARIANTS = {
    "（一）予以公开": "(一) 予以 公开",
    "2.其他法律行政法规禁止公开": "２．其他法律行政止公开",  # full-width digit, the typo seen in real reports
    "3.危及“三安全一稳定”": "3.危及\"三安全 一稳定\"",
    "1.本机关不掌握相关政府信息": "1、本机关不掌握相关 政府信息",
    "四、结转下年度继续办理": "四、结转下年度 继续办理",
    "（七）总计": "(七)总  计",
    "5.要求行政机关确认或重新出具已获取信息": "5.要求行政机关确认 或重新出具已获取信息",
}


def test_label_variants_and_missing_group_headers() -> None:
    rep = make_report(random.Random(21), "某县民政局", 2023, busy=True)
    text = to_txt(rep).decode("utf-8")
    for printed, variant in VARIANTS.items():
        assert printed in text
        text = text.replace(printed, variant)
    # drop the group header cells (（三）不予公开, （四）无法提供 …) as some reports do
    for group in ("（三）不予公开 | ", "（四）无法提供 | ", "（五）不予处理 | ", "三、本年度办理结果 | "):
        text = text.replace(group, "")
    r = extract_bytes(text.encode("utf-8"), "variants.txt")
    assert r["status"] == "ok", r["problems"]
    truth = {k: v for k, v in rep.truth()["requests"].items()}
    assert cells(r, "requests") == truth


def test_header_total_is_not_the_outcome_total_row() -> None:
    """The header's 总计 column label must not be read as the （七）总计 row."""
    rep = make_report(random.Random(22), "某县民政局", 2023)
    r = extract_bytes(to_txt(rep, "tab_rows"), "t.txt")
    assert cells(r, "requests")[("outcome_total", "total")] == rep.requests[("outcome_total", "total")]
    assert not [p for p in r["problems"] if p["code"] == "duplicate_row"]
