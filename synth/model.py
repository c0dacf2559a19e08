"""A synthetic report: its values (the truth) and how its tables are laid out."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from extract.template import labels as L

Value = int | Decimal | None  # None: printed blank

REQUEST_LABELS: dict[str, tuple[str | None, str]] = {
    # row code: (group label printed in the left column, row label)
    "new_received": (None, "一、本年新收政府信息公开申请数量"),
    "carried_over": (None, "二、上年结转政府信息公开申请数量"),
    "granted": ("三、本年度办理结果", "（一）予以公开"),
    "partially_granted": ("三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    "denied_state_secret": ("（三）不予公开", "1.属于国家秘密"),
    "denied_prohibited_by_law": ("（三）不予公开", "2.其他法律行政法规禁止公开"),
    "denied_security_stability": ("（三）不予公开", "3.危及“三安全一稳定”"),
    "denied_third_party": ("（三）不予公开", "4.保护第三方合法权益"),
    "denied_internal_affairs": ("（三）不予公开", "5.属于三类内部事务信息"),
    "denied_process_info": ("（三）不予公开", "6.属于四类过程性信息"),
    "denied_enforcement_file": ("（三）不予公开", "7.属于行政执法案卷"),
    "denied_admin_query": ("（三）不予公开", "8.属于行政查询事项"),
    "unable_not_held": ("（四）无法提供", "1.本机关不掌握相关政府信息"),
    "unable_needs_creation": ("（四）无法提供", "2.没有现成信息需要另行制作"),
    "unable_unclear": ("（四）无法提供", "3.补正后申请内容仍不明确"),
    "rejected_petition": ("（五）不予处理", "1.信访举报投诉类申请"),
    "rejected_duplicate": ("（五）不予处理", "2.重复申请"),
    "rejected_publication": ("（五）不予处理", "3.要求提供公开出版物"),
    "rejected_excessive": ("（五）不予处理", "4.无正当理由大量反复申请"),
    "rejected_confirmation": ("（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_no_fee": ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_other": ("（六）其他处理", "3.其他"),
    "other": (None, "（六）其他处理"),
    "outcome_total": (None, "（七）总计"),
    "carried_forward": (None, "四、结转下年度继续办理"),
}

ITEM_LABELS = {
    "regulations": "规章",
    "normative_documents": "行政规范性文件",
    "licensing": "行政许可",
    "other_services": "其他对外管理服务事项",
    "penalty": "行政处罚",
    "coercion": "行政强制",
    "fees": "行政事业性收费",
    "procurement": "政府集中采购",
}
MEASURE_LABELS = {
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "decisions": "本年处理决定数量",
    "amount_10k_yuan": "本年收费金额（单位：万元）",
    "made": "本年新制作数量",
    "published": "本年新公开数量",
    "published_total": "对外公开总数量",
    "items_prev_year": "上一年项目数量",
    "items_change": "本年增/减",
    "items": "采购项目数量",
    "amount": "采购总金额",
}
SECTIONS_2021 = [
    ("第二十条第（一）项", ["regulations", "normative_documents"]),
    ("第二十条第（五）项", ["licensing"]),
    ("第二十条第（六）项", ["penalty", "coercion"]),
    ("第二十条第（八）项", ["fees"]),
]
SECTIONS_2019 = [
    ("第二十条第（一）项", ["regulations", "normative_documents"]),
    ("第二十条第（五）项", ["licensing", "other_services"]),
    ("第二十条第（六）项", ["penalty", "coercion"]),
    ("第二十条第（八）项", ["fees"]),
    ("第二十条第（九）项", ["procurement"]),
]
RESULT_LABELS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


@dataclass
class SynthReport:
    agency: str
    year: int
    disclosure_version: str  # "2019" | "2021"
    request_version: str
    published_on: date | None
    disclosures: dict[tuple[str, str], Value] = field(default_factory=dict)
    requests: dict[tuple[str, str], Value] = field(default_factory=dict)
    litigation: dict[tuple[str, str], Value] = field(default_factory=dict)
    blank_mark: str = ""
    narrative_requests: int | None = None

    @property
    def template_version(self) -> str:
        if self.disclosure_version == self.request_version:
            return self.disclosure_version
        return "2021" if self.year >= 2021 else "2019"

    @property
    def mixed(self) -> bool:
        return self.disclosure_version != self.request_version

    def request_rows(self) -> tuple[str, ...]:
        return L.REQUEST_ROWS_2019 if self.request_version == "2019" else L.REQUEST_ROWS_2021

    def measures(self) -> dict[str, tuple[str, ...]]:
        return L.DISCLOSURES_2019 if self.disclosure_version == "2019" else L.DISCLOSURES_2021

    def truth(self) -> dict[str, dict[tuple[str, str], Any]]:
        """What a correct extraction holds: every printed value, and no blank."""
        return {
            "disclosures": {k: v for k, v in self.disclosures.items() if v is not None},
            "requests": {k: v for k, v in self.requests.items() if v is not None},
            "litigation": {k: v for k, v in self.litigation.items() if v is not None},
        }


def make_report(
    rng: random.Random,
    agency: str,
    year: int,
    *,
    busy: bool = False,
    break_rule: bool = False,
    blank_share: float = 0.0,
    mixed: bool = False,
    carried_over: dict[str, int] | None = None,
) -> SynthReport:
    version = "2019" if year in (2019, 2020) else "2021"
    other = "2021" if version == "2019" else "2019"
    rep = SynthReport(
        agency=agency,
        year=year,
        disclosure_version=other if mixed else version,
        request_version=version,
        published_on=date(year + 1, 1, rng.randint(5, 31)),
        blank_mark=rng.choice(["", "/", "—", "无"]),
    )
    scale = 400 if busy else 3

    def n(k: int = scale) -> int:
        return rng.randint(0, k) if rng.random() < 0.6 else 0

    for item, measures in rep.measures().items():
        for m in measures:
            if m == "items_change":
                rep.disclosures[(item, m)] = rng.randint(-20, 40)
            elif m in ("amount_10k_yuan", "amount"):
                rep.disclosures[(item, m)] = Decimal(rng.randint(0, 10_000_00)) / 100
            else:
                rep.disclosures[(item, m)] = n(scale * 10)
    outcome_rows = L.OUTCOME_ROWS_2019 if version == "2019" else L.OUTCOME_ROWS_2021
    for a in L.APPLICANTS[:-1]:
        weight = scale if a in ("natural_person", "commercial") else 1
        outcomes = {r: n(weight) for r in outcome_rows}
        total = sum(outcomes.values())
        forward = n(2)
        prev = (carried_over or {}).get(a, n(2))
        prev = min(prev, total + forward)
        new = total + forward - prev
        rows = {"new_received": new, "carried_over": prev, **outcomes, "outcome_total": total, "carried_forward": forward}
        for r, v in rows.items():
            rep.requests[(r, a)] = v
    for r in rep.request_rows():
        rep.requests[(r, "total")] = sum(int(rep.requests[(r, a)] or 0) for a in L.APPLICANTS[:-1])
    for p in L.PROCEEDINGS:
        vals = {res: n(2) for res in L.RESULTS[:-1]}
        for res, v in vals.items():
            rep.litigation[(p, res)] = v
        rep.litigation[(p, "total")] = sum(vals.values())
    if break_rule:
        # R3 broken: an outcome row larger than the total says
        rep.requests[("granted", "natural_person")] = int(rep.requests[("granted", "natural_person")] or 0) + 5
    if blank_share:
        for table in (rep.disclosures, rep.requests, rep.litigation):
            for k in table:
                if rng.random() < blank_share:
                    table[k] = None
    total_new = rep.requests.get(("new_received", "total"))
    rep.narrative_requests = int(total_new) if isinstance(total_new, int) else None
    return rep


def printed(value: Value, blank_mark: str) -> str:
    if value is None:
        return blank_mark
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)
