"""Data Docs that render with no network: every asset GX links from a CDN is served from the docs folder.

The files are vendored in expectations/vendor/ at the versions the generated pages name (from
the npm registry with `npm pack`; `vega@5`-style links get the newest release of that major,
which is what jsDelivr serves); GX's own logo comes from its wheel. After each docs build,
`make_offline` copies them beside the pages and rewrites every link to a relative path.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor"

# the URL the pages link → the vendored file (npm package@version/path inside the package)
ASSETS: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker@1.9.0/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker@1.9.0/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "@fortawesome/fontawesome-free@6.6.0/css/all.min.css",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap@4.3.1/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap@4.3.1/dist/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js@1.12.9/dist/umd/popper.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery@3.7.1/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega@5.33.1/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite@5.23.0/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed@6.29.0/build/vega-embed.min.js",
}
# the logo (and tracking query) GX loads from S3: its own copy in the wheel instead
S3_IMAGE = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/[^\"')\s]*")
LOGO = "gx/logo-long.png"
# a link that loads something (src, stylesheet href, CSS url) from another machine
EXTERNAL_LOAD = re.compile(r"""(?:\bsrc=|<link[^>]*\bhref=|url\()["']?(https?:)?//""", re.IGNORECASE)


class MissingAsset(RuntimeError):
    pass


def _gx_logo() -> Path:
    import great_expectations

    return Path(great_expectations.__file__).parent / "render" / "view" / "static" / "images" / "logo-long.png"


def install_assets(docs_dir: Path) -> Path:
    """Copy the vendored files into docs_dir/static/vendor (once per version); return that folder."""
    target = docs_dir / "static" / "vendor"
    for rel in (*ASSETS.values(), *_fonts()):
        src, dst = VENDOR / rel, target / rel
        if not src.is_file():
            raise MissingAsset(f"{src}: vendored Data Docs asset missing (see expectations/offline.py)")
        if not dst.exists() or dst.stat().st_size != src.stat().st_size:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    logo = target / LOGO
    if not logo.exists():
        logo.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_gx_logo(), logo)
    return target


def _fonts() -> list[str]:
    base = "@fortawesome/fontawesome-free@6.6.0"
    return [f"{base}/webfonts/{p.name}" for p in sorted((VENDOR / base / "webfonts").glob("*"))]


def rewrite(text: str, page: Path, vendor: Path) -> str:
    """Point every CDN link of one page (or style sheet) at the local copy, as a relative path."""
    rel = Path(os.path.relpath(vendor, page.parent)).as_posix()
    for url in sorted(ASSETS, key=len, reverse=True):  # vega-lite@5 before vega@5
        text = re.sub(re.escape(url) + r"(?=[\"')\s?#])", f"{rel}/{ASSETS[url]}", text)
    return S3_IMAGE.sub(f"{rel}/{LOGO}", text)


def make_offline(docs_dir: Path) -> list[Path]:
    """Rewrite the pages of a Data Docs site to load nothing from outside; return the pages changed."""
    if not docs_dir.exists():
        return []
    vendor = install_assets(docs_dir)
    changed = []
    for page in [*docs_dir.rglob("*.html"), *docs_dir.glob("static/styles/*.css")]:
        text = page.read_text(encoding="utf-8")
        new = rewrite(text, page, vendor)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed.append(page)
    return changed


def external_loads(docs_dir: Path) -> list[tuple[Path, str]]:
    """Links left in the site that would load something from another machine (should be none)."""
    out = []
    for page in [*docs_dir.rglob("*.html"), *docs_dir.rglob("*.css")]:
        text = page.read_text(encoding="utf-8", errors="replace")
        out += [(page, text[m.start(): m.start() + 120]) for m in EXTERNAL_LOAD.finditer(text)]
    return out
