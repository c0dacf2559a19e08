"""Re-extraction: documents an older extractor read are read again; changed readings replace their rows."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from extract.load import connect
from extract.pipeline import build, ingest
from extract.reextract import reextract
from extract.settings import Paths
from extract.version import extractor_version
from synth.model import make_report
from synth.render import to_html, to_txt

AGENCIES = ("某县审计局", "某县统计局", "某县林业局", "某县水利局")


def _corpus(tmp: Path) -> list[Path]:
    files = []
    for i, name in enumerate(AGENCIES):
        rep = make_report(random.Random(i), name, 2023)
        rep.published_on = date(2024, 1, 15)
        f = tmp / f"r{i}.{'html' if i % 2 else 'txt'}"
        f.write_bytes(to_html(rep) if i % 2 else to_txt(rep))
        files.append(f)
    return files


def _q(con: duckdb.DuckDBPyConnection, sql: str, *args) -> list[tuple]:
    return con.execute(sql, list(args)).fetchall()


def _landed(tmp_path: Path) -> tuple[Paths, dict[str, str]]:
    paths = Paths(tmp_path / "data").ensure()
    files = _corpus(tmp_path)
    result = ingest(files, paths, workers=1)
    assert result.load.loaded == len(files)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    shas = {Path(s).name: sha for sha, s in _q(con, "select sha256, source from raw.documents")}
    con.close()
    return paths, shas


def _as_if_an_older_extractor_read(paths: Paths, shas: dict[str, str]) -> None:
    """r0 was read wrongly by an older version (one cell off, one cell lost, another status);
    r1 was read the same by an older version; r2 is current; r3's raw file has gone since."""
    con = connect(paths.warehouse)
    con.execute("update raw.documents set extractor_version = 'old000000000', extracted_at = timestamp '2024-02-01 00:00:00'"
                " where sha256 in (?, ?, ?)", [shas["r0.txt"], shas["r1.html"], shas["r3.html"]])
    con.execute("update raw.report_cells set value = value + 7, printed = printed || '7' where sha256 = ?"
                " and table_name = 'requests' and row_code = 'new_received' and col_code = 'total'", [shas["r0.txt"]])
    con.execute("delete from raw.report_cells where sha256 = ? and table_name = 'litigation' and row_code = 'review'"
                " and col_code = 'upheld'", [shas["r0.txt"]])
    con.execute("update raw.documents set status = 'partial' where sha256 = ?", [shas["r0.txt"]])
    raw = _q(con, "select raw_path from raw.documents where sha256 = ?", shas["r3.html"])[0][0]
    con.close()
    Path(raw).unlink()


def test_only_changed_readings_are_replaced(tmp_path: Path) -> None:
    paths, shas = _landed(tmp_path)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    truth = _q(con, "select table_name, row_code, col_code, value, printed from raw.report_cells where sha256 = ? order by all", shas["r0.txt"])
    loaded_at = dict(_q(con, "select sha256, loaded_at from raw.documents"))
    cells_before = _q(con, "select count(*) from raw.report_cells")[0][0]
    con.close()
    _as_if_an_older_extractor_read(paths, shas)

    result = reextract(paths, workers=1)
    assert (result.stale, result.reread, result.changed, result.unchanged) == (3, 2, 1, 1)
    assert [Path(s).name for s in result.missing_raw] == ["r3.html"]
    assert "1 changed, 1 unchanged" in result.text() and "raw file missing" in result.text()

    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        # the wrong reading is replaced whole: every cell as printed, the status of the new reading
        assert _q(con, "select table_name, row_code, col_code, value, printed from raw.report_cells where sha256 = ? order by all",
                  shas["r0.txt"]) == truth
        assert _q(con, "select count(*) from raw.report_cells")[0][0] == cells_before  # nothing doubled, nothing lost
        docs = {s: (v, st, ext, la) for s, v, st, ext, la in _q(
            con, "select sha256, extractor_version, status, extracted_at, loaded_at from raw.documents")}
        current = extractor_version()
        assert docs[shas["r0.txt"]][:2] == (current, "ok") and docs[shas["r0.txt"]][2].year >= 2026
        # the same reading: the new version confirms it, the time of the reading stays
        assert docs[shas["r1.html"]][0] == current and docs[shas["r1.html"]][2].year == 2024
        # the one with no raw file keeps what it had
        assert docs[shas["r3.html"]][0] == "old000000000"
        assert all(docs[s][3] == loaded_at[s] for s in shas.values())  # when first loaded stays
        assert _q(con, "select count(*) from raw.document_sources")[0][0] == len(AGENCIES)
    finally:
        con.close()

    again = reextract(paths, workers=1)  # nothing left to do but the file that is gone
    assert (again.stale, again.reread) == (1, 0)


def test_all_reads_everything_again_and_changes_nothing(tmp_path: Path) -> None:
    paths, _ = _landed(tmp_path)
    result = reextract(paths, everything=True, workers=2)
    assert (result.stale, result.reread, result.changed, result.unchanged) == (4, 4, 0, 4)


def test_hints_of_the_source_are_applied_again(tmp_path: Path) -> None:
    """An attachment whose agency came from the page that linked it keeps that agency when read again."""
    from extract.jobs import apply_hints
    from extract.load import Staged, load_batch
    from extract.rawstore import keep
    from extract.report import extract_bytes

    rep = make_report(random.Random(9), "某县审计局", 2023)
    text = to_txt(rep).decode("utf-8").replace("某县审计局", "本局")  # the file itself never names the agency
    data = text.encode("utf-8")
    paths = Paths(tmp_path / "data").ensure()
    _, raw = keep(paths.raw, data)
    report = extract_bytes(data, "http://x.example/a.txt")
    apply_hints(report, {"agency": "某县审计局", "report_year": 2023})
    assert report["hints"]["agency"] == "某县审计局"
    con = connect(paths.warehouse)
    load_batch(con, [Staged(report, str(raw), len(data), "2024-02-01T00:00:00")])
    con.execute("update raw.documents set extractor_version = 'old000000000'")
    result = reextract(paths, workers=1, con=con)
    assert result.reread == 1 and result.changed == 0
    assert _q(con, "select agency from raw.documents") == [("某县审计局",)]
    con.close()


@pytest.mark.slow
def test_marts_and_rules_follow_the_new_reading(tmp_path: Path) -> None:
    from expectations.validate import validate

    paths, shas = _landed(tmp_path)
    _as_if_an_older_extractor_read(paths, shas)
    build(paths)
    validate(paths, send_mail=False, publish_copy=False)

    def failing() -> set[str]:
        con = duckdb.connect(str(paths.warehouse), read_only=True)
        try:
            return {r for (r,) in _q(con, "select distinct rule from marts.fct_rule_results where document_id = ? and status = 'failed'",
                                     shas["r0.txt"])}
        finally:
            con.close()

    assert "R2" in failing()  # the older reading's wrong total breaks its row
    result = reextract(paths, workers=1)
    assert result.changed == 1
    build(paths)
    validate(paths, send_mail=False, publish_copy=False)
    assert "R2" not in failing()
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        assert _q(con, "select extractor_version from marts.dim_report where document_id = ?", shas["r0.txt"]) == [(extractor_version(),)]
        assert _q(con, "select count(*) from marts.dim_report")[0][0] == len(AGENCIES)
    finally:
        con.close()


def test_cli_reextract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from extract.cli import main

    paths, shas = _landed(tmp_path)
    monkeypatch.setenv("XXGK_DATA_DIR", str(paths.data))
    con = connect(paths.warehouse)
    con.execute("update raw.documents set extractor_version = 'old000000000' where sha256 = ?", [shas["r2.txt"]])
    con.close()
    out = CliRunner().invoke(main, ["reextract", "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert "1 of 1 document(s) read again, 0 changed, 1 unchanged" in out.output
    out = CliRunner().invoke(main, ["reextract"])
    assert "every document is read by the current extractor" in out.output
