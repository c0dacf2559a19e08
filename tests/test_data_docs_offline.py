"""Data Docs render with the network off: every asset is local, and the validation page names
the report (agency, year, rule, scope, cells) of a failing check."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from expectations.offline import ASSETS, VENDOR, external_loads
from expectations.validate import run_suite
from extract.settings import Paths
from synth.model import make_report
from tests.rules_helpers import run_rules

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OFFLINE = ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]


def _dom(page: Path, profile: Path) -> str:
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         *OFFLINE, "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, Path]:
    rep = make_report(random.Random(5), "某县交通运输局", 2023, busy=False)
    rep.published_on = date(2024, 1, 20)
    rep.requests[("new_received", "natural_person")] = int(rep.requests[("new_received", "natural_person")]) + 3
    rep.requests[("new_received", "total")] = int(rep.requests[("new_received", "total")]) + 3
    paths = Paths(tmp_path_factory.mktemp("docs")).ensure()
    checks = run_rules(paths, [("doc-2023", rep, {"agency_id": "a1"})])
    suite = run_suite(checks, paths)
    assert suite.page is not None
    return paths, suite.page


def test_no_link_loads_anything_from_outside(site) -> None:
    paths, _ = site
    assert external_loads(paths.data_docs) == []
    for rel in ASSETS.values():
        local = paths.data_docs / "static" / "vendor" / rel
        assert local.read_bytes() == (VENDOR / rel).read_bytes() and local.stat().st_size > 100


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (scripts/bootstrap.sh --system installs it)")
def test_validation_page_renders_offline_naming_the_report(site, tmp_path: Path) -> None:
    _, page = site
    dom = _dom(page, tmp_path / "profile")
    # bootstrap-table (a vendored script) turned the result tables into its widgets
    assert 'class="bootstrap-table bootstrap4"' in dom
    # the failing check's row names the report, the rule, the scope and its cells, in that order
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    assert re.search(r"某县交通运输局 2023 R1 applicant=natural_person new_received/natural_person=\d+", text), text[:3000]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (scripts/bootstrap.sh --system installs it)")
def test_the_same_page_with_cdn_links_does_not_render_offline(site, tmp_path: Path) -> None:
    """The control: offline, the page as GX wrote it (CDN links) stays a bare table."""
    _, page = site
    text = page.read_text(encoding="utf-8")
    for url, rel in ASSETS.items():
        text = re.sub(r"[./]*static/vendor/" + re.escape(rel), url, text)
    cdn = page.with_name("cdn.html")
    cdn.write_text(text, encoding="utf-8")
    dom = _dom(cdn, tmp_path / "profile")
    assert 'class="bootstrap-table bootstrap4"' not in dom
