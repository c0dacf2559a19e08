"""Reading a printed cell as a number, a blank, or something unreadable."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from extract.template.text import norm

# Printed marks that mean "no value": never 0.
BLANK_MARKS = frozenset(
    {"", "/", "\\", "-", "--", "---", "—", "——", "–", "－", "―", "─", "无", "不适用", "空", "暂无", "/ ", "×", "x", "X", "*", "…", "...", "——/——", "-/-"}
)
_UNIT = re.compile(r"(万元|元|件|个|项|次|条|人次|宗|份)$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")
# "- 4 -", "—5—", "第 3 页": page numbers that slipped into a table
_PAGE_NUMBER = re.compile(r"^([-—–]\d{1,3}[-—–]|第\d{1,3}页(共\d{1,3}页)?|\d{1,3}/\d{1,3})$")


@dataclass(frozen=True, slots=True)
class Reading:
    kind: str  # "number" | "blank" | "unreadable"
    value: Decimal | None = None
    unit: str | None = None


# signed changes printed in words (2019 table 二 本年增/减): 减12, 增3, 增加3, 减少2, 新增3
_SIGN_WORD = re.compile(r"^(增加|新增|增|减少|减)(?=[\d.])")


@lru_cache(maxsize=65536)
def read_number(printed: str) -> Reading:
    """The reading of one printed cell (cached: the same few hundred texts recur in every report; a Reading is immutable)."""
    text = norm(printed).replace(",", "").replace("，", "").replace("−", "-")
    if m := _SIGN_WORD.match(text):
        text = ("-" if m.group(1).startswith("减") else "+") + text[m.end():]
    if text in BLANK_MARKS or text.strip("-—–/") == "":
        return Reading("blank")
    unit = None
    m = _UNIT.search(text)
    if m and _NUMBER.match(text[: m.start()]):
        unit = m.group(1)
        text = text[: m.start()]
    if text.startswith("+-") or text.startswith("±"):
        return Reading("unreadable")
    if _NUMBER.match(text):
        try:
            return Reading("number", Decimal(text), unit)
        except InvalidOperation:  # pragma: no cover - regex guards this
            return Reading("unreadable")
    return Reading("unreadable")


@lru_cache(maxsize=65536)
def is_page_number(printed: str) -> bool:
    return bool(_PAGE_NUMBER.match(norm(printed)))


def json_number(value: Decimal) -> int | float:
    """The number as JSON prints it: an int for whole numbers, else the shortest float."""
    if value == value.to_integral_value() and "." not in str(value):
        return int(value)
    return float(value)


@lru_cache(maxsize=65536)
def json_value(printed: str) -> int | float | None:
    """The JSON number a printed cell reads as (`json_number` of its reading); None if it is not a number."""
    reading = read_number(printed)
    if reading.kind != "number" or reading.value is None:
        return None
    return json_number(reading.value)
