"""The sources file: validated on load, errors name the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.sources import SourcesError, load_sources
from tests.conftest import ROOT


def test_bundled_sample_sources() -> None:
    sf = load_sources(ROOT / "samples" / "sources.yml")
    assert [s.kind for s in sf.enabled()] == ["folder", "folder"]
    assert sf.folder(sf.sources[0]) == (ROOT / "samples" / "reports").resolve()
    # the main job's samples include a scan (read by OCR)
    scans = sf.folder(sf.sources[1])
    assert scans == (ROOT / "samples" / "scans").resolve() and any(f.suffix == ".pdf" for f in scans.iterdir())


def test_production_example_is_valid() -> None:
    sf = load_sources(ROOT / "config" / "sources.example.yml")
    assert {s.kind for s in sf.sources} == {"folder", "listing", "url"}


def test_errors_name_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "s.yml"
    bad.write_text(
        "defaults:\n  timeout_s: -1\nsources:\n  - name: a\n    kind: url\n    urls: [file:///etc/passwd]\n"
        "  - name: b\n    kind: listing\n    ur: http://x\n  - name: c\n    kind: ftp\n",
        encoding="utf-8",
    )
    with pytest.raises(SourcesError) as err:
        load_sources(bad)
    text = str(err.value)
    assert f"{bad}: line 2: defaults.timeout_s" in text
    assert "line 6: sources.0.urls" in text and "http and https" in text
    assert "line 7: sources.1.url: Field required" in text
    assert "line 9: sources.1.ur" in text
    assert "sources.2" in text


def test_duplicate_names_and_bad_yaml(tmp_path: Path) -> None:
    dup = tmp_path / "d.yml"
    dup.write_text("sources:\n  - {name: a, kind: folder, path: x}\n  - {name: a, kind: folder, path: y}\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="unique"):
        load_sources(dup)
    broken = tmp_path / "b.yml"
    broken.write_text("sources: [\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="not valid YAML"):
        load_sources(broken)
