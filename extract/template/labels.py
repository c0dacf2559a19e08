"""The template as data: every code, the printed labels it matches, and each version's cells.

Patterns are regular expressions on `norm(label)` (NFKC, no whitespace, no quotes), ordered
most specific first: the first pattern that matches wins. Tests enumerate these tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

APPLICANTS: tuple[str, ...] = (
    "natural_person",
    "commercial",
    "research",
    "public_interest",
    "legal_service",
    "other_org",
    "total",
)

RESULTS: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
PROCEEDINGS: tuple[str, ...] = ("review", "suit_direct", "suit_after_review")


@dataclass(frozen=True, slots=True)
class Label:
    code: str
    pattern: re.Pattern[str]
    # the group this row belongs to when printed under a group header, if any
    group: str | None = None


def _l(code: str, regex: str, group: str | None = None) -> Label:
    return Label(code, re.compile(regex), group)


# ---- Table 三: request rows -------------------------------------------------------
# Group headers (rows that carry no values in the 2021 template).
REQUEST_GROUPS: tuple[Label, ...] = (
    _l("result", r"本年度办理结果|办理结果"),
    _l("denied", r"不予公开"),
    _l("unable", r"无法提供"),
    _l("rejected", r"不予处理"),
    _l("other", r"其他处理"),
)

REQUEST_ROWS: tuple[Label, ...] = (
    _l("new_received", r"本年新收|新收.*申请"),
    _l("carried_over", r"上年结转"),
    _l("carried_forward", r"结转下年|下年度继续"),
    _l("partially_granted", r"部分公开"),
    _l("denied_state_secret", r"国家秘密"),
    _l("denied_prohibited_by_law", r"法律.{0,3}法规|禁止公开|行政止公开|法规禁止|其他法律"),
    _l("denied_security_stability", r"三安全一稳定|危及"),
    _l("denied_third_party", r"第三方"),
    _l("denied_internal_affairs", r"内部事务"),
    _l("denied_process_info", r"过程性"),
    _l("denied_enforcement_file", r"执法案卷"),
    _l("denied_admin_query", r"行政查询|查询事项"),
    _l("unable_not_held", r"不掌握"),
    _l("unable_needs_creation", r"另行制作|没有现成"),
    _l("unable_unclear", r"仍不明确|补正后"),
    _l("rejected_petition", r"信访|举报投诉"),
    _l("rejected_duplicate", r"重复申请"),
    _l("rejected_publication", r"出版物"),
    _l("rejected_excessive", r"大量反复|反复申请"),
    _l("rejected_confirmation", r"重新出具|确认或"),
    _l("other_no_correction", r"不补正|逾期.{0,4}补正"),
    _l("other_no_fee", r"缴纳费用|收费通知"),
    _l("outcome_total", r"^(\(七\)|七、|7[.、])?总计$|^\(七\)"),
    _l("granted", r"(?<!不)予以公开"),
    # "3.其他" only inside the （六）其他处理 group, see parser
    _l("other_other", r"^(3[.、]?)?其他$", group="other"),
)

# Row order as the template prints it (also the order in `requests`).
REQUEST_ROWS_2021: tuple[str, ...] = (
    "new_received",
    "carried_over",
    "granted",
    "partially_granted",
    "denied_state_secret",
    "denied_prohibited_by_law",
    "denied_security_stability",
    "denied_third_party",
    "denied_internal_affairs",
    "denied_process_info",
    "denied_enforcement_file",
    "denied_admin_query",
    "unable_not_held",
    "unable_needs_creation",
    "unable_unclear",
    "rejected_petition",
    "rejected_duplicate",
    "rejected_publication",
    "rejected_excessive",
    "rejected_confirmation",
    "other_no_correction",
    "other_no_fee",
    "other_other",
    "outcome_total",
    "carried_forward",
)
_OTHER_2021 = ("other_no_correction", "other_no_fee", "other_other")
REQUEST_ROWS_2019: tuple[str, ...] = tuple(
    "other" if r == "other_no_correction" else r for r in REQUEST_ROWS_2021 if r not in _OTHER_2021[1:]
)
OUTCOME_ROWS_2021: tuple[str, ...] = REQUEST_ROWS_2021[2:23]
OUTCOME_ROWS_2019: tuple[str, ...] = REQUEST_ROWS_2019[2:21]

# ---- Table 二: disclosure items and measures ---------------------------------------
DISCLOSURE_ITEMS: tuple[Label, ...] = (
    _l("normative_documents", r"规范性文件"),
    _l("regulations", r"规章"),
    _l("other_services", r"其他对外管理服务|对外管理服务事项"),
    _l("licensing", r"行政许可"),
    _l("penalty", r"行政处罚"),
    _l("coercion", r"行政强制"),
    _l("fees", r"事业性收费|行政.{0,2}收费"),
    _l("procurement", r"集中采购|政府采购"),
)

MEASURES: tuple[Label, ...] = (
    _l("issued", r"本年制发|制发件数"),
    _l("repealed", r"本年废止|废止件数"),
    _l("in_force", r"现行有效"),
    _l("made", r"新制作"),
    _l("published_total", r"对外公开总"),
    _l("published", r"新公开"),
    _l("items_prev_year", r"上一年项目|上年项目"),
    _l("items_change", r"增/?减|增减"),
    _l("amount_10k_yuan", r"收费金额"),
    _l("items", r"采购项目"),
    _l("amount", r"采购总金额|总金额"),
    _l("decisions", r"处理决定"),
)

# Measures each item prints, per version; used when a table prints no measure header.
DISCLOSURES_2021: dict[str, tuple[str, ...]] = {
    "regulations": ("issued", "repealed", "in_force"),
    "normative_documents": ("issued", "repealed", "in_force"),
    "licensing": ("decisions",),
    "penalty": ("decisions",),
    "coercion": ("decisions",),
    "fees": ("amount_10k_yuan",),
}
_ITEMS_19 = ("items_prev_year", "items_change", "decisions")
DISCLOSURES_2019: dict[str, tuple[str, ...]] = {
    "regulations": ("made", "published", "published_total"),
    "normative_documents": ("made", "published", "published_total"),
    "licensing": _ITEMS_19,
    "other_services": _ITEMS_19,
    "penalty": _ITEMS_19,
    "coercion": _ITEMS_19,
    "fees": ("items_prev_year", "items_change"),
    "procurement": ("items", "amount"),
}
MEASURES_2019_ONLY = frozenset({"made", "published", "published_total", "items_prev_year", "items_change", "items", "amount"})
MEASURES_2021_ONLY = frozenset({"issued", "repealed", "in_force", "amount_10k_yuan"})

# ---- The labels the template prints, per row (for the alignment, extract/template/align.py) --
# (code, printed label(s), group). The dictionary patterns above name a row outright; these
# labels let a variant or a typo still be placed by likeness and by its position.
REQUEST_PRINTED: dict[str, tuple[tuple[str, ...], str | None]] = {
    "new_received": (("一、本年新收政府信息公开申请数量",), None),
    "carried_over": (("二、上年结转政府信息公开申请数量",), None),
    "granted": (("（一）予以公开",), "result"),
    "partially_granted": (("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（二）部分公开"), "result"),
    "denied_state_secret": (("1.属于国家秘密",), "denied"),
    "denied_prohibited_by_law": (("2.其他法律行政法规禁止公开",), "denied"),
    "denied_security_stability": (("3.危及“三安全一稳定”",), "denied"),
    "denied_third_party": (("4.保护第三方合法权益",), "denied"),
    "denied_internal_affairs": (("5.属于三类内部事务信息",), "denied"),
    "denied_process_info": (("6.属于四类过程性信息",), "denied"),
    "denied_enforcement_file": (("7.属于行政执法案卷",), "denied"),
    "denied_admin_query": (("8.属于行政查询事项",), "denied"),
    "unable_not_held": (("1.本机关不掌握相关政府信息",), "unable"),
    "unable_needs_creation": (("2.没有现成信息需要另行制作",), "unable"),
    "unable_unclear": (("3.补正后申请内容仍不明确",), "unable"),
    "rejected_petition": (("1.信访举报投诉类申请",), "rejected"),
    "rejected_duplicate": (("2.重复申请",), "rejected"),
    "rejected_publication": (("3.要求提供公开出版物",), "rejected"),
    "rejected_excessive": (("4.无正当理由大量反复申请",), "rejected"),
    "rejected_confirmation": (("5.要求行政机关确认或重新出具已获取信息",), "rejected"),
    "other_no_correction": (("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",), "other"),
    "other_no_fee": (("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",), "other"),
    "other_other": (("3.其他",), "other"),
    "other": (("（六）其他处理",), None),
    "outcome_total": (("（七）总计",), None),
    "carried_forward": (("四、结转下年度继续办理",), None),
}
DISCLOSURE_PRINTED: dict[str, tuple[str, ...]] = {
    "regulations": ("规章",),
    "normative_documents": ("行政规范性文件", "规范性文件"),
    "licensing": ("行政许可",),
    "other_services": ("其他对外管理服务事项",),
    "penalty": ("行政处罚",),
    "coercion": ("行政强制",),
    "fees": ("行政事业性收费",),
    "procurement": ("政府集中采购",),
}
# Labels of a table's header, its group rows and its section titles: context, never a row.
REQUEST_HEADER = re.compile(
    r"^(申请人情况|自然人|法人或其他组织|商业企业|科研机构|社会公益组织|法律服务机构|其他|总计|勾稽关系.*|.*勾稽关系.*|\(本列数据.*|本列数据.*)$"
)
DISCLOSURE_HEADER = re.compile(r"^(信息内容|第二十条.*|.*第[(（]?[一二三四五六七八九十]+[)）]?项.*)$")

# ---- Table 四: litigation -----------------------------------------------------------
PROCEEDING_LABELS: tuple[Label, ...] = (
    _l("suit_after_review", r"复议后起诉"),
    _l("suit_direct", r"未经复议|直接起诉"),
    _l("review", r"^行政复议$|^复议$"),
)

# ---- Where the tables are ---------------------------------------------------------
# Markers on normalised text that open each table's section (headings or table cells).
SECTION_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("requests", re.compile(r"收到和处理政府信息公开申请|本年新收|申请人情况|勾稽关系")),
    ("litigation", re.compile(r"^(四|4)[、.]?.{0,14}行政法?复议|行政法?复议.{0,3}行政诉讼情况|^行政复议$")),
    ("disclosures", re.compile(r"主动公开政府信息情况|^(二|2)[、.]?.{0,8}主动公开|第二十条第")),
    (None, re.compile(r"^(五|5)[、.].{0,6}(存在|问题)|存在的主要问题|主要问题及改进|^(六|6)[、.]其他需要报告")),  # type: ignore[list-item]
)


def match(labels: tuple[Label, ...], text: str) -> Label | None:
    for label in labels:
        if label.pattern.search(text):
            return label
    return None


# ---- The template's cells as rows (for the warehouse's seed) ------------------------
OUTCOME_GROUPS: dict[str, str] = {
    "new_received": "new",
    "carried_over": "carried_over",
    "granted": "granted",
    "partially_granted": "partially_granted",
    "outcome_total": "total",
    "carried_forward": "carried_forward",
    "other": "other",
}
for _code in REQUEST_ROWS_2021:
    OUTCOME_GROUPS.setdefault(_code, _code.split("_")[0].replace("rejected", "not_processed"))

APPLICANT_LABELS = {
    "natural_person": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "public_interest": "社会公益组织",
    "legal_service": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}
PROCEEDING_NAMES = {"review": "行政复议", "suit_direct": "行政诉讼·未经复议直接起诉", "suit_after_review": "行政诉讼·复议后起诉"}
RESULT_NAMES = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "total": "总计"}


def template_cells() -> list[dict[str, str | int]]:
    """Every cell of both template versions: the warehouse's grid of expected cells."""
    rows: list[dict[str, str | int]] = []
    order = 0
    for version, items in (("2019", DISCLOSURES_2019), ("2021", DISCLOSURES_2021)):
        for item, measures in items.items():
            for m in measures:
                order += 1
                rows.append({"template_version": version, "table_name": "disclosures", "row_code": item, "col_code": m,
                             "row_group": item, "is_outcome": 0, "sort_order": order})
    for version, codes in (("2019", REQUEST_ROWS_2019), ("2021", REQUEST_ROWS_2021)):
        outcome = set(OUTCOME_ROWS_2019 if version == "2019" else OUTCOME_ROWS_2021)
        for code in codes:
            for a in APPLICANTS:
                order += 1
                rows.append({"template_version": version, "table_name": "requests", "row_code": code, "col_code": a,
                             "row_group": OUTCOME_GROUPS[code], "is_outcome": int(code in outcome), "sort_order": order})
    for version in ("2019", "2021"):
        for p in PROCEEDINGS:
            for res in RESULTS:
                order += 1
                rows.append({"template_version": version, "table_name": "litigation", "row_code": p, "col_code": res,
                             "row_group": p, "is_outcome": 0, "sort_order": order})
    return rows

# Short Chinese names of the codes, for people (the mail, BI labels).
ROW_NAMES = {
    "new_received": "本年新收", "carried_over": "上年结转", "granted": "予以公开", "partially_granted": "部分公开",
    "denied_state_secret": "不予公开·国家秘密", "denied_prohibited_by_law": "不予公开·法律法规禁止",
    "denied_security_stability": "不予公开·三安全一稳定", "denied_third_party": "不予公开·第三方权益",
    "denied_internal_affairs": "不予公开·内部事务", "denied_process_info": "不予公开·过程性信息",
    "denied_enforcement_file": "不予公开·执法案卷", "denied_admin_query": "不予公开·行政查询",
    "unable_not_held": "无法提供·不掌握", "unable_needs_creation": "无法提供·需另行制作", "unable_unclear": "无法提供·仍不明确",
    "rejected_petition": "不予处理·信访举报投诉", "rejected_duplicate": "不予处理·重复申请",
    "rejected_publication": "不予处理·公开出版物", "rejected_excessive": "不予处理·大量反复申请",
    "rejected_confirmation": "不予处理·确认或重新出具", "other_no_correction": "其他处理·逾期不补正",
    "other_no_fee": "其他处理·逾期未缴费", "other_other": "其他处理·其他", "other": "其他处理",
    "outcome_total": "（七）总计", "carried_forward": "结转下年度",
}
ITEM_NAMES = {
    "regulations": "规章", "normative_documents": "规范性文件", "licensing": "行政许可", "other_services": "其他对外管理服务事项",
    "penalty": "行政处罚", "coercion": "行政强制", "fees": "行政事业性收费", "procurement": "政府集中采购",
}
MEASURE_NAMES = {
    "issued": "本年制发", "repealed": "本年废止", "in_force": "现行有效", "decisions": "处理决定", "amount_10k_yuan": "收费金额(万元)",
    "made": "本年新制作", "published": "本年新公开", "published_total": "对外公开总数", "items_prev_year": "上一年项目数",
    "items_change": "本年增/减", "items": "采购项目数", "amount": "采购总金额",
}


def cell_name(row: str | None, col: str | None) -> str:
    """A cell in Chinese, e.g. 予以公开/自然人, 行政复议/结果纠正, 行政许可/处理决定."""
    r = ROW_NAMES.get(row or "") or ITEM_NAMES.get(row or "") or PROCEEDING_NAMES.get(row or "") or (row or "")
    c = APPLICANT_LABELS.get(col or "") or MEASURE_NAMES.get(col or "") or RESULT_NAMES.get(col or "") or (col or "")
    return f"{r}/{c}" if c else r
