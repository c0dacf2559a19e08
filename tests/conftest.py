from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "reports"
SHARED = ROOT.parent / "shared"

KEYS = {
    "disclosures": ("item", "measure"),
    "requests": ("row", "applicant"),
    "litigation": ("proceeding", "result"),
}


def cells(report: dict[str, Any], table: str) -> dict[tuple[str, str], Any]:
    a, b = KEYS[table]
    out: dict[tuple[str, str], Any] = {}
    for c in report[table]:
        key = (c[a], c[b])
        assert key not in out, f"{table} {key} read twice"
        out[key] = c["value"]
    return out


def sample(name: str) -> Path:
    found = sorted(SAMPLES.glob(f"{name}*"))
    assert found, name
    return found[0]


def has_soffice() -> bool:
    from extract.readers.doc import soffice_path

    return soffice_path() is not None


def has_cjk_font() -> bool:
    from synth.render import CJK_FONT

    return CJK_FONT.exists()


needs_soffice = pytest.mark.skipif(not has_soffice(), reason="LibreOffice (soffice) is not installed")
needs_cjk_font = pytest.mark.skipif(not has_cjk_font(), reason="the WenQuanYi CJK font is not installed")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder (warehouse, raw store, outbox) for one test."""
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("XXGK_DATA_DIR", str(d))
    return d


@pytest.fixture(scope="session")
def soffice() -> str:
    path = shutil.which("soffice")
    if not path:
        pytest.skip("LibreOffice (soffice) is not installed")
    return path
