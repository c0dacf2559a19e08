"""Agency, report year and publication date, read from the text around the tables."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "О": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_CN_YEAR = r"[二][〇零○OО０0][一二三四五六七八九〇零○OО０0][〇零○OО０0一二三四五六七八九]"
_YEAR = rf"(?:19|20)\d{{2}}|{_CN_YEAR}"
_REPORT = r"政\s*府\s*信\s*息\s*公\s*开\s*(?:工\s*作)?\s*(?:年\s*度\s*)?(?:报\s*告|年\s*报)"
_NAME = r"[\u4e00-\u9fff（）()·×][\u4e00-\u9fff（）()·×0-9０-９]{1,39}?"
# ××局2023年(度)政府信息公开工作年度报告 — the agency first
_TITLE = re.compile(rf"(?P<agency>{_NAME})\s*(?:关于)?\s*(?:(?P<year>{_YEAR})\s*年\s*度?\s*(?:的)?\s*)?{_REPORT}")
# 2023年(度)××县人民政府政府信息公开工作年度报告 — the year first
_TITLE_YEAR_FIRST = re.compile(rf"(?P<year>{_YEAR})\s*年\s*度?\s*(?P<agency>{_NAME})?\s*{_REPORT}")
_REPORT_WORDS = re.compile(_REPORT)
_LEADING_YEAR = re.compile(rf"(?P<year>{_YEAR})\s*年\s*度?\s*")
_TITLE_YEAR = re.compile(rf"(?P<year>{_YEAR})\s*年\s*度?\s*(?:的)?\s*(?:{_NAME})?\s*{_REPORT}")
_PERIOD = re.compile(rf"统计(?:期限|期间|时限|时段|周期|范围)?.{{0,8}}?({_YEAR})\s*年\s*(?:1|一|01)\s*月\s*(?:1|一|01)\s*日")
_PUBLISHER = re.compile(r"(?:发布机构|发文机关|发布单位|发布部门|公开主体|信息公开主体)\s*[:：]?\s*\|?\s*([\u4e00-\u9fff（）()]{2,40})")
_SOURCE_FIELD = re.compile(r"(?:来源|信息来源)\s*[:：]\s*\|?\s*([\u4e00-\u9fff（）()]{2,40})")
_DATE = r"((?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?"
_FIELD_DATE = [
    re.compile(r"(?:发布日期|发布时间|公开日期|发布于)\s*[:：]?\s*\|?\s*" + _DATE),
    re.compile(r"(?:成文日期|生成日期|印发日期)\s*[:：]?\s*\|?\s*" + _DATE),
]
_LINE_DATE = re.compile(r"^\s*" + _DATE + r"\s*$")
_CN_DATE = re.compile(r"^\s*([〇零○一二三四五六七八九OО]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日\s*$")
_AGENCY_TAIL = re.compile(r"(人民政府|政府|委员会|管委会|委|局|厅|办公室|办|院|署|中心|部|会|所|处|队|站|馆|室|街道办事处|街道|镇|乡|社|集团|公司)$")
_NOISE_PREFIX = re.compile(r"^(.*?[>》|]|当前位置[:：]?|首页|关于|印发|发布|公布|标题[:：]?|题目[:：]?)+")
# what a title of something about a report says (a news item, a reading of the report): not the report
_NOT_A_TITLE = re.compile(r"(解读|图解|发布了?$|公布了?$|关于.*的(?:通知|公告)|征求意见|答记者问|新闻)")


def _year_number(text: str) -> int | None:
    if text.isdigit() and len(text) == 4:
        return int(text)
    try:
        return _cn_number(text.translate(str.maketrans("０0OО", "〇〇〇〇")))
    except (ValueError, KeyError):
        return None
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


@lru_cache(maxsize=4096)
def _clean(text: str) -> str:
    # cached: the metadata and the narrative of one document read the same lines (NFKC is slow on
    # text with full-width punctuation, which is nearly every line of a report)
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ")


def _clean_agency(name: str) -> str | None:
    name = _NOISE_PREFIX.sub("", name.strip())
    name = re.sub(r"[（(].*?[)）]$", "", name) if name.endswith(("）", ")")) and "（" not in name[:2] else name
    name = name.strip(" ：:|，,。")
    if name.endswith("人民"):  # 2023年××县人民政府信息公开工作年度报告: its 政府 went into 政府信息公开
        name += "政府"
    if len(name) < 2 or not re.search(r"[\u4e00-\u9fff]{2}", name) or _DEICTIC.match(name):
        return None
    return name


# 本局 / 我委 / 本单位 ...: the report speaks of itself without a name; that is no agency name
_DEICTIC = re.compile(r"^(本|我|该)(局|委|办|厅|部|署|院|会|处|室|站|所|中心|单位|机关|部门|政府|镇|乡|街道|区|县|市)$")


def published_on(lines: list[str]) -> date | None:
    return _published_on([_clean(x) for x in lines])


def _published_on(text: list[str]) -> date | None:
    """`published_on` of lines already cleaned (`_clean`)."""
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



@dataclass(slots=True)
class Metadata:
    agency: str | None
    report_year: int | None
    published_on: date | None
    problems: list[dict[str, Any]] = field(default_factory=list)
    titled: bool = False  # a report's title was found


# the six parts of a report, as headings: 一、总体情况 … 六、其他需要报告的事项
_SECTIONS = (
    re.compile(r"^[(（]?(一|1)[)）、.．]?\s*总体情况"),
    re.compile(r"^[(（]?(二|2)[)）、.．]?\s*主动公开政府信息"),
    re.compile(r"^[(（]?(三|3)[)）、.．]?\s*(收到和处理|依申请公开)"),
    re.compile(r"^[(（]?(四|4)[)）、.．]?\s*.{0,14}(行政复议|行政诉讼)"),
    re.compile(r"^[(（]?(五|5)[)）、.．]?\s*.{0,10}(存在的?主要问题|问题及改进|存在的问题)"),
    re.compile(r"^[(（]?(六|6)[)）、.．]?\s*其他需要报告"),
)


def report_sections(lines: list[str]) -> int:
    """How many of the report's six part headings stand at the start of a line."""
    found = set()
    for line in lines:
        t = _clean(line).strip()
        if len(t) > 60:
            continue
        for i, pattern in enumerate(_SECTIONS):
            if i not in found and pattern.match(t):
                found.add(i)
    return len(found)


def _title_hits(lines: list[str]) -> list[tuple[str | None, int | None]]:
    """(agency, year) of every report title in the head of the (cleaned) lines, windows of 1–3 lines joined."""
    hits: list[tuple[str | None, int | None]] = []
    head = [x.strip() for x in lines[:80]]
    for i in range(len(head)):
        if not head[i]:
            continue
        for width in (1, 2, 3):
            parts = head[i : i + width]
            joined = "".join(parts)
            if len(joined) > 90:
                break
            hit = _title_in(joined, parts)
            if hit is not None and width > 1:
                own = _title_in("".join(parts[1:]), parts[1:])
                if own is not None and own[0] is not None and own[1] is not None:
                    break  # a running header above a whole title: the title is read from its own lines
            if hit is not None:
                hits.append(hit)
                break
    return hits


def _title_in(joined: str, parts: list[str]) -> tuple[str | None, int | None] | None:
    if not _REPORT_WORDS.search(joined):
        return None  # both title patterns end in the report's name: cheap to rule out first
    for pattern in (_TITLE_YEAR_FIRST, _TITLE):
        m = pattern.match(joined) if pattern is _TITLE_YEAR_FIRST else pattern.search(joined)
        if not m:
            continue
        rest = joined[m.end():]
        if _NOT_A_TITLE.search(joined[: m.start()] + rest[:12]):
            return None
        year = _year_number(m.group("year")) if m.group("year") else None
        name = None
        if m.group("agency"):
            start, end = m.span("agency")
            # the name stands on one line: cut at the last line break inside it
            offset = 0
            for part in parts:
                if start < offset < end:
                    start = offset
                offset += len(part)
            name = _clean_agency(joined[start:end])
            lead = _LEADING_YEAR.match(name or "")
            if lead:  # 政务公开 / 2023年××县人民政府…: a line above a year-first title
                year = year or _year_number(lead.group("year"))
                name = _clean_agency(name[lead.end():])
        if name and re.search(r"(发布|公布|印发|公开了?)$", name):
            return None  # 我县发布2023年…年度报告: a news item about the report
        if name is None and year is None:
            continue
        return name, year
    return None


def _period_year(lines: list[str]) -> int | None:
    """The year the statistics period starts in, from the cleaned lines."""
    text = "\n".join(lines)
    if m := _PERIOD.search(text):
        return _year_number(m.group(1))
    return None


def _field(lines: list[str], pattern: re.Pattern[str]) -> str | None:
    """The agency a page field names (发布机构：…, 来源：…), in the cleaned lines."""
    for line in lines[:120]:
        if (m := pattern.search(line)) and (name := _clean_agency(m.group(1))):
            return name
    return None


def _signature(lines: list[str]) -> str | None:
    """An agency name on its own line just above the closing date (cleaned lines)."""
    for i in range(len(lines) - 1, 0, -1):
        if _LINE_DATE.match(lines[i]) or _CN_DATE.match(lines[i]):
            prev = lines[i - 1].strip()
            if 2 <= len(prev) <= 40 and _AGENCY_TAIL.search(prev):
                return _clean_agency(prev)
    return None


def same_agency(a: str, b: str) -> bool:
    """Two printed names of one agency: one contains the other, or one is the other abbreviated (工信局)."""
    ka, kb = re.sub(r"[\s()（）·]", "", a), re.sub(r"[\s()（）·]", "", b)
    short, long_ = sorted((ka, kb), key=len)
    if short in long_:
        return True
    it = iter(long_)
    return all(ch in it for ch in short) and short[:2] == long_[:2]


def read(lines: list[str]) -> Metadata:
    """Agency, report year and publication date, from every form the title and fields take."""
    lines = [_clean(x) for x in lines]  # once: every reading below is of the cleaned lines
    titles = _title_hits(lines)
    title_year = next((y for _, y in titles if y), None)
    period = _period_year(lines)
    year = title_year or period
    if year is None and (m := _TITLE_YEAR.search("".join(x.strip() for x in lines[:400]))):
        year = _year_number(m.group("year"))
    problems: list[dict[str, Any]] = []
    if title_year and period and title_year != period:
        problems.append({"code": "year_conflict", "table": None,
                         "message": f"the title names {title_year} but the statistics period {period}; {year} is used"})
    title_agency = next((a for a, y in titles if a and (year is None or y in (None, year))), None)
    publisher = _field(lines, _PUBLISHER)
    signature = _signature(lines)
    agency = title_agency or publisher or signature or _field(lines, _SOURCE_FIELD)
    named = {k: v for k, v in (("title", title_agency), ("发布机构", publisher), ("signature", signature)) if v}
    for (ka, a), (kb, b) in zip(list(named.items()), list(named.items())[1:], strict=False):
        if not same_agency(a, b):
            problems.append({"code": "agency_conflict", "table": None,
                             "message": f"the {ka} names {a} but the {kb} names {b}; {agency} is used"})
            break
    return Metadata(agency, year, _published_on(lines), problems, titled=bool(titles))


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
        # the words each pattern needs, tested first (most sentences have none of them)
        years = [int(y) for y in _YEAR_IN.findall(s)] if "年" in s else []
        year = years[0] if years else None
        if "公开" in s:  # in every alternative of _REQ_COUNT and _REQ_NONE
            for m in _REQ_COUNT.finditer(s):
                statements.append({"kind": "requests", "count": int(m.group(1)), "year": year, "text": s[:160]})
            if not _REQ_COUNT.search(s) and _REQ_NONE.search(s) and not re.search(r"行政复议|行政诉讼", s):
                statements.append({"kind": "requests", "count": 0, "year": year, "text": s[:160]})
        if "现行有效" in s:
            for m in _IN_FORCE.finditer(s):
                statements.append({"kind": "normative_in_force", "count": int(m.group(1)), "year": year, "text": s[:160]})
    period = _PERIOD.search(text)
    return {"period_year": _year_number(period.group(1)) if period else None, "statements": statements[:20]}
