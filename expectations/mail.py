"""The failure mail: one per run, to SMTP if configured, else an .eml file in the outbox.

SMTP settings come from the environment (XXGK_SMTP_HOST, XXGK_SMTP_PORT, XXGK_SMTP_USER,
XXGK_SMTP_PASSWORD, XXGK_SMTP_STARTTLS, XXGK_MAIL_FROM, XXGK_MAIL_TO) or from Airflow's
`smtp_default` connection given as AIRFLOW_CONN_SMTP_DEFAULT (JSON or URI). Report text is
untrusted: every agency name, source and narrative is escaped.
"""

from __future__ import annotations

import html
import json
import os
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from expectations.rule_text import RULES
from extract.template.labels import cell_name


@dataclass
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False


@dataclass
class MailSettings:
    sender: str
    recipients: list[str]
    smtp: SmtpSettings | None
    outbox: Path
    itemise_warnings: bool = False
    data_docs_url: str | None = None


def settings_from_env(outbox: Path) -> MailSettings:
    env = os.environ
    smtp: SmtpSettings | None = None
    sender = env.get("XXGK_MAIL_FROM", "xxgk@localhost")
    if env.get("XXGK_SMTP_HOST"):
        smtp = SmtpSettings(
            host=env["XXGK_SMTP_HOST"],
            port=int(env.get("XXGK_SMTP_PORT", "25")),
            user=env.get("XXGK_SMTP_USER") or None,
            password=env.get("XXGK_SMTP_PASSWORD") or None,
            starttls=env.get("XXGK_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            ssl=env.get("XXGK_SMTP_SSL", "").lower() in ("1", "true", "yes"),
        )
    elif env.get("AIRFLOW_CONN_SMTP_DEFAULT"):
        smtp, conn_sender = _airflow_conn(env["AIRFLOW_CONN_SMTP_DEFAULT"])
        sender = env.get("XXGK_MAIL_FROM") or conn_sender or sender
    recipients = [r.strip() for r in env.get("XXGK_MAIL_TO", "data-engineers@localhost").split(",") if r.strip()]
    return MailSettings(
        sender=sender,
        recipients=recipients,
        smtp=smtp,
        outbox=outbox,
        itemise_warnings=env.get("XXGK_MAIL_WARNINGS", "summary") == "itemise",
        data_docs_url=env.get("XXGK_DATA_DOCS_URL") or None,
    )


def _airflow_conn(value: str) -> tuple[SmtpSettings, str | None]:
    value = value.strip()
    if value.startswith("{"):
        d = json.loads(value)
        extra = d.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra or "{}")
        return SmtpSettings(
            host=d.get("host", "localhost"),
            port=int(d.get("port") or 25),
            user=d.get("login") or None,
            password=d.get("password") or None,
            starttls=not extra.get("disable_tls", False) and bool(d.get("login")),
            ssl=not extra.get("disable_ssl", True),
        ), extra.get("from_email")
    u = urlparse(value)
    return SmtpSettings(host=u.hostname or "localhost", port=u.port or 25, user=unquote(u.username) if u.username else None,
                        password=unquote(u.password) if u.password else None), None


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _num(v: Any) -> str:
    if v is None:
        return "—"
    f = float(v)
    return str(int(f)) if f == int(f) else repr(f)


def compose(
    failures: list[dict[str, Any]],
    warnings: list[dict[str, Any]],
    settings: MailSettings,
    data_docs: Path | None,
    checked: int,
    unreadable: list[dict[str, Any]] | None = None,
    failing_reports: int | None = None,
    warning_counts: dict[str, int] | None = None,
) -> EmailMessage:
    """The mail of a validation. `failures` may be those of the first reports only: then
    `failing_reports` is how many have errors in all, and `warning_counts` the warnings per rule
    (a national year fails in tens of thousands of reports; a mail lists a readable part)."""
    by_report: dict[str, list[dict[str, Any]]] = {}
    for f in failures:
        by_report.setdefault(f["document_id"], []).append(f)
    n = max(len(by_report), failing_reports or 0)
    msg = EmailMessage()
    msg["Subject"] = f"[xxgk] {n} 份年报未通过勾稽关系校验 / {n} report(s) fail the balancing rules" + (
        f"; {len(unreadable)} 个文件无法读取 / {len(unreadable)} unreadable" if unreadable else ""
    )
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.recipients)
    msg["Message-ID"] = make_msgid(domain="xxgk.local")
    msg["Date"] = datetime.now(UTC)
    link = settings.data_docs_url or (data_docs.as_uri() if data_docs else None)

    text: list[str] = [f"本次校验 {checked} 份报告，{n} 份有错误。 {checked} report(s) checked, {n} with errors.", ""]
    parts: list[str] = [f"<p>本次校验 {checked} 份报告，<b>{n}</b> 份有错误。</p>"]
    if n > len(by_report):
        more = (f"此处列出前 {len(by_report)} 份，其余见 Data Docs 与 marts.fct_rule_results。"
                f" The first {len(by_report)} are listed here and in the attached CSV; every failing check is in"
                " marts.fct_rule_results (exports/fct_rule_results/*.parquet).")
        text += [more, ""]
        parts.append(f"<p>{_e(more)}</p>")
    for rows in by_report.values():
        head = rows[0]
        title = f"{_e(head['agency_name'] or '（未知机构）')} · {_e(head['report_year'])}年度"
        text += [f"■ {title}", f"  来源 source: {_e(head['source'])}"]
        parts.append(f"<h3>{title}</h3><p>来源 source: {_e(head['source'])}</p><ul>")
        for r in rows:
            rule = RULES[r["rule"]]
            diff = None if r["actual"] is None or r["expected"] is None else float(r["actual"]) - float(r["expected"])
            line = f"{r['rule']} {rule['zh']}（{_e(r['scope'])}）：应为 {_num(r['expected'])}，实为 {_num(r['actual'])}，差 {_num(diff)}"
            text.append(f"  - {line}")
            cells = json.loads(r["cells"]) if r.get("cells") else []
            # the cells that carry the story first: printed non-zero or missing
            telling = [c for c in cells if c.get("value") not in (0, 0.0)] or cells
            cell_text = "; ".join(f"{_e(cell_name(c.get('row'), c.get('col')))} = {_e(_shown(c))}" for c in telling[:12])
            if len(telling) > 12:
                cell_text += f"; …（共 {len(telling)} 格）"
            if cell_text:
                text.append(f"      单元格 cells: {cell_text}")
            parts.append(f"<li><b>{_e(r['rule'])}</b> {_e(rule['zh'])}（{_e(r['scope'])}）<br>应为 {_num(r['expected'])}，实为 {_num(r['actual'])}，差 {_num(diff)}<br><small>{cell_text}</small></li>")
        text.append("")
        parts.append("</ul>")
    if unreadable:
        text += [f"无法获取或读取的文件 files that could not be fetched or read: {len(unreadable)}"]
        parts.append(f"<h3>无法获取或读取的文件 ({len(unreadable)})</h3><ul>")
        for u in unreadable:
            text.append(f"  - {_e(u['source'])}: {_e(u['reason'])}")
            parts.append(f"<li>{_e(u['source'])}: {_e(u['reason'])}</li>")
        parts.append("</ul>")
        text.append("")
    counts: dict[str, int] = {r: c for r, c in (warning_counts or {}).items() if c}
    if warnings and not counts:
        for w in warnings:
            counts[w["rule"]] = counts.get(w["rule"], 0) + 1
    if counts:
        summary = "；".join(f"{rule} {RULES[rule]['zh']}：{c}" for rule, c in sorted(counts.items()))
        text += [f"提示 warnings: {summary}"]
        parts.append(f"<p>提示 warnings: {_e(summary)}</p>")
        if settings.itemise_warnings:
            for w in warnings:
                item = f"{_e(w['agency_name'])} {_e(w['report_year'])} {w['rule']} {_e(w['scope'])}: 应为 {_num(w['expected'])}，实为 {_num(w['actual'])}"
                text.append(f"  - {item}")
                parts.append(f"<p>{item}</p>")
    if link:
        text += ["", f"Data Docs: {link}"]
        parts.append(f'<p><a href="{_e(link)}">Data Docs</a></p>')
    msg.set_content("\n".join(text))
    msg.add_alternative("<html><body>" + "".join(parts) + "</body></html>", subtype="html")
    csv_lines = ["agency,report_year,source,rule,scope,expected,actual"]
    for r in failures:
        csv_lines.append(",".join(_csv(x) for x in (r["agency_name"], r["report_year"], r["source"], r["rule"], r["scope"], r["expected"], r["actual"])))
    msg.add_attachment("\n".join(csv_lines).encode("utf-8-sig"), maintype="text", subtype="csv", filename="failing_checks.csv")
    return msg


def _shown(cell: dict[str, Any]) -> str:
    printed, value = cell.get("printed"), cell.get("value")
    if value is not None:
        shown = _num(value)
        if printed is not None and "".join(str(printed).split()) != shown:
            return f"{shown}（印作“{printed}”）"  # as printed, e.g. "2 1" or "1,234"
        return shown
    if printed is not None:
        return str(printed)
    return f"（缺失 missing: {cell.get('missing') or 'not found'}）"


def _csv(v: Any) -> str:
    s = "" if v is None else str(v)
    return '"' + s.replace('"', '""') + '"' if any(ch in s for ch in ',"\n') else s


def send(msg: EmailMessage, settings: MailSettings) -> str:
    """Deliver by SMTP, or write an .eml to the outbox; return where it went."""
    if settings.smtp is None:
        settings.outbox.mkdir(parents=True, exist_ok=True)
        name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + ".eml"
        path = settings.outbox / name
        path.write_bytes(bytes(msg))
        return str(path)
    s = settings.smtp
    cls = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
    with cls(s.host, s.port, timeout=30) as client:
        if s.starttls:
            client.starttls()
        if s.user:
            client.login(s.user, s.password or "")
        client.send_message(msg, from_addr=settings.sender, to_addrs=settings.recipients)
    return f"smtp://{s.host}:{s.port}"
