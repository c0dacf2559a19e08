"""Agency, report year and publication date, read from the text around the tables."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "О": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_TITLE = re.compile(
    r"(?P<agency>[\u4e00-\u9fff（）()·][\u4e00-\u9fff（）()·0-9０-９]{1,39}?)\s*(?:关于)?\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:的)?\s*政\s*府\s*信\s*息\s*公\s*开\s*(?:工\s*作)?\s*年\s*度?\s*报\s*告"
)
_TITLE_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:的)?\s*政府信息公开\s*(?:工作)?\s*年\s*度?\s*报\s*告")
_PERIOD = re.compile(r"统计(?:期限|期间|时限|时段)?.{0,8}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_FIELD_AGENCY = re.compile(r"(?:发布机构|发文机关|发布单位|来源|信息来源)\s*[:：]?\s*\|?\s*([\u4e00-\u9fff（）()]{2,40})")
_DATE = r"((?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?"
_FIELD_DATE = [
    re.compile(r"(?:发布日期|发布时间|公开日期|发布于)\s*[:：]?\s*\|?\s*" + _DATE),
    re.compile(r"(?:成文日期|生成日期|印发日期)\s*[:：]?\s*\|?\s*" + _DATE),
]
_LINE_DATE = re.compile(r"^\s*" + _DATE + r"\s*$")
_CN_DATE = re.compile(r"^\s*([〇零○一二三四五六七八九OО]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日\s*$")
_AGENCY_TAIL = re.compile(r"(人民政府|政府|委员会|管委会|委|局|厅|办公室|办|院|署|中心|部|会|所|处|队|站|馆|室|街道办事处|街道|镇|乡|社|集团|公司)$")
_NOISE_PREFIX = re.compile(r"^(.*?[>》|]|当前位置[:：]?|首页|关于|印发|发布)+")


def _cn_number(text: str) -> int:
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS[text[1]]
    if text.endswith("十"):
        return _CN_DIGITS[text[0]] * 10
    if "十" in text:
        a, b = text.split("十")
        return _CN_DIGITS[a] * 10 + _CN_DIGITS[b]
    raise ValueError(text)


def _date(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ")


def _clean_agency(name: str) -> str | None:
    name = _NOISE_PREFIX.sub("", name.strip())
    name = re.sub(r"[（(].*?[)）]$", "", name) if name.endswith(("）", ")")) and "（" not in name[:2] else name
    name = name.strip(" ：:|，,。")
    if len(name) < 2 or not re.search(r"[\u4e00-\u9fff]{2}", name):
        return None
    return name


def report_year(lines: list[str]) -> int | None:
    head = "".join(_clean(x).strip() for x in lines[:40])
    if m := _TITLE_YEAR.search(head):
        return int(m.group("year"))
    text = "\n".join(_clean(x) for x in lines)
    if m := _PERIOD.search(text):
        return int(m.group(1))
    if m := _TITLE_YEAR.search(text):
        return int(m.group("year"))
    return None


def agency(lines: list[str], year: int | None) -> str | None:
    # 1. the title, which may be split over lines ("平潭综合实验区2020年" / "政府信息公开工作年度报告")
    for i in range(min(len(lines), 60)):
        parts = [_clean(x).strip() for x in lines[i : i + 3]]
        joined = "".join(parts)
        m = _TITLE.match(joined)
        if m and (year is None or int(m.group("year")) == year):
            # the name stands on one line: cut at the last line break inside it
            start, end = m.span("agency")
            offset = 0
            for part in parts:
                if start < offset < end:
                    start = offset
                offset += len(part)
            name = _clean_agency(joined[start:end])
            if name:
                return name
    # 2. the 发布机构 field of the page
    for line in lines[:80]:
        if m := _FIELD_AGENCY.search(_clean(line)):
            name = _clean_agency(m.group(1))
            if name:
                return name
    # 3. the signature: an agency name on its own line just above the closing date
    for i in range(len(lines) - 1, 0, -1):
        if _LINE_DATE.match(_clean(lines[i])) or _CN_DATE.match(_clean(lines[i])):
            prev = _clean(lines[i - 1]).strip()
            if 2 <= len(prev) <= 40 and _AGENCY_TAIL.search(prev):
                return _clean_agency(prev)
    return None


def published_on(lines: list[str]) -> date | None:
    text = [_clean(x) for x in lines]
    for pattern in _FIELD_DATE:
        for line in text[:120] + text[-40:]:
            if (m := pattern.search(line)) and (d := _date(*m.groups())):
                return d
    # the date under the signature: the last date standing on its own line
    for line in reversed(text):
        if (m := _LINE_DATE.match(line)) and (d := _date(*m.groups())):
            return d
        if m := _CN_DATE.match(line):
            try:
                d = _date(str(_cn_number(m.group(1))), str(_cn_number(m.group(2))), str(_cn_number(m.group(3))))
            except (ValueError, KeyError):
                d = None
            if d:
                return d
    return None


# ---- What the narrative states (for rules R9 and R10) -------------------------------
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_REQ_COUNT = re.compile(
    r"(?:受理|收到|新收|办理|接收|共收到|累计收到)[了]?[^，。,；;\d]{0,16}?(?:政府信息公开|依申请公开|信息公开)[^，。,；;\d]{0,10}?(?:申请|事项)[^，。,；;\d]{0,6}?(?:共|总计|合计)?\s*(\d+)\s*(?:件|条|个|份|次|宗)"
)
_REQ_NONE = re.compile(r"(?:未|没有|无)(?:收到|受理|接到)[^，。,；;]{0,12}?(?:依申请公开|政府信息公开|信息公开)[^，。,；;]{0,6}?(?:申请)?")
_IN_FORCE = re.compile(r"现行有效(?:的)?(?:行政)?规范性文件(?:共|总计|合计)?\s*(\d+)\s*(?:件|个|份)")
_YEAR_IN = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:起|至))")


def narrative_facts(lines: list[str]) -> dict[str, object]:
    """Counts the text states (requests received, normative documents in force), with the year it names."""
    text = "\n".join(_clean(x) for x in lines)
    statements: list[dict[str, object]] = []
    for sentence in _SENTENCE.findall(text):
        s = sentence.strip()
        if len(s) > 400:
            continue
        years = [int(y) for y in _YEAR_IN.findall(s)]
        year = years[0] if years else None
        for m in _REQ_COUNT.finditer(s):
            statements.append({"kind": "requests", "count": int(m.group(1)), "year": year, "text": s[:160]})
        if not _REQ_COUNT.search(s) and _REQ_NONE.search(s) and not re.search(r"行政复议|行政诉讼", s):
            statements.append({"kind": "requests", "count": 0, "year": year, "text": s[:160]})
        for m in _IN_FORCE.finditer(s):
            statements.append({"kind": "normative_in_force", "count": int(m.group(1)), "year": year, "text": s[:160]})
    period = _PERIOD.search(text)
    return {"period_year": int(period.group(1)) if period else None, "statements": statements[:20]}
