"""Render a Superset dashboard in headless Chromium and save a PNG (run with Superset's Python).

    python deploy/superset/screenshot.py BASE_URL SLUG OUT.png

Logs in with SUPERSET_ADMIN_USER / SUPERSET_ADMIN_PASSWORD (form login; the session cookie is
handed to the browser), opens /superset/dashboard/SLUG/, waits until every chart has rendered
(no loading spinner left, each chart holding a canvas, svg or table), saves the page, and prints
one JSON line: the PNG path and, per chart, its title, its box in the PNG, and whether it shows
an error. Uses Debian's chromium and chromedriver (selenium is a Superset dependency).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

WIDTH, HEIGHT = 1600, 2600
CHART_JS = """
return Array.from(document.querySelectorAll('.dashboard-component-chart-holder')).map(h => {
  const r = h.getBoundingClientRect();
  const title = h.querySelector('.header-title, [data-test="editable-title"], .editable-title');
  return {
    title: title ? title.innerText.trim() : '',
    box: [Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom)],
    loading: !!h.querySelector('.loading, [aria-label="loading"], .ant-skeleton'),
    drawn: !!h.querySelector('canvas, svg, table'),
    error: !!h.querySelector('.alert-danger, .ant-alert-error, [role="alert"]'),
    text: h.innerText.slice(0, 300),
  };
});
"""


def _driver(profile: str) -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars"):
        opts.add_argument(arg)
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(options=opts, service=Service(executable_path=driver_path))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: screenshot.py BASE_URL SLUG OUT.png", file=sys.stderr)
        return 2
    base, slug, out = argv[0].rstrip("/"), argv[1], argv[2]
    session = requests.Session()
    login = session.post(f"{base}/login/", data={"username": os.environ.get("SUPERSET_ADMIN_USER", "admin"),
                                                  "password": os.environ["SUPERSET_ADMIN_PASSWORD"]}, allow_redirects=False)
    if "session" not in session.cookies or session.get(f"{base}/api/v1/me/").status_code != 200:
        print(f"screenshot: login to {base} failed (HTTP {login.status_code})", file=sys.stderr)
        return 1
    profile = tempfile.mkdtemp(prefix="xxgk-chromium-")
    driver = _driver(profile)
    try:
        driver.get(f"{base}/health")
        driver.add_cookie({"name": "session", "value": session.cookies["session"], "path": "/"})
        driver.get(f"{base}/superset/dashboard/{slug}/?standalone=1")
        deadline = time.monotonic() + float(os.environ.get("XXGK_SCREENSHOT_TIMEOUT_S", "90"))
        charts: list[dict] = []
        while time.monotonic() < deadline:
            charts = driver.execute_script(CHART_JS)
            if charts and all(not c["loading"] and (c["drawn"] or c["error"]) for c in charts):
                break
            time.sleep(0.5)
        time.sleep(1.5)  # ECharts animates its first draw
        charts = driver.execute_script(CHART_JS)
        scale = driver.execute_script("return window.devicePixelRatio") or 1
        driver.save_screenshot(out)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps({"png": out, "device_pixel_ratio": scale, "charts": charts}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
