"""The rules in plain words (Chinese first, for the agencies and the mail), and their severity."""

from __future__ import annotations

RULES: dict[str, dict[str, str]] = {
    "R1": {"severity": "error", "zh": "第一项加第二项之和等于第三项（七）总计加第四项（每一申请人列）",
           "en": "new_received + carried_over = outcome_total + carried_forward, per applicant column"},
    "R2": {"severity": "error", "zh": "每一行的总计等于六类申请人之和", "en": "per request row: total = sum of the six applicant columns"},
    "R3": {"severity": "error", "zh": "（七）总计等于各项办理结果之和（每一申请人列）", "en": "per applicant column: outcome_total = sum of every outcome row"},
    "R4": {"severity": "error", "zh": "行政复议、行政诉讼的总计等于维持、纠正、其他、尚未审结之和", "en": "per proceeding: total = upheld + corrected + other + pending"},
    "R5": {"severity": "error", "zh": "件数为非负整数，收费金额为非负数", "en": "counts are whole numbers ≥ 0; fee amounts are decimals ≥ 0"},
    "R6": {"severity": "error", "zh": "本年“上年结转”等于上一年度报告的“结转下年度继续办理”", "en": "carried_over of year N = carried_forward of year N−1"},
    "R7": {"severity": "error", "zh": "三张表齐全，模板规定的每个单元格均已填报", "en": "all three tables present, every cell of the template filled"},
    "R8": {"severity": "warning", "zh": "按时发布：部门报告1月31日前，政府报告3月31日前", "en": "published by 31 January (department) or 31 March (government)"},
    "R9": {"severity": "warning", "zh": "正文所述数字与表格一致", "en": "counts stated in the text agree with the table"},
    "R10": {"severity": "warning", "zh": "正文所述年份与报告年度一致", "en": "years named in the text match the report year"},
    "R11": {"severity": "warning", "zh": "现行有效件数与上年数、本年制发和废止数衔接", "en": "documents in force continue from the year before"},
}
ERROR_RULES = tuple(r for r, d in RULES.items() if d["severity"] == "error")
