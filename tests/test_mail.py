"""The failure mail through a real SMTP server on loopback (aiosmtpd), and escaping."""

from __future__ import annotations

import email
import json
import shutil
import socket
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from expectations.mail import MailSettings, SmtpSettings, compose, send, settings_from_env
from expectations.validate import validate
from extract.pipeline import build, ingest
from extract.settings import Paths
from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("XXGK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("XXGK_SMTP_PORT", str(port))
    monkeypatch.setenv("XXGK_MAIL_TO", "auditor@example.org, desk@example.org")
    monkeypatch.setenv("XXGK_MAIL_FROM", "xxgk@example.org")
    yield inbox
    controller.stop()


def _warehouse(tmp_path: Path, names: list[str]) -> Paths:
    paths = Paths(tmp_path / "data").ensure()
    src = tmp_path / "in"
    src.mkdir()
    for n in names:
        shutil.copy(next(SAMPLES.glob(f"{n}*")), src)
    ingest(sorted(src.iterdir()), paths)
    build(paths)
    return paths


def test_failing_reports_are_mailed(tmp_path: Path, smtp: Inbox) -> None:
    paths = _warehouse(tmp_path, ["pingtan-2019", "pingtan-2020", "001"])
    summary = validate(paths)
    assert summary.failing_reports == 1
    assert len(smtp.messages) == 1
    rcpts, raw = smtp.messages[0]
    assert sorted(rcpts) == ["auditor@example.org", "desk@example.org"]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert "1 份年报未通过" in msg["Subject"] and "1 report(s)" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert "平潭综合实验区 · 2020年度" in body
    assert "pingtan-2020.html" in body
    assert "R3" in body and "应为 21，实为 27，差 6" in body
    assert "予以公开/总计 = 7" in body and "部分公开/总计 = 6" in body and "（七）总计/总计 = 21" in body
    assert "R9" in body  # seed 001's warning is summarised, not itemised
    assert "大武口区" not in body
    html = msg.get_body(("html",)).get_content()
    assert "R3" in html
    attachments = [p.get_filename() for p in msg.iter_attachments()]
    assert "failing_checks.csv" in attachments
    assert not list(paths.outbox.glob("*.eml"))


def test_a_national_year_is_counted_not_itemised(tmp_path: Path, smtp: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the limits (here 0) Great Expectations counts the unexpected checks instead of naming
    each one, and the mail lists the first reports only: a national year fails in tens of
    thousands of reports (a 345 MB mail and 5 GB of validation before these limits)."""
    monkeypatch.setenv("XXGK_GX_NAMED_LIMIT", "0")
    monkeypatch.setenv("XXGK_MAIL_MAX_REPORTS", "0")
    paths = _warehouse(tmp_path, ["pingtan-2019", "pingtan-2020", "001"])
    summary = validate(paths)
    assert summary.failing_reports == 1
    assert summary.per_rule["R3"]["failed"] > 0  # counted by Great Expectations and SQL alike (else it raises)
    assert summary.data_docs is not None and summary.data_docs.exists()
    msg = email.message_from_bytes(smtp.messages[0][1], policy=policy.default)
    assert "1 份年报未通过" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert "The first 0 are listed" in body and "marts.fct_rule_results" in body
    assert "平潭综合实验区 · 2020年度" not in body
    assert "R9" in body  # the warnings are still counted


def test_no_failures_sends_nothing(tmp_path: Path, smtp: Inbox) -> None:
    paths = _warehouse(tmp_path, ["000", "pingtan-2019"])
    summary = validate(paths)
    assert summary.errors == 0
    assert smtp.messages == []
    assert summary.mail is None


def test_untrusted_text_is_escaped() -> None:
    row = {
        "document_id": "d", "agency_name": "<script>alert(1)</script>某局", "report_year": 2023,
        "source": "http://x/<img src=x onerror=alert(1)>", "rule": "R1", "scope": "applicant=total",
        "expected": 1.0, "actual": 2.0, "cells": json.dumps([{"row": "new_received", "col": "total", "printed": "<b>2</b>"}]),
    }
    settings = MailSettings("a@b", ["c@d"], None, Path("/nonexistent"))
    raw = bytes(compose([row], [], settings, None, 1))
    msg = email.message_from_bytes(raw, policy=policy.default)
    for part in (msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()):
        assert "<script>" not in part and "<img" not in part and "<b>2</b>" not in part
        assert "&lt;script&gt;" in part


def test_outbox_when_no_smtp(tmp_path: Path) -> None:
    settings = MailSettings("a@b", ["c@d"], None, tmp_path / "outbox")
    where = send(compose([], [], settings, None, 0), settings)
    assert Path(where).exists() and Path(where).suffix == ".eml"


def test_airflow_connection_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XXGK_SMTP_HOST", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(
        {"conn_type": "smtp", "host": "mail.internal", "port": 2525, "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "ops@x"}}))
    s = settings_from_env(tmp_path)
    assert s.smtp == SmtpSettings(host="mail.internal", port=2525, user=None, password=None, starttls=False, ssl=False)
    assert s.sender == "ops@x"
